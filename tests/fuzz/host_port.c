/* What lwIP needs from the platform, for the fuzz targets: the unit tests' host
 * port without the test framework. Deterministic (a fixed clock that targets may
 * move, a fixed random sequence) so that a crashing input crashes again; an lwIP
 * assertion aborts, which libFuzzer reports as a crash with its input. */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_port.h"

static uint32_t clock_ms;
static uint64_t random_state = 1;

u32_t sys_now(void)
{
    return clock_ms;
}

void fuzz_clock_set_ms(uint32_t ms)
{
    clock_ms = ms;
}

void fuzz_random_seed(uint64_t seed)
{
    random_state = seed ? seed : 1;
}

unsigned int vmgate_random32(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return (unsigned int)((random_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* lwIP's diagnostics would flood the fuzzer's output: dropped. */
int vmgate_diag(const char *fmt, ...)
{
    (void)fmt;
    return 0;
}

void vmgate_lwip_assert(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
    abort();
}

/* lwIP's allocator in host builds (see lwipopts.h): a plain malloc, so ASan and
 * LeakSanitizer see every pbuf. */
void *vmgate_host_malloc(size_t size)
{
    return malloc(size);
}
