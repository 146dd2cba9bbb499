/* Packet parsing for NAT. Every length comes from the packet and is checked
 * against what is really there before anything past it is read: total length
 * against the buffer, the header length against the total length, each transport
 * header against what remains, and a quote against the ICMP message's end. */
#include "nat_parse.h"

#include "bytes.h"
#include "ip4.h"
#include "csum.h"

#define TCP_HDR_MIN  20
#define UDP_HDR_LEN  8
#define ICMP_HDR_LEN 8
/* RFC 792: an error quotes the IP header and at least the first 8 data bytes. */
#define QUOTE_L4_MIN 8
/* The TCP checksum field ends at byte 18 of the header: a quote of the usual 8
 * bytes does not hold it. */
#define TCP_CSUM_END 18

/* Fills ip from an IPv4 header whose length the caller has already checked. */
static void ip_fill(struct nat_ip *ip, uint8_t *hdr)
{
    ip->hdr = hdr;
    ip->ttl = hdr[8];
    ip->proto = hdr[9];
    ip->src = get_be32(hdr + 12);
    ip->dst = get_be32(hdr + 16);
}

/* The ICMP echo identifier as a port, per the note in nat_parse.h. */
static void l4_icmp_echo(struct nat_l4 *l4, uint8_t *icmp)
{
    uint8_t *id = icmp + 4;

    l4->tracked = true;
    l4->csum_p = icmp + 2;
    if (icmp[0] == NAT_ICMP_ECHO_REQUEST) {
        l4->sport = get_be16(id);
        l4->sport_p = id;
    } else {
        l4->dport = get_be16(id);
        l4->dport_p = id;
    }
}

/* The window scale option of a SYN's options (opt, n bytes: what the data offset
 * covers), or NAT_TCP_NO_WSCALE. Kind 0 ends the list, kind 1 is one byte, every
 * other kind has a length byte that must fit and be at least 2. */
static uint8_t tcp_wscale(const uint8_t *opt, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t kind = opt[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
            break;
        if (kind == 3 && opt[i + 1] == 3)
            return opt[i + 2] > NAT_TCP_WSCALE_MAX ? NAT_TCP_WSCALE_MAX : opt[i + 2];
        i += opt[i + 1];
    }
    return NAT_TCP_NO_WSCALE;
}

static void l4_ports(struct nat_l4 *l4, uint8_t *hdr)
{
    l4->tracked = true;
    l4->sport_p = hdr;
    l4->dport_p = hdr + 2;
    l4->sport = get_be16(hdr);
    l4->dport = get_be16(hdr + 2);
}

/* Parses the packet an ICMP error quotes: q holds qlen bytes (the rest of the
 * ICMP message). The quote is usually cut short, so its own total length is not
 * checked against qlen; only what NAT reads and writes has to be there: the whole
 * IP header and 8 bytes of the transport header. A quoted non-first fragment has
 * no transport header: it parses, untracked, unless it is of a protocol without
 * ports. Returns false if the quote is malformed. */
static bool quote_parse(struct nat_pkt *p, uint8_t *q, size_t qlen)
{
    struct nat_l4 *l4 = &p->inner_l4;
    size_t hlen;
    uint8_t *t;

    *l4 = (struct nat_l4){0};
    if (qlen < IP4_HDR_MIN || q[0] >> 4 != 4)
        return false;
    hlen = (size_t)(q[0] & 0x0f) * 4;
    if (hlen < IP4_HDR_MIN || hlen + QUOTE_L4_MIN > qlen)
        return false;
    /* RFC 5508 REQ-3a: nor one whose quoted header's checksum fails. */
    if (csum_fold(csum_partial(0, q, hlen)) != 0xffff)
        return false;
    ip_fill(&p->inner, q);
    t = q + hlen;
    if (get_be16(q + 6) & IP4_OFFSET_MASK) {
        l4->tracked = p->inner.proto != NAT_PROTO_TCP && p->inner.proto != NAT_PROTO_UDP &&
                      p->inner.proto != NAT_PROTO_ICMP;
        return true;
    }
    switch (p->inner.proto) {
    case NAT_PROTO_TCP:
        l4_ports(l4, t);
        l4->csum_pseudo = true;
        if (qlen - hlen >= TCP_CSUM_END)
            l4->csum_p = t + 16;
        break;
    case NAT_PROTO_UDP:
        l4_ports(l4, t);
        l4->csum_pseudo = true;
        l4->csum_optional = true;
        l4->csum_p = t + 6;
        break;
    case NAT_PROTO_ICMP:
        /* Only an echo can belong to a flow; an error about an error cannot. */
        if (t[0] == NAT_ICMP_ECHO_REQUEST || t[0] == NAT_ICMP_ECHO_REPLY)
            l4_icmp_echo(l4, t);
        break;
    default:
        l4->tracked = true;
        break;
    }
    return true;
}

/* Contract in nat_parse.h. */
enum nat_parse_result nat_parse(struct nat_pkt *p, uint8_t *pkt, size_t len)
{
    struct ip4_hdr_info h;
    size_t hlen, tot, l4len;
    uint8_t *t;

    /* Only what every reader may look at is cleared (the quote's fields are read
     * only when icmp_error is set): this runs for every packet. */
    p->l4 = (struct nat_l4){0};
    p->tcp_flags = 0;
    p->tcp_seq = p->tcp_ack = p->tcp_payload = 0;
    p->tcp_win = 0;
    p->tcp_wscale = NAT_TCP_NO_WSCALE;
    p->icmp_type = 0;
    p->icmp_error = false;
    /* lwIP's input hook runs before lwIP checks the header: this is the check, the
     * same one the fast path and the fragment path make (ip4.h). */
    if (ip4_check(pkt, len, len, &h) != IP4_OK)
        return NAT_PARSE_MALFORMED;
    hlen = h.hlen;
    tot = h.tot_len;
    ip_fill(&p->ip, pkt);
    p->tot_len = tot;
    if (h.frag & IP4_FRAG_MASK)
        return NAT_PARSE_FRAGMENT;

    t = pkt + hlen;
    l4len = tot - hlen;
    switch (p->ip.proto) {
    case NAT_PROTO_TCP: {
        size_t doff;
        if (l4len < TCP_HDR_MIN)
            return NAT_PARSE_MALFORMED;
        doff = (size_t)(t[12] >> 4) * 4;
        if (doff < TCP_HDR_MIN || doff > l4len)
            return NAT_PARSE_MALFORMED;
        l4_ports(&p->l4, t);
        p->l4.csum_p = t + 16;
        p->l4.csum_pseudo = true;
        p->tcp_seq = get_be32(t + 4);
        p->tcp_ack = get_be32(t + 8);
        p->tcp_flags = t[13];
        p->tcp_payload = (uint32_t)(l4len - doff);
        p->tcp_win = get_be16(t + 14);
        if (p->tcp_flags & NAT_TCP_SYN)
            p->tcp_wscale = tcp_wscale(t + TCP_HDR_MIN, doff - TCP_HDR_MIN);
        break;
    }
    case NAT_PROTO_UDP: {
        size_t ulen;
        if (l4len < UDP_HDR_LEN)
            return NAT_PARSE_MALFORMED;
        ulen = get_be16(t + 4);
        if (ulen < UDP_HDR_LEN || ulen > l4len)
            return NAT_PARSE_MALFORMED;
        l4_ports(&p->l4, t);
        p->l4.csum_p = t + 6;
        p->l4.csum_pseudo = true;
        p->l4.csum_optional = true;
        break;
    }
    case NAT_PROTO_ICMP:
        if (l4len < ICMP_HDR_LEN)
            return NAT_PARSE_MALFORMED;
        p->icmp_type = t[0];
        if (t[0] == NAT_ICMP_ECHO_REQUEST || t[0] == NAT_ICMP_ECHO_REPLY) {
            l4_icmp_echo(&p->l4, t);
        } else if (nat_icmp_is_error(t[0])) {
            /* RFC 5508 REQ-3: an error whose checksum fails is not translated (it
             * would be, checksum and all, and its quote may be what is damaged).
             * Errors are rare: the whole-message sum costs nothing here. */
            if (csum_fold(csum_partial(0, t, l4len)) != 0xffff)
                return NAT_PARSE_MALFORMED;
            p->icmp_error = true;
            p->l4.csum_p = t + 2;
            if (!quote_parse(p, t + ICMP_HDR_LEN, l4len - ICMP_HDR_LEN))
                return NAT_PARSE_MALFORMED;
        } else {
            p->l4.csum_p = t + 2;   /* untracked: timestamps, router adverts, ... */
        }
        break;
    default:
        p->l4.tracked = true;
        break;
    }
    return NAT_PARSE_OK;
}
