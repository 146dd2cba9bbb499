# libFuzzer targets (included by the top-level Makefile).
#
#   make fuzz                           build and run every tests/fuzz/fuzz_*.c
#   make fuzz FUZZ_SECONDS=60           run each for 60 s (default 20)
#   make fuzz FUZZ_TARGETS=fuzz_config  only these targets
#
# A target is one file, tests/fuzz/fuzz_NAME.c, defining LLVMFuzzerTestOneInput;
# its seeds go in tests/fuzz/corpus/fuzz_NAME/ and an optional dictionary in
# tests/fuzz/fuzz_NAME.dict. It is linked with every net/*.c, lwIP's core (the
# kernel's LWIP_SRC) and tests/fuzz/host_port.c, all built by clang with coverage
# instrumentation under ASan and UBSan, and with lwipopts.h's host block
# (VMGATE_HOST_TEST): lwIP allocates with malloc, so ASan watches pbufs too.
# tests/fuzz/run_target.sh runs each one and prints PASS/FAIL fuzz/<name>.

FUZZ_B        := build/fuzz
FUZZ_CC       := clang
FUZZ_SECONDS  ?= 20
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                 -I. -Itests/fuzz -Ilwip-port/include -I$(LWIPDIR)/include -DVMGATE_HOST_TEST
FUZZ_WARN     := -Wall -Wextra -Wno-unused-parameter -Werror
FUZZ_SRC      := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    := $(basename $(notdir $(FUZZ_SRC)))
FUZZ_TARGETS  ?= $(FUZZ_NAMES)
FUZZ_LIB_OBJ  := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(wildcard net/*.c) tests/fuzz/host_port.c)
FUZZ_LWIP_OBJ := $(patsubst $(LWIPDIR)/%.c,$(FUZZ_B)/lwip/%.o,$(LWIP_SRC))

fuzz: $(addprefix $(FUZZ_B)/,$(FUZZ_TARGETS))
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  tests/fuzz/run_target.sh $(FUZZ_B)/$$t $$t $(FUZZ_SECONDS) || fail=1; \
	done; exit $$fail

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ) $(FUZZ_LWIP_OBJ) $(FUZZ_B)/objects.list
	@echo "  LD  $@"; $(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(FUZZ_LWIP_OBJ)

# As in unit.mk: relink when a net/ file comes or goes.
.PHONY: fuzz-objects-check
$(FUZZ_B)/objects.list: fuzz-objects-check
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_LIB_OBJ)' | cmp -s - $@ || echo '$(FUZZ_LIB_OBJ)' > $@

$(FUZZ_B)/obj/%.o: %.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"; $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -MMD -MP -c $< -o $@

$(FUZZ_B)/lwip/%.o: $(LWIPDIR)/%.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"; $(FUZZ_CC) $(FUZZ_CFLAGS) -w -MMD -MP -c $< -o $@

# Objects reached only through the pattern rule above would count as intermediate
# and be deleted after every build; keep them.
.SECONDARY: $(patsubst %,$(FUZZ_B)/obj/tests/fuzz/%.o,$(FUZZ_NAMES)) $(FUZZ_LIB_OBJ) $(FUZZ_LWIP_OBJ)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_LWIP_OBJ:.o=.d) $(patsubst %,$(FUZZ_B)/obj/tests/fuzz/%.d,$(FUZZ_NAMES))
