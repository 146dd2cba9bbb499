/* The NAT engine's first layer: an IPv4 packet's untrusted bytes parsed into the
 * fields NAT decides on and pointers to the fields it rewrites. Nothing here
 * allocates or writes; every pointer it sets lies inside [pkt, pkt + len), and a
 * pointer is only set where the whole field fits, whatever the headers claim.
 *
 * "Ports" are generalised so that the table and the rewriter need not know the
 * protocol: TCP and UDP have their two ports; an ICMP echo request carries its
 * identifier as the source port (destination port 0) and an echo reply as the
 * destination port (source port 0), so that a request and the reply to it give
 * mirrored tuples like a UDP datagram and its answer; other protocols have no
 * ports (both 0) and are told apart by address alone. */
#ifndef VMGATE_NAT_PARSE_H
#define VMGATE_NAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAT_PROTO_ICMP 1
#define NAT_PROTO_TCP  6
#define NAT_PROTO_UDP  17

#define NAT_ICMP_ECHO_REPLY   0
#define NAT_ICMP_ECHO_REQUEST 8

#define NAT_TCP_FIN 0x01
#define NAT_TCP_SYN 0x02
#define NAT_TCP_RST 0x04
#define NAT_TCP_ACK 0x10
#define NAT_TCP_NO_WSCALE 0xff
#define NAT_TCP_WSCALE_MAX 14       /* RFC 7323 2.3: larger shifts are taken as 14 */

/* An IPv4 header: where it is and what it says. */
struct nat_ip {
    uint8_t *hdr;
    uint32_t src, dst;
    uint8_t proto;
    uint8_t ttl;
};

/* The transport part of a packet as NAT sees it (see the "ports" note above). */
struct nat_l4 {
    uint16_t sport, dport;
    uint8_t *sport_p, *dport_p;  /* where each port is stored; NULL where there is none */
    uint8_t *csum_p;             /* the transport checksum; NULL if absent or not quoted */
    bool csum_pseudo;            /* it covers the pseudo-header (TCP, UDP) */
    bool csum_optional;          /* UDP: a stored 0 means "no checksum" */
    bool csum_partial;           /* checksum offload: the field holds only the folded
                                    pseudo-header sum, not complemented; whoever
                                    completes it adds the rest (set by the caller) */
    bool tracked;                /* TCP, UDP, ICMP echo, or another protocol by address:
                                    false for ICMP messages that are neither echo nor a
                                    usable error, and for non-first fragments in quotes */
};

/* ICMP's error types, which quote the packet that caused them (RFC 792, 1122). */
static inline bool nat_icmp_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* One parsed packet. For an ICMP error, l4 describes the ICMP message itself (its
 * checksum, no ports) and inner/inner_l4 the quoted packet: inner_l4.csum_p points
 * at the quoted transport checksum only when the quote holds it. */
struct nat_pkt {
    struct nat_ip ip;
    struct nat_l4 l4;
    size_t tot_len;              /* the IP total length: the packet's bytes end there */
    /* TCP */
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint32_t tcp_payload;        /* payload bytes (after the TCP header and options) */
    uint16_t tcp_win;            /* the window field, unscaled */
    uint8_t tcp_wscale;          /* a SYN's window scale option (RFC 7323), capped at
                                    14; NAT_TCP_NO_WSCALE if absent or not a SYN */
    /* ICMP */
    uint8_t icmp_type;
    bool icmp_error;
    struct nat_ip inner;
    struct nat_l4 inner_l4;
};

enum nat_parse_result {
    NAT_PARSE_OK,
    NAT_PARSE_MALFORMED,     /* truncated or inconsistent headers, bad IP checksum */
    NAT_PARSE_FRAGMENT,      /* a fragment (MF set or offset non-zero): no L4 parsed */
};

/* Parses the IPv4 packet at pkt, of which len bytes are readable, into *p.
 * Checks: version 4; IHL >= 5 and the header within len; total length at least the
 * header and at most len (bytes after it, such as Ethernet padding, are ignored);
 * the header checksum; the minimum transport header (TCP 20 bytes and a data
 * offset that fits, UDP 8 bytes and a length that fits, ICMP 8 bytes); for an ICMP
 * error, a quoted IPv4 header that fits and at least 8 bytes of its transport
 * header. Options are allowed and skipped. *p is only meaningful on NAT_PARSE_OK
 * (on NAT_PARSE_FRAGMENT, p->ip is filled), and inner/inner_l4 only when
 * icmp_error is set. */
enum nat_parse_result nat_parse(struct nat_pkt *p, uint8_t *pkt, size_t len);

#endif
