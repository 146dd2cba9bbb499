/* The glue's world for host tests: fake NICs under the real NIC core
 * (drivers/nic.c), the real netif glue, NAT glue, service aliases, fast path and
 * IPv4 input hook (lwip-port/), set up the way lwip-port/appliance.c sets up a
 * WAN and a NAT network. Frames go in as a driver hands them over (nic_receive,
 * with offload facts) and come out as the fake NICs were asked to send them.
 *
 *   nic0  WAN  203.0.113.2/24, gateway 203.0.113.1 (GF_WAN_GW, MAC GF_MAC_GW)
 *   nic1  NAT  10.0.2.0/24, vmgate .2, DNS alias .3; guest 10.0.2.15 (GF_GUEST, MAC GF_MAC_GUEST)
 *
 * Both netifs know their neighbours' MACs (static ARP entries), so the fast path
 * can forward at once. */
#ifndef VMGATE_GLUE_FIXTURE_H
#define VMGATE_GLUE_FIXTURE_H

#include "drivers/nic.h"
#include "lwip/netif.h"
#include "pkt_builder.h"

#include <stdbool.h>
#include <stdint.h>

#define GF_WAN_ADDR  IP4(203, 0, 113, 2)
#define GF_WAN_GW    IP4(203, 0, 113, 1)
#define GF_NAT_NET   IP4(10, 0, 2, 0)
#define GF_NAT_SELF  IP4(10, 0, 2, 2)
#define GF_NAT_DNS   IP4(10, 0, 2, 3)
#define GF_GUEST     IP4(10, 0, 2, 15)
#define GF_REMOTE    IP4(198, 51, 100, 7)

extern const uint8_t GF_MAC_GW[6], GF_MAC_GUEST[6];

#define GF_SENT_MAX 64

/* What a fake NIC was asked to send: each frame's bytes and offload facts. */
struct gf_sent {
    uint8_t *b;
    uint32_t len;
    struct offload off;
    bool lent;                      /* through transmit_frame (the buffer was lent) */
};

struct fake_nic {
    struct nic nic;
    struct netif *nif;
    struct gf_sent sent[GF_SENT_MAX];
    unsigned n_sent;
    unsigned recycled;              /* receive buffers given back after a loan */
};

extern struct fake_nic gf_wan, gf_lan;

/* Sets up both NICs (capabilities caps on each: NIC_CAP_*), the NAT glue, the
 * alias and, if fastpath, the fast path. Tears down a previous setup first. */
void gf_setup(uint32_t wan_caps, uint32_t lan_caps, bool fastpath);
/* Removes everything gf_setup made and frees what the fake NICs hold. */
void gf_teardown(void);

/* Hands a frame to the NIC core as a driver would: the IPv4 packet ip (iplen
 * bytes) behind an Ethernet header from `from` to the NIC's MAC, with offload
 * facts off (NULL: none). Returns what became of the receive buffer. */
enum nic_rx_result gf_receive(struct fake_nic *n, const uint8_t *from, const uint8_t *ip,
                              size_t iplen, const struct offload *off);
/* The same for a whole frame of len bytes. */
enum nic_rx_result gf_receive_frame(struct fake_nic *n, const uint8_t *frame, uint32_t len,
                                    const struct offload *off);
/* Forgets what the fake NICs sent. */
void gf_clear_sent(void);

/* One more fake NIC (MAC 02:00:00:00:01:last_mac, MTU 1500, lending), registered
 * after gf_setup's two; its test frees what it sent with gf_fake_clear() before
 * gf_teardown(). */
void gf_fake_register(struct fake_nic *f, uint8_t last_mac, uint32_t caps);
void gf_fake_clear(struct fake_nic *f);

/* The IPv4 packet inside a sent frame (after its Ethernet header). */
static inline const uint8_t *gf_ip(const struct gf_sent *s) { return s->b + 14; }

#endif
