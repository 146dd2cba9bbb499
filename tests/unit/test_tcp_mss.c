/* TCP MSS clamping (net/tcp_mss.c): a SYN's MSS option lowered to the tunnel's
 * limit with its checksum kept right, at an even and an odd offset, tagged and
 * untagged; everything else (no SYN, a fragment, an option already small, options
 * that run past the header, every truncation) left byte for byte. */
#include "unit.h"
#include "pkt_builder.h"

#include "net/bytes.h"
#include "net/tcp_mss.h"

#include <string.h>

#define SYN 0x02
#define ACK 0x10

static uint8_t frame[14 + 4 + PB_MAX], copy[sizeof frame];

/* A frame around a TCP segment with options opts; tagged pushes an 802.1Q tag.
 * Returns its length. */
static size_t segment(uint8_t flags, const uint8_t *opts, size_t optlen, int tagged)
{
    size_t l3 = tagged ? 18 : 14;
    memset(frame, 0, sizeof frame);
    memcpy(frame, "\x52\x54\x00\x00\x00\x02\x52\x54\x00\x00\x00\x01", 12);
    if (tagged) {
        put_be16(frame + 12, 0x8100);
        put_be16(frame + 14, 10);
    }
    put_be16(frame + l3 - 2, 0x0800);
    size_t n = pb_tcp_win(frame + l3, IP4(10, 0, 9, 15), 40000, IP4(10, 0, 9, 16), 80, flags, 1, 0,
                          65535, opts, optlen, 0);
    return l3 + n;
}

static uint16_t mss_at(size_t off)
{
    return get_be16(frame + off);
}

static bool csum_ok(size_t l3, size_t len)
{
    const char *what = NULL;
    return pb_csums_ok(frame + l3, len - l3, &what);
}

TEST(tcp_mss_limits)
{
    CHECK_EQ_INT(tcp_mss_limit(1500, 28, 0), 1418);      /* UDP tunnel */
    CHECK_EQ_INT(tcp_mss_limit(1500, 36, 0), 1410);      /* VXLAN: Linux's MTU 1450 less 40 */
    CHECK_EQ_INT(tcp_mss_limit(1500, 36, 1), 1406);
    CHECK_EQ_INT(tcp_mss_limit(9000, 28, 0), 8918);
    CHECK_EQ_INT(tcp_mss_limit(576, 36, 0), 536);        /* never under RFC 879's default */
    CHECK_EQ_INT(tcp_mss_limit(0, 28, 0), 536);
}

TEST(tcp_mss_lowered_at_even_and_odd_offsets)
{
    static const uint8_t even[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};          /* MSS 1460, wscale */
    size_t len = segment(SYN, even, sizeof even, 0);
    CHECK_EQ_INT(tcp_mss_clamp(frame, len, 1418), 1460);
    CHECK_EQ_INT(mss_at(14 + 20 + 22), 1418);
    CHECK(csum_ok(14, len));
    /* After one NOP the value starts at an odd offset of the TCP header. */
    static const uint8_t odd[] = {1, 2, 4, 0x23, 0x28, 0, 0, 0};           /* MSS 9000 */
    len = segment(SYN | ACK, odd, sizeof odd, 0);
    CHECK_EQ_INT(tcp_mss_clamp(frame, len, 1418), 9000);
    CHECK_EQ_INT(mss_at(14 + 20 + 23), 1418);
    CHECK(csum_ok(14, len));
    /* Tagged: four bytes less. */
    len = segment(SYN, even, sizeof even, 1);
    CHECK_EQ_INT(tcp_mss_clamp(frame, len, 1418), 1460);
    CHECK_EQ_INT(mss_at(18 + 20 + 22), 1414);
    CHECK(csum_ok(18, len));
}

static void check_untouched(size_t len, uint16_t limit)
{
    memcpy(copy, frame, len);
    CHECK_EQ_INT(tcp_mss_clamp(frame, len, limit), 0);
    CHECK_MEM(frame, copy, len);
}

TEST(tcp_mss_left_alone)
{
    static const uint8_t mss1460[] = {2, 4, 0x05, 0xb4};
    static const uint8_t mss1400[] = {2, 4, 0x05, 0x78};
    size_t len = segment(ACK, mss1460, sizeof mss1460, 0);           /* not a SYN */
    check_untouched(len, 1418);
    len = segment(SYN, mss1400, sizeof mss1400, 0);                  /* small enough */
    check_untouched(len, 1418);
    len = segment(SYN, NULL, 0, 0);                                  /* no option */
    check_untouched(len, 1418);
    static const uint8_t end_first[] = {0, 2, 4, 0x05, 0xb4, 0, 0, 0}; /* END before it */
    len = segment(SYN, end_first, sizeof end_first, 0);
    check_untouched(len, 1418);
    static const uint8_t zero_len[] = {3, 0, 2, 4, 0x05, 0xb4, 0, 0}; /* an option of length 0 */
    len = segment(SYN, zero_len, sizeof zero_len, 0);
    check_untouched(len, 1418);
    static const uint8_t runs_past[] = {1, 1, 1, 1, 1, 1, 2, 4};     /* MSS cut by the header's end */
    len = segment(SYN, runs_past, sizeof runs_past, 0);
    check_untouched(len, 1418);
    static const uint8_t wrong_len[] = {2, 3, 0x05, 0xb4};
    len = segment(SYN, wrong_len, sizeof wrong_len, 0);
    check_untouched(len, 1418);
    /* A fragment (MF set), and a packet that is no TCP. */
    len = segment(SYN, mss1460, sizeof mss1460, 0);
    put_be16(frame + 14 + 6, 0x2000);
    check_untouched(len, 1418);
    len = segment(SYN, mss1460, sizeof mss1460, 0);
    frame[14 + 9] = 17;
    check_untouched(len, 1418);
    /* Every truncation of a SYN that would be clamped whole. */
    size_t whole = segment(SYN, mss1460, sizeof mss1460, 1);
    for (size_t cut = 0; cut < whole; cut++) {
        segment(SYN, mss1460, sizeof mss1460, 1);
        check_untouched(cut, 1418);
    }
}
