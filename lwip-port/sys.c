/* What lwIP needs from the platform in the kernel build: time, randomness,
 * diagnostics. (The host test build has its own, with a settable clock.) */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "../kernel/clock.h"
#include "../kernel/console.h"
#include "../kernel/io.h"

#include <stdarg.h>

u32_t sys_now(void)
{
    return (u32_t)clock_ms();
}

/* xorshift64*, seeded from the TSC at first use: enough to make TCP ISNs, DHCP
 * transaction IDs and NAT ports unpredictable to a guest; not cryptography. */
unsigned int vmgate_random32(void)
{
    static uint64_t s;
    if (!s)
        s = rdtsc() | 1;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return (unsigned int)((s * 0x2545f4914f6cdd1dULL) >> 32);
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
