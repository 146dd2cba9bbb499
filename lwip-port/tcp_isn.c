/* The TCP initial sequence numbers of vmgate's own connections (lwIP's
 * LWIP_HOOK_TCP_ISN, include/lwip_hooks.h). */
#include "lwip/opt.h"
#include "lwip/ip4_addr.h"
#include "lwip/sys.h"
#include "lwip_hooks.h"
#include "../net/siphash.h"

#include <stdbool.h>

/* RFC 6528's ISN = M + F(local address and port, remote address and port, secret):
 * M a clock of 4-microsecond ticks, so that a new connection on the same four-tuple
 * starts above the old one, and F SipHash under a key drawn at the first
 * connection (after boot has seeded the generator), so that an off-path sender who
 * sees the ISN of one connection learns nothing about any other's. */
unsigned int vmgate_tcp_isn(const struct ip4_addr *local_ip, unsigned short local_port,
                            const struct ip4_addr *remote_ip, unsigned short remote_port)
{
    static struct siphash_key key;
    static bool keyed;

    if (!keyed) {
        key.k0 = (uint64_t)LWIP_RAND() << 32 | LWIP_RAND();
        key.k1 = (uint64_t)LWIP_RAND() << 32 | LWIP_RAND();
        keyed = true;
    }
    uint64_t addrs = (uint64_t)ip4_addr_get_u32(local_ip) << 32 | ip4_addr_get_u32(remote_ip);
    uint64_t ports = (uint64_t)local_port << 16 | remote_port;
    return (unsigned int)(sys_now() * 250u + (uint32_t)siphash13_u64x2(&key, addrs, ports));
}
