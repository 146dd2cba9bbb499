/* A bitmap over the pages below 4 GiB: simple, bounded (32 KiB for 1 GiB of RAM)
 * and able to find contiguous runs, which virtqueues and descriptor rings need.
 * Allocation is rare (device setup), so first-fit with a roving hint is enough. */
#include "mem.h"
#include "console.h"

#include <string.h>

#define MAX_PHYS (4ULL << 30)
#define MAX_PAGES (MAX_PHYS / PAGE_SIZE)
#define HEAP_MAX (256ULL << 20)

static uint64_t bitmap[MAX_PAGES / 64];      /* 1 = in use or not RAM */
static uint64_t max_page;                    /* one past the highest usable page */
static uint64_t free_pages, total_pages;
static uint64_t hint;
static uint8_t *heap_base, *heap_brk, *heap_limit;

extern char __kernel_start[], __kernel_end[];

static int test_bit(uint64_t pg) { return (bitmap[pg / 64] >> (pg % 64)) & 1; }
static void set_bit(uint64_t pg) { bitmap[pg / 64] |= 1ULL << (pg % 64); }
static void clear_bit(uint64_t pg) { bitmap[pg / 64] &= ~(1ULL << (pg % 64)); }

static void mark_range(uint64_t base, uint64_t len, int used)
{
    if (base >= MAX_PHYS)
        return;
    uint64_t end = base + len > MAX_PHYS ? MAX_PHYS : base + len;
    /* Usable ranges shrink inwards to whole pages; used ranges grow outwards. */
    uint64_t first = used ? base / PAGE_SIZE : (base + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t last = used ? (end + PAGE_SIZE - 1) / PAGE_SIZE : end / PAGE_SIZE;
    for (uint64_t pg = first; pg < last && pg < MAX_PAGES; pg++) {
        if (used && !test_bit(pg)) {
            set_bit(pg);
            free_pages--;
        } else if (!used && test_bit(pg)) {
            clear_bit(pg);
            free_pages++;
        }
    }
    if (!used && last > max_page)
        max_page = last;
}

/* Finds npages free pages in a row below max_page, starting the search at hint. */
static int64_t find_run(uint64_t npages)
{
    for (int pass = 0; pass < 2; pass++) {
        uint64_t start = pass ? 0 : hint, run = 0;
        for (uint64_t pg = start; pg < max_page; pg++) {
            if (test_bit(pg)) {
                run = 0;
                continue;
            }
            if (++run == npages)
                return (int64_t)(pg + 1 - npages);
        }
    }
    return -1;
}

void pmem_init(const struct boot_info *bi)
{
    memset(bitmap, 0xff, sizeof bitmap);
    free_pages = 0;
    for (uint32_t i = 0; i < bi->n_mem; i++)
        if (bi->mem[i].type == BOOT_MEM_USABLE)
            mark_range(bi->mem[i].base, bi->mem[i].len, 0);
    total_pages = free_pages;
    /* Never hand out: the first MiB (real-mode structures, the BIOS), the kernel
     * image, and whatever the boot path placed in memory for us. */
    mark_range(0, 1ULL << 20, 1);
    mark_range((uint64_t)__kernel_start, (uint64_t)(__kernel_end - __kernel_start), 1);
    for (uint32_t i = 0; i < bi->n_reserved; i++)
        mark_range(bi->reserved[i].base, bi->reserved[i].len, 1);

    /* The heap takes a quarter of free memory (at most HEAP_MAX), contiguous so
     * that sbrk can simply move a pointer. */
    uint64_t heap_pages = free_pages / 4;
    if (heap_pages * PAGE_SIZE > HEAP_MAX)
        heap_pages = HEAP_MAX / PAGE_SIZE;
    int64_t pg = -1;
    while (heap_pages >= 256 && (pg = find_run(heap_pages)) < 0)
        heap_pages /= 2;
    if (pg < 0)
        panic("mem: no room for a heap (%llu free pages)", (unsigned long long)free_pages);
    mark_range((uint64_t)pg * PAGE_SIZE, heap_pages * PAGE_SIZE, 1);
    heap_base = heap_brk = (uint8_t *)((uint64_t)pg * PAGE_SIZE);
    heap_limit = heap_base + heap_pages * PAGE_SIZE;

    kprintf("mem: %llu MiB usable below 4 GiB, heap %llu MiB at %p, %llu MiB for pages\n",
            (unsigned long long)(total_pages * PAGE_SIZE >> 20),
            (unsigned long long)(heap_pages * PAGE_SIZE >> 20), (void *)heap_base,
            (unsigned long long)(free_pages * PAGE_SIZE >> 20));
}

void *page_alloc(size_t npages)
{
    if (npages == 0)
        return NULL;
    int64_t pg = find_run(npages);
    if (pg < 0)
        return NULL;
    for (uint64_t i = 0; i < npages; i++)
        set_bit((uint64_t)pg + i);
    free_pages -= npages;
    hint = (uint64_t)pg + npages;
    void *p = (void *)((uint64_t)pg * PAGE_SIZE);
    memset(p, 0, npages * PAGE_SIZE);
    return p;
}

void page_free(void *p, size_t npages)
{
    uint64_t pg = (uint64_t)p / PAGE_SIZE;
    for (uint64_t i = 0; i < npages; i++) {
        if (!test_bit(pg + i))
            panic("page_free: page %p freed twice", (void *)((pg + i) * PAGE_SIZE));
        clear_bit(pg + i);
    }
    free_pages += npages;
    if (pg < hint)
        hint = pg;
}

void pmem_get_stats(struct pmem_stats *st)
{
    st->total_pages = total_pages;
    st->free_pages = free_pages;
    st->heap_size = (uint64_t)(heap_limit - heap_base);
    st->heap_used = (uint64_t)(heap_brk - heap_base);
}

void *heap_sbrk(intptr_t incr)
{
    if (!heap_base)
        return (void *)-1;
    if ((incr > 0 && incr > heap_limit - heap_brk) || (incr < 0 && -incr > heap_brk - heap_base))
        return (void *)-1;
    uint8_t *old = heap_brk;
    heap_brk += incr;
    return old;
}
