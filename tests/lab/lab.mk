# The lab: Linux guests, namespaces and QEMU topologies (tests/lab/README.md).
# Included by the top-level Makefile.
#   make lab-guest   build/lab/{vmlinuz,vmlinux,guest.cpio,guest.cpio.gz} (cached)
#   make check       the whole test suite, as CI runs it (tests/run)

.PHONY: lab-guest check

lab-guest:
	@python3 tests/lab/guest/build.py

check:
	tests/run
