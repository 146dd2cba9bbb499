/* A bitmap over the pages below 4 GiB: simple, bounded (32 KiB for 1 GiB of RAM)
 * and able to find contiguous runs, which virtqueues and descriptor rings need.
 * Allocation is rare (device setup), so a first-fit scan is enough.
 *
 * The heap and the pages share the free memory without a fixed split: the heap
 * starts at the bottom of the largest free run and grows upwards page by page as
 * sbrk asks, while page_alloc takes runs from the top of memory downwards. So a
 * 16 MiB machine keeps no idle heap reserve, a big one does not cap the heap, and
 * the two meet only when memory is full. How much each consumer may take is the
 * budget's decision (budget.h); this file only hands memory out. */
#include "mem.h"
#include "console.h"

#include <string.h>

#define MAX_PHYS (4ULL << 30)
#define MAX_PAGES (MAX_PHYS / PAGE_SIZE)

static uint64_t bitmap[MAX_PAGES / 64];      /* 1 = in use or not RAM */
static uint64_t max_page;                    /* one past the highest usable page */
static uint64_t free_pages, total_pages, boot_free_pages, pages_allocated;
static uint64_t ram_end;                     /* end of the highest usable region */
static uint64_t heap_first, heap_pages;      /* the heap's pages: heap_first.. +heap_pages */
static uint8_t *heap_base, *heap_brk;

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

/* The highest run of npages free pages below max_page (its first page), or -1.
 * Words of the bitmap that are all in use are skipped whole: the pages handed out
 * so far sit at the top, where every search starts. */
static int64_t find_run_from_top(uint64_t npages)
{
    uint64_t run = 0;
    for (uint64_t pg = max_page; pg-- > 0;) {
        if (pg % 64 == 63 && bitmap[pg / 64] == ~0ULL) {
            run = 0;
            pg -= 63;
            continue;
        }
        if (test_bit(pg)) {
            run = 0;
            continue;
        }
        if (++run == npages)
            return (int64_t)pg;
    }
    return -1;
}

/* The first page of the longest run of free pages, and its length. */
static uint64_t longest_run(uint64_t *len)
{
    uint64_t best = 0, best_len = 0, start = 0, run = 0;
    for (uint64_t pg = 0; pg < max_page; pg++) {
        if (test_bit(pg)) {
            run = 0;
            continue;
        }
        if (run++ == 0)
            start = pg;
        if (run > best_len) {
            best_len = run;
            best = start;
        }
    }
    *len = best_len;
    return best;
}

/* Prints bytes as MiB with one decimal (rounded down), e.g. "13.4 MiB". */
void mem_print_mib(uint64_t bytes)
{
    uint64_t tenths = bytes * 10 / (1ULL << 20);
    kprintf("%llu.%llu MiB", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

void pmem_init(const struct boot_info *bi)
{
    memset(bitmap, 0xff, sizeof bitmap);
    free_pages = 0;
    for (uint32_t i = 0; i < bi->n_mem; i++) {
        const struct boot_mem_region *r = &bi->mem[i];
        if (r->type != BOOT_MEM_USABLE || r->base >= MAX_PHYS)
            continue;
        mark_range(r->base, r->len, 0);
        uint64_t end = r->base + r->len > MAX_PHYS ? MAX_PHYS : r->base + r->len;
        if (end > ram_end)
            ram_end = end;
    }
    total_pages = free_pages;
    /* Never hand out: the first MiB (real-mode structures, the BIOS), the kernel
     * image, and whatever the boot path placed in memory for us. */
    mark_range(0, 1ULL << 20, 1);
    mark_range((uint64_t)__kernel_start, (uint64_t)(__kernel_end - __kernel_start), 1);
    for (uint32_t i = 0; i < bi->n_reserved; i++)
        mark_range(bi->reserved[i].base, bi->reserved[i].len, 1);
    boot_free_pages = free_pages;

    /* The heap starts empty at the bottom of the largest free run: page_alloc
     * works down from the top, so that run is the one left whole longest. */
    uint64_t run;
    heap_first = longest_run(&run);
    heap_pages = 0;
    heap_base = heap_brk = (uint8_t *)(heap_first * PAGE_SIZE);

    kprintf("mem: %llu MiB usable below 4 GiB, kernel %llu KiB at %p, ",
            (unsigned long long)(total_pages * PAGE_SIZE >> 20),
            (unsigned long long)((uint64_t)(__kernel_end - __kernel_start) >> 10), (void *)__kernel_start);
    mem_print_mib(free_pages * PAGE_SIZE);
    kprintf(" free (heap from %p)\n", (void *)heap_base);
}

void *page_alloc(size_t npages)
{
    if (npages == 0)
        return NULL;
    int64_t pg = find_run_from_top(npages);
    if (pg < 0)
        return NULL;
    for (uint64_t i = 0; i < npages; i++)
        set_bit((uint64_t)pg + i);
    free_pages -= npages;
    pages_allocated += npages;
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
    pages_allocated -= npages;
}

/* How many pages the heap could still take above its end before a used page. */
static uint64_t heap_room(void)
{
    uint64_t pg = heap_first + heap_pages, n = 0;
    while (pg + n < max_page && !test_bit(pg + n))
        n++;
    return n;
}

void pmem_get_stats(struct pmem_stats *st)
{
    st->total_pages = total_pages;
    st->free_pages = free_pages;
    st->boot_free_pages = boot_free_pages;
    st->pages_allocated = pages_allocated;
    st->ram_end = ram_end;
    st->kernel_end = (uint64_t)__kernel_end;
    st->heap_size = heap_pages * PAGE_SIZE;
    st->heap_used = (uint64_t)(heap_brk - heap_base);
    st->heap_room = heap_room() * PAGE_SIZE;
}

/* Grows the heap over the free pages above its end, or gives whole pages back
 * when it shrinks. Growth takes every page it needs or none. */
void *heap_sbrk(intptr_t incr)
{
    if (!heap_base)
        return (void *)-1;
    uint64_t used = (uint64_t)(heap_brk - heap_base);
    if (incr < 0 && (uint64_t)-incr > used)
        return (void *)-1;
    uint64_t want = (used + (uint64_t)incr + PAGE_SIZE - 1) / PAGE_SIZE;
    if (incr > 0 && want > heap_pages) {
        uint64_t more = want - heap_pages, next = heap_first + heap_pages;
        for (uint64_t pg = next; pg < next + more; pg++)
            if (pg >= max_page || test_bit(pg))
                return (void *)-1;
        for (uint64_t pg = next; pg < next + more; pg++)
            set_bit(pg);
        free_pages -= more;
        heap_pages = want;
    } else if (incr < 0 && want < heap_pages) {
        for (uint64_t pg = heap_first + want; pg < heap_first + heap_pages; pg++)
            clear_bit(pg);
        free_pages += heap_pages - want;
        heap_pages = want;
    }
    uint8_t *old = heap_brk;
    heap_brk += incr;
    return old;
}
