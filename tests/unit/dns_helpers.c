/* Helpers for the DNS relay's tests (see dns_helpers.h). Messages are written out
 * field by field from RFC 1035 4.1 so that a test reads as the message it sends. */
#include "dns_helpers.h"
#include "unit.h"
#include "../../net/bytes.h"

#include <string.h>

/* Contract in dns_helpers.h. */
void dns_capture_reset(struct dns_capture *cap)
{
    cap->n = 0;
    cap->arena_used = 0;
}

/* Contract in dns_helpers.h. Packets beyond the capture's room are counted only. */
void dns_capture_send(void *ctx, const struct dnsrelay_packet *pkt)
{
    struct dns_capture *cap = ctx;
    unsigned i = cap->n++;

    if (i >= DNS_CAPTURE_MAX || cap->arena_used + pkt->len > sizeof cap->arena)
        return;
    uint8_t *copy = cap->arena + cap->arena_used;
    memcpy(copy, pkt->data, pkt->len);
    cap->arena_used += pkt->len;
    cap->sent[i].pkt = *pkt;
    cap->sent[i].pkt.data = copy;
}

/* Contract in dns_helpers.h. */
const struct dnsrelay_packet *dns_capture_get(const struct dns_capture *cap, unsigned i)
{
    REQUIRE(i < cap->n && i < DNS_CAPTURE_MAX);
    return &cap->sent[i].pkt;
}

/* Contract in dns_helpers.h. */
size_t dns_put_name(uint8_t *out, const char *dotted)
{
    size_t o = 0;

    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        out[o++] = (uint8_t)n;
        memcpy(out + o, dotted, n);
        o += n;
        dotted += n + (dot ? 1 : 0);
    }
    out[o++] = 0;
    return o;
}

/* Contract in dns_helpers.h. */
size_t dns_build_query(uint8_t *out, uint16_t id, const char *name, uint16_t qtype,
                       uint16_t edns_size)
{
    size_t o = DNS_HEADER_LEN;

    put_be16(out, id);
    put_be16(out + 2, DNS_FLAG_RD);
    put_be16(out + 4, 1);
    put_be16(out + 6, 0);
    put_be16(out + 8, 0);
    put_be16(out + 10, edns_size ? 1 : 0);
    o += dns_put_name(out + o, name);
    put_be16(out + o, qtype);
    put_be16(out + o + 2, 1);
    o += 4;
    if (edns_size) {
        out[o++] = 0;                           /* root owner */
        put_be16(out + o, DNS_TYPE_OPT);
        put_be16(out + o + 2, edns_size);
        put_be32(out + o + 4, 0);               /* extended RCODE, version 0, no DO */
        put_be16(out + o + 8, 0);               /* no options */
        o += 10;
    }
    return o;
}

/* Contract in dns_helpers.h. */
size_t dns_build_response(uint8_t *out, const uint8_t *query, size_t qlen, uint16_t id,
                          unsigned n_answers, uint32_t addr)
{
    struct dns_msg_info info;

    REQUIRE_EQ_INT(dns_msg_parse(query, qlen, true, &info), 0);
    memcpy(out, query, info.q.end);
    put_be16(out, id);
    put_be16(out + 2, (uint16_t)(get_be16(query + 2) | DNS_FLAG_QR | DNS_FLAG_RA));
    put_be16(out + 6, (uint16_t)n_answers);
    put_be16(out + 8, 0);
    put_be16(out + 10, 0);
    size_t o = info.q.end;
    for (unsigned i = 0; i < n_answers; i++) {
        REQUIRE(o + 16 <= DNS_TEST_MSG_MAX);
        put_be16(out + o, 0xc000 | DNS_HEADER_LEN);     /* the question's name */
        put_be16(out + o + 2, info.q.qtype);
        put_be16(out + o + 4, 1);
        put_be32(out + o + 6, 60);
        put_be16(out + o + 10, 4);
        put_be32(out + o + 12, addr + i);
        o += 16;
    }
    return o;
}

/* Contract in dns_helpers.h. */
uint16_t dns_msg_id(const uint8_t *msg)
{
    return get_be16(msg);
}
