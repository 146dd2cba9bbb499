/* Tests of the DHCP server's state machine and lease table (net/dhcps*.c): every
 * message type and REQUEST form, expiry on the test's clock, address reuse,
 * reservations, exhaustion and declines. */
#include "unit.h"
#include "dhcps_helpers.h"

#include <errno.h>
#include <string.h>

static struct dhcps_config cfg;
static struct cmsg m;
static struct dhcps_reply r;
static struct dhcp_msg reply;

#define DAY_MS (86400u * 1000u)

TEST(dhcps_create_checks_the_network)
{
    struct dhcps *s = NULL;
    test_nat_config(&cfg);
    cfg.prefix = 31;
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    test_nat_config(&cfg);
    cfg.server_ip = IP4(10, 0, 3, 2);
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    test_nat_config(&cfg);
    cfg.server_ip = IP4(10, 0, 2, 255);
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    test_nat_config(&cfg);
    cfg.pool_first = IP4(10, 0, 2, 100);
    cfg.pool_last = IP4(10, 0, 3, 10);
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    cfg.pool_last = IP4(10, 0, 2, 50);
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    /* A /28 has no room for a pool starting at .15. */
    test_nat_config(&cfg);
    cfg.prefix = 28;
    CHECK_EQ_INT(dhcps_create(&s, &cfg, 0), -EINVAL);
    CHECK(s == NULL);
}

TEST(dhcps_create_fills_defaults_and_filters_reservations)
{
    test_nat_config(&cfg);
    cfg.lease_s = 5;
    static const uint32_t ips[] = {
        IP4(10, 0, 2, 20),      /* fine */
        IP4(10, 0, 3, 20),      /* outside the network */
        IP4(10, 0, 2, 3),       /* the DNS server */
        IP4(10, 0, 2, 20),      /* same address again */
        IP4(10, 0, 2, 21),      /* same MAC as the first */
        IP4(10, 0, 2, 255),     /* broadcast */
    };
    static const uint8_t macn[] = { 1, 2, 3, 4, 1, 5 };
    for (unsigned i = 0; i < 6; i++) {
        test_mac(cfg.hosts[i].mac, macn[i]);
        cfg.hosts[i].ip = ips[i];
    }
    cfg.n_hosts = 6;
    struct dhcps *s = test_server(&cfg, 0);
    const struct dhcps_config *run = dhcps_get_config(s);
    CHECK_EQ_INT(run->pool_first, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(run->pool_last, IP4(10, 0, 2, 254));
    CHECK_EQ_INT(run->lease_s, DHCPS_MIN_LEASE_S);
    CHECK_EQ_INT(run->decline_hold_s, DHCPS_DEFAULT_DECLINE_S);
    CHECK_EQ_INT(run->n_hosts, 1);
    CHECK_EQ_INT(dhcps_get_stats(s)->hosts_ignored, 5);
    dhcps_destroy(s);
}

TEST(dhcps_offers_the_first_pool_address)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 0x1234);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(reply.hdr.xid, 0x1234);
    CHECK_EQ_INT(reply.hdr.ciaddr, 0);
    CHECK_MEM(reply.hdr.chaddr, m.buf + 28, 16);
    CHECK_EQ_INT(r.dst_ip, BCAST);
    CHECK_EQ_INT(r.dst_port, DHCP_CLIENT_PORT);
    CHECK(r.broadcast);
    uint32_t v;
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_SERVER_ID, &v));
    CHECK_EQ_INT(v, NAT_GW);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_SUBNET_MASK, &v));
    CHECK_EQ_INT(v, 0xffffff00u);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_ROUTER, &v));
    CHECK_EQ_INT(v, NAT_GW);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_DNS, &v));
    CHECK_EQ_INT(v, NAT_DNS);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_BROADCAST, &v));
    CHECK_EQ_INT(v, IP4(10, 0, 2, 255));
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_LEASE_TIME, &v));
    CHECK_EQ_INT(v, 86400);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_T1, &v));
    CHECK_EQ_INT(v, 43200);
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_T2, &v));
    CHECK_EQ_INT(v, 75600);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 0), DHCPS_OFFERED);
    /* An offer is not a lease for port forwarding. */
    CHECK_EQ_INT(dhcps_first_lease(s, 0), 0);
    /* A second client gets the next address while the first one's is held. */
    cmsg_begin(&m, DHCPDISCOVER, 2, 0x1235);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 10, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 16));
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPDISCOVER], 2);
    CHECK_EQ_INT(dhcps_get_stats(s)->tx[DHCPOFFER], 2);
    dhcps_destroy(s);
}

TEST(dhcps_never_leases_its_tftp_address)
{
    /* A pool from .3 over NET+4 (vmgate's TFTP server on a NAT network): the
     * server skips .3 (DNS) and .4 (TFTP) as it skips .2, and a reservation of .4
     * is left out. */
    test_nat_config(&cfg);
    cfg.tftp_ip = IP4(10, 0, 2, 4);
    cfg.pool_first = IP4(10, 0, 2, 3);
    cfg.pool_last = IP4(10, 0, 2, 6);
    test_mac(cfg.hosts[0].mac, 9);
    cfg.hosts[0].ip = IP4(10, 0, 2, 4);
    cfg.n_hosts = 1;
    struct dhcps *s = test_server(&cfg, 0);
    CHECK_EQ_INT(dhcps_get_config(s)->n_hosts, 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->hosts_ignored, 1);
    CHECK_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 5));
    CHECK_EQ_INT(test_lease(s, 2, 0), IP4(10, 0, 2, 6));
    CHECK_EQ_INT(test_lease(s, 3, 0), 0);
    dhcps_destroy(s);
}

TEST(dhcps_selecting_request_binds)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    CHECK_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 5), DHCPS_BOUND);
    CHECK_EQ_INT(dhcps_first_lease(s, 5), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(dhcps_get_stats(s)->req_selecting, 1);
    CHECK_EQ_INT(dhcps_get_stats(s)->tx[DHCPACK], 1);
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), 1000, &info));
    CHECK_EQ_INT(info.expires_in_ms, DAY_MS - 1000);
    CHECK_EQ_INT(info.chaddr[5], 1);
    CHECK_EQ_INT(info.client_id_len, 0);
    CHECK(!dhcps_lookup(s, IP4(10, 0, 2, 16), 1000, &info));
    dhcps_destroy(s);
}

TEST(dhcps_request_for_another_server_forgets_the_offer)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, IP4(10, 0, 2, 99));
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 200));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 10, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->other_server, 1);
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    /* The address is free again at once. */
    cmsg_begin(&m, DHCPDISCOVER, 2, 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 20, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

TEST(dhcps_selecting_another_address_than_offered_is_refused)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 40));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 10, &r, &reply), DHCPNAK);
    CHECK_EQ_INT(reply.hdr.yiaddr, 0);
    CHECK(r.broadcast);
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_LEASE_TIME));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_MESSAGE));
    dhcps_destroy(s);
}

/* A REQUEST with option 54 and no option 50 is taken as naming ciaddr; with
 * neither address it is incomplete. */
TEST(dhcps_request_without_address_is_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_INCOMPLETE], 2);
    dhcps_destroy(s);
}

TEST(dhcps_init_reboot_right_address_is_acked)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPREQUEST, 1, 2);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 1000, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK(r.broadcast);
    CHECK_EQ_INT(dhcps_get_stats(s)->req_init_reboot, 1);
    /* The lease runs from the new ACK. */
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), 1000, &info));
    CHECK_EQ_INT(info.expires_in_ms, DAY_MS);
    dhcps_destroy(s);
}

TEST(dhcps_init_reboot_wrong_address_is_nakked)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    /* Another address on this network than the client's own. */
    cmsg_begin(&m, DHCPREQUEST, 1, 2);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 77));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 10, &r, &reply), DHCPNAK);
    /* An address from another network (the guest moved). */
    cmsg_begin(&m, DHCPREQUEST, 1, 3);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(192, 168, 1, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 20, &r, &reply), DHCPNAK);
    CHECK_EQ_INT(r.dst_ip, BCAST);
    CHECK_EQ_INT(dhcps_get_stats(s)->tx[DHCPNAK], 2);
    /* The client keeps its lease. */
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 30), DHCPS_BOUND);
    dhcps_destroy(s);
}

/* Authoritative: a client vmgate has no record of (vmgate restarted) keeps a free
 * address, but not one that is someone else's or outside the pool. */
TEST(dhcps_init_reboot_unknown_client)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 40));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 40));
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 40), 0), DHCPS_BOUND);

    cmsg_begin(&m, DHCPREQUEST, 2, 2);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 40));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    cmsg_begin(&m, DHCPREQUEST, 2, 3);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 5));        /* below the pool */
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    cmsg_begin(&m, DHCPREQUEST, 2, 4);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, NAT_DNS);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    CHECK_EQ_INT(dhcps_lease_count(s), 1);
    dhcps_destroy(s);
}

TEST(dhcps_renewing_is_acked_to_ciaddr)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    uint32_t t1 = DAY_MS / 2;
    cmsg_begin(&m, DHCPREQUEST, 1, 9);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, false, t1, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(reply.hdr.ciaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(r.dst_ip, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(r.dst_port, DHCP_CLIENT_PORT);
    CHECK(!r.broadcast);
    CHECK_EQ_INT(dhcps_get_stats(s)->req_renewing, 1);
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), t1, &info));
    CHECK_EQ_INT(info.expires_in_ms, DAY_MS);
    dhcps_destroy(s);
}

TEST(dhcps_rebinding_is_acked)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    uint32_t t2 = DAY_MS / 8 * 7;
    cmsg_begin(&m, DHCPREQUEST, 1, 9);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, t2, &r, &reply), DHCPACK);
    CHECK_EQ_INT(r.dst_ip, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(dhcps_get_stats(s)->req_rebinding, 1);
    /* Rebinding with an address that is not the client's, or not on this
     * network: NAK, broadcast. */
    cmsg_begin(&m, DHCPREQUEST, 1, 10);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 16));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, t2, &r, &reply), DHCPNAK);
    CHECK(r.broadcast);
    CHECK_EQ_INT(reply.hdr.ciaddr, 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 11);
    cmsg_ciaddr(&m, IP4(172, 16, 0, 15));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, t2, &r, &reply), DHCPNAK);
    dhcps_destroy(s);
}

TEST(dhcps_lease_expires_with_the_clock)
{
    test_nat_config(&cfg);
    cfg.lease_s = 600;
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(dhcps_first_lease(s, 599999), IP4(10, 0, 2, 15));
    /* Queries see the expiry even before a tick has run. */
    CHECK_EQ_INT(dhcps_first_lease(s, 600000), 0);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 600000), DHCPS_EXPIRED);
    dhcps_tick(s, 600000);
    CHECK_EQ_INT(dhcps_get_stats(s)->leases_expired, 1);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 600000), DHCPS_EXPIRED);
    /* The address stays the client's: it gets it back. */
    CHECK_EQ_INT(test_lease(s, 1, 700000), IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

TEST(dhcps_unanswered_offer_lapses)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    dhcps_tick(s, DHCPS_OFFER_HOLD_MS - 1);
    CHECK_EQ_INT(dhcps_lease_count(s), 1);
    dhcps_tick(s, DHCPS_OFFER_HOLD_MS);
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->offers_expired, 1);
    dhcps_destroy(s);
}

/* The 32-bit millisecond clock wraps after 49.7 days; leases must not notice. */
TEST(dhcps_survives_clock_wrap)
{
    test_nat_config(&cfg);
    uint32_t start = 0xffffffffu - 1000;
    struct dhcps *s = test_server(&cfg, start);
    REQUIRE_EQ_INT(test_lease(s, 1, start), IP4(10, 0, 2, 15));
    uint32_t later = start + DAY_MS / 2;          /* wrapped */
    CHECK(later < start);
    dhcps_tick(s, later);
    CHECK_EQ_INT(dhcps_first_lease(s, later), IP4(10, 0, 2, 15));
    dhcps_tick(s, later + DAY_MS / 2 - 1);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), later + DAY_MS / 2 - 1), DHCPS_BOUND);
    dhcps_tick(s, later + DAY_MS / 2);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), later + DAY_MS / 2), DHCPS_EXPIRED);
    /* A clock going backwards stands still. */
    dhcps_tick(s, 5);
    CHECK_EQ_INT(dhcps_get_stats(s)->leases_expired, 1);
    dhcps_destroy(s);
}

TEST(dhcps_reboot_keeps_the_address)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    /* The guest shuts down and releases. */
    cmsg_begin(&m, DHCPRELEASE, 1, 5);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, false, 100, &r, &reply), 0);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 100), DHCPS_RELEASED);
    CHECK_EQ_INT(dhcps_first_lease(s, 100), 0);
    /* Another guest comes and goes meanwhile: it gets a never used address. */
    CHECK_EQ_INT(test_lease(s, 2, 200), IP4(10, 0, 2, 16));
    /* The first comes back. */
    CHECK_EQ_INT(test_lease(s, 1, 300), IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

TEST(dhcps_release_of_what_is_not_held_is_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPRELEASE, 2, 5);                   /* another client */
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, false, 1, &r, &reply), 0);
    cmsg_begin(&m, DHCPRELEASE, 1, 5);                   /* wrong address */
    cmsg_ciaddr(&m, IP4(10, 0, 2, 16));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, false, 1, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_NO_LEASE], 2);
    cmsg_begin(&m, DHCPRELEASE, 1, 5);                   /* to another server */
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, IP4(10, 0, 2, 9));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, false, 1, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->other_server, 1);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 1), DHCPS_BOUND);
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPRELEASE], 3);
    dhcps_destroy(s);
}

/* Another client's remembered binding is taken only when no address was never
 * held; the oldest one goes first. */
TEST(dhcps_reuses_old_bindings_only_when_pool_is_used_up)
{
    test_nat_config(&cfg);
    cfg.pool_first = IP4(10, 0, 2, 15);
    cfg.pool_last = IP4(10, 0, 2, 17);
    cfg.lease_s = 60;
    struct dhcps *s = test_server(&cfg, 0);
    CHECK_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(test_lease(s, 2, 1000), IP4(10, 0, 2, 16));
    CHECK_EQ_INT(test_lease(s, 3, 2000), IP4(10, 0, 2, 17));
    /* All three expire (in the order they were bound). */
    dhcps_tick(s, 70000);
    CHECK_EQ_INT(dhcps_get_stats(s)->leases_expired, 3);
    /* A newcomer takes the binding that expired first: client 1's. */
    CHECK_EQ_INT(test_lease(s, 4, 80000), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(dhcps_get_stats(s)->reclaimed, 1);
    /* Clients 2 and 3 still get their own. */
    CHECK_EQ_INT(test_lease(s, 3, 81000), IP4(10, 0, 2, 17));
    CHECK_EQ_INT(test_lease(s, 2, 82000), IP4(10, 0, 2, 16));
    /* Client 1 now finds nothing: all three are bound. */
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 83000, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->pool_exhausted, 1);
    dhcps_destroy(s);
}

TEST(dhcps_pool_exhaustion_is_counted)
{
    test_nat_config(&cfg);
    cfg.pool_first = IP4(10, 0, 2, 100);
    cfg.pool_last = IP4(10, 0, 2, 101);
    struct dhcps *s = test_server(&cfg, 0);
    CHECK_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 100));
    CHECK_EQ_INT(test_lease(s, 2, 0), IP4(10, 0, 2, 101));
    CHECK_EQ_INT(test_lease(s, 3, 0), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->pool_exhausted, 1);
    /* Asking for an address held by another does not help. */
    cmsg_begin(&m, DHCPREQUEST, 3, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 101));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    dhcps_destroy(s);
}

/* The table holds DHCPS_MAX_LEASES pool entries whatever the size of the pool. */
TEST(dhcps_table_is_bounded)
{
    test_nat_config(&cfg);
    cfg.net = IP4(10, 1, 0, 0);
    cfg.prefix = 16;
    cfg.server_ip = cfg.router = IP4(10, 1, 0, 2);
    cfg.dns[0] = IP4(10, 1, 0, 3);
    struct dhcps *s = test_server(&cfg, 0);
    unsigned offers = 0;
    for (unsigned i = 0; i < DHCPS_MAX_LEASES + 20; i++) {
        uint8_t id[4] = { 0xff, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        cmsg_begin(&m, DHCPDISCOVER, 1, i);
        cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
        cmsg_end(&m);
        if (test_send(s, &m, true, i, &r, &reply) == DHCPOFFER)
            offers++;
    }
    CHECK_EQ_INT(offers, DHCPS_MAX_LEASES);
    CHECK_EQ_INT(dhcps_lease_count(s), DHCPS_MAX_LEASES);
    CHECK_EQ_INT(dhcps_get_stats(s)->pool_exhausted, 20);
    /* Once the offers lapse there is room again. */
    dhcps_tick(s, DHCPS_OFFER_HOLD_MS + 1000);
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    dhcps_destroy(s);
}

static void set_reservation(struct dhcps_config *c, uint8_t macn, uint32_t ip, const char *name)
{
    struct dhcps_host *h = &c->hosts[c->n_hosts++];
    test_mac(h->mac, macn);
    h->ip = ip;
    strcpy(h->name, name);
}

TEST(dhcps_reservation_wins)
{
    test_nat_config(&cfg);
    cfg.pool_first = IP4(10, 0, 2, 20);
    cfg.pool_last = IP4(10, 0, 2, 22);
    set_reservation(&cfg, 9, IP4(10, 0, 2, 20), "vm1");
    set_reservation(&cfg, 8, IP4(10, 0, 2, 5), "");     /* outside the pool: fine */
    struct dhcps *s = test_server(&cfg, 0);
    /* A pool client never gets a reserved address, even asking for it. */
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 20));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 21));
    cmsg_begin(&m, DHCPREQUEST, 2, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 20));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    /* The reserved MAC gets its address, and its name. */
    cmsg_begin(&m, DHCPDISCOVER, 9, 2);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 22));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 20));
    size_t n;
    const uint8_t *name = dhcp_msg_opt(&reply, DHCP_OPT_HOST_NAME, &n);
    REQUIRE(name != NULL);
    CHECK_EQ_INT(n, 3);
    CHECK_MEM(name, "vm1", 3);
    CHECK_EQ_INT(test_lease(s, 9, 10), IP4(10, 0, 2, 20));
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 20), 10, &info));
    CHECK(info.reserved);
    /* Its INIT-REBOOT with another address is refused, and with its own accepted. */
    cmsg_begin(&m, DHCPREQUEST, 9, 3);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 21));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 20, &r, &reply), DHCPNAK);
    cmsg_begin(&m, DHCPREQUEST, 9, 4);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 20));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 30, &r, &reply), DHCPACK);
    /* The second reservation lies outside the pool and still works. */
    CHECK_EQ_INT(test_lease(s, 8, 40), IP4(10, 0, 2, 5));
    dhcps_destroy(s);
}

/* A reservation never waits for a slot: pool clients can fill their share of the
 * table, not the reservations'. */
TEST(dhcps_reservation_finds_room_in_a_full_table)
{
    test_nat_config(&cfg);
    cfg.net = IP4(10, 1, 0, 0);
    cfg.prefix = 16;
    cfg.server_ip = cfg.router = IP4(10, 1, 0, 2);
    cfg.n_dns = 0;
    set_reservation(&cfg, 9, IP4(10, 1, 200, 1), "r");
    struct dhcps *s = test_server(&cfg, 0);
    for (unsigned i = 0; i < DHCPS_MAX_LEASES + 1; i++) {
        uint8_t id[3] = { 0xff, (uint8_t)(i >> 8), (uint8_t)i };
        cmsg_begin(&m, DHCPDISCOVER, 1, i);
        cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
        cmsg_end(&m);
        test_send(s, &m, true, 0, &r, &reply);
    }
    CHECK_EQ_INT(dhcps_get_stats(s)->pool_exhausted, 1);
    CHECK_EQ_INT(test_lease(s, 9, 0), IP4(10, 1, 200, 1));
    dhcps_destroy(s);
}

TEST(dhcps_decline_holds_the_address)
{
    test_nat_config(&cfg);
    cfg.decline_hold_s = 300;
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPDECLINE, 1, 7);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 100, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->declined, 1);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 100), DHCPS_DECLINED);
    /* The client starts over and gets another address; so does everyone else. */
    CHECK_EQ_INT(test_lease(s, 1, 200), IP4(10, 0, 2, 16));
    CHECK_EQ_INT(test_lease(s, 2, 300), IP4(10, 0, 2, 17));
    /* After the hold the address is free again. */
    dhcps_tick(s, 100 + 300000);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 100 + 300000), DHCPS_FREE);
    CHECK_EQ_INT(test_lease(s, 3, 400000), IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

TEST(dhcps_decline_of_what_is_not_held_is_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    /* Another client cannot take an address away by declining it. */
    cmsg_begin(&m, DHCPDECLINE, 2, 7);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 1, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_NO_LEASE], 1);
    cmsg_begin(&m, DHCPDECLINE, 1, 7);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 1, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_INCOMPLETE], 1);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 1), DHCPS_BOUND);
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPDECLINE], 2);
    dhcps_destroy(s);
}

TEST(dhcps_decline_of_a_reservation_ends_the_binding_only)
{
    test_nat_config(&cfg);
    set_reservation(&cfg, 9, IP4(10, 0, 2, 30), "");
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 9, 0), IP4(10, 0, 2, 30));
    cmsg_begin(&m, DHCPDECLINE, 9, 7);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 30));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 1, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->declined, 0);
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 30), 1), DHCPS_RELEASED);
    CHECK_EQ_INT(test_lease(s, 9, 2), IP4(10, 0, 2, 30));
    dhcps_destroy(s);
}

TEST(dhcps_inform_answers_without_a_lease)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPINFORM, 1, 3);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 7));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.yiaddr, 0);
    CHECK_EQ_INT(reply.hdr.ciaddr, IP4(10, 0, 2, 7));
    CHECK_EQ_INT(r.dst_ip, IP4(10, 0, 2, 7));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_LEASE_TIME));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_T1));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_SERVER_ID));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_ROUTER));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_DNS));
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    /* Without ciaddr, or from another network: no answer. */
    cmsg_begin(&m, DHCPINFORM, 1, 4);
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    cmsg_begin(&m, DHCPINFORM, 1, 5);
    cmsg_ciaddr(&m, IP4(10, 0, 9, 7));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, true, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_INCOMPLETE], 1);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_FOREIGN], 1);
    CHECK_EQ_INT(dhcps_get_stats(s)->rx[DHCPINFORM], 3);
    dhcps_destroy(s);
}

/* Clients are told apart by client id when they send one, else by MAC; the
 * usual client id (type 1, MAC) is the same client as the MAC alone. */
TEST(dhcps_client_id_and_mac)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    uint8_t id_a[] = { 0, 'a' }, id_b[] = { 0, 'b' };
    uint8_t id_mac[7] = { 1 };
    test_mac(id_mac + 1, 1);

    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id_a, 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    /* The client id is echoed (RFC 6842). */
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_CLIENT_ID, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 2);
    CHECK_MEM(v, id_a, 2);
    /* Same MAC, another client id: another client (two OSes on one VM). */
    cmsg_begin(&m, DHCPDISCOVER, 1, 2);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id_b, 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 16));
    /* Same client id from another MAC: the same client. */
    cmsg_begin(&m, DHCPDISCOVER, 2, 3);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id_a, 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    /* MAC only, then client id 01:MAC: one client. */
    cmsg_begin(&m, DHCPDISCOVER, 1, 4);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 17));
    cmsg_begin(&m, DHCPDISCOVER, 1, 5);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id_mac, sizeof id_mac);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 17));
    CHECK_EQ_INT(dhcps_lease_count(s), 3);
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), 0, &info));
    CHECK_EQ_INT(info.client_id_len, 2);
    CHECK_MEM(info.client_id, id_a, 2);
    dhcps_destroy(s);
}

TEST(dhcps_discover_honours_a_free_requested_address)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    CHECK_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPDISCOVER, 2, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 50));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 50));
    /* Held by someone else, or the server's own: the lowest free one instead. */
    cmsg_begin(&m, DHCPDISCOVER, 3, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 16));
    cmsg_begin(&m, DHCPDISCOVER, 4, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, NAT_GW);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 17));
    dhcps_destroy(s);
}

/* A bound client that discovers again (it lost its state) keeps its binding and
 * is offered the same address. */
TEST(dhcps_discover_from_a_bound_client)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    REQUIRE_EQ_INT(test_lease(s, 1, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 1000, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(test_state(s, IP4(10, 0, 2, 15), 1000), DHCPS_BOUND);
    CHECK_EQ_INT(dhcps_first_lease(s, 1000), IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

static unsigned seen;
static uint32_t seen_ips[8];

static void collect(void *ctx, const struct dhcps_lease_info *l)
{
    if (seen < 8)
        seen_ips[seen] = l->ip;
    seen++;
    (void)ctx;
}

TEST(dhcps_foreach_walks_in_address_order)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 90));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    CHECK_EQ_INT(test_lease(s, 2, 0), IP4(10, 0, 2, 15));
    cmsg_begin(&m, DHCPREQUEST, 3, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 40));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    seen = 0;
    dhcps_foreach_lease(s, 0, collect, NULL);
    CHECK_EQ_INT(seen, 3);
    CHECK_EQ_INT(seen_ips[0], IP4(10, 0, 2, 15));
    CHECK_EQ_INT(seen_ips[1], IP4(10, 0, 2, 40));
    CHECK_EQ_INT(seen_ips[2], IP4(10, 0, 2, 90));
    CHECK_EQ_INT(dhcps_first_lease(s, 0), IP4(10, 0, 2, 15));
    dhcps_destroy(s);
}

TEST(dhcps_remembers_the_client_host_name)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_HOST_NAME, "web\x01 1\0", 7);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    struct dhcps_lease_info info;
    REQUIRE(dhcps_lookup(s, IP4(10, 0, 2, 15), 0, &info));
    CHECK_EQ_STR(info.hostname, "web??1");
    CHECK_EQ_STR(dhcps_state_name(info.state), "offered");
    dhcps_destroy(s);
}
