# The UEFI loader, build/vmgate.efi: a GNU-EFI application (PE32+) that embeds
# build/vmgate.elf. Included by the top-level Makefile.
#
# gnu-efi's recipe for x86_64: compile position-independent with 16-bit wchar_t, no
# red zone (firmware interrupts run on our stack), link as a shared object with
# gnu-efi's linker script, crt0 (which applies the relocations and calls efi_main)
# and its libraries, then let objcopy rewrite the sections as a PE32+ EFI application.

GNUEFI_INC := /usr/include/efi
GNUEFI_LIB := /usr/lib
EFI_B      := build/efi

# GNU_EFI_USE_MS_ABI: the firmware's function pointers are declared ms_abi, so they
# are called directly instead of through uefi_call_wrapper.
EFI_CFLAGS := -std=gnu11 -O2 -g -fpic -fshort-wchar -mno-red-zone -ffreestanding \
              -fno-stack-protector -fno-strict-aliasing -fno-asynchronous-unwind-tables \
              -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
              -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
              -I$(GNUEFI_INC) -I$(GNUEFI_INC)/x86_64 -I.
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -z noexecstack \
               -T $(GNUEFI_LIB)/elf_x86_64_efi.lds

EFI_SRC := $(wildcard boot/efi/*.c boot/efi/*.S)
EFI_OBJ := $(patsubst boot/efi/%,$(EFI_B)/%.o,$(basename $(EFI_SRC)))

efi-check:
	@test -f $(GNUEFI_INC)/efi.h -a -f $(GNUEFI_LIB)/crt0-efi-x86_64.o -a -f $(GNUEFI_LIB)/libgnuefi.a || \
	  { echo "gnu-efi missing ($(GNUEFI_INC), $(GNUEFI_LIB)): run ./setup first (as root)"; exit 1; }
.PHONY: efi-check

$(EFI_B)/%.o: boot/efi/%.c | efi-check
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

# The kernel as embedded: the same PT_LOAD contents, without debug information.
$(EFI_B)/kernel.elf: build/vmgate.elf
	@mkdir -p $(dir $@)
	$(OBJCOPY) --strip-debug $< $@

$(EFI_B)/%.o: boot/efi/%.S | efi-check
	@mkdir -p $(dir $@)
	@echo "  AS  $<"; $(CC) $(EFI_CFLAGS) -DKERNEL_ELF='"$(EFI_B)/kernel.elf"' -MMD -MP -c $< -o $@

$(EFI_B)/kernel_blob.o: $(EFI_B)/kernel.elf

# gnu-efi's crt0 applies only R_X86_64_RELATIVE relocations: refuse anything else,
# and check that the embedded kernel made it into the PE image's .data.
$(EFI_B)/vmgate.so: $(EFI_OBJ)
	$(LD) $(EFI_LDFLAGS) $(GNUEFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) \
	  -L$(GNUEFI_LIB) -lefi -lgnuefi -o $@
	@if readelf -rW $@ | awk '/^[0-9a-f]+ +[0-9a-f]+ R_X86_64_/ && $$3 != "R_X86_64_RELATIVE"' | grep .; then \
	  echo "$@: relocations other than R_X86_64_RELATIVE (see above)"; rm -f $@; exit 1; fi

build/vmgate.efi: $(EFI_B)/vmgate.so $(EFI_B)/kernel.elf
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
	  -j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
	  --target efi-app-x86_64 --subsystem=10 $< $@
	@kb=$$(stat -c %s $(EFI_B)/kernel.elf); eb=$$(stat -c %s $@); \
	  if [ $$eb -le $$kb ]; then echo "$@ ($$eb bytes) is smaller than the kernel it embeds ($$kb)"; rm -f $@; exit 1; fi
	@echo "  EFI $@ ($$(stat -c %s $@) bytes, kernel $$(stat -c %s $(EFI_B)/kernel.elf) bytes)"

-include $(EFI_OBJ:.o=.d)
