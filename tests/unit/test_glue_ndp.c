/* The router-solicitation glue (lwip-port/ndp_glue.c) on the host build, through
 * the glue fixture: an IPv6 frame reaches it by lwIP's unknown-ethertype hook; a
 * solicitation on the attached NAT network is answered once its delay has passed
 * (lwIP's timer), from the LAN NIC; other IPv6 is dropped and counted; the WAN,
 * not attached, answers nothing and lwIP drops there as it did; the console. */
#include "glue_fixture.h"
#include "console_capture.h"
#include "ref_csum.h"
#include "unit.h"

#include "lwip-port/ndp_glue.h"
#include "net/bytes.h"
#include "net/ndp_ra.h"

#include "lwip/stats.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <string.h>

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0xe9, 0x2e, 0x54};

/* A solicitation from MAC at its link-local address, to ff02::2, with its SLLAO and
 * a right checksum. */
static size_t rs(uint8_t *f)
{
    static const uint8_t mac_routers[6] = {0x33, 0x33, 0, 0, 0, 2};
    memset(f, 0, 70);
    memcpy(f, mac_routers, 6);
    memcpy(f + 6, MAC, 6);
    put_be16(f + 12, 0x86dd);
    f[14] = 0x60;
    put_be16(f + 18, 16);
    f[20] = 58;
    f[21] = 255;
    ndp_link_local(MAC, f + 22);
    f[38] = 0xff;
    f[39] = 0x02;
    f[53] = 0x02;
    f[54] = 133;
    f[62] = 1;
    f[63] = 1;
    memcpy(f + 64, MAC, 6);
    uint8_t ps[40 + 16];
    memcpy(ps, f + 22, 32);
    put_be32(ps + 32, 16);
    ps[36] = ps[37] = ps[38] = 0;
    ps[39] = 58;
    memcpy(ps + 40, f + 54, 16);
    put_be16(f + 56, ref_csum(ps, sizeof ps));
    return 70;
}

static void run_timers(uint32_t ms)
{
    for (uint32_t t = 0; t < ms; t += 10) {
        unit_clock_advance_ms(10);
        sys_check_timeouts();
    }
}

TEST(glue_ndp_answers_a_solicitation_on_the_guest_network)
{
    gf_setup(0, 0, true);
    REQUIRE_EQ_INT(ndp_glue_attach(gf_lan.nif, "nic1"), 0);
    CHECK_EQ_INT(ndp_glue_attach(gf_lan.nif, "nic1"), -EEXIST);
    CHECK(strstr(unit_console(), "nic1: IPv6 router solicitations answered from "
                                 "fe80::ff:fe00:111 (not a default router") != NULL);
    uint8_t f[80];
    gf_receive_frame(&gf_lan, f, (uint32_t)rs(f), NULL);
    const struct ndp_ra_stats *s = ndp_glue_stats(gf_lan.nif);
    REQUIRE(s != NULL);
    CHECK_EQ_INT(s->frames[NDP_RS_OK], 1);
    /* Nothing at once (the delay is random, up to 500 ms), then one advertisement. */
    unsigned before = gf_lan.n_sent;
    run_timers(NDP_RA_MAX_DELAY_MS + 20);
    REQUIRE_EQ_INT(gf_lan.n_sent, before + 1);
    const struct gf_sent *ra = &gf_lan.sent[before];
    REQUIRE_EQ_INT(ra->len, NDP_RA_FRAME_LEN);
    CHECK_MEM(ra->b, MAC, 6);
    CHECK_MEM(ra->b + 6, gf_lan.nic.mac, 6);
    CHECK_EQ_INT(ra->b[54], 134);
    CHECK_EQ_INT(get_be16(ra->b + 60), 0);        /* router lifetime 0 */
    CHECK_EQ_INT(s->answered, 1);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    /* Two more close together: the second waits with the first, one answer. */
    gf_receive_frame(&gf_lan, f, (uint32_t)rs(f), NULL);
    gf_receive_frame(&gf_lan, f, (uint32_t)rs(f), NULL);
    run_timers(NDP_RA_MAX_DELAY_MS + 20);
    CHECK_EQ_INT(gf_lan.n_sent, before + 2);
    CHECK_EQ_INT(s->coalesced, 1);
    gf_teardown();
}

TEST(glue_ndp_drops_other_ipv6_and_leaves_the_wan_alone)
{
    gf_setup(0, 0, false);
    REQUIRE_EQ_INT(ndp_glue_attach(gf_lan.nif, "nic1"), 0);
    uint8_t f[80];
    /* Hop limit 64: dropped by reason, not answered. */
    rs(f);
    f[21] = 64;
    gf_receive_frame(&gf_lan, f, 70, NULL);
    /* A neighbour solicitation: other IPv6. */
    rs(f);
    f[54] = 135;
    gf_receive_frame(&gf_lan, f, 70, NULL);
    const struct ndp_ra_stats *s = ndp_glue_stats(gf_lan.nif);
    REQUIRE(s != NULL);
    CHECK_EQ_INT(s->frames[NDP_RS_HOP_LIMIT], 1);
    CHECK_EQ_INT(s->frames[NDP_RS_OTHER], 1);
    /* On the WAN, not attached: lwIP drops it as an unknown protocol, as before. */
    CHECK(ndp_glue_stats(gf_wan.nif) == NULL);
    unsigned proterr = lwip_stats.etharp.proterr;
    gf_receive_frame(&gf_wan, f, (uint32_t)rs(f), NULL);
    CHECK_EQ_INT(lwip_stats.etharp.proterr, proterr + 1);
    /* Another ethertype on the LAN is not the glue's either. */
    put_be16(f + 12, 0x88b5);
    gf_receive_frame(&gf_lan, f, 70, NULL);
    CHECK_EQ_INT(lwip_stats.etharp.proterr, proterr + 2);
    run_timers(NDP_RA_MAX_DELAY_MS + 20);
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    CHECK_EQ_INT(s->answered, 0);

    unit_console_clear();
    ndp_glue_print();
    CHECK(strstr(unit_console(), "nic1: solicitations 0, answered 0, coalesced 0, rate-limited 0, "
                                 "table full 0\n") != NULL);
    CHECK(strstr(unit_console(), "  dropped: other IPv6 1, truncated 0, too long 0, bad header 0, "
                                 "hop limit 1, checksum 0,") != NULL);
    gf_teardown();
}

TEST(glue_ndp_detach_stops_a_pending_answer)
{
    gf_setup(0, 0, false);
    REQUIRE_EQ_INT(ndp_glue_attach(gf_lan.nif, "nic1"), 0);
    uint8_t f[80];
    gf_receive_frame(&gf_lan, f, (uint32_t)rs(f), NULL);
    ndp_glue_detach(gf_lan.nif);
    CHECK(ndp_glue_stats(gf_lan.nif) == NULL);
    run_timers(NDP_RA_MAX_DELAY_MS + 20);
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    unit_console_clear();
    ndp_glue_print();
    CHECK_EQ_STR(unit_console(), "ndp: no network answers router solicitations\n");
    gf_teardown();
}
