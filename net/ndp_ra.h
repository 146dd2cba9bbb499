/* Router Advertisements in answer to Router Solicitations (RFC 4861 sections 4.1,
 * 4.2, 6.1.1 and 6.2.6), for a router without IPv6: vmgate routes IPv4 only, but a
 * client that also configures IPv6 waits for a router to speak. iPXE runs its IPv6
 * configurator beside DHCP and does not boot before both are done: it sends a
 * solicitation at once, more 0.25, 0.75, 1.75, 3.75 and 7.75 s later, and gives up
 * at 15.75 s (ipxe src/net/ndp.c, ipv6conf; src/net/retry.c: the retry timer of
 * Debian's 2019 ROMs, which QEMU 7.2 loads, doubles from 0.25 s and fails when the
 * next wait would pass 10 s; newer iPXE waits 1/8 s to 3 s, about 4 s in all). The
 * first advertisement it receives while it solicits ends the wait.
 *
 * What vmgate says is the truth about the link: a router is here (so the wait ends),
 * it is not a default router (router lifetime 0), it offers no prefixes (no
 * addresses by SLAAC) and no DHCPv6 (M and O clear), and it leaves hop limit,
 * reachable time and retransmission timer unspecified (0). Hosts then have no IPv6
 * route through it: iPXE treats a router of lifetime 0 as none (its gateway6 setting
 * is "not found"), Linux adds no default route for it. The source is vmgate's
 * link-local address, fe80::/64 with the interface identifier made from its MAC by
 * modified EUI-64 (RFC 4291 appendix A), and the source link-layer address option
 * names that MAC.
 *
 * Only the RFC's answers: each solicitation's answer waits a random 0-500 ms
 * (MAX_RA_DELAY_TIME; one answer per solicitor however many it sends meanwhile),
 * and goes to the solicitor by unicast (its source address, the frame's source MAC:
 * "a router MAY unicast the response", 6.2.6), or for a solicitor without an
 * address (source ::) to all nodes, at most once per MIN_DELAY_BETWEEN_RAS (3 s).
 * Unsolicited periodic advertisements are not sent: a host that wants to know asks.
 * A token bucket bounds the answers per network, and a table of pending answers
 * bounds what is held; a solicitation beyond either is dropped and counted.
 *
 * Pure: frames are bytes, the clock (ms) and random numbers come from the caller. */
#ifndef VMGATE_NDP_RA_H
#define VMGATE_NDP_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NDP_ETHERTYPE_IPV6   0x86dd
#define NDP_ICMP6            58         /* IPv6 next header: ICMPv6 */
#define NDP_TYPE_RS          133
#define NDP_TYPE_RA          134
#define NDP_OPT_SLLAO        1          /* source link-layer address option */
#define NDP_HOP_LIMIT        255        /* sent and required on ND messages (RFC 4861 6.1.1) */

#define NDP_RA_MAX_DELAY_MS  500        /* MAX_RA_DELAY_TIME */
#define NDP_RA_MCAST_GAP_MS  3000       /* MIN_DELAY_BETWEEN_RAS */
#define NDP_RA_PENDING       8          /* answers waiting for their time, per network */
#define NDP_RA_BURST         8          /* token bucket: answers at once ... */
#define NDP_RA_REFILL_MS     250        /* ... then one more per 250 ms (4/s) */
/* The longest frame taken as a solicitation: a real one is 62 or 70 bytes (an
 * ICMPv6 header and one 8-byte option). Longer ones are refused unread. */
#define NDP_RS_MAX_FRAME     512

/* The advertisement: Ethernet 14, IPv6 40, RA header 16, SLLAO 8. */
#define NDP_RA_FRAME_LEN     78

/* What a frame was, as the parser saw it. NDP_RS_OK and NDP_RS_NOT_IPV6 are not
 * counted as drops; NDP_RS_OTHER is IPv6 that is not a solicitation to vmgate
 * (which vmgate, without IPv6, drops as before, now counted); the rest are
 * solicitations, or frames claiming to be one, that break a rule. */
enum ndp_rs_result {
    NDP_RS_OK,
    NDP_RS_NOT_IPV6,       /* another ethertype: not ours to judge */
    NDP_RS_OTHER,          /* IPv6, but not ICMPv6 type 133 to all-routers or to vmgate */
    NDP_RS_TRUNCATED,      /* shorter than its headers or than its payload length says */
    NDP_RS_TOO_LONG,       /* over NDP_RS_MAX_FRAME */
    NDP_RS_BAD_HEADER,     /* IP version not 6, or ICMPv6 code not 0 */
    NDP_RS_HOP_LIMIT,      /* hop limit not 255: it may have come through a router */
    NDP_RS_BAD_CHECKSUM,
    NDP_RS_BAD_SOURCE,     /* a multicast source address or source MAC */
    NDP_RS_BAD_OPTION,     /* a zero-length or overrunning option, a bad SLLAO */
    NDP_RS_RESULTS
};

/* A short name for each result, for the console ("hop limit"). */
const char *ndp_rs_result_name(enum ndp_rs_result r);

/* A solicitation that passed every check. */
struct ndp_rs {
    uint8_t src_mac[6];            /* the frame's source */
    uint8_t src_ip[16];            /* :: when the solicitor has no address yet */
    bool unspecified;              /* src_ip is :: */
};

/* Checks the Ethernet frame at frame (len bytes, untrusted; trailing link padding
 * is allowed) as a Router Solicitation to this router: ethertype IPv6, version 6,
 * next header ICMPv6, the payload length within the frame, type 133 to ff02::2
 * (Ethernet 33:33:00:00:00:02) or to vmgate's own link-local address (at its MAC
 * self_mac), hop limit 255, code 0, a correct checksum, options of nonzero length
 * that fit, a source link-layer address option only from a specified source and
 * only 8 bytes long; neither source multicast. Fills *rs on NDP_RS_OK. */
enum ndp_rs_result ndp_rs_parse(const uint8_t *frame, size_t len, const uint8_t self_mac[6],
                                struct ndp_rs *rs);

/* vmgate's link-local address for a MAC: fe80::/64 and the modified EUI-64
 * interface identifier (the universal/local bit inverted, ff:fe in the middle). */
void ndp_link_local(const uint8_t mac[6], uint8_t out[16]);

/* Builds the advertisement from self_mac (and its link-local address) to dst_mac,
 * dst_ip into buf (cap bytes): hop limit 255, router lifetime 0, M and O clear,
 * no prefixes, the SLLAO, the ICMPv6 checksum over the pseudo-header. Returns
 * NDP_RA_FRAME_LEN, or 0 if cap is smaller. */
size_t ndp_ra_build(uint8_t *buf, size_t cap, const uint8_t self_mac[6], const uint8_t dst_mac[6],
                    const uint8_t dst_ip[16]);

/* Counters of one network, for the console. */
struct ndp_ra_stats {
    unsigned long long frames[NDP_RS_RESULTS];   /* every frame by what it was */
    unsigned long long answered;                 /* advertisements handed out to send */
    unsigned long long coalesced;                /* a solicitor's further RS while its answer waits */
    unsigned long long rate_limited;             /* the token bucket was empty */
    unsigned long long table_full;               /* NDP_RA_PENDING answers already waiting */
};

struct ndp_ra_pending {
    bool used;
    bool multicast;                /* to all nodes (for solicitors from ::) */
    uint8_t mac[6];
    uint8_t ip[16];
    uint32_t due;                  /* ms, the caller's clock */
};

/* One network's answering state. */
struct ndp_ra_net {
    uint8_t self_mac[6];
    struct ndp_ra_pending pending[NDP_RA_PENDING];
    unsigned tokens;
    uint32_t refilled_at;          /* the clock when tokens last grew */
    bool mcast_sent;               /* a multicast advertisement went out at last_mcast */
    uint32_t last_mcast;
    struct ndp_ra_stats stats;
};

/* Starts n for a network where vmgate's MAC is self_mac, at time now (ms). */
void ndp_ra_init(struct ndp_ra_net *n, const uint8_t self_mac[6], uint32_t now);

/* Takes one received frame (frame, len: untrusted) at time now; rnd is a uniformly
 * random number that picks the answer's delay. A valid solicitation schedules an
 * answer, unless one to the same solicitor already waits (coalesced), the bucket
 * is empty or the table full (both counted). Returns what the frame was. */
enum ndp_rs_result ndp_ra_input(struct ndp_ra_net *n, const uint8_t *frame, size_t len,
                                uint32_t now, uint32_t rnd);

/* Milliseconds from now until the next answer is due (0: one is due now), or -1
 * when none waits. */
int32_t ndp_ra_next_due(const struct ndp_ra_net *n, uint32_t now);

/* Builds one answer that is due at now into buf (cap >= NDP_RA_FRAME_LEN) and
 * forgets it; returns its length, or 0 when none is due. Call until it returns 0. */
size_t ndp_ra_take_due(struct ndp_ra_net *n, uint32_t now, uint8_t *buf, size_t cap);

#endif
