/* The contract between a boot path and kernel_main().
 *
 * Each boot path (PVH for `qemu -kernel`, the UEFI loader) fills one struct boot_info
 * and enters the kernel in 64-bit long mode with interrupts off, the first 4 GiB
 * identity-mapped, and %rdi pointing at it. Everything it points to lies in memory the
 * boot path has reserved (listed in `reserved`), so the kernel's page allocator never
 * hands it out. */
#ifndef VMGATE_BOOTINFO_H
#define VMGATE_BOOTINFO_H

#include <stdint.h>
#include <stddef.h>

#define BOOT_MEM_MAX      128
#define BOOT_RESERVED_MAX 32
#define BOOT_FILES_MAX    64

enum boot_mem_type { BOOT_MEM_USABLE = 1, BOOT_MEM_RESERVED = 2, BOOT_MEM_ACPI = 3 };

struct boot_mem_region {
    uint64_t base;
    uint64_t len;
    uint32_t type;               /* enum boot_mem_type */
};

struct boot_range {
    uint64_t base;
    uint64_t len;
};

/* A file handed over by the boot path: vmgate.conf, or files of the TFTP root. */
struct boot_file {
    char name[96];               /* path relative to the root, '/'-separated */
    const void *data;
    uint64_t len;
};

struct boot_info {
    uint32_t magic;              /* BOOT_INFO_MAGIC */
    const char *boot_path;       /* "pvh" or "uefi" */
    const char *cmdline;         /* configuration from the command line, or NULL */
    const char *config;          /* configuration file contents, or NULL */
    uint64_t config_len;
    uint64_t rsdp;               /* ACPI RSDP physical address, 0 if unknown */
    uint32_t n_mem;
    struct boot_mem_region mem[BOOT_MEM_MAX];
    uint32_t n_reserved;
    struct boot_range reserved[BOOT_RESERVED_MAX];
    uint32_t n_files;
    struct boot_file files[BOOT_FILES_MAX];
    /* The first boot module as loaded (PVH: QEMU's -initrd), or NULL. The kernel
     * (lwip-port/bootfiles.c) decides what it is: a newc cpio archive (its
     * vmgate.conf becomes `config`, its tftp/ folder the TFTP root) or a plain
     * configuration text (then `config` is the module itself). */
    const void *initrd;
    uint64_t initrd_len;
};

#define BOOT_INFO_MAGIC 0x76676274u  /* "vgbt" */

/* Append a reserved range; silently ignored past BOOT_RESERVED_MAX (the caller
 * sized the array for every range a boot path can produce). */
static inline void boot_reserve(struct boot_info *bi, uint64_t base, uint64_t len)
{
    if (bi->n_reserved < BOOT_RESERVED_MAX && len) {
        bi->reserved[bi->n_reserved].base = base;
        bi->reserved[bi->n_reserved].len = len;
        bi->n_reserved++;
    }
}

void kernel_main(struct boot_info *bi) __attribute__((noreturn));

#endif
