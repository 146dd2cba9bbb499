# Bootable artefacts. Included by the top-level Makefile.
#
#   make build/vmgate.img                      64 MiB GPT disk, ESP with the loader and
#                                              images/vmgate.conf
#   make build/vmgate.img IMG_SIZE_MB=256      another size
#   make build/vmgate.img VMGATE_CONF=my.conf  another configuration as \vmgate.conf
#   make build/vmgate.img TFTP_ROOT=dir        dir copied to \tftp on the ESP
#   make run-uefi                              boot the image under OVMF (serial on stdio)

IMG_SIZE_MB ?= 64
VMGATE_CONF ?= images/vmgate.conf
TFTP_ROOT   ?=
OVMF        ?= /usr/share/ovmf/OVMF.fd

# The image depends on these settings and on the TFTP root's contents, which make
# cannot see as prerequisites: a stamp that changes only when they do.
IMG_VARS := $(IMG_SIZE_MB) $(abspath $(VMGATE_CONF)) \
            $(if $(TFTP_ROOT),$(abspath $(TFTP_ROOT)) $(shell cd '$(TFTP_ROOT)' 2>/dev/null && \
              find . -printf '%P %s %T@\n' | sort | md5sum | cut -c1-32))

build/vmgate.img.vars: FORCE
	@mkdir -p $(dir $@)
	@echo '$(IMG_VARS)' | cmp -s - $@ || echo '$(IMG_VARS)' > $@

build/vmgate.img: build/vmgate.efi $(VMGATE_CONF) images/mkimg.sh build/vmgate.img.vars
	IMG_SIZE_MB=$(IMG_SIZE_MB) images/mkimg.sh $@ build/vmgate.efi $(VMGATE_CONF) $(TFTP_ROOT)

.PHONY: run-uefi FORCE
FORCE:
run-uefi: build/vmgate.img
	qemu-system-x86_64 -nodefaults -display none -serial stdio -m 256 -bios $(OVMF) \
	  -drive file=build/vmgate.img,format=raw,if=virtio $(QEMU_EXTRA)
