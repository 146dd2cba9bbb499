/* DNS message parsing for the relay. The rules for names (RFC 1035 3.1 and 4.1.4),
 * applied to untrusted bytes:
 *  - a label is at most 63 octets and a name at most 255 octets in wire form;
 *  - the label types 01 and 10 (extended, reserved) are refused;
 *  - a compression pointer must land inside the message past the header and
 *    strictly before the place where the run of labels it ends began. Offsets then
 *    only decrease, so a name cannot loop; DNS_POINTERS_MAX bounds the hops.
 * Since the question follows the header, these rules leave no room for a pointer
 * in a question at all: questions are always uncompressed. */
#include "dns_msg.h"
#include "bytes.h"

#include <errno.h>
#include <string.h>

/* Contract in dns_msg.h. */
int dns_header_parse(const uint8_t *msg, size_t len, struct dns_header *h)
{
    if (len < DNS_HEADER_LEN)
        return -EBADMSG;
    h->id = get_be16(msg);
    h->flags = get_be16(msg + 2);
    h->qdcount = get_be16(msg + 4);
    h->ancount = get_be16(msg + 6);
    h->nscount = get_be16(msg + 8);
    h->arcount = get_be16(msg + 10);
    return 0;
}

/* Contract in dns_msg.h. */
int dns_name_parse(const uint8_t *msg, size_t len, size_t off, uint8_t *out,
                   uint16_t *out_len, size_t *end)
{
    size_t pos = off;           /* the next length octet or pointer */
    size_t limit = off;         /* a pointer must land before this */
    size_t after = 0;           /* where the name ends in place, once it jumped */
    size_t wire = 0;            /* uncompressed length so far */
    unsigned hops = 0;

    for (;;) {
        if (pos >= len)
            return -EBADMSG;
        uint8_t c = msg[pos];
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return -EBADMSG;
            size_t target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
            if (target < DNS_HEADER_LEN || target >= limit || ++hops > DNS_POINTERS_MAX)
                return -EBADMSG;
            if (hops == 1)
                after = pos + 2;
            pos = limit = target;
            continue;
        }
        if (c & 0xc0)
            return -EBADMSG;
        if (wire + 1 + c > DNS_NAME_MAX || pos + 1 + c > len)
            return -EBADMSG;
        if (out)
            memcpy(out + wire, msg + pos, 1 + (size_t)c);
        wire += 1 + (size_t)c;
        pos += 1 + (size_t)c;
        if (c == 0)
            break;
    }
    if (out_len)
        *out_len = (uint16_t)wire;
    *end = hops ? after : pos;
    return 0;
}

/* Contract in dns_msg.h. */
int dns_question_parse(const uint8_t *msg, size_t len, size_t off, struct dns_question *q)
{
    size_t end;
    int rc = dns_name_parse(msg, len, off, q->name, &q->name_len, &end);
    if (rc)
        return rc;
    if (end + 4 > len)
        return -EBADMSG;
    q->qtype = get_be16(msg + end);
    q->qclass = get_be16(msg + end + 2);
    q->off = off;
    q->end = end + 4;
    return 0;
}

static uint8_t ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Contract in dns_msg.h. Length octets are compared like the rest: they are below
 * 64, so lowering leaves them alone, and equal names have them in the same places. */
bool dns_question_equal(const struct dns_question *a, const struct dns_question *b)
{
    if (a->qtype != b->qtype || a->qclass != b->qclass || a->name_len != b->name_len)
        return false;
    for (uint16_t i = 0; i < a->name_len; i++)
        if (ascii_lower(a->name[i]) != ascii_lower(b->name[i]))
            return false;
    return true;
}

/* Walks the answer, authority and additional records after the question, checking
 * that each is whole, and notes the OPT record. */
static int walk_records(const uint8_t *msg, size_t len, struct dns_msg_info *info)
{
    const struct dns_header *h = &info->hdr;
    unsigned before_additional = (unsigned)h->ancount + h->nscount;
    unsigned total = before_additional + h->arcount;
    size_t off = info->q.end;

    for (unsigned i = 0; i < total; i++) {
        size_t name_end;
        int rc = dns_name_parse(msg, len, off, NULL, NULL, &name_end);
        if (rc)
            return rc;
        if (name_end + 10 > len)
            return -EBADMSG;
        uint16_t type = get_be16(msg + name_end);
        uint16_t rdlength = get_be16(msg + name_end + 8);
        size_t next = name_end + 10 + rdlength;
        if (next > len)
            return -EBADMSG;
        if (type == DNS_TYPE_OPT) {
            /* RFC 6891 6.1.1: one OPT at most, in the additional section, owned by
             * the root name. Anything else is a FORMERR at a server; we drop it. */
            if (i < before_additional || info->has_opt || msg[off] != 0)
                return -EBADMSG;
            info->has_opt = true;
            info->opt_udp_size = get_be16(msg + name_end + 2);
        }
        off = next;
    }
    info->records_walked = true;
    return 0;
}

/* Contract in dns_msg.h. */
int dns_msg_parse(const uint8_t *msg, size_t len, bool walk, struct dns_msg_info *info)
{
    memset(info, 0, sizeof *info);
    int rc = dns_header_parse(msg, len, &info->hdr);
    if (rc)
        return rc;
    if (info->hdr.qdcount != 1)
        return -EBADMSG;
    rc = dns_question_parse(msg, len, DNS_HEADER_LEN, &info->q);
    if (rc)
        return rc;
    return walk ? walk_records(msg, len, info) : 0;
}

/* Contract in dns_msg.h. */
size_t dns_msg_write_error(const struct dns_header *qh, const uint8_t *q_wire, size_t q_len,
                           unsigned rcode, uint8_t *out, size_t out_len)
{
    if (out_len < DNS_HEADER_LEN + q_len)
        return 0;
    uint16_t flags = (uint16_t)(DNS_FLAG_QR | (qh->flags & (DNS_OPCODE_MASK | DNS_FLAG_RD |
                                                            DNS_FLAG_CD)) |
                                DNS_FLAG_RA | (rcode & DNS_RCODE_MASK));
    put_be16(out, qh->id);
    put_be16(out + 2, flags);
    put_be16(out + 4, q_len ? 1 : 0);
    put_be16(out + 6, 0);
    put_be16(out + 8, 0);
    put_be16(out + 10, 0);
    memcpy(out + DNS_HEADER_LEN, q_wire, q_len);
    return DNS_HEADER_LEN + q_len;
}

/* Contract in dns_msg.h. */
size_t dns_msg_truncate(uint8_t *msg, size_t q_end)
{
    put_be16(msg + 2, (uint16_t)(get_be16(msg + 2) | DNS_FLAG_TC));
    put_be16(msg + 6, 0);
    put_be16(msg + 8, 0);
    put_be16(msg + 10, 0);
    return q_end;
}
