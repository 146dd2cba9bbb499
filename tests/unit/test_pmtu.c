/* Path MTU discovery's pure part (net/pmtu.h): which packets are refused, the size
 * a GSO frame puts on the wire, and the ICMP message with its quote. */
#include "net/pmtu.h"
#include "net/bytes.h"
#include "pkt_builder.h"
#include "ref_csum.h"
#include "unit.h"

#include <string.h>

static uint8_t pkt[PB_MAX];

static void set_df(uint8_t *p, bool df)
{
    pb_set_frag(p, df ? 0x4000 : 0);
}

TEST(pmtu_refuses_only_too_big_with_df)
{
    size_t len = pb_tcp(pkt, IP4(10, 0, 2, 15), 40000, IP4(198, 51, 100, 7), 80, 0x10, 1, 1, 1460);

    CHECK_EQ_INT(len, 1500);
    set_df(pkt, true);
    CHECK(pmtu_must_refuse(pkt, pmtu_wire_len(pkt, len, NULL), 1400));
    CHECK(!pmtu_must_refuse(pkt, pmtu_wire_len(pkt, len, NULL), 1500));
    set_df(pkt, false);
    CHECK(!pmtu_must_refuse(pkt, pmtu_wire_len(pkt, len, NULL), 1400));   /* fragmented instead */
}

TEST(pmtu_gso_frame_counts_one_segment)
{
    /* 20 + 20 + 1548 bytes cut into 1448-byte segments: 1488 on the wire. */
    size_t len = pb_tcp(pkt, IP4(10, 0, 2, 15), 40000, IP4(198, 51, 100, 7), 80, 0x10, 1, 1, 1548);
    struct offload off = {.gso_type = OFFLOAD_GSO_TCPV4, .gso_size = 1448};

    set_df(pkt, true);
    CHECK_EQ_INT(pmtu_wire_len(pkt, len, &off), 1488);
    CHECK(!pmtu_must_refuse(pkt, pmtu_wire_len(pkt, len, &off), 1500));
    CHECK(pmtu_must_refuse(pkt, pmtu_wire_len(pkt, len, &off), 1400));
    off.gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN;
    CHECK_EQ_INT(pmtu_wire_len(pkt, len, &off), 1488);
    /* A GSO frame whose payload fits one segment, and a frame without GSO. */
    off.gso_size = 4000;
    CHECK_EQ_INT(pmtu_wire_len(pkt, len, &off), len);
    off.gso_type = OFFLOAD_GSO_NONE;
    off.gso_size = 1448;
    CHECK_EQ_INT(pmtu_wire_len(pkt, len, &off), len);
}

TEST(pmtu_message_carries_mtu_and_quote)
{
    size_t len = pb_tcp(pkt, IP4(10, 0, 2, 15), 40000, IP4(198, 51, 100, 7), 80, 0x10, 1, 1, 1460);
    struct pmtu_quote q;
    uint8_t msg[8 + PMTU_QUOTE_MAX];

    set_df(pkt, true);
    pmtu_quote_save(&q, pkt, len);
    REQUIRE_EQ_INT(q.len, 28);
    /* The packet changes afterwards (NAT): the quote keeps what the sender sent. */
    memset(pkt + 12, 0xee, 4);
    size_t n = pmtu_frag_needed(msg, 1400, &q);
    CHECK_EQ_INT(n, 36);
    CHECK_EQ_INT(msg[0], 3);
    CHECK_EQ_INT(msg[1], 4);
    CHECK_EQ_INT(get_be16(msg + 4), 0);
    CHECK_EQ_INT(get_be16(msg + 6), 1400);
    CHECK_EQ_INT(get_be32(msg + 8 + 12), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(get_be16(msg + 8 + 20), 40000);
    CHECK_EQ_INT(ref_csum(msg, n), 0);

    /* IP options are quoted whole, with the 8 bytes after them. */
    len = pb_ip(pkt, 17, IP4(10, 0, 2, 15), IP4(198, 51, 100, 7), 8, "abcdefghij", 10);
    pmtu_quote_save(&q, pkt, len);
    CHECK_EQ_INT(q.len, 36);
    CHECK_EQ_INT(ref_csum(msg, pmtu_frag_needed(msg, 576, &q)), 0);
}

TEST(pmtu_quote_of_garbage_is_empty)
{
    struct pmtu_quote q;
    uint8_t b[24] = {0x60};

    pmtu_quote_save(&q, b, sizeof b);                  /* IPv6 */
    CHECK_EQ_INT(q.len, 0);
    b[0] = 0x4f;                                        /* header longer than the bytes */
    pmtu_quote_save(&q, b, sizeof b);
    CHECK_EQ_INT(q.len, 0);
    b[0] = 0x44;                                        /* IHL below 5 */
    pmtu_quote_save(&q, b, sizeof b);
    CHECK_EQ_INT(q.len, 0);
    b[0] = 0x45;                                        /* a short packet: what there is */
    pmtu_quote_save(&q, b, sizeof b);
    CHECK_EQ_INT(q.len, 24);
}
