/* TCP MSS clamping (contract in tcp_mss.h). */
#include "tcp_mss.h"
#include "bytes.h"
#include "csum.h"

#define ETH_HLEN     14
#define TAG_LEN      4
#define MSS_FLOOR    536
#define TCP_SYN      0x02
#define OPT_END      0
#define OPT_NOP      1
#define OPT_MSS      2

uint16_t tcp_mss_limit(uint16_t mtu, unsigned overhead, int tagged)
{
    unsigned headers = overhead + ETH_HLEN + 20 + 20 + (tagged ? TAG_LEN : 0);
    unsigned mss = mtu > headers ? mtu - headers : 0;
    return (uint16_t)(mss < MSS_FLOOR ? MSS_FLOOR : mss);
}

/* Where the MSS option of a TCP SYN in frame is (the offset of its kind byte from
 * the TCP header's start, *tcp_off that header's from the frame's), and whether the
 * frame is tagged; 0 when there is none that may be changed (see tcp_mss.h). */
static size_t find_mss(const uint8_t *frame, size_t len, int *tagged, size_t *tcp_off)
{
    if (len < ETH_HLEN)
        return 0;
    size_t l3 = ETH_HLEN;
    uint16_t type = get_be16(frame + 12);
    *tagged = type == 0x8100;
    if (*tagged) {
        if (len < ETH_HLEN + TAG_LEN)
            return 0;
        type = get_be16(frame + 16);
        l3 += TAG_LEN;
    }
    if (type != 0x0800 || len < l3 + 20)
        return 0;
    const uint8_t *ip = frame + l3;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t tot = get_be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl + 20 || tot > len - l3 || ip[9] != 6 ||
        (get_be16(ip + 6) & 0x3fff) != 0)
        return 0;
    const uint8_t *tcp = ip + ihl;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (!(tcp[13] & TCP_SYN) || doff < 20 || doff > tot - ihl)
        return 0;
    /* The options: kind, length, value; NOP and END are one byte. */
    for (size_t at = 20; at < doff;) {
        uint8_t kind = tcp[at];
        if (kind == OPT_END)
            return 0;
        if (kind == OPT_NOP) {
            at++;
            continue;
        }
        if (at + 1 >= doff || tcp[at + 1] < 2 || at + tcp[at + 1] > doff)
            return 0;                   /* an option that runs past the header */
        if (kind == OPT_MSS) {
            *tcp_off = l3 + ihl;
            return tcp[at + 1] == 4 ? at : 0;
        }
        at += tcp[at + 1];
    }
    return 0;
}

int tcp_mss_present(const uint8_t *frame, size_t len)
{
    int tagged;
    size_t tcp_off;
    return find_mss(frame, len, &tagged, &tcp_off) != 0;
}

unsigned tcp_mss_clamp(uint8_t *frame, size_t len, uint16_t limit_untagged)
{
    int tagged;
    size_t tcp_off;
    size_t at = find_mss(frame, len, &tagged, &tcp_off);
    if (!at)
        return 0;
    unsigned limit = limit_untagged;
    if (tagged)
        limit = limit > MSS_FLOOR + TAG_LEN ? limit - TAG_LEN : MSS_FLOOR;
    uint8_t *tcp = frame + tcp_off;
    uint16_t asked = get_be16(tcp + at + 2);
    if (asked <= limit)
        return 0;
    /* The option's 16-bit word sits at an even or odd offset from the TCP header's
     * start; the one's complement update works on the aligned words it covers. */
    uint16_t check = get_be16(tcp + 16);
    if ((at + 2) % 2 == 0) {
        check = csum_update16(check, asked, (uint16_t)limit);
        put_be16(tcp + at + 2, (uint16_t)limit);
    } else {
        size_t w = at + 1;              /* words at w and w + 2 straddle the value */
        uint16_t o1 = get_be16(tcp + w), o2 = get_be16(tcp + w + 2);
        put_be16(tcp + at + 2, (uint16_t)limit);
        check = csum_update16(check, o1, get_be16(tcp + w));
        check = csum_update16(check, o2, get_be16(tcp + w + 2));
    }
    put_be16(tcp + 16, check);
    return asked;
}
