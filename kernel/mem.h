/* Physical memory: a page allocator for device rings and buffers, and the region
 * newlib's malloc grows into through sbrk. Only memory below 4 GiB is used: it is
 * identity-mapped from boot, and an appliance needs far less. */
#ifndef VMGATE_MEM_H
#define VMGATE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "../boot/bootinfo.h"

#define PAGE_SIZE 4096ULL

void pmem_init(const struct boot_info *bi);
/* npages physically contiguous, zeroed, page-aligned pages; NULL if none. */
void *page_alloc(size_t npages);
void page_free(void *p, size_t npages);

struct pmem_stats {
    uint64_t total_pages, free_pages;
    uint64_t boot_free_pages;      /* free once the kernel image and boot data were kept */
    uint64_t pages_allocated;      /* held through page_alloc (rings, buffers, tables) */
    uint64_t ram_end;              /* end of the highest usable region below 4 GiB */
    uint64_t kernel_end;           /* end of the kernel image */
    uint64_t heap_size, heap_used; /* pages the heap holds; bytes malloc took of them */
    uint64_t heap_room;            /* bytes it can still grow before a used page */
};
void pmem_get_stats(struct pmem_stats *st);

/* sbrk for newlib's malloc: grows the heap over the free pages above it, gives
 * pages back when it shrinks; (void *)-1 when the pages above are taken. */
void *heap_sbrk(intptr_t incr);

/* Prints a byte count as MiB with one decimal, e.g. "13.4 MiB". */
void mem_print_mib(uint64_t bytes);

/* Maps a device's registers (uncached) and returns a pointer to them. Below 4 GiB
 * the boot identity map already covers them; above, page tables are added. */
volatile void *mmio_map(uint64_t phys, uint64_t len);

#endif
