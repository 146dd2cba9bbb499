/* The DNS relay's table: its bound, the per-client share, unique upstream IDs,
 * retransmissions, expiry that frees entries, and flushing. */
#include "unit.h"
#include "dns_helpers.h"
#include "../../net/bytes.h"
#include "../../net/dnsrelay.h"

#include "arch/cc.h"

#include <stdio.h>
#include <string.h>

#define SERVER_A 0xc0a85801u

static struct dnsrelay relay;
static struct dns_capture cap;
static uint8_t query[DNS_TEST_MSG_MAX];

static void start(void)
{
    const uint32_t servers[] = { SERVER_A };
    dns_capture_reset(&cap);
    dnsrelay_init(&relay, dns_capture_send, &cap, vmgate_random32_cb, NULL);
    dnsrelay_set_servers(&relay, servers, 1);
}

/* Client k: 10.0.2.(15 + k / per_addr), port 1024 + k, on iface 1. */
static struct dnsrelay_client client_n(unsigned k, unsigned per_addr)
{
    struct dnsrelay_client c = {
        .iface = 1, .addr = 0x0a00020f + k / per_addr, .port = (uint16_t)(1024 + k),
    };
    return c;
}

/* Sends query number k (name q<k>.lab.test, ID k) from c; returns the verdict. */
static enum dnsrelay_verdict ask(uint32_t now, const struct dnsrelay_client *c, unsigned k)
{
    char name[32];
    snprintf(name, sizeof name, "q%u.lab.test", k);
    size_t len = dns_build_query(query, (uint16_t)k, name, 1, 0);
    return dnsrelay_handle_query(&relay, now, c, query, len);
}

/* Fills the table with DNSRELAY_MAX_PENDING queries from as few clients as the
 * per-client share allows. */
static void fill_table(uint32_t now)
{
    for (unsigned k = 0; k < DNSRELAY_MAX_PENDING; k++) {
        struct dnsrelay_client c = client_n(k, DNSRELAY_CLIENT_MAX);
        REQUIRE_EQ_INT(ask(now, &c, k), DNSRELAY_FORWARDED);
    }
    REQUIRE_EQ_INT(relay.pending, DNSRELAY_MAX_PENDING);
}

TEST(dnsrelay_gives_pending_queries_unique_upstream_ids)
{
    static bool seen[65536];

    start();
    memset(seen, 0, sizeof seen);
    fill_table(0);
    /* 512 draws from 65536 collide with probability near 1 - e^-2: the redraw ran. */
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++) {
        uint16_t id = dns_msg_id(dns_capture_get(&cap, i)->data);
        CHECK(!seen[id]);
        seen[id] = true;
    }
}

TEST(dnsrelay_drops_queries_when_the_table_is_full)
{
    start();
    fill_table(0);
    struct dnsrelay_client newcomer = client_n(10 * DNSRELAY_CLIENT_MAX, DNSRELAY_CLIENT_MAX);
    CHECK_EQ_INT(ask(1, &newcomer, 9999), DNSRELAY_DROP_TABLE_FULL);
    CHECK_EQ_INT(relay.count.table_full, 1);
    CHECK_EQ_INT(relay.pending, DNSRELAY_MAX_PENDING);
    CHECK_EQ_INT(cap.n, DNSRELAY_MAX_PENDING);
}

TEST(dnsrelay_limits_each_client_to_its_share)
{
    start();
    struct dnsrelay_client c = client_n(0, 1);
    for (unsigned k = 0; k < DNSRELAY_CLIENT_MAX; k++)
        REQUIRE_EQ_INT(ask(0, &c, k), DNSRELAY_FORWARDED);
    /* Another port of the same guest shares its address's share. */
    c.port++;
    CHECK_EQ_INT(ask(0, &c, 5000), DNSRELAY_DROP_CLIENT_LIMIT);
    CHECK_EQ_INT(relay.count.client_limit, 1);
    /* Another guest, or the same address on another interface, is not held back. */
    struct dnsrelay_client other = client_n(1, 1);
    CHECK_EQ_INT(ask(0, &other, 5001), DNSRELAY_FORWARDED);
    c.iface = 2;
    CHECK_EQ_INT(ask(0, &c, 5002), DNSRELAY_FORWARDED);
}

TEST(dnsrelay_expiry_frees_entries)
{
    start();
    fill_table(100);
    /* Each call to dnsrelay_expire() moves a query on by one try at most. */
    for (unsigned t = 1; t < DNSRELAY_MAX_TRIES; t++)
        dnsrelay_expire(&relay, 100 + t * DNSRELAY_RETRY_MS);
    dnsrelay_expire(&relay, 100 + DNSRELAY_MAX_TRIES * DNSRELAY_RETRY_MS - 1);
    CHECK_EQ_INT(relay.pending, DNSRELAY_MAX_PENDING);
    CHECK_EQ_INT(relay.count.retries, DNSRELAY_MAX_PENDING * (DNSRELAY_MAX_TRIES - 1));
    dnsrelay_expire(&relay, 100 + DNSRELAY_MAX_TRIES * DNSRELAY_RETRY_MS);
    CHECK_EQ_INT(relay.pending, 0);
    CHECK_EQ_INT(relay.count.timeouts, DNSRELAY_MAX_PENDING);
    CHECK_EQ_INT(relay.count.servfails, DNSRELAY_MAX_PENDING);
    /* Every client got its SERVFAIL: the last packets are one per query. */
    CHECK_EQ_INT(cap.n, DNSRELAY_MAX_PENDING * (DNSRELAY_MAX_TRIES + 1));

    struct dnsrelay_client c = client_n(0, 1);
    CHECK_EQ_INT(ask(6000, &c, 1), DNSRELAY_FORWARDED);
    CHECK_EQ_INT(relay.pending, 1);
}

TEST(dnsrelay_drops_retransmissions_of_pending_queries)
{
    start();
    struct dnsrelay_client c = client_n(0, 1);
    CHECK_EQ_INT(ask(0, &c, 42), DNSRELAY_FORWARDED);
    CHECK_EQ_INT(ask(900, &c, 42), DNSRELAY_DROP_DUPLICATE);
    CHECK_EQ_INT(relay.count.duplicates, 1);
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);

    /* Same ID, another question: a new query. Same question, another port: too. */
    size_t len = dns_build_query(query, 42, "q42.lab.test", 28, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1000, &c, query, len), DNSRELAY_FORWARDED);
    c.port++;
    CHECK_EQ_INT(ask(1000, &c, 42), DNSRELAY_FORWARDED);
    CHECK_EQ_INT(relay.pending, 3);
}

TEST(dnsrelay_flush_forgets_pending_queries)
{
    start();
    fill_table(0);
    dnsrelay_flush(&relay);
    CHECK_EQ_INT(relay.pending, 0);
    dnsrelay_expire(&relay, 100000);
    CHECK_EQ_INT(cap.n, DNSRELAY_MAX_PENDING);
}
