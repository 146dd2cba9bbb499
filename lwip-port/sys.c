/* What lwIP needs from the platform in the kernel build: time, randomness,
 * diagnostics. (The host test build has its own, with a settable clock.) */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "../kernel/clock.h"
#include "../kernel/console.h"
#include "../kernel/random.h"

#include <stdarg.h>

u32_t sys_now(void)
{
    return (u32_t)clock_ms();
}

/* LWIP_RAND, and through vmgate_random32_cb every random source net/ is given: the
 * kernel's ChaCha20 generator, seeded at boot (kernel/random.c). */
unsigned int vmgate_random32(void)
{
    return random_u32();
}

int vmgate_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void vmgate_lwip_assert(const char *msg, const char *file, int line)
{
    panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}
