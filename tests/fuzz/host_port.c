/* What lwIP needs from the platform, for the fuzz targets: the unit tests' host
 * port without the test framework. Deterministic (a fixed clock that targets may
 * move, a fixed random sequence) so that a crashing input crashes again; an lwIP
 * assertion aborts, which libFuzzer reports as a crash with its input. */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_port.h"
#include "net/rng.h"

static uint32_t clock_ms;
static struct rng random_gen;
static bool random_seeded;

u32_t sys_now(void)
{
    return clock_ms;
}

void fuzz_clock_set_ms(uint32_t ms)
{
    clock_ms = ms;
}

/* The product's generator (net/rng.h) keyed by the seed, as in the unit tests. */
void fuzz_random_seed(uint64_t seed)
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
        fuzz_random_seed(1);
    return rng_u32(&random_gen);
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
