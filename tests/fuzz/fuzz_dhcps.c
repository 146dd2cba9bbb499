/* Fuzz target: the DHCP server (net/dhcps.h, net/dhcp_msg.h). An input is a
 * server choice and a script of steps; each step moves the clock and either
 * feeds the server a message or runs its expiry. Messages are raw bytes, or built
 * from a few bytes of choices (type, client, addresses near the pool) followed by
 * raw option bytes, so that runs reach deep into the state machine as well as the
 * parser. Besides the sanitizers it checks, and aborts when one breaks:
 *  - dhcps_input returns 0 or 1;
 *  - every reply parses with our own parser, is a BOOTREPLY OFFER/ACK/NAK with
 *    the request's xid and chaddr, options 53 and 54 (our address), at least 300
 *    and at most the client's limit (option 57, at least 576, less IP and UDP
 *    headers) and DHCPS_REPLY_MAX bytes, sent to a broadcast or an address on the
 *    network;
 *  - an OFFER or lease ACK gives an address on the network that is not one of
 *    the server's own, is in the pool or the client's reservation, and never
 *    someone else's reservation;
 *  - the table stays within its bound, holds each address once, dhcps_lookup
 *    agrees with dhcps_foreach_lease, and dhcps_first_lease is the lowest bound
 *    lease or 0, now and ahead of time. */
#include "net/bytes.h"
#include "net/dhcp_msg.h"
#include "net/dhcps.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 64

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_dhcps: invariant broken: %s\n", what);
    abort();
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The servers a run can pick: VirtualBox's NAT network; a tiny pool with
 * reservations, so that exhaustion, reclaiming and reserved addresses come up
 * often; a /16 whose pool is larger than the table; a host-only network. */
static void pick_config(struct dhcps_config *c, uint8_t which)
{
    memset(c, 0, sizeof *c);
    c->net = IP4(10, 0, 2, 0);
    c->prefix = 24;
    c->server_ip = c->router = IP4(10, 0, 2, 2);
    c->dns[0] = IP4(10, 0, 2, 3);
    c->n_dns = 1;
    switch (which % 4) {
    case 1:
        c->pool_first = IP4(10, 0, 2, 15);
        c->pool_last = IP4(10, 0, 2, 18);
        c->lease_s = 60;
        c->decline_hold_s = 30;
        for (unsigned i = 0; i < 3; i++) {
            static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };
            memcpy(c->hosts[i].mac, mac, 6);
            c->hosts[i].mac[5] = (uint8_t)(i * 5);
            c->hosts[i].ip = IP4(10, 0, 2, (uint8_t)(16 + i * 10));      /* .16 is in the pool */
            snprintf(c->hosts[i].name, sizeof c->hosts[i].name, "host%u", i);
        }
        c->n_hosts = 3;
        strcpy(c->domain, "fuzz.example");
        c->mtu = 1400;
        break;
    case 2:
        c->net = IP4(10, 1, 0, 0);
        c->prefix = 16;
        c->server_ip = c->router = IP4(10, 1, 0, 2);
        c->dns[0] = IP4(10, 1, 0, 3);
        c->lease_s = 120;
        break;
    case 3:
        c->net = IP4(192, 168, 56, 0);
        c->server_ip = c->router = c->dns[0] = IP4(192, 168, 56, 1);
        break;
    }
}

/* Input reader: bytes run out as zeros, so every prefix is a valid script. */
struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t rd8(struct reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint16_t rd16(struct reader *r)
{
    uint16_t hi = rd8(r);
    return (uint16_t)(hi << 8 | rd8(r));
}

/* Addresses a built message uses: mostly in and around the pool. */
static uint32_t pick_addr(const struct dhcps_config *c, uint8_t v)
{
    switch (v >> 6) {
    case 0:
        return 0;
    case 1:
        return c->net + 10 + (v & 31);
    case 2:
        return c->pool_first + (v & 63);
    default:
        return v & 1 ? c->server_ip : IP4(172, 16, 0, v & 63);
    }
}

/* Builds a message from choices; the rest of the step's bytes become options. */
static size_t build_message(struct reader *r, const struct dhcps_config *c, uint8_t *buf, size_t cap)
{
    uint8_t type = rd8(r), client = rd8(r), want = rd8(r), ci = rd8(r), misc = rd8(r);
    uint8_t tail_len = rd8(r);

    memset(buf, 0, DHCP_OPTIONS_OFF);
    buf[0] = misc & 0x80 ? BOOTREPLY : BOOTREQUEST;
    buf[1] = 1;
    buf[2] = misc & 0x40 ? 0 : 6;
    put_be32(buf + 4, 0x1000u + client);
    put_be16(buf + 10, misc & 0x20 ? DHCP_FLAG_BROADCAST : 0);
    put_be32(buf + 12, pick_addr(c, ci));
    if (misc & 0x10)
        put_be32(buf + 24, misc & 0x08 ? c->net + 1 : IP4(10, 9, 9, 1));
    buf[28] = 0x52;
    buf[29] = 0x54;
    buf[33] = client % 16;
    put_be32(buf + DHCP_FIXED_LEN, DHCP_MAGIC_COOKIE);
    size_t len = DHCP_OPTIONS_OFF;
    buf[len++] = DHCP_OPT_MSG_TYPE;
    buf[len++] = 1;
    buf[len++] = (uint8_t)(type % 10);
    if (want) {
        buf[len++] = DHCP_OPT_REQUESTED_IP;
        buf[len++] = 4;
        put_be32(buf + len, pick_addr(c, want));
        len += 4;
    }
    if (misc & 0x04) {
        buf[len++] = DHCP_OPT_SERVER_ID;
        buf[len++] = 4;
        put_be32(buf + len, misc & 0x02 ? c->server_ip : c->server_ip + 1);
        len += 4;
    }
    if (misc & 0x01) {
        buf[len++] = DHCP_OPT_CLIENT_ID;
        buf[len++] = 2;
        buf[len++] = 0;
        buf[len++] = client;
    }
    for (unsigned i = 0; i < tail_len && len < cap; i++)
        buf[len++] = rd8(r);
    return len;
}

/* The most a reply to this request may take, from its option 57 when the request
 * parses (it always does when the server answered). */
static size_t reply_limit(const uint8_t *msg, size_t len)
{
    static struct dhcp_msg q;
    size_t lim = DHCP_MIN_IP_DATAGRAM;
    if (dhcp_msg_parse(&q, msg, len) == 0) {
        size_t n;
        const uint8_t *v = dhcp_msg_opt(&q, DHCP_OPT_MAX_MSG_SIZE, &n);
        if (v && get_be16(v) > lim)
            lim = get_be16(v);
    }
    lim -= DHCP_IP_UDP_HLEN;
    return lim < DHCPS_REPLY_MAX ? lim : DHCPS_REPLY_MAX;
}

static bool in_net(const struct dhcps_config *c, uint32_t ip)
{
    uint32_t mask = 0xffffffffu << (32 - c->prefix);
    return (ip & mask) == c->net;
}

static bool is_own(const struct dhcps_config *c, uint32_t ip)
{
    uint32_t mask = 0xffffffffu << (32 - c->prefix);
    return ip == c->net || ip == (c->net | ~mask) || ip == c->server_ip || ip == c->router ||
           (c->n_dns && ip == c->dns[0]);
}

static const struct dhcps_host *reservation_of_ip(const struct dhcps_config *c, uint32_t ip)
{
    for (unsigned i = 0; i < c->n_hosts; i++)
        if (c->hosts[i].ip == ip)
            return &c->hosts[i];
    return NULL;
}

static void check_reply(const struct dhcps_config *c, const uint8_t *req, size_t req_len,
                        const struct dhcps_reply *r)
{
    static struct dhcp_msg m;
    if (dhcp_msg_parse(&m, r->buf, r->len))
        fail("reply does not parse");
    if (m.hdr.op != BOOTREPLY || m.type != r->type)
        fail("reply op or type");
    if (m.type != DHCPOFFER && m.type != DHCPACK && m.type != DHCPNAK)
        fail("reply type not OFFER/ACK/NAK");
    if (r->len < DHCP_BOOTP_MIN_LEN || r->len > reply_limit(req, req_len))
        fail("reply length outside [300, client limit]");
    if (m.hdr.xid != get_be32(req + 4) || memcmp(m.hdr.chaddr, req + 28, DHCP_CHADDR_LEN))
        fail("reply xid or chaddr differ from the request's");
    uint32_t sid;
    if (!dhcp_msg_opt_ip(&m, DHCP_OPT_SERVER_ID, &sid) || sid != c->server_ip)
        fail("reply server id");
    if (!r->broadcast && !in_net(c, r->dst_ip))
        fail("reply unicast off the network");
    if (r->broadcast && r->dst_ip != 0xffffffffu)
        fail("broadcast reply not to 255.255.255.255");
    if (m.type == DHCPNAK) {
        if (m.hdr.yiaddr || dhcp_msg_has(&m, DHCP_OPT_LEASE_TIME))
            fail("NAK with an address or a lease");
        return;
    }
    uint32_t ip = m.hdr.yiaddr;
    if (!ip)
        return;                     /* INFORM's ACK */
    if (!dhcp_msg_has(&m, DHCP_OPT_LEASE_TIME))
        fail("lease reply without option 51");
    if (!in_net(c, ip) || is_own(c, ip))
        fail("leased address off the network or the server's own");
    const struct dhcps_host *h = reservation_of_ip(c, ip);
    if (h) {
        if (m.hdr.htype != 1 || m.hdr.hlen != 6 || memcmp(h->mac, m.hdr.chaddr, 6))
            fail("reserved address given to another MAC");
    } else if (ip < c->pool_first || ip > c->pool_last) {
        fail("leased address outside the pool and not reserved");
    }
}

struct walk {
    const struct dhcps *s;
    uint32_t now;
    const struct dhcps_config *c;
    unsigned n, pool;
    uint32_t last;
    uint32_t lowest_bound;
};

static void check_lease(void *ctx, const struct dhcps_lease_info *l)
{
    struct walk *w = ctx;
    if (w->n && l->ip <= w->last)
        fail("leases not in strictly increasing address order (duplicate?)");
    w->last = l->ip;
    w->n++;
    if (!l->reserved)
        w->pool++;
    if (l->reserved && !reservation_of_ip(w->c, l->ip))
        fail("reserved lease on an address with no reservation");
    if (l->state == DHCPS_FREE)
        fail("free entry reported");
    if (l->state == DHCPS_BOUND && !w->lowest_bound)
        w->lowest_bound = l->ip;
    struct dhcps_lease_info again;
    if (!dhcps_lookup(w->s, l->ip, w->now, &again) || again.state != l->state ||
        again.expires_in_ms != l->expires_in_ms)
        fail("lookup disagrees with the walk");
}

static void check_table(const struct dhcps *s, const struct dhcps_config *c, uint32_t now)
{
    struct walk w = { .s = s, .now = now, .c = c };
    dhcps_foreach_lease(s, now, check_lease, &w);
    if (w.n > DHCPS_MAX_LEASES + c->n_hosts || dhcps_lease_count(s) > DHCPS_MAX_LEASES + DHCPS_MAX_HOSTS)
        fail("table over its bound");
    if (w.pool > DHCPS_MAX_LEASES)
        fail("pool entries over DHCPS_MAX_LEASES");
    if (dhcps_first_lease(s, now) != w.lowest_bound)
        fail("first lease is not the lowest bound one");
    /* Queries ahead of the expiry run see leases run out by themselves. */
    uint32_t later = dhcps_first_lease(s, now + 2000000000u);
    struct dhcps_lease_info l;
    if (later && (!dhcps_lookup(s, later, now + 2000000000u, &l) || l.state != DHCPS_BOUND))
        fail("first lease later is not a bound lease then");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t msg[DHCP_MSG_MAX + 16];
    static struct dhcps_reply reply;
    static struct dhcps_config cfg;
    struct reader r = { data, size };
    struct dhcps *s;

    uint8_t which = rd8(&r);
    pick_config(&cfg, which);
    /* Start anywhere, near the clock's wrap too. */
    uint32_t now = (uint32_t)rd16(&r) << 16;
    if (dhcps_create(&s, &cfg, now))
        fail("create refused a valid configuration");
    const struct dhcps_config *run = dhcps_get_config(s);

    for (unsigned step = 0; step < MAX_STEPS && r.n; step++) {
        uint8_t op = rd8(&r);
        uint32_t advance = rd16(&r);
        now += op & 0x08 ? advance * 1000u : advance;
        size_t len;
        switch (op & 3) {
        case 0:                     /* raw bytes, length from the input */
            len = rd16(&r) % (sizeof msg);
            for (size_t i = 0; i < len; i++)
                msg[i] = rd8(&r);
            break;
        case 3:
            dhcps_tick(s, now);
            check_table(s, run, now);
            continue;
        default:
            len = build_message(&r, run, msg, sizeof msg);
            break;
        }
        int rc = dhcps_input(s, msg, len, op & 4, now, &reply);
        if (rc != 0 && rc != 1)
            fail("dhcps_input returned something else than 0 or 1");
        if (rc == 1)
            check_reply(run, msg, len, &reply);
        check_table(s, run, now);
    }
    dhcps_destroy(s);
    return 0;
}
