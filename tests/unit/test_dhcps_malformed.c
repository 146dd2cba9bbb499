/* Tests of the DHCP server against bad input: every truncation of valid messages,
 * bad cookies, bad option lengths, overload, messages a server must not take, and
 * seeded random damage. Nothing may crash (ASan and UBSan watch), every message is
 * either answered with a reply that parses or dropped and counted. */
#include "unit.h"
#include "dhcps_helpers.h"
#include "net/bytes.h"

#include <string.h>

static struct dhcps_config cfg;
static struct cmsg m;
static struct dhcps_reply r;
static struct dhcp_msg reply;

/* Everything a message can end up as: counted by type, or dropped for a reason. */
static uint64_t accounted(const struct dhcps *s)
{
    const struct dhcps_stats *st = dhcps_get_stats(s);
    uint64_t n = st->drops[DHCPS_DROP_MALFORMED] + st->drops[DHCPS_DROP_NOT_REQUEST] +
                 st->drops[DHCPS_DROP_BOOTP];
    for (unsigned t = 1; t <= DHCP_TYPE_MAX; t++)
        n += st->rx[t];
    /* Types beyond 8 are dropped before being counted by type. */
    return n + st->drops[DHCPS_DROP_BAD_TYPE] - st->rx[DHCPOFFER] - st->rx[DHCPACK] -
           st->rx[DHCPNAK];
}

/* A REQUEST with most of what a client sends, options split across all three
 * areas with overload. */
static void build_full_request(void)
{
    uint8_t prl[] = { 1, 3, 6, 12, 15, 28, 42, 119 };
    uint8_t id[7] = { 1 };
    test_mac(id + 1, 3);
    cmsg_begin(&m, DHCPREQUEST, 3, 0x55);
    cmsg_opt(&m, DHCP_OPT_OVERLOAD, "\x03", 1);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_opt_u16(&m, DHCP_OPT_MAX_MSG_SIZE, 1000);
    cmsg_opt(&m, DHCP_OPT_HOST_NAME, "guest", 5);
    cmsg_opt(&m, DHCP_OPT_RELAY_AGENT, "\x01\x02" "ab", 4);
    cmsg_end(&m);
    memcpy(m.buf + DHCP_FILE_OFF, "\x37\x04", 2);
    memcpy(m.buf + DHCP_FILE_OFF + 2, prl, 4);
    m.buf[DHCP_FILE_OFF + 6] = DHCP_OPT_END;
    memcpy(m.buf + DHCP_SNAME_OFF, "\x37\x04", 2);
    memcpy(m.buf + DHCP_SNAME_OFF + 2, prl + 4, 4);
    memcpy(m.buf + DHCP_SNAME_OFF + 6, "\x32\x04\x0a\x00\x02\x0f\xff", 7);   /* 50: .15 */
}

TEST(dhcps_full_request_with_overload_is_understood)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    build_full_request();
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_ROUTER));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_BROADCAST));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_RELAY_AGENT));
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), 0, &info));
    CHECK_EQ_STR(info.hostname, "guest");
    dhcps_destroy(s);
}

TEST(dhcps_every_truncation_is_handled)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    uint8_t copy[DHCP_MSG_MAX];
    unsigned replies = 0, n = 0;

    build_full_request();
    for (size_t len = 0; len <= m.len; len++, n++) {
        /* A copy of exactly len bytes, so that ASan sees any read past it. */
        uint8_t *cut = copy + sizeof copy - len;
        memcpy(cut, m.buf, len);
        int rc = dhcps_input(s, cut, len, true, (uint32_t)len, &r);
        if (rc) {
            REQUIRE_EQ_INT(dhcp_msg_parse(&reply, r.buf, r.len), 0);
            replies++;
        }
    }
    CHECK_EQ_INT(accounted(s), n);
    /* Cut below the cookie: malformed; the whole message and cuts that only lose
     * trailing options (no End is fine) are answered. */
    CHECK(dhcps_get_stats(s)->drops[DHCPS_DROP_MALFORMED] >= DHCP_OPTIONS_OFF);
    CHECK(replies >= 1);

    /* The same for a DISCOVER without overload. */
    cmsg_begin(&m, DHCPDISCOVER, 4, 1);
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, "\x01\x03\x06", 3);
    cmsg_opt(&m, DHCP_OPT_HOST_NAME, "x", 1);
    cmsg_end(&m);
    for (size_t len = 0; len <= m.len; len++, n++) {
        uint8_t *cut = copy + sizeof copy - len;
        memcpy(cut, m.buf, len);
        if (dhcps_input(s, cut, len, true, 1000, &r))
            REQUIRE_EQ_INT(dhcp_msg_parse(&reply, r.buf, r.len), 0);
    }
    CHECK_EQ_INT(accounted(s), n);
    dhcps_destroy(s);
}

TEST(dhcps_bad_cookie_and_lengths_are_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    m.buf[DHCP_FIXED_LEN] = 0x64;
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_REQUESTED_IP, "\x0a\x00\x02", 3);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    m.buf[m.len++] = 60;
    m.buf[m.len++] = 9;                 /* nine bytes promised, none there */
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_OVERLOAD, "\x07", 1);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_MALFORMED], 4);
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPDISCOVER], 0);
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    dhcps_destroy(s);
}

TEST(dhcps_messages_a_server_must_not_take_are_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    /* A reply (another server's OFFER seen on the link). */
    cmsg_begin(&m, DHCPOFFER, 1, 1);
    m.buf[0] = BOOTREPLY;
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_NOT_REQUEST], 1);
    /* Plain BOOTP. */
    cmsg_begin(&m, 0, 1, 1);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_BOOTP], 1);
    /* Server-side types in a request, and types beyond INFORM. */
    static const uint8_t types[] = { DHCPOFFER, DHCPACK, DHCPNAK, 9, 18, 255 };
    for (size_t i = 0; i < sizeof types; i++) {
        cmsg_begin(&m, types[i], 1, 1);
        cmsg_end(&m);
        CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    }
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_BAD_TYPE], sizeof types);
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPOFFER], 1);
    CHECK_EQ_INT(dhcps_get_stats(s)->tx[DHCPOFFER], 0);
    dhcps_destroy(s);
}

TEST(dhcps_client_without_identity_is_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    m.buf[2] = 0;                                   /* hlen 0, no client id */
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    uint8_t id[DHCPS_CLIENT_ID_MAX + 1];
    memset(id, 7, sizeof id);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_NO_CLIENT], 2);
    /* hlen 0 with a client id is fine; so is the longest client id. */
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    m.buf[2] = 0;
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, DHCPS_CLIENT_ID_MAX);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    dhcps_destroy(s);
}

/* xorshift64, so that the damage is the same on every run. */
static uint64_t rnd_state;

static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)rnd_state;
}

/* Valid messages of every type with random bytes overwritten, and the clock
 * moving: nothing crashes, every reply parses, the table stays within bounds. */
TEST(dhcps_survives_random_damage)
{
    static const uint8_t types[] = { DHCPDISCOVER, DHCPREQUEST, DHCPDECLINE, DHCPRELEASE, DHCPINFORM };
    test_nat_config(&cfg);
    cfg.pool_first = IP4(10, 0, 2, 15);
    cfg.pool_last = IP4(10, 0, 2, 40);
    test_mac(cfg.hosts[0].mac, 5);
    cfg.hosts[0].ip = IP4(10, 0, 2, 10);
    cfg.n_hosts = 1;
    struct dhcps *s = test_server(&cfg, 0);
    uint32_t now = 0;
    unsigned replies = 0;

    rnd_state = 0x1234567;
    for (unsigned i = 0; i < 20000; i++) {
        cmsg_begin(&m, types[rnd() % sizeof types], (uint8_t)(rnd() % 8), rnd());
        if (rnd() & 1)
            cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, rnd() & 1 ? NAT_GW : IP4(10, 0, 2, 9));
        if (rnd() & 1)
            cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 10 + rnd() % 40));
        if (rnd() & 1)
            cmsg_ciaddr(&m, IP4(10, 0, 2, 10 + rnd() % 40));
        if (rnd() % 4 == 0)
            cmsg_opt(&m, DHCP_OPT_OVERLOAD, "\x03", 1);
        cmsg_end(&m);
        unsigned flips = rnd() % 4;
        for (unsigned f = 0; f < flips; f++)
            m.buf[rnd() % m.len] = (uint8_t)rnd();
        if (rnd() % 8 == 0)
            m.len = rnd() % (m.len + 1);
        now += rnd() % 30000;
        if (dhcps_input(s, m.buf, m.len, rnd() & 1, now, &r)) {
            replies++;
            REQUIRE_EQ_INT(dhcp_msg_parse(&reply, r.buf, r.len), 0);
            REQUIRE(r.len <= DHCPS_REPLY_MAX);
            REQUIRE(reply.type == DHCPOFFER || reply.type == DHCPACK || reply.type == DHCPNAK);
        }
        REQUIRE(dhcps_lease_count(s) <= DHCPS_MAX_LEASES + DHCPS_MAX_HOSTS);
    }
    CHECK(replies > 1000);
    dhcps_destroy(s);
}
