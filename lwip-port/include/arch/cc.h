/* lwIP's compiler and platform abstraction for vmgate (kernel and host tests). */
#ifndef VMGATE_ARCH_CC_H
#define VMGATE_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/time.h>

/* newlib and glibc both provide ssize_t; say so, so lwIP does not typedef its own. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif
#define LWIP_NO_UNISTD_H 1
/* The appliance's random generator: the kernel's ChaCha20 generator (lwip-port/sys.c,
 * kernel/random.c); in host tests a seeded, reproducible one (their host_port.c). */
#define LWIP_RAND() ((u32_t)vmgate_random32())
unsigned int vmgate_random32(void);
/* The same in the shape net/ modules take a random source (net/rng.h, rng_u32_fn). */
static inline uint32_t vmgate_random32_cb(void *ctx)
{
    (void)ctx;
    return vmgate_random32();
}

#define LWIP_PLATFORM_DIAG(x) do { vmgate_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) vmgate_lwip_assert(x, __FILE__, __LINE__)
int vmgate_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmgate_lwip_assert(const char *msg, const char *file, int line) __attribute__((noreturn));

#endif
