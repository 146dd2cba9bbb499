/* Path MTU discovery's pure part (net/pmtu.h): which packets are refused, the size
 * a GSO frame puts on the wire. The message itself: test_icmp_err.c. */
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
