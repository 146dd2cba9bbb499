/* RSTs through NAT (net/nat_tcp.h, RSTs; RFC 5961 3.2): an RST ends a mapping only
 * when its sequence number is inside the window its receiver accepts, so that an
 * off-path sender who guesses the 4-tuple cannot cut a guest's connection.
 * Guest A (10.0.2.15:40000) talks to R1:80: client ISN 1000, server ISN 5000. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

static struct fx_pkt p;

#define SYN NAT_TCP_SYN
#define ACK NAT_TCP_ACK
#define RST NAT_TCP_RST

/* A window scale option (kind 3, length 3) and a NOP to pad it. */
static const uint8_t ws7[] = {1, 3, 3, 7};
static const uint8_t ws2[] = {1, 3, 3, 2};

static enum nat_verdict out_w(struct nat *nat, uint8_t flags, uint32_t seq, uint32_t ack,
                              uint16_t win, const uint8_t *opt, size_t plen, uint32_t now)
{
    p.len = pb_tcp_win(p.b, GA, 40000, R1, 80, flags, seq, ack, win, opt, opt ? 4 : 0, plen);
    return fx_run(nat, &p, IF_NAT1, now);
}

static enum nat_verdict in_w(struct nat *nat, uint8_t flags, uint32_t seq, uint32_t ack,
                             uint16_t win, const uint8_t *opt, size_t plen, uint32_t now)
{
    p.len = pb_tcp_win(p.b, R1, 80, WAN_ADDR, 40000, flags, seq, ack, win, opt, opt ? 4 : 0, plen);
    return fx_run(nat, &p, IF_WAN, now);
}

static enum nat_tcp_state state(struct nat *nat)
{
    struct nat_flow_info fi;
    return fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 10, &fi) ? fi.tcp_state : NAT_TCP_NONE;
}

/* The handshake with the given options on each SYN and windows of 1000 (scaled by
 * what the options negotiate), then 500 bytes from each side. After it the guest
 * has acknowledged 5501 with its window 1000 << scale. */
static void connect(struct nat *nat, const uint8_t *cli_opt, const uint8_t *srv_opt)
{
    REQUIRE_EQ_INT(out_w(nat, SYN, 1000, 0, 65535, cli_opt, 0, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(in_w(nat, SYN | ACK, 5000, 1001, 65535, srv_opt, 0, 1), NAT_FORWARD);
    REQUIRE_EQ_INT(out_w(nat, ACK, 1001, 5001, 1000, NULL, 0, 2), NAT_FORWARD);
    REQUIRE_EQ_INT(out_w(nat, ACK, 1001, 5001, 1000, NULL, 500, 3), NAT_FORWARD);
    REQUIRE_EQ_INT(in_w(nat, ACK, 5001, 1501, 1000, NULL, 500, 4), NAT_FORWARD);
    REQUIRE_EQ_INT(out_w(nat, ACK, 1501, 5501, 1000, NULL, 0, 5), NAT_FORWARD);
    REQUIRE_EQ_INT(state(nat), NAT_TCP_ESTABLISHED);
}

TEST(nat_rst_outside_the_window_is_dropped_and_the_flow_stays)
{
    struct nat *nat = fx_nat(16);
    connect(nat, NULL, NULL);                     /* no scaling: the window is 1000 */

    /* A forged RST from the WAN with a guessed sequence number. */
    CHECK_DROP(nat, in_w(nat, RST, 5501 + 100000, 0, 0, NULL, 0, 6), NAT_DROP_RST_WINDOW);
    CHECK_DROP(nat, in_w(nat, RST, 5501 - 100000, 0, 0, NULL, 0, 6), NAT_DROP_RST_WINDOW);
    CHECK_DROP(nat, in_w(nat, RST | ACK, 5501 + 1001, 1501, 0, NULL, 0, 6), NAT_DROP_RST_WINDOW);
    CHECK_EQ_INT(state(nat), NAT_TCP_ESTABLISHED);
    /* The connection goes on. */
    CHECK_EQ_INT(in_w(nat, ACK, 5501, 1501, 1000, NULL, 100, 7), NAT_FORWARD);
    CHECK_EQ_INT(out_w(nat, ACK, 1501, 5601, 1000, NULL, 0, 8), NAT_FORWARD);
    /* The real one, inside the window, ends it. */
    CHECK_EQ_INT(in_w(nat, RST, 5601, 0, 0, NULL, 0, 9), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();
}

TEST(nat_rst_inside_the_window_is_let_through_either_way)
{
    struct nat *nat = fx_nat(16);
    connect(nat, NULL, NULL);
    /* At the edge of what the guest accepts: 5501 + 1000. */
    CHECK_EQ_INT(in_w(nat, RST, 5501 + 1000, 0, 0, NULL, 0, 6), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();

    nat = fx_nat(16);
    connect(nat, NULL, NULL);
    /* From the guest: its own next sequence number. */
    CHECK_EQ_INT(out_w(nat, RST | ACK, 1501, 5501, 0, NULL, 0, 6), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();
}

TEST(nat_rst_window_follows_the_negotiated_scale)
{
    /* Both SYNs scale: the guest's window 1000 << 7 = 128000. */
    struct nat *nat = fx_nat(16);
    connect(nat, ws7, ws2);
    CHECK_EQ_INT(in_w(nat, RST, 5501 + 100000, 0, 0, NULL, 0, 6), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();

    nat = fx_nat(16);
    connect(nat, ws7, ws2);
    CHECK_DROP(nat, in_w(nat, RST, 5501 + 200000, 0, 0, NULL, 0, 6), NAT_DROP_RST_WINDOW);
    fx_done();

    /* Only one side offered scaling: none is in effect (RFC 7323). */
    nat = fx_nat(16);
    connect(nat, ws7, NULL);
    CHECK_DROP(nat, in_w(nat, RST, 5501 + 100000, 0, 0, NULL, 0, 6), NAT_DROP_RST_WINDOW);
    fx_done();
}

TEST(nat_rst_answering_a_syn_must_acknowledge_it)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(out_w(nat, SYN, 1000, 0, 65535, NULL, 0, 0), NAT_FORWARD);
    /* "Connection refused" that does not acknowledge the SYN: not an answer to it. */
    CHECK_DROP(nat, in_w(nat, RST | ACK, 0, 4242, 0, NULL, 0, 1), NAT_DROP_RST_WINDOW);
    CHECK_DROP(nat, in_w(nat, RST, 0, 0, 0, NULL, 0, 1), NAT_DROP_RST_WINDOW);
    CHECK_EQ_INT(state(nat), NAT_TCP_SYN_SENT);
    CHECK_EQ_INT(in_w(nat, RST | ACK, 0, 1001, 0, NULL, 0, 2), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();

    /* The guest giving up on its own SYN. */
    nat = fx_nat(16);
    REQUIRE_EQ_INT(out_w(nat, SYN, 1000, 0, 65535, NULL, 0, 0), NAT_FORWARD);
    CHECK_DROP(nat, out_w(nat, RST, 77, 0, 0, NULL, 0, 1), NAT_DROP_RST_WINDOW);
    CHECK_EQ_INT(out_w(nat, RST, 1001, 0, 0, NULL, 0, 1), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();
}

/* A connection picked up mid-stream (its flow expired in a silence): NAT never saw
 * the SYNs, so it assumes the largest scale rather than refuse a genuine RST. */
TEST(nat_rst_of_a_picked_up_connection_gets_the_widest_window)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(out_w(nat, ACK, 70000, 90000, 1000, NULL, 10, 0), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_ESTABLISHED);
    /* 1000 << 14: 16 MB of window. */
    CHECK_EQ_INT(in_w(nat, RST, 90000 + 10000000, 0, 0, NULL, 0, 1), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_CLOSE);
    fx_done();

    nat = fx_nat(16);
    REQUIRE_EQ_INT(out_w(nat, ACK, 70000, 90000, 1000, NULL, 10, 0), NAT_FORWARD);
    CHECK_DROP(nat, in_w(nat, RST, 90000 + 20000000, 0, 0, NULL, 0, 1), NAT_DROP_RST_WINDOW);
    fx_done();
}

/* A new connection on the same mapping after TIME_WAIT starts with fresh windows. */
TEST(nat_rst_window_starts_again_with_a_new_connection)
{
    struct nat *nat = fx_nat(16);
    connect(nat, NULL, NULL);
    CHECK_EQ_INT(in_w(nat, RST, 5501, 0, 0, NULL, 0, 6), NAT_FORWARD);
    REQUIRE_EQ_INT(state(nat), NAT_TCP_CLOSE);
    /* The client reconnects from the same port with a far-away ISN. */
    REQUIRE_EQ_INT(out_w(nat, SYN, 3000000000u, 0, 65535, NULL, 0, 7), NAT_FORWARD);
    CHECK_EQ_INT(state(nat), NAT_TCP_SYN_SENT);
    CHECK_DROP(nat, in_w(nat, RST | ACK, 0, 1001, 0, NULL, 0, 8), NAT_DROP_RST_WINDOW);
    CHECK_EQ_INT(in_w(nat, RST | ACK, 0, 3000000001u, 0, NULL, 0, 8), NAT_FORWARD);
    fx_done();
}

TEST(nat_parse_reads_the_window_scale_of_a_syn)
{
    struct nat_pkt pk;
    static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 9, 4, 2, 0, 0};   /* MSS, NOP, WS 9, SACK-perm */
    static const uint8_t big[] = {1, 3, 3, 20};
    static const uint8_t broken[] = {2, 9, 0, 0};                  /* a length past the options */

    p.len = pb_tcp_win(p.b, GA, 1, R1, 2, SYN, 1, 0, 100, opts, sizeof opts, 0);
    REQUIRE_EQ_INT(nat_parse(&pk, p.b, p.len), NAT_PARSE_OK);
    CHECK_EQ_INT(pk.tcp_wscale, 9);
    CHECK_EQ_INT(pk.tcp_win, 100);
    p.len = pb_tcp_win(p.b, GA, 1, R1, 2, SYN, 1, 0, 100, big, sizeof big, 0);
    REQUIRE_EQ_INT(nat_parse(&pk, p.b, p.len), NAT_PARSE_OK);
    CHECK_EQ_INT(pk.tcp_wscale, NAT_TCP_WSCALE_MAX);
    p.len = pb_tcp_win(p.b, GA, 1, R1, 2, SYN, 1, 0, 100, broken, sizeof broken, 0);
    REQUIRE_EQ_INT(nat_parse(&pk, p.b, p.len), NAT_PARSE_OK);
    CHECK_EQ_INT(pk.tcp_wscale, NAT_TCP_NO_WSCALE);
    /* Not a SYN: the option means nothing there. */
    p.len = pb_tcp_win(p.b, GA, 1, R1, 2, ACK, 1, 0, 100, opts, sizeof opts, 0);
    REQUIRE_EQ_INT(nat_parse(&pk, p.b, p.len), NAT_PARSE_OK);
    CHECK_EQ_INT(pk.tcp_wscale, NAT_TCP_NO_WSCALE);
}
