/* In-place rewriting with incremental checksum updates. Each changed 16-bit word
 * goes through store16(), which also folds the change into the enclosing ICMP
 * checksum when there is one: the quote's words all sit at even offsets from the
 * start of the ICMP message (the quote starts at byte 8, IP header lengths are
 * multiples of 4, and every field rewritten is at an even offset in its header),
 * so each is one word of that checksum's sum. */
#include "nat_rewrite.h"

#include "bytes.h"
#include "csum.h"

/* Stores v at field and keeps the enclosing checksum (if any) right. */
static void store16(uint8_t *field, uint16_t v, uint8_t *encl)
{
    uint16_t old = get_be16(field);

    if (old == v)
        return;
    put_be16(field, v);
    if (encl)
        put_be16(encl, csum_update16(get_be16(encl), old, v));
}

/* A transport checksum after one of the words it covers changed from old to new;
 * UDP's "no checksum" (0) is left alone and a computed 0 becomes 0xffff, since 0
 * would read as "none" (RFC 768). */
static void l4_csum_update(const struct nat_l4 *l4, uint16_t old, uint16_t new_, uint8_t *encl)
{
    uint16_t c;

    if (!l4->csum_p)
        return;
    c = get_be16(l4->csum_p);
    if (l4->csum_optional && c == 0)
        return;
    c = csum_update16(c, old, new_);
    if (l4->csum_optional && c == 0)
        c = 0xffff;
    store16(l4->csum_p, c, encl);
}

/* Replaces the address at ip->hdr + off (12: source, 16: destination). */
static void addr_set(struct nat_ip *ip, const struct nat_l4 *l4, unsigned off, uint32_t addr,
                     uint8_t *encl)
{
    uint8_t *field = ip->hdr + off;
    uint32_t old = get_be32(field);

    if (old == addr)
        return;
    store16(field, (uint16_t)(addr >> 16), encl);
    store16(field + 2, (uint16_t)addr, encl);
    store16(ip->hdr + 10, csum_update32(get_be16(ip->hdr + 10), old, addr), encl);
    if (l4->csum_pseudo) {
        l4_csum_update(l4, (uint16_t)(old >> 16), (uint16_t)(addr >> 16), encl);
        l4_csum_update(l4, (uint16_t)old, (uint16_t)addr, encl);
    }
}

static void port_set(const struct nat_l4 *l4, uint8_t *field, uint16_t port, uint8_t *encl)
{
    uint16_t old;

    if (!field)
        return;
    old = get_be16(field);
    if (old == port)
        return;
    store16(field, port, encl);
    l4_csum_update(l4, old, port, encl);
}

/* Contract in nat_rewrite.h. */
void nat_rewrite_src(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl)
{
    addr_set(ip, l4, 12, addr, encl);
    ip->src = addr;
    if (l4->sport_p) {
        port_set(l4, l4->sport_p, port, encl);
        l4->sport = port;
    }
}

/* Contract in nat_rewrite.h. */
void nat_rewrite_dst(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl)
{
    addr_set(ip, l4, 16, addr, encl);
    ip->dst = addr;
    if (l4->dport_p) {
        port_set(l4, l4->dport_p, port, encl);
        l4->dport = port;
    }
}
