# tests/run's own tests and the lab's teardown check (tests/selftest/selftest.py).
# Included by the top-level Makefile; tests/run runs them as the `selftest` group.
#   make selftest             every one (a few seconds: fake trees, no QEMU, no root)
#   make selftest T=missing   those whose names contain "missing"

.PHONY: selftest
selftest:
	@python3 tests/selftest/selftest.py $(T)
