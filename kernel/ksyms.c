/* The table is an array of {address, name offset} sorted by address, then the names;
 * tools/ksyms.sh writes it from `nm -n` of the first link. Before the second link
 * (or if it fails) the table is empty and lookups return NULL. */
#include "ksyms.h"
#include <stddef.h>

struct ksym { uint64_t addr; uint32_t name; uint32_t pad; };

extern const char __ksyms_start[], __ksyms_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (__ksyms_end - __ksyms_start < 8)
        return NULL;
    uint64_t count = *(const uint64_t *)__ksyms_start;
    const struct ksym *tab = (const struct ksym *)(__ksyms_start + 8);
    const char *names = (const char *)(tab + count);
    if (count == 0 || addr < tab[0].addr)
        return NULL;
    size_t lo = 0, hi = count;                 /* last entry with addr <= target */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tab[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - tab[lo].addr;
    return names + tab[lo].name;
}
