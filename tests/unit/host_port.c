/* What lwIP needs from the platform, for host tests: a clock the test sets, a
 * random generator the test seeds, diagnostics on stderr, assertions that fail the
 * test, and an allocator the test can make fail. The kernel's counterpart is
 * lwip-port/sys.c. */
#include "unit.h"
#include "net/rng.h"

#include "lwip/opt.h"
#include "lwip/sys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t clock_ms;
static struct rng random_gen;
static bool random_seeded;
static bool alloc_limited;
static unsigned allocs_left;

u32_t sys_now(void)
{
    return clock_ms;
}

void unit_clock_set_ms(uint32_t ms)
{
    clock_ms = ms;
}

/* Wraps around like a real 32-bit millisecond clock, which lwIP handles. */
void unit_clock_advance_ms(uint32_t ms)
{
    clock_ms += ms;
}

/* The kernel's generator (net/rng.h), keyed by the seed's 8 bytes (little-endian,
 * the rest of the key zero): the same construction as the product, but a sequence
 * the test chose. */
void unit_random_seed(uint64_t seed)
{
    uint8_t key[RNG_KEY_LEN] = {0};

    for (unsigned i = 0; i < 8; i++)
        key[i] = (uint8_t)(seed >> (8 * i));
    rng_init(&random_gen, key);
    random_seeded = true;
}

unsigned int vmgate_random32(void)
{
    if (!random_seeded)
        unit_random_seed(1);
    return rng_u32(&random_gen);
}

int vmgate_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stderr, fmt, ap);
    va_end(ap);
    return n;
}

void vmgate_lwip_assert(const char *msg, const char *file, int line)
{
    unit_lwip_assert_failed(msg, file, line);
}

void unit_alloc_fail_after(unsigned n)
{
    alloc_limited = true;
    allocs_left = n;
}

void unit_alloc_fail_never(void)
{
    alloc_limited = false;
}

/* lwIP's allocator in host builds (lwipopts.h maps mem_clib_malloc here); lwIP
 * frees with free(). */
void *vmgate_host_malloc(size_t size)
{
    if (alloc_limited) {
        if (allocs_left == 0)
            return NULL;
        allocs_left--;
    }
    return malloc(size);
}
