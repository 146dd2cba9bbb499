/* Test packets, built field by field with checksums summed over the finished
 * bytes by ref_csum.c's plain RFC 1071 loop: nothing here shares code with the
 * engine (net/csum.c included), so a test that compares the two checks the engine
 * against an independent computation. */
#include "pkt_builder.h"

#include <string.h>

#include "net/bytes.h"
#include "ref_csum.h"

static void payload_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + 3);
}

static size_t ip_hlen(const uint8_t *pkt)
{
    return (size_t)(pkt[0] & 0x0f) * 4;
}

static size_t ip_tot(const uint8_t *pkt)
{
    return get_be16(pkt + 2);
}

uint16_t pb_ip_csum_of(const uint8_t *pkt)
{
    uint8_t h[60];
    size_t hl = ip_hlen(pkt);

    memcpy(h, pkt, hl);
    h[10] = h[11] = 0;
    return ref_csum(h, hl);
}

void pb_fix_ip_csum(uint8_t *pkt)
{
    put_be16(pkt + 10, pb_ip_csum_of(pkt));
}

static uint16_t l4_csum_offset(uint8_t proto)
{
    return proto == 6 ? 16 : proto == 17 ? 6 : 2;
}

/* Contract in pkt_builder.h. */
int pb_l4_csum_of(const uint8_t *pkt, size_t avail)
{
    uint8_t proto = pkt[9];
    size_t hl = ip_hlen(pkt), tot = ip_tot(pkt), l4len, off;
    uint8_t l4[PB_MAX];
    uint16_t c;

    if (tot > avail || tot < hl || tot - hl > sizeof l4)
        return -1;
    l4len = tot - hl;
    off = l4_csum_offset(proto);
    if (l4len < off + 2)
        return -1;
    memcpy(l4, pkt + hl, l4len);
    l4[off] = l4[off + 1] = 0;
    if (proto == 6 || proto == 17)
        c = ref_csum_pseudo(get_be32(pkt + 12), get_be32(pkt + 16), proto, l4, l4len);
    else
        c = ref_csum(l4, l4len);
    if (proto == 17 && c == 0)
        c = 0xffff;
    return c;
}

uint16_t pb_l4_csum_field(const uint8_t *pkt)
{
    return get_be16(pkt + ip_hlen(pkt) + l4_csum_offset(pkt[9]));
}

/* Contract in pkt_builder.h. */
size_t pb_ip(uint8_t *buf, uint8_t proto, uint32_t src, uint32_t dst, size_t opt_len,
             const void *payload, size_t plen)
{
    size_t hl = 20 + opt_len;

    memset(buf, 0, hl);
    buf[0] = (uint8_t)(0x40 | hl / 4);
    put_be16(buf + 2, (uint16_t)(hl + plen));
    put_be16(buf + 4, 0x1234);
    buf[8] = 64;
    buf[9] = proto;
    put_be32(buf + 12, src);
    put_be32(buf + 16, dst);
    if (opt_len) {
        memset(buf + 20, 1, opt_len - 1);   /* NOP ... */
        buf[hl - 1] = 0;                    /* ... end of options */
    }
    if (payload && plen)
        memmove(buf + hl, payload, plen);
    pb_fix_ip_csum(buf);
    return hl + plen;
}

static void l4_csum_store(uint8_t *pkt)
{
    int c = pb_l4_csum_of(pkt, ip_tot(pkt));
    put_be16(pkt + ip_hlen(pkt) + l4_csum_offset(pkt[9]), (uint16_t)c);
}

size_t pb_tcp_win(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                  uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                  const uint8_t *opts, size_t optlen, size_t plen)
{
    uint8_t t[60 + PB_MAX];
    size_t hl = 20 + ((optlen + 3) & ~(size_t)3), n;

    memset(t, 0, hl);
    put_be16(t, sport);
    put_be16(t + 2, dport);
    put_be32(t + 4, seq);
    put_be32(t + 8, ack);
    t[12] = (uint8_t)((hl / 4) << 4);
    t[13] = flags;
    put_be16(t + 14, win);
    if (optlen)
        memcpy(t + 20, opts, optlen);
    payload_fill(t + hl, plen);
    n = pb_ip(buf, 6, src, dst, 0, t, hl + plen);
    l4_csum_store(buf);
    return n;
}

size_t pb_tcp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              uint8_t flags, uint32_t seq, uint32_t ack, size_t plen)
{
    return pb_tcp_win(buf, src, sport, dst, dport, flags, seq, ack, 65535, NULL, 0, plen);
}

static size_t udp_build(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                        size_t plen)
{
    uint8_t u[8 + PB_MAX];

    put_be16(u, sport);
    put_be16(u + 2, dport);
    put_be16(u + 4, (uint16_t)(8 + plen));
    put_be16(u + 6, 0);
    payload_fill(u + 8, plen);
    return pb_ip(buf, 17, src, dst, 0, u, 8 + plen);
}

size_t pb_udp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              size_t plen)
{
    size_t n = udp_build(buf, src, sport, dst, dport, plen);
    l4_csum_store(buf);
    return n;
}

size_t pb_udp_nocsum(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                     size_t plen)
{
    return udp_build(buf, src, sport, dst, dport, plen);
}

size_t pb_icmp_echo(uint8_t *buf, uint8_t type, uint32_t src, uint32_t dst, uint16_t id,
                    uint16_t seq, size_t plen)
{
    uint8_t m[8 + PB_MAX];
    size_t n;

    memset(m, 0, 8);
    m[0] = type;
    put_be16(m + 4, id);
    put_be16(m + 6, seq);
    payload_fill(m + 8, plen);
    n = pb_ip(buf, 1, src, dst, 0, m, 8 + plen);
    l4_csum_store(buf);
    return n;
}

size_t pb_gre(uint8_t *buf, uint32_t src, uint32_t dst, size_t plen)
{
    uint8_t g[4 + PB_MAX];

    put_be16(g, 0);             /* no checksum, version 0 */
    put_be16(g + 2, 0x0800);    /* carrying IPv4 */
    payload_fill(g + 4, plen);
    return pb_ip(buf, 47, src, dst, 0, g, 4 + plen);
}

size_t pb_icmp_error(uint8_t *buf, uint8_t type, uint8_t code, uint32_t src, uint32_t dst,
                     const uint8_t *quoted, size_t qlen)
{
    uint8_t m[8 + PB_MAX];
    size_t n;

    if (qlen > ip_tot(quoted))
        qlen = ip_tot(quoted);
    memset(m, 0, 8);
    m[0] = type;
    m[1] = code;
    memcpy(m + 8, quoted, qlen);
    n = pb_ip(buf, 1, src, dst, 0, m, 8 + qlen);
    l4_csum_store(buf);
    return n;
}

void pb_set_ttl(uint8_t *pkt, uint8_t ttl)
{
    pkt[8] = ttl;
    pb_fix_ip_csum(pkt);
}

void pb_set_frag(uint8_t *pkt, uint16_t flags_and_offset)
{
    put_be16(pkt + 6, flags_and_offset);
    pb_fix_ip_csum(pkt);
}

uint32_t pb_src(const uint8_t *pkt) { return get_be32(pkt + 12); }
uint32_t pb_dst(const uint8_t *pkt) { return get_be32(pkt + 16); }
const uint8_t *pb_l4(const uint8_t *pkt) { return pkt + ip_hlen(pkt); }
const uint8_t *pb_inner(const uint8_t *pkt) { return pb_l4(pkt) + 8; }

uint16_t pb_sport(const uint8_t *pkt)
{
    return get_be16(pb_l4(pkt) + (pkt[9] == 1 ? 4 : 0));
}

uint16_t pb_dport(const uint8_t *pkt)
{
    return get_be16(pb_l4(pkt) + (pkt[9] == 1 ? 4 : 2));
}

/* Checks one packet's own IP and transport checksums (avail bytes of it exist). */
static bool csums_one(const uint8_t *pkt, size_t avail, bool inner, const char **what)
{
    int c;
    uint8_t proto = pkt[9];

    if (get_be16(pkt + 10) != pb_ip_csum_of(pkt)) {
        *what = inner ? "quoted IP header checksum" : "IP header checksum";
        return false;
    }
    if (proto != 1 && proto != 6 && proto != 17)
        return true;
    c = pb_l4_csum_of(pkt, avail);
    if (c < 0)
        return true;                        /* not all of it is here: nothing to check */
    if (proto == 17 && pb_l4_csum_field(pkt) == 0)
        return true;
    if (pb_l4_csum_field(pkt) != c) {
        *what = inner ? "quoted transport checksum" : "transport checksum";
        return false;
    }
    return true;
}

/* Contract in pkt_builder.h. */
bool pb_csums_ok(const uint8_t *pkt, size_t len, const char **what)
{
    const uint8_t *l4 = pb_l4(pkt);
    size_t qlen;

    *what = "";
    if (!csums_one(pkt, len, false, what))
        return false;
    if (pkt[9] != 1 || !(l4[0] == 3 || l4[0] == 4 || l4[0] == 5 || l4[0] == 11 || l4[0] == 12))
        return true;
    qlen = ip_tot(pkt) - ip_hlen(pkt) - 8;
    return csums_one(pb_inner(pkt), qlen, true, what);
}
