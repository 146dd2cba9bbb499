/* lwIP configuration for vmgate: a router and a handful of UDP/TCP services, no
 * OS (NO_SYS), the raw API only. Pools are sized for forwarding between a few NICs:
 * pbufs in flight are bounded by the RX rings, not by connections to vmgate itself. */
#ifndef VMGATE_LWIPOPTS_H
#define VMGATE_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0

#define MEM_ALIGNMENT               8
/* lwIP's heap (PBUF_RAM: vmgate's own replies, ICMP errors, reassembled datagrams,
 * TCP send data) is newlib's malloc, whose heap grows into free memory (kernel/mem.c):
 * a fixed MEM_SIZE region would sit idle in .bss at 16 MiB and cap a big machine.
 * What lwIP holds there is bounded by its PCB, reassembly and queue limits below,
 * not by a region's size. The host tests run lwIP this way too. */
#define MEM_LIBC_MALLOC             1
#define MEMP_NUM_PBUF               256
/* The services' own PCBs, and one per TFTP transfer (TFTP_MAX_SESSIONS, tftp_glue.h). */
#define MEMP_NUM_UDP_PCB            (32 + 64)
/* TCP: the HTTP boot server's connections (HTTP_GLUE_MAX_CONNS, 16) and the DNS
 * relay's (DNSTCP_MAX_CONNS, 8), and as many again for connections closing
 * (FIN_WAIT, TIME_WAIT: the HTTP server closes first), so that a burst of boot
 * downloads does not make lwIP reclaim a live connection's PCB. */
#define MEMP_NUM_TCP_PCB            48
#define MEMP_NUM_TCP_PCB_LISTEN     16
#define MEMP_NUM_TCP_SEG            512
#define MEMP_NUM_REASSDATA          32
#define MEMP_NUM_FRAG_PBUF          64
#define MEMP_NUM_ARP_QUEUE          64
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 16)
/* The pool is static (.bss): lwIP sizes memp pools at compile time. It need not be
 * large, because nothing queues in it: forwarded frames take the fast path in the
 * NICs' own receive buffers, and a frame lwIP handles is copied into a pool pbuf,
 * handled and sent (copied into a transmit slot) or dropped before the next one.
 * Pool pbufs stay only where lwIP keeps packets: reassembly (IP_REASS_MAX_PBUFS),
 * the ARP queue (MEMP_NUM_ARP_QUEUE) and vmgate's own TCP connections' receive
 * queues. 512 covers the first two together twice over, for 780 KiB; 2048 took
 * 3.1 MiB, a fifth of a 16 MiB machine. */
#define PBUF_POOL_SIZE              512
/* Room for a full Ethernet frame plus a VLAN tag in one pool pbuf. */
#define PBUF_POOL_BUFSIZE           1536

#define LWIP_ARP                    1
#define ARP_TABLE_SIZE              64
#define ARP_QUEUEING                1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ETHERNET               1
#define ETH_PAD_SIZE                0

#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define IP_FORWARD                  1
#define IP_REASSEMBLY               1
#define IP_FRAG                     1
#define IP_REASS_MAX_PBUFS          128
#define IP_DEFAULT_TTL              64
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_DHCP                   1
#define DHCP_DOES_ARP_CHECK         0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
/* The DNS client is there for its server list: the DHCP client fills it from option
 * 6, and the DNS relay forwards to those servers. */
#define LWIP_DNS                    1
#define DNS_MAX_SERVERS             3
#define LWIP_DHCP_PROVIDE_DNS_SERVERS 1
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define TCP_MSS                     1460
#define TCP_WND                     (32 * TCP_MSS)
#define TCP_SND_BUF                 (32 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_TCP_KEEPALIVE          1

#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HOSTNAME         1
#define LWIP_NUM_NETIF_CLIENT_DATA  2
#define LWIP_SINGLE_NETIF           0
#define LWIP_HAVE_LOOPIF            0
#define LWIP_NETIF_LOOPBACK         0

#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1

#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          1   /* also gives pools their names, for `mem` */
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define SYS_STATS                   0
#define LINK_STATS                  1
#define IP_STATS                    1
#define ETHARP_STATS                1
#define ICMP_STATS                  1
#define UDP_STATS                   1
#define TCP_STATS                   1

/* lwIP tests these two with #ifdef: defining LWIP_NOASSERT to anything, even 0,
 * turns assertions off, and defining LWIP_DEBUG turns debug output on. Assertions
 * stay on (LWIP_NOASSERT undefined) and debug output off (LWIP_DEBUG undefined). */

/* Hooks into vmgate's own modules (NAT, DHCP server, ...) live in this header. */
#define LWIP_HOOK_FILENAME          "lwip_hooks.h"

/* Host test builds (tests/unit, tests/fuzz define VMGATE_HOST_TEST; the kernel never
 * does): every lwIP allocation, pbufs and PCBs included, becomes a malloc of its own
 * (the kernel's lwIP heap already is malloc: MEM_LIBC_MALLOC above),
 * so that AddressSanitizer sees overflows, use-after-free and leaks in them, which
 * it cannot inside lwIP's static pools. The pool sizes above then only count (their
 * `used` statistics still work); running out is simulated instead by the host
 * port's vmgate_host_malloc, which the unit tests can make fail on demand. */
#ifdef VMGATE_HOST_TEST
#include <stddef.h>
void *vmgate_host_malloc(size_t size);
#define MEMP_MEM_MALLOC             1
#define mem_clib_malloc             vmgate_host_malloc
#endif

#endif
