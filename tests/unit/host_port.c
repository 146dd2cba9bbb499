/* What lwIP needs from the platform, for host tests: a clock the test sets, a
 * random generator the test seeds, diagnostics on stderr, assertions that fail the
 * test, and an allocator the test can make fail. The kernel's counterpart is
 * lwip-port/sys.c. */
#include "unit.h"

#include "lwip/opt.h"
#include "lwip/sys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t clock_ms;
static uint64_t random_state = 1;
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

/* A zero state would stay zero forever in xorshift: map it to another value. */
void unit_random_seed(uint64_t seed)
{
    random_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*, as in the kernel, but with a seed the test chose. */
unsigned int vmgate_random32(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return (unsigned int)((random_state * 0x2545f4914f6cdd1dULL) >> 32);
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
