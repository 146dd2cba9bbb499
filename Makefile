# vmgate build. `./setup` first (installs Debian packages, builds lwIP/newlib into
# build/third_party); then:
#   make            build/vmgate.elf (qemu -kernel), build/vmgate.efi, build/vmgate.img
#   make run        boot vmgate under QEMU on its default configuration
#   make check      the whole test suite (what .ci/run runs)
#   make unit       host unit tests only (ASan/UBSan)
#   make selftest   the tests of tests/run and of the lab's checks (seconds, no QEMU)
#   make bench      benchmarks, written to docs/BENCHMARKS.md

TP      := build/third_party
NEWLIB  := $(TP)/newlib
LWIPDIR := $(TP)/lwip/src
B       := build/k

CC      := gcc
LD      := ld
NM      := nm
OBJCOPY := objcopy
LIBGCC  := $(shell $(CC) -print-libgcc-file-name)
GCCINC  := $(shell $(CC) -print-file-name=include)

# The kernel: freestanding, identity-mapped at 1 MiB (no PIC), no red zone since
# interrupts land on the running stack; frame pointers for readable backtraces.
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
           -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
           -fno-asynchronous-unwind-tables -fno-strict-aliasing \
           -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
           -nostdinc -isystem $(NEWLIB)/include -isystem $(GCCINC) \
           -I. -Ilwip-port/include -I$(LWIPDIR)/include -DVMGATE_KERNEL
# lwIP is third-party code: build it as it comes, without our warnings.
LWIP_CFLAGS := $(filter-out -Wall -Wextra,$(KCFLAGS)) -w

KSRC := $(wildcard boot/*.S boot/*.c kernel/*.S kernel/*.c drivers/*.c lwip-port/*.c net/*.c)
LWIP_SRC := $(addprefix $(LWIPDIR)/, \
	core/def.c core/dns.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c \
	core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c core/ipv4/igmp.c \
	netif/ethernet.c)

KOBJ := $(patsubst %,$(B)/%.o,$(basename $(KSRC)))
LWIP_OBJ := $(patsubst $(LWIPDIR)/%.c,$(B)/lwip/%.o,$(LWIP_SRC))

.PHONY: all run check unit fuzz lab bench clean distclean setup-check
all: build/vmgate.elf build/vmgate.efi build/vmgate.img

setup-check:
	@test -f $(NEWLIB)/lib/libc.a -a -d $(LWIPDIR)/core || \
	  { echo "third-party parts missing: run ./setup first (as root)"; exit 1; }

$(B)/%.o: %.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/%.o: %.S | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/lwip/%.o: $(LWIPDIR)/%.c | setup-check
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@

KLINK = $(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -T kernel/kernel.ld

# Two links: the first gives the addresses, tools/ksyms.sh turns them into a symbol
# table, the second adds that table in a segment of its own after everything else,
# so no address moves.
build/vmgate.elf: $(KOBJ) $(LWIP_OBJ) kernel/kernel.ld tools/ksyms.sh
	@echo "  LD  $@"
	@$(KLINK) -o $@.pass1 $(KOBJ) $(LWIP_OBJ) --start-group $(NEWLIB)/lib/libc.a $(LIBGCC) --end-group
	@tools/ksyms.sh $(NM) $@.pass1 > $(B)/ksyms.S
	@$(CC) $(KCFLAGS) -c $(B)/ksyms.S -o $(B)/ksyms.o
	@$(KLINK) -o $@ $(KOBJ) $(LWIP_OBJ) $(B)/ksyms.o --start-group $(NEWLIB)/lib/libc.a $(LIBGCC) --end-group
	@rm -f $@.pass1

include boot/efi/efi.mk
include images/images.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tests/lab/lab.mk
include tests/selftest/selftest.mk
include tests/bench/bench.mk
include tools/tools.mk

clean:
	rm -rf build/k build/efi build/unit build/fuzz build/vmgate.*

distclean:
	rm -rf build

-include $(KOBJ:.o=.d) $(LWIP_OBJ:.o=.d)
