/* The PVH boot path (`qemu-system-x86_64 -kernel vmgate.elf`): turns the Xen PVH
 * hvm_start_info that QEMU's pvh option ROM builds into our struct boot_info.
 * Layout from Xen's public/arch-x86/hvm/start_info.h (the PVH ABI). */
#include "bootinfo.h"
#include "../kernel/console.h"

#include <string.h>

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;        /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;                /* E820 types: 1 RAM, 2 reserved, 3 ACPI, 4 NVS */
    uint32_t reserved;
};

static struct boot_info bi;

static uint64_t cstr_len(uint64_t paddr)
{
    return paddr ? strlen((const char *)paddr) + 1 : 0;
}

void pvh_boot(const struct hvm_start_info *si) __attribute__((noreturn));
void pvh_boot(const struct hvm_start_info *si)
{
    console_init();
    memset(&bi, 0, sizeof bi);
    bi.magic = BOOT_INFO_MAGIC;
    bi.boot_path = "pvh";
    if (si->magic != HVM_START_MAGIC)
        panic("pvh: bad start_info magic %#x", si->magic);

    boot_reserve(&bi, (uint64_t)si, sizeof *si);
    if (si->cmdline_paddr) {
        bi.cmdline = (const char *)si->cmdline_paddr;
        boot_reserve(&bi, si->cmdline_paddr, cstr_len(si->cmdline_paddr));
    }
    bi.rsdp = si->rsdp_paddr;

    if (si->version >= 1 && si->memmap_paddr) {
        const struct hvm_memmap_entry *e = (const void *)si->memmap_paddr;
        boot_reserve(&bi, si->memmap_paddr, si->memmap_entries * sizeof *e);
        for (uint32_t i = 0; i < si->memmap_entries && bi.n_mem < BOOT_MEM_MAX; i++) {
            struct boot_mem_region *r = &bi.mem[bi.n_mem++];
            r->base = e[i].addr;
            r->len = e[i].size;
            r->type = e[i].type == 1 ? BOOT_MEM_USABLE : e[i].type == 3 ? BOOT_MEM_ACPI : BOOT_MEM_RESERVED;
        }
    } else {
        panic("pvh: start_info version %u has no memory map", si->version);
    }

    /* The first module (QEMU's -initrd) carries the configuration file, or a cpio
     * archive with vmgate.conf and the TFTP root: handed over as it is, the kernel
     * tells which (bootfiles_init) and reads the archive where it lies. */
    if (si->nr_modules && si->modlist_paddr) {
        const struct hvm_modlist_entry *m = (const void *)si->modlist_paddr;
        boot_reserve(&bi, si->modlist_paddr, si->nr_modules * sizeof *m);
        for (uint32_t i = 0; i < si->nr_modules; i++) {
            boot_reserve(&bi, m[i].paddr, m[i].size);
            if (m[i].cmdline_paddr)
                boot_reserve(&bi, m[i].cmdline_paddr, cstr_len(m[i].cmdline_paddr));
        }
        bi.initrd = (const void *)m[0].paddr;
        bi.initrd_len = m[0].size;
    }
    kernel_main(&bi);
}
