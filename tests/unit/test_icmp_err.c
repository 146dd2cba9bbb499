/* ICMP errors' pure part (net/icmp_err.h): the quote keeps only bytes that
 * arrived, which packets may be answered, and the message with its checksum. */
#include "net/icmp_err.h"
#include "net/bytes.h"
#include "pkt_builder.h"
#include "ref_csum.h"
#include "unit.h"

#include <string.h>

static uint8_t pkt[PB_MAX];

TEST(icmp_err_message_carries_rest_and_quote)
{
    size_t len = pb_tcp(pkt, IP4(10, 0, 2, 15), 40000, IP4(198, 51, 100, 7), 80, 0x10, 1, 1, 1460);
    struct icmp_quote q;
    uint8_t msg[ICMP_ERR_HDR_LEN + ICMP_QUOTE_MAX];

    icmp_quote_save(&q, pkt, len);
    REQUIRE_EQ_INT(q.len, 28);
    /* The packet changes afterwards (NAT): the quote keeps what the sender sent. */
    memset(pkt + 12, 0xee, 4);
    size_t n = icmp_error_build(msg, ICMP_TYPE_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 1400, &q);
    CHECK_EQ_INT(n, 36);
    CHECK_EQ_INT(msg[0], 3);
    CHECK_EQ_INT(msg[1], 4);
    CHECK_EQ_INT(get_be16(msg + 4), 0);
    CHECK_EQ_INT(get_be16(msg + 6), 1400);
    CHECK_EQ_INT(get_be32(msg + 8 + 12), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(get_be16(msg + 8 + 20), 40000);
    CHECK_EQ_INT(ref_csum(msg, n), 0);

    n = icmp_error_build(msg, ICMP_TYPE_TIME_EXCEEDED, ICMP_CODE_TTL, 0, &q);
    CHECK_EQ_INT(msg[0], 11);
    CHECK_EQ_INT(msg[1], 0);
    CHECK_EQ_INT(get_be32(msg + 4), 0);
    CHECK_EQ_INT(ref_csum(msg, n), 0);

    /* IP options are quoted whole, with the 8 bytes after them. */
    len = pb_ip(pkt, 17, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), 8, "abcdefghij", 10);
    icmp_quote_save(&q, pkt, len);
    CHECK_EQ_INT(q.len, 36);
}

/* A packet shorter than header + 8 in a buffer that holds bytes of an earlier
 * frame after it: lwIP's own errors would quote those; ours stop at the packet. */
TEST(icmp_err_quote_stops_at_the_packet_end)
{
    uint8_t buf[64];
    memset(buf, 0xa5, sizeof buf);                     /* "an earlier frame" */
    size_t len = pb_ip(pkt, 99, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), 0, "xy", 2);
    REQUIRE_EQ_INT(len, 22);
    memcpy(buf, pkt, len);

    struct icmp_quote q;
    icmp_quote_save(&q, buf, sizeof buf);              /* the buffer is longer than it */
    CHECK_EQ_INT(q.len, 22);
    CHECK_MEM(q.b, pkt, 22);
    icmp_quote_save(&q, buf, 21);                      /* fewer bytes arrived than it says */
    CHECK_EQ_INT(q.len, 21);
}

TEST(icmp_err_quote_of_garbage_is_empty)
{
    struct icmp_quote q;
    uint8_t b[24] = {0x60};

    icmp_quote_save(&q, b, sizeof b);                  /* IPv6 */
    CHECK_EQ_INT(q.len, 0);
    b[0] = 0x4f;                                        /* header longer than the bytes */
    icmp_quote_save(&q, b, sizeof b);
    CHECK_EQ_INT(q.len, 0);
    b[0] = 0x44;                                        /* IHL below 5 */
    icmp_quote_save(&q, b, sizeof b);
    CHECK_EQ_INT(q.len, 0);
    icmp_quote_save(&q, b, 19);
    CHECK_EQ_INT(q.len, 0);
}

TEST(icmp_err_answers_hosts_never_errors_or_later_fragments)
{
    struct icmp_quote q;
    uint32_t src = 0;
    size_t len = pb_udp(pkt, IP4(10, 0, 2, 15), 5000, IP4(198, 51, 100, 7), 53, 20);

    icmp_quote_save(&q, pkt, len);
    CHECK(icmp_quote_answerable(&q, &src));
    CHECK_EQ_INT(src, IP4(10, 0, 2, 15));

    pb_set_frag(pkt, 0x2000);                           /* first fragment: answered */
    icmp_quote_save(&q, pkt, len);
    CHECK(icmp_quote_answerable(&q, &src));
    pb_set_frag(pkt, 0x0010);                           /* a later one: never */
    icmp_quote_save(&q, pkt, len);
    CHECK(!icmp_quote_answerable(&q, &src));

    static const uint32_t not_hosts[] = {0, IP4(127, 0, 0, 1), IP4(224, 0, 0, 1),
                                         IP4(240, 0, 0, 1), 0xffffffffu};
    for (unsigned i = 0; i < sizeof not_hosts / sizeof not_hosts[0]; i++) {
        len = pb_udp(pkt, not_hosts[i], 5000, IP4(198, 51, 100, 7), 53, 20);
        icmp_quote_save(&q, pkt, len);
        CHECK(!icmp_quote_answerable(&q, &src));
    }

    /* An echo request is answered; an error about an error is not (RFC 1812). */
    len = pb_icmp_echo(pkt, 8, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), 1, 1, 8);
    icmp_quote_save(&q, pkt, len);
    CHECK(icmp_quote_answerable(&q, &src));
    uint8_t inner[PB_MAX];
    size_t ilen = pb_udp(inner, IP4(198, 51, 100, 7), 53, IP4(10, 0, 2, 15), 5000, 8);
    len = pb_icmp_error(pkt, 3, 3, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), inner, ilen);
    icmp_quote_save(&q, pkt, len);
    CHECK(!icmp_quote_answerable(&q, &src));
    /* An ICMP packet whose type did not arrive. */
    len = pb_icmp_echo(pkt, 8, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), 1, 1, 8);
    icmp_quote_save(&q, pkt, 20);
    CHECK(!icmp_quote_answerable(&q, &src));
}
