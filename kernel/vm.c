/* Page tables beyond the boot identity map. The kernel runs identity-mapped
 * (virtual == physical); boot/entry.S maps the first 4 GiB with 2 MiB pages. Devices
 * whose BARs the firmware placed above 4 GiB (OVMF puts 64-bit BARs there) get
 * identity mappings added here, uncached. */
#include "mem.h"
#include "io.h"
#include "console.h"

#define PTE_P   0x001ULL
#define PTE_RW  0x002ULL
#define PTE_PWT 0x008ULL
#define PTE_PCD 0x010ULL
#define PTE_PS  0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define LARGE_PAGE (2ULL << 20)

extern uint64_t boot_pml4[512];

static uint64_t *next_level(uint64_t *table, unsigned idx)
{
    if (!(table[idx] & PTE_P)) {
        uint64_t *page = page_alloc(1);
        if (!page)
            panic("vm: out of pages for page tables");
        table[idx] = (uint64_t)page | PTE_P | PTE_RW;
    }
    return (uint64_t *)(table[idx] & PTE_ADDR);
}

volatile void *mmio_map(uint64_t phys, uint64_t len)
{
    /* Below 4 GiB the boot map covers it. Its pages are write-back, but on PC
     * hardware the MTRRs make the PCI hole uncached, and QEMU ignores caching. */
    if (phys + len <= (4ULL << 30))
        return (volatile void *)phys;
    if (phys >= (1ULL << 46))
        panic("vm: MMIO address %llx beyond the mappable range", (unsigned long long)phys);
    for (uint64_t a = phys & ~(LARGE_PAGE - 1); a < phys + len; a += LARGE_PAGE) {
        uint64_t *pdpt = next_level(boot_pml4, (a >> 39) & 511);
        uint64_t *pd = next_level(pdpt, (a >> 30) & 511);
        pd[(a >> 21) & 511] = a | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT;
    }
    write_cr3(read_cr3());                      /* flush the TLB */
    return (volatile void *)phys;
}
