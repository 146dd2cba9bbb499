# Host unit tests (included by the top-level Makefile).
#
#   make unit               build build/unit/unit_tests and run every test
#   make unit T=config_     run only the tests whose names contain "config_"
#
# The binary is every tests/unit/*.c, every net/*.c (a new module joins by being
# there), the glue below and lwIP's core (the kernel's LWIP_SRC list) built for the host, all under
# ASan and UBSan, with any sanitizer report fatal. VMGATE_HOST_TEST selects the host
# block of lwipopts.h: lwIP allocates through malloc, so ASan watches pbufs too.
# Our code builds with -Werror here: net/ is also built by the kernel, and a warning
# on the host is the same mistake there.

UNIT_B        := build/unit
UNIT_CC       := gcc
UNIT_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(UNIT_SAN) \
                 -I. -Itests/unit -Ilwip-port/include -I$(LWIPDIR)/include -DVMGATE_HOST_TEST \
                 -DVMGATE_UNIT_GLUE
UNIT_WARN     := -Wall -Wextra -Wno-unused-parameter -Werror
# The glue between the NICs, lwIP and net/ is built as the kernel builds it, with
# lwIP's IPv4 input hook on (VMGATE_UNIT_GLUE), so that frames go through the same
# path; the tests drive it through fake NICs (tests/unit/glue_fixture.c).
UNIT_GLUE_SRC := drivers/nic.c $(addprefix lwip-port/, alias.c fastpath.c hooks.c http_glue.c \
                 bridged_glue.c icmp_err.c nat_glue.c ndp_glue.c nicif.c pmtu_icmp.c switch_glue.c tftp_glue.c ttl_icmp.c \
                 tunnel_glue.c)
UNIT_SRC      := $(wildcard tests/unit/*.c) $(wildcard net/*.c) $(UNIT_GLUE_SRC)
# The kernel's pure parts.
UNIT_SRC      += kernel/budget.c
# Drivers tested against register-level models (their bus glue stays kernel-only).
UNIT_SRC      += drivers/pcnet.c drivers/pcnet_chip.c drivers/pcnet_ring.c
# Everything of the e1000 but its PCI probe (drivers/e1000.c), against tests/unit/e1000_model.c.
UNIT_SRC      += $(wildcard drivers/e1000_*.c)
UNIT_OBJ      := $(patsubst %.c,$(UNIT_B)/%.o,$(UNIT_SRC))
UNIT_LWIP_OBJ := $(patsubst $(LWIPDIR)/%.c,$(UNIT_B)/lwip/%.o,$(LWIP_SRC))
# Leaks outside lwIP's bookkeeping (a test's own malloc) are LeakSanitizer's.
UNIT_ENV      := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
                 UBSAN_OPTIONS=print_stacktrace=1

# Archives that tools/mkinitrd packs from tests/unit/data/mkinitrd at build time,
# read back by test_mkinitrd.c through net/cpio.c: the tool and the reader agree.
UNIT_MKINITRD_SRC := $(shell find tests/unit/data/mkinitrd -type f 2>/dev/null)
UNIT_MKINITRD     := $(UNIT_B)/mkinitrd.cpio $(UNIT_B)/mkinitrd-crc.cpio
$(UNIT_B)/mkinitrd.cpio: tools/mkinitrd $(UNIT_MKINITRD_SRC)
	@mkdir -p $(dir $@)
	@tools/mkinitrd -c tests/unit/data/mkinitrd/vmgate.conf -t tests/unit/data/mkinitrd/tftp -o $@ >/dev/null
$(UNIT_B)/mkinitrd-crc.cpio: tools/mkinitrd $(UNIT_MKINITRD_SRC)
	@mkdir -p $(dir $@)
	@tools/mkinitrd --crc -c tests/unit/data/mkinitrd/vmgate.conf -t tests/unit/data/mkinitrd/tftp -o $@ >/dev/null

unit: $(UNIT_B)/unit_tests $(UNIT_MKINITRD)
	@$(UNIT_ENV) $(UNIT_B)/unit_tests $(T)

$(UNIT_B)/unit_tests: $(UNIT_OBJ) $(UNIT_LWIP_OBJ) $(UNIT_B)/objects.list
	@echo "  LD  $@"; $(UNIT_CC) $(UNIT_SAN) -o $@ $(UNIT_OBJ) $(UNIT_LWIP_OBJ)

# The list of objects as a file that changes only when the list does, so that
# deleting or renaming a source file relinks the binary without it.
.PHONY: unit-objects-check
$(UNIT_B)/objects.list: unit-objects-check
	@mkdir -p $(dir $@)
	@echo '$(UNIT_OBJ)' | cmp -s - $@ || echo '$(UNIT_OBJ)' > $@

$(UNIT_B)/%.o: %.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $< (unit)"; $(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_WARN) -MMD -MP -c $< -o $@

# lwIP is third-party code: built as it comes, without our warnings.
$(UNIT_B)/lwip/%.o: $(LWIPDIR)/%.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $< (unit)"; $(UNIT_CC) $(UNIT_CFLAGS) -w -MMD -MP -c $< -o $@

-include $(UNIT_OBJ:.o=.d) $(UNIT_LWIP_OBJ:.o=.d)
