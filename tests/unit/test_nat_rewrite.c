/* The rewrite layer against full recomputation: many addresses and ports on every
 * packet kind, including the quoted packet of ICMP errors and UDP's zero. */
#include "net/bytes.h"
#include "net/nat_parse.h"
#include "net/nat_rewrite.h"
#include "pkt_builder.h"
#include "unit.h"

#include "arch/cc.h"

#include <string.h>

static uint8_t b[PB_MAX], q[PB_MAX];
static struct nat_pkt p;

#define A IP4(10, 0, 2, 15)
#define R IP4(198, 51, 100, 7)
#define W IP4(203, 0, 113, 2)

static void check_all(const char *kind, unsigned round, size_t len)
{
    const char *what;

    if (!pb_csums_ok(b, len, &what))
        unit_fail(false, __FILE__, __LINE__, "%s, round %u: %s differs from recomputation",
                  kind, round, what);
}

TEST(nat_rewrite_matches_recomputation)
{
    for (unsigned round = 0; round < 2000; round++) {
        uint32_t addr = vmgate_random32();
        uint16_t port = (uint16_t)vmgate_random32();
        size_t plen = vmgate_random32() % 100, n, qn;

        n = pb_tcp(b, A, 40000, R, 80, NAT_TCP_ACK, vmgate_random32(), 0, plen);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_src(&p.ip, &p.l4, addr, port, NULL);
        CHECK_EQ_INT(pb_src(b), addr);
        CHECK_EQ_INT(pb_sport(b), port);
        check_all("tcp src", round, n);

        n = pb_udp(b, R, 53, W, 40000, plen);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_dst(&p.ip, &p.l4, addr, port, NULL);
        CHECK_EQ_INT(pb_dst(b), addr);
        CHECK_EQ_INT(pb_dport(b), port);
        check_all("udp dst", round, n);

        n = pb_icmp_echo(b, NAT_ICMP_ECHO_REQUEST, A, R, 7, (uint16_t)round, plen);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_src(&p.ip, &p.l4, addr, port, NULL);
        CHECK_EQ_INT(pb_sport(b), port);
        check_all("echo src", round, n);

        /* An error from a router about a translated UDP datagram, back to the
         * guest: outer destination and quoted source change. */
        qn = pb_udp(q, W, 40000, R, 53, plen);
        n = pb_icmp_error(b, 11, 0, IP4(192, 0, 2, 1), W, q, qn);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_src(&p.inner, &p.inner_l4, addr, port, p.l4.csum_p);
        nat_rewrite_dst(&p.ip, &p.l4, addr, 0, NULL);
        CHECK_EQ_INT(pb_dst(b), addr);
        CHECK_EQ_INT(pb_src(pb_inner(b)), addr);
        CHECK_EQ_INT(pb_sport(pb_inner(b)), port);
        check_all("icmp error about udp", round, n);

        qn = pb_tcp(q, W, 40000, R, 80, NAT_TCP_SYN, 1, 0, plen);
        n = pb_icmp_error(b, 3, 4, R, W, q, qn);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_src(&p.inner, &p.inner_l4, addr, port, p.l4.csum_p);
        nat_rewrite_dst(&p.ip, &p.l4, addr, 0, NULL);
        check_all("icmp error about tcp", round, n);

        qn = pb_icmp_echo(q, NAT_ICMP_ECHO_REQUEST, W, R, 9, 1, plen);
        n = pb_icmp_error(b, 11, 0, IP4(192, 0, 2, 1), W, q, qn);
        REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
        nat_rewrite_src(&p.inner, &p.inner_l4, addr, port, p.l4.csum_p);
        nat_rewrite_dst(&p.ip, &p.l4, addr, 0, NULL);
        check_all("icmp error about an echo", round, n);
    }
}

TEST(nat_rewrite_udp_zero_checksum)
{
    size_t n = pb_udp_nocsum(b, A, 40000, R, 53, 10);
    int target = -1;

    /* "No checksum" stays so. */
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    nat_rewrite_src(&p.ip, &p.l4, W, 1234, NULL);
    CHECK_EQ_INT(get_be16(b + 26), 0);

    /* A source port that makes the computed checksum 0, which must be sent as 0xffff. */
    for (int port = 1; port < 65536 && target < 0; port++) {
        pb_udp(b, W, (uint16_t)port, R, 53, 10);
        if (get_be16(b + 26) == 0xffff)
            target = port;
    }
    REQUIRE(target > 0);
    n = pb_udp(b, A, 40000, R, 53, 10);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    nat_rewrite_src(&p.ip, &p.l4, W, (uint16_t)target, NULL);
    CHECK_EQ_INT(get_be16(b + 26), 0xffff);
    check_all("udp to zero", 0, n);
}

TEST(nat_rewrite_same_value_changes_nothing)
{
    size_t n = pb_tcp(b, A, 40000, R, 80, NAT_TCP_SYN, 1, 0, 0);
    uint8_t before[PB_MAX];

    memcpy(before, b, n);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    nat_rewrite_src(&p.ip, &p.l4, A, 40000, NULL);
    CHECK_MEM(b, before, n);
}
