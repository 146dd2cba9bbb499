/* TCP tracking through nat_process(): the states a connection passes, and each
 * state's timeout, with the clock moved by hand. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

#define S(x) ((uint32_t)(x) * 1000u)

static struct fx_pkt p;

/* Guest A's connection 10.0.2.15:40000 <-> R1:80; the external port is kept. */
static enum nat_verdict out(struct nat *nat, uint8_t flags, uint32_t seq, uint32_t ack,
                            size_t plen, uint32_t now)
{
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, flags, seq, ack, plen);
    return fx_run(nat, &p, IF_NAT1, now);
}

static enum nat_verdict in(struct nat *nat, uint8_t flags, uint32_t seq, uint32_t ack,
                           size_t plen, uint32_t now)
{
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, flags, seq, ack, plen);
    return fx_run(nat, &p, IF_WAN, now);
}

/* The flow's state (NAT_TCP_NONE if there is none) and time left. */
static enum nat_tcp_state state(struct nat *nat, uint32_t now, uint32_t *left)
{
    struct nat_flow_info fi;

    if (!fx_flow(nat, NAT_PROTO_TCP, GA, 40000, now, &fi))
        return NAT_TCP_NONE;
    if (left)
        *left = fi.expires_in_ms;
    return fi.tcp_state;
}

#define SYN NAT_TCP_SYN
#define ACK NAT_TCP_ACK
#define FIN NAT_TCP_FIN
#define RST NAT_TCP_RST

/* SYN, SYN+ACK, ACK at t = 0, 1, 2 ms: client ISN 100, server ISN 500. */
static void handshake(struct nat *nat)
{
    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(in(nat, SYN | ACK, 500, 101, 0, 1), NAT_FORWARD);
    REQUIRE_EQ_INT(out(nat, ACK, 101, 501, 0, 2), NAT_FORWARD);
}

TEST(nat_tcp_handshake_states_and_timeouts)
{
    struct nat *nat = fx_nat(16);
    uint32_t left;

    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 0, &left), NAT_TCP_SYN_SENT);
    CHECK_EQ_INT(left, S(240));
    /* The answer moves the state; coming from outside before the guest has
     * answered, it gives the flow no more time. */
    REQUIRE_EQ_INT(in(nat, SYN | ACK, 500, 101, 0, 1), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 1, &left), NAT_TCP_SYN_RECV);
    CHECK_EQ_INT(left, S(240) - 1);
    REQUIRE_EQ_INT(out(nat, ACK, 101, 501, 0, 2), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 2, &left), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(left, S(7440));
    /* Data in either direction restarts the 2 h 4 min. */
    REQUIRE_EQ_INT(in(nat, ACK, 501, 101, 100, S(3600)), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, S(3600), &left), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(left, S(7440));
    fx_done();
}

TEST(nat_tcp_syn_sent_expires_after_240s)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    nat_expire(nat, S(60));
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    /* A retransmitted SYN restarts it. */
    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, S(60)), NAT_FORWARD);
    nat_expire(nat, S(240));
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(300) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(300));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_expired, 1);
    /* The answer after that finds nothing, and is not answered either. */
    CHECK_DROP(nat, in(nat, SYN | ACK, 500, 101, 0, S(301)), NAT_DROP_FILTERED);
    fx_done();
}

TEST(nat_tcp_syn_recv_expires_240s_after_the_syn)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(in(nat, SYN | ACK, 500, 101, 0, 1000), NAT_FORWARD);
    nat_expire(nat, S(240) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(240));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_tcp_established_expires_after_2h4m_without_nat_expire)
{
    struct nat *nat = fx_nat(16);

    handshake(nat);
    /* A lookup finds the flow expired by itself: timeouts do not depend on
     * nat_expire() having run. */
    CHECK_EQ_INT(in(nat, ACK, 501, 101, 10, 2 + S(7440) - 1), NAT_FORWARD);
    CHECK_DROP(nat, in(nat, ACK, 511, 101, 10, 2 + S(7440) - 1 + S(7440)), NAT_DROP_FILTERED);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_expired, 1);
    fx_done();
}

TEST(nat_tcp_close_from_guest)
{
    struct nat *nat = fx_nat(16);
    uint32_t left;

    handshake(nat);
    REQUIRE_EQ_INT(out(nat, FIN | ACK, 101, 501, 20, 10), NAT_FORWARD);    /* FIN ends at 122 */
    CHECK_EQ_INT(state(nat, 10, &left), NAT_TCP_FIN_WAIT);
    CHECK_EQ_INT(left, S(7440));
    /* An ACK that does not cover the FIN changes nothing. */
    REQUIRE_EQ_INT(in(nat, ACK, 501, 121, 0, 11), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 11, NULL), NAT_TCP_FIN_WAIT);
    REQUIRE_EQ_INT(in(nat, ACK, 501, 122, 0, 12), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 12, &left), NAT_TCP_CLOSE_WAIT);
    CHECK_EQ_INT(left, S(7440));
    /* Half closed: the server may still send. */
    REQUIRE_EQ_INT(in(nat, ACK, 501, 122, 1000, 13), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 13, NULL), NAT_TCP_CLOSE_WAIT);
    REQUIRE_EQ_INT(in(nat, FIN | ACK, 1501, 122, 0, 14), NAT_FORWARD);    /* FIN ends at 1502 */
    CHECK_EQ_INT(state(nat, 14, &left), NAT_TCP_LAST_ACK);
    CHECK_EQ_INT(left, S(240));
    REQUIRE_EQ_INT(out(nat, ACK, 122, 1501, 0, 15), NAT_FORWARD);          /* not yet */
    CHECK_EQ_INT(state(nat, 15, NULL), NAT_TCP_LAST_ACK);
    REQUIRE_EQ_INT(out(nat, ACK, 122, 1502, 0, 16), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 16, &left), NAT_TCP_TIME_WAIT);
    CHECK_EQ_INT(left, S(240));
    nat_expire(nat, 16 + S(240) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, 16 + S(240));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

/* Half closed is still established (RFC 7857 2): one side may send for hours. */
TEST(nat_tcp_close_from_remote_close_wait_2h4m)
{
    struct nat *nat = fx_nat(16);

    handshake(nat);
    REQUIRE_EQ_INT(in(nat, FIN | ACK, 501, 101, 0, 10), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 10, NULL), NAT_TCP_FIN_WAIT);
    REQUIRE_EQ_INT(out(nat, ACK, 101, 502, 0, 11), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 11, NULL), NAT_TCP_CLOSE_WAIT);
    nat_expire(nat, 11 + S(7440) - 1);
    CHECK_EQ_INT(state(nat, 11 + S(7440) - 1, NULL), NAT_TCP_CLOSE_WAIT);
    nat_expire(nat, 11 + S(7440));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_tcp_last_ack_240s)
{
    struct nat *nat = fx_nat(16);

    handshake(nat);
    REQUIRE_EQ_INT(in(nat, FIN | ACK, 501, 101, 0, 10), NAT_FORWARD);
    REQUIRE_EQ_INT(out(nat, ACK, 101, 502, 0, 11), NAT_FORWARD);
    REQUIRE_EQ_INT(out(nat, FIN | ACK, 101, 502, 0, S(50)), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, S(50), NULL), NAT_TCP_LAST_ACK);
    nat_expire(nat, S(290) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(290));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_tcp_fin_wait_expires_after_2h4m)
{
    struct nat *nat = fx_nat(16);

    handshake(nat);
    REQUIRE_EQ_INT(out(nat, FIN | ACK, 101, 501, 0, 10), NAT_FORWARD);
    nat_expire(nat, 10 + S(7440) - 1);
    CHECK_EQ_INT(state(nat, 10 + S(7440) - 1, NULL), NAT_TCP_FIN_WAIT);
    nat_expire(nat, 10 + S(7440));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_tcp_simultaneous_close)
{
    struct nat *nat = fx_nat(16);

    handshake(nat);
    REQUIRE_EQ_INT(out(nat, FIN | ACK, 101, 501, 0, 10), NAT_FORWARD);    /* ends at 102 */
    REQUIRE_EQ_INT(in(nat, FIN | ACK, 501, 101, 0, 11), NAT_FORWARD);     /* ends at 502 */
    CHECK_EQ_INT(state(nat, 11, NULL), NAT_TCP_LAST_ACK);
    /* The remote's ACK of the first FIN does not end it; the guest's of the second does. */
    REQUIRE_EQ_INT(in(nat, ACK, 502, 102, 0, 12), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 12, NULL), NAT_TCP_LAST_ACK);
    REQUIRE_EQ_INT(out(nat, ACK, 102, 502, 0, 13), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 13, NULL), NAT_TCP_TIME_WAIT);
    fx_done();
}

/* RFC 7857 2.2: after an RST the mapping is kept 4 minutes, and goes only if
 * nothing follows; a connection whose data goes on lives on. */
TEST(nat_tcp_rst_closes_for_240s_unless_data_follows)
{
    struct nat *nat = fx_nat(16);
    uint32_t left;

    handshake(nat);
    REQUIRE_EQ_INT(in(nat, RST, 501, 0, 0, 10), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 10, &left), NAT_TCP_CLOSE);
    CHECK_EQ_INT(left, S(240));
    nat_expire(nat, 10 + S(240) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, 10 + S(240));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();

    nat = fx_nat(16);
    handshake(nat);
    REQUIRE_EQ_INT(in(nat, RST, 501, 0, 0, 10), NAT_FORWARD);
    CHECK_EQ_INT(out(nat, ACK, 101, 501, 10, S(5)), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, S(5), &left), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(left, S(7440));
    fx_done();
}

/* An RST gives a flow no more time than it had (RFC 7857 7.1). */
TEST(nat_tcp_rst_never_extends_the_timeout)
{
    struct nat *nat = fx_nat(16);
    uint32_t left;

    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(out(nat, RST, 101, 0, 0, S(200)), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, S(200), &left), NAT_TCP_CLOSE);
    CHECK_EQ_INT(left, S(40));                      /* the SYN's 240 s, not 200 + 240 */
    fx_done();

    nat = fx_nat(16);
    REQUIRE_EQ_INT(out(nat, SYN, 100, 0, 0, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(in(nat, RST | ACK, 0, 101, 0, S(200)), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, S(200), &left), NAT_TCP_CLOSE);
    CHECK_EQ_INT(left, S(40));
    fx_done();
}

TEST(nat_tcp_reopen_after_time_wait)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;

    handshake(nat);
    REQUIRE_EQ_INT(in(nat, RST, 501, 0, 0, 10), NAT_FORWARD);
    /* The same client port connects again: same mapping, a new handshake. */
    REQUIRE_EQ_INT(out(nat, SYN, 9000, 0, 0, 20), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 20, NULL), NAT_TCP_SYN_SENT);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 20, &fi));
    CHECK(!fi.assured);
    REQUIRE_EQ_INT(in(nat, SYN | ACK, 7000, 9001, 0, 21), NAT_FORWARD);
    REQUIRE_EQ_INT(out(nat, ACK, 9001, 7001, 0, 22), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 22, NULL), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    fx_done();
}

TEST(nat_tcp_pickup_mid_stream)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;
    uint32_t left;

    /* A connection whose flow is gone (silent for over two hours) goes on: the
     * guest's next segment opens a flow, unassured, on a short leash. */
    REQUIRE_EQ_INT(out(nat, ACK, 101, 501, 10, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    CHECK_EQ_INT(state(nat, 0, &left), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(left, S(240));
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 0, &fi));
    CHECK(!fi.assured);
    REQUIRE_EQ_INT(in(nat, ACK, 501, 111, 0, 1), NAT_FORWARD);
    CHECK_EQ_INT(state(nat, 1, &left), NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(left, S(7440));
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 1, &fi));
    CHECK(fi.assured);
    fx_done();
}
