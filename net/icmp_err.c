/* Contract in icmp_err.h. */
#include "icmp_err.h"

#include "bytes.h"
#include "csum.h"
#include "ip4.h"

#include <string.h>

/* Not a complete header check: a packet about to be answered has been checked
 * already (ip4_check); this keeps the quote's own bounds whatever it is given. */
void icmp_quote_save(struct icmp_quote *q, const uint8_t *ip, size_t len)
{
    size_t ihl, tot, n;

    q->len = 0;
    if (len < IP4_HDR_MIN || (ip[0] >> 4) != 4)
        return;
    ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < IP4_HDR_MIN || ihl > len)
        return;
    tot = get_be16(ip + 2);
    n = ihl + 8;
    if (n > len)
        n = len;
    if (tot >= ihl && n > tot)
        n = tot;                        /* link padding after the packet is not its */
    memcpy(q->b, ip, n);
    q->len = (uint8_t)n;
}

static bool icmp_is_error_type(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

bool icmp_quote_answerable(const struct icmp_quote *q, uint32_t *src)
{
    size_t ihl;
    uint32_t s;

    if (q->len < IP4_HDR_MIN)
        return false;
    ihl = (size_t)(q->b[0] & 0x0f) * 4;
    if (get_be16(q->b + 6) & IP4_OFFSET_MASK)
        return false;
    /* An ICMP message whose type did not arrive cannot be told from an error. */
    if (q->b[9] == 1 && (q->len <= ihl || icmp_is_error_type(q->b[ihl])))
        return false;
    s = get_be32(q->b + 12);
    if (s == 0 || (s >> 24) == 127 || (s >> 28) >= 0xe)
        return false;
    *src = s;
    return true;
}

size_t icmp_error_build(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest,
                        const struct icmp_quote *q)
{
    out[0] = type;
    out[1] = code;
    put_be16(out + 2, 0);
    put_be32(out + 4, rest);
    memcpy(out + ICMP_ERR_HDR_LEN, q->b, q->len);
    put_be16(out + 2, csum_finish(csum_partial(0, out, ICMP_ERR_HDR_LEN + (size_t)q->len)));
    return ICMP_ERR_HDR_LEN + (size_t)q->len;
}
