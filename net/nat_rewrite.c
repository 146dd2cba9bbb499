/* In-place rewriting with incremental checksum updates (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')). The changes of one rewrite (an address, a port) are
 * summed once as (~m + m') terms and applied to each checksum that covers them in
 * one step: one's complement addition is associative, so this is the same as
 * applying them one by one, and tests compare the result with full recomputation.
 *
 * An enclosing ICMP checksum covers every word changed in the quote, the quote's
 * own checksums among them: the quote's words all sit at even offsets from the
 * start of the ICMP message (the quote starts at byte 8, IP header lengths are
 * multiples of 4, and every field rewritten is at an even offset in its header),
 * so each is one word of that checksum's sum. */
#include "nat_rewrite.h"

#include "bytes.h"
#include "csum.h"

/* Adds the change of one 16-bit word from old to new to a running delta. */
static inline void delta_add(uint32_t *d, uint16_t old, uint16_t new_)
{
    *d += (uint16_t)~old;
    *d += new_;
}

/* The checksum after the changes summed in d. */
static inline uint16_t csum_apply(uint16_t check, uint32_t d)
{
    return (uint16_t)~csum_fold((uint32_t)(uint16_t)~check + d);
}

/* Rewrites the address at ip->hdr + addr_off (12: source, 16: destination) and the
 * port at port_p (if any), updating the IP header checksum, the transport checksum
 * (the pseudo-header covers the address when csum_pseudo, the header the port; a
 * UDP 0 stays 0 and a computed 0 is stored as 0xffff, RFC 768) and encl. */
static void rewrite(struct nat_ip *ip, const struct nat_l4 *l4, unsigned addr_off,
                    uint32_t addr, uint8_t *port_p, uint16_t port, uint8_t *encl)
{
    uint8_t *a = ip->hdr + addr_off;
    uint32_t old = get_be32(a);
    uint32_t d_l4 = 0, d_encl = 0;

    if (old != addr) {
        uint32_t d_addr = 0;
        uint16_t ipc = get_be16(ip->hdr + 10), nipc;
        delta_add(&d_addr, (uint16_t)(old >> 16), (uint16_t)(addr >> 16));
        delta_add(&d_addr, (uint16_t)old, (uint16_t)addr);
        nipc = csum_apply(ipc, d_addr);
        put_be32(a, addr);
        put_be16(ip->hdr + 10, nipc);
        d_encl = d_addr;
        delta_add(&d_encl, ipc, nipc);
        if (l4->csum_pseudo)
            d_l4 = d_addr;
    }
    if (port_p) {
        uint16_t op = get_be16(port_p);
        if (op != port) {
            put_be16(port_p, port);
            delta_add(&d_l4, op, port);
            delta_add(&d_encl, op, port);
        }
    }
    if (l4->csum_partial) {
        /* Only the pseudo-header is in it: the address change, added as is. */
        if (l4->csum_p && old != addr) {
            uint32_t d_addr = 0;
            delta_add(&d_addr, (uint16_t)(old >> 16), (uint16_t)(addr >> 16));
            delta_add(&d_addr, (uint16_t)old, (uint16_t)addr);
            put_be16(l4->csum_p, csum_fold(get_be16(l4->csum_p) + d_addr));
        }
    } else if (d_l4 && l4->csum_p) {
        uint16_t c = get_be16(l4->csum_p), nc;
        if (!(l4->csum_optional && c == 0)) {
            nc = csum_apply(c, d_l4);
            if (l4->csum_optional && nc == 0)
                nc = 0xffff;
            put_be16(l4->csum_p, nc);
            delta_add(&d_encl, c, nc);
        }
    }
    if (encl && d_encl)
        put_be16(encl, csum_apply(get_be16(encl), d_encl));
}

/* Contract in nat_rewrite.h. */
void nat_rewrite_src(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl)
{
    rewrite(ip, l4, 12, addr, l4->sport_p, port, encl);
    ip->src = addr;
    if (l4->sport_p)
        l4->sport = port;
}

/* Contract in nat_rewrite.h. */
void nat_rewrite_dst(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl)
{
    rewrite(ip, l4, 16, addr, l4->dport_p, port, encl);
    ip->dst = addr;
    if (l4->dport_p)
        l4->dport = port;
}

