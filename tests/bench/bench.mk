# Benchmarks: `make bench` measures vmgate against the direct link, a Linux router VM
# and QEMU's user networking and writes docs/BENCHMARKS.md (tests/bench/README.md).
# Not part of the test suite. Needs root, like the lab.
#   make bench                          full run (about 10 minutes on 2 cores)
#   BENCH_QUICK=1 make bench            smoke run (1 x 3 s per measurement, no profile)
#   BENCH_ONLY=vmgate,direct make bench some paths only (BENCH_ONLY=pxe: the PXE part;
#                                       the report keeps the parts a run did not measure)
# Namespaces are named vmgb<pid>-N unless VMGATE_LAB_PREFIX says otherwise.

bench: build/vmgate.elf lab-guest
	@BENCH_COMMAND="make bench" VMGATE_LAB_PREFIX=$${VMGATE_LAB_PREFIX:-vmgb} python3 tests/bench/bench.py
