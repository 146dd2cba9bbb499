/* A switch with fake ports for host tests (net/switch.h): each port records what it
 * was asked to send, as the bytes left, and may be told to take lendable frames or
 * to refuse everything. Frames go in as copies with headroom, so a test can give a
 * frame with or without room for a tag. */
#ifndef VMGATE_SWITCH_FIXTURE_H
#define VMGATE_SWITCH_FIXTURE_H

#include "net/switch.h"

#include <stdbool.h>
#include <stdint.h>

#define SFX_PORTS 8
#define SFX_SENT_MAX 64

struct sfx_sent {
    uint8_t *b;
    uint32_t len;
    struct offload off;
    bool may_take;
    bool taken;
};

struct sfx_port {
    int index;
    struct sfx_sent sent[SFX_SENT_MAX];
    unsigned n_sent;
    bool take;                  /* return SWITCH_TAKEN when allowed */
    int fail;                   /* a negative errno to return, or 0 */
    /* What the port does while it transmits: calls this (re-entry tests). */
    void (*hook)(struct sfx_port *p);
};

extern struct eth_switch sfx_sw;
extern struct sfx_port sfx_port[SFX_PORTS];

/* A switch named "t" with n ports p0.. (plain, caps given to all of them) and the
 * limits (NULL: defaults). Endpoint ports are added with sfx_add_endpoint. */
void sfx_setup(unsigned n, uint32_t caps, const struct switch_limits *lim);
/* Adds an endpoint port with this MAC (after the plain ones); returns its index. */
int sfx_add_endpoint(const uint8_t mac[6], uint32_t caps);
/* Frees what the fixture holds. */
void sfx_teardown(void);
/* Forgets what the ports sent. */
void sfx_clear(void);

/* A frame into buf: dst, src, an 802.1Q tag with this TCI when tci >= 0, the
 * ethertype 0x0800 and plen bytes of payload (byte i is i & 0xff). Returns its
 * length. */
uint32_t sfx_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], int tci, uint32_t plen);
/* Hands len bytes to the switch from port `port` at time now_ms, copied into a
 * buffer with `headroom` bytes before them (16 when headroom < 0), lendable or not,
 * with offload facts off (NULL: none). */
enum switch_result sfx_in_ex(unsigned port, const uint8_t *frame, uint32_t len, int headroom,
                             bool lendable, const struct offload *off, uint32_t now_ms);
static inline enum switch_result sfx_in(unsigned port, const uint8_t *frame, uint32_t len,
                                        uint32_t now_ms)
{
    return sfx_in_ex(port, frame, len, -1, false, NULL, now_ms);
}
/* A frame from src to dst (untagged, 46 bytes of payload) from port at now_ms. */
enum switch_result sfx_send(unsigned port, const uint8_t dst[6], const uint8_t src[6], uint32_t now_ms);

/* How many frames each port sent, as a bit mask of the ports that sent any. */
unsigned sfx_sent_mask(void);
/* The tag a sent frame carries: its VLAN ID, or -1 when untagged. */
int sfx_tag_of(const struct sfx_sent *s);

/* Test MACs: station n (02:00:00:00:00:n). */
extern const uint8_t SFX_BCAST[6];
void sfx_mac(uint8_t out[6], unsigned n);

#endif

/* An Ethernet + IPv4 + TCP frame from src to dst with plen bytes of payload into
 * buf (at least 14 + 40 + plen bytes). With partial, its TCP checksum holds only the
 * pseudo-header sum and o says so (a sender with checksum offload); with gso_size,
 * it is a GSO frame of segments of that size; else o is zeroed and every checksum
 * complete. Returns the length. */
uint32_t sfx_tcp(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint32_t plen,
                 bool partial, uint16_t gso_size, struct offload *o);
/* True when a frame (tagged or not) holds an IPv4/TCP packet whose checksums are
 * complete and right (checked by ref_csum.c's plain loop). */
bool sfx_tcp_valid(const uint8_t *frame, uint32_t len);
