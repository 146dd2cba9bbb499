/* The DNS relay's happy paths and its timers: ID translation both ways, retries on
 * the next server, SERVFAIL after the last try or without servers, responses
 * passed through (TC, EDNS0) or cut to fit. */
#include "unit.h"
#include "dns_helpers.h"
#include "../../net/bytes.h"
#include "../../net/dnsrelay.h"

#include "arch/cc.h"

#include <string.h>

#define SERVER_A 0xc0a85801u        /* 192.168.88.1 */
#define SERVER_B 0xc0a85802u
#define SERVER_C 0xc0a85803u

static struct dnsrelay relay;
static struct dns_capture cap;
static uint8_t query[DNS_TEST_MSG_MAX], resp[DNS_TEST_MSG_MAX];

static const struct dnsrelay_client guest1 = { .iface = 1, .addr = 0x0a00020f, .port = 40001 };
static const struct dnsrelay_client guest2 = { .iface = 1, .addr = 0x0a000210, .port = 40001 };

/* A relay with the given servers and an empty capture. */
static void start(unsigned n_servers)
{
    const uint32_t servers[] = { SERVER_A, SERVER_B, SERVER_C };
    dns_capture_reset(&cap);
    dnsrelay_init(&relay, dns_capture_send, &cap, vmgate_random32_cb, NULL);
    dnsrelay_set_servers(&relay, servers, n_servers);
}

/* Checks that pkt is the query q (qlen bytes) sent upstream to server, except for
 * its ID, and returns that ID. */
static uint16_t check_upstream(const struct dnsrelay_packet *pkt, uint32_t server,
                               const uint8_t *q, size_t qlen)
{
    CHECK_EQ_INT(pkt->dir, DNSRELAY_TO_UPSTREAM);
    CHECK_EQ_INT(pkt->addr, server);
    CHECK_EQ_INT(pkt->port, 53);
    CHECK_EQ_INT(pkt->iface, -1);
    REQUIRE_EQ_INT(pkt->len, qlen);
    CHECK_MEM(pkt->data + 2, q + 2, qlen - 2);
    return dns_msg_id(pkt->data);
}

/* Checks that pkt goes to client c. */
static void check_to_client(const struct dnsrelay_packet *pkt, const struct dnsrelay_client *c)
{
    CHECK_EQ_INT(pkt->dir, DNSRELAY_TO_CLIENT);
    CHECK_EQ_INT(pkt->iface, c->iface);
    CHECK_EQ_INT(pkt->addr, c->addr);
    CHECK_EQ_INT(pkt->port, c->port);
}

/* Checks that pkt is an error answer with rcode to the query q from client c. */
static void check_error_reply(const struct dnsrelay_packet *pkt, const struct dnsrelay_client *c,
                              const uint8_t *q, size_t qlen, unsigned rcode)
{
    struct dns_msg_info asked, got;

    check_to_client(pkt, c);
    REQUIRE_EQ_INT(dns_msg_parse(q, qlen, true, &asked), 0);
    REQUIRE_EQ_INT(dns_msg_parse(pkt->data, pkt->len, true, &got), 0);
    CHECK_EQ_INT(got.hdr.id, asked.hdr.id);
    CHECK(got.hdr.flags & DNS_FLAG_QR);
    CHECK_EQ_INT(got.hdr.flags & DNS_RCODE_MASK, rcode);
    CHECK_EQ_INT(got.hdr.flags & DNS_FLAG_RD, asked.hdr.flags & DNS_FLAG_RD);
    CHECK_EQ_INT(got.hdr.ancount, 0);
    CHECK_EQ_INT(pkt->len, asked.q.end);
    CHECK_MEM(got.q.name, asked.q.name, asked.q.name_len);
    CHECK_EQ_INT(got.q.qtype, asked.q.qtype);
}

TEST(dnsrelay_translates_ids_both_ways)
{
    start(1);
    size_t qlen = dns_build_query(query, 0x1234, "www.lab.test", 1, 0);

    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, qlen), DNSRELAY_FORWARDED);
    REQUIRE_EQ_INT(cap.n, 1);
    uint16_t up = check_upstream(dns_capture_get(&cap, 0), SERVER_A, query, qlen);
    CHECK_EQ_INT(relay.pending, 1);

    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 0xc0a85801);
    uint8_t expect[DNS_TEST_MSG_MAX];
    memcpy(expect, resp, rlen);
    put_be16(expect, 0x1234);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 10, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
    REQUIRE_EQ_INT(cap.n, 2);
    const struct dnsrelay_packet *out = dns_capture_get(&cap, 1);
    check_to_client(out, &guest1);
    REQUIRE_EQ_INT(out->len, rlen);
    CHECK_MEM(out->data, expect, rlen);
    CHECK_EQ_INT(relay.pending, 0);
    CHECK_EQ_INT(relay.count.queries, 1);
    CHECK_EQ_INT(relay.count.forwarded, 1);
    CHECK_EQ_INT(relay.count.answered, 1);
    CHECK_EQ_INT(relay.count.truncated, 0);
}

TEST(dnsrelay_keeps_two_clients_with_the_same_id_apart)
{
    start(1);
    size_t q1 = dns_build_query(query, 7, "a.lab.test", 1, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, q1), DNSRELAY_FORWARDED);
    uint8_t query2[DNS_TEST_MSG_MAX];
    size_t q2 = dns_build_query(query2, 7, "a.lab.test", 1, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest2, query2, q2), DNSRELAY_FORWARDED);
    REQUIRE_EQ_INT(cap.n, 2);
    uint16_t up1 = dns_msg_id(dns_capture_get(&cap, 0)->data);
    uint16_t up2 = dns_msg_id(dns_capture_get(&cap, 1)->data);
    CHECK(up1 != up2);

    /* Answers in the other order, telling them apart by their addresses. */
    size_t r2 = dns_build_response(resp, query2, q2, up2, 1, 0x0a000002);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 5, SERVER_A, 53, resp, r2), DNSRELAY_ANSWERED);
    size_t r1 = dns_build_response(resp, query, q1, up1, 1, 0x0a000001);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 6, SERVER_A, 53, resp, r1), DNSRELAY_ANSWERED);
    REQUIRE_EQ_INT(cap.n, 4);
    const struct dnsrelay_packet *to2 = dns_capture_get(&cap, 2), *to1 = dns_capture_get(&cap, 3);
    check_to_client(to2, &guest2);
    check_to_client(to1, &guest1);
    CHECK_EQ_INT(dns_msg_id(to1->data), 7);
    CHECK_EQ_INT(dns_msg_id(to2->data), 7);
    CHECK_EQ_INT(get_be32(to2->data + to2->len - 4), 0x0a000002);
    CHECK_EQ_INT(get_be32(to1->data + to1->len - 4), 0x0a000001);
    CHECK_EQ_INT(relay.pending, 0);
}

TEST(dnsrelay_retries_on_the_next_server)
{
    start(2);
    size_t qlen = dns_build_query(query, 99, "www.lab.test", 1, 0);
    dnsrelay_handle_query(&relay, 1000, &guest1, query, qlen);
    REQUIRE_EQ_INT(cap.n, 1);
    uint16_t up = check_upstream(dns_capture_get(&cap, 0), SERVER_A, query, qlen);

    dnsrelay_expire(&relay, 1000 + DNSRELAY_RETRY_MS - 1);
    CHECK_EQ_INT(cap.n, 1);
    dnsrelay_expire(&relay, 1000 + DNSRELAY_RETRY_MS);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_INT(check_upstream(dns_capture_get(&cap, 1), SERVER_B, query, qlen), up);
    CHECK_EQ_INT(relay.count.retries, 1);

    /* The third try goes round to the first server again. */
    dnsrelay_expire(&relay, 1000 + 2 * DNSRELAY_RETRY_MS);
    REQUIRE_EQ_INT(cap.n, 3);
    CHECK_EQ_INT(check_upstream(dns_capture_get(&cap, 2), SERVER_A, query, qlen), up);
    CHECK_EQ_INT(relay.count.retries, 2);

    /* Server B's late answer still counts: the query went there. */
    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 4000, SERVER_B, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
    CHECK_EQ_INT(relay.pending, 0);
}

TEST(dnsrelay_answers_servfail_after_the_last_try)
{
    start(1);
    size_t qlen = dns_build_query(query, 0xabcd, "slow.lab.test", 28, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);

    for (unsigned t = 1; t < DNSRELAY_MAX_TRIES; t++) {
        dnsrelay_expire(&relay, t * DNSRELAY_RETRY_MS);
        REQUIRE_EQ_INT(cap.n, t + 1);
        CHECK_EQ_INT(check_upstream(dns_capture_get(&cap, t), SERVER_A, query, qlen), up);
    }
    CHECK_EQ_INT(relay.pending, 1);
    dnsrelay_expire(&relay, DNSRELAY_MAX_TRIES * DNSRELAY_RETRY_MS - 1);
    CHECK_EQ_INT(cap.n, DNSRELAY_MAX_TRIES);
    dnsrelay_expire(&relay, DNSRELAY_MAX_TRIES * DNSRELAY_RETRY_MS);
    REQUIRE_EQ_INT(cap.n, DNSRELAY_MAX_TRIES + 1);
    check_error_reply(dns_capture_get(&cap, DNSRELAY_MAX_TRIES), &guest1, query, qlen,
                      DNS_RCODE_SERVFAIL);
    CHECK_EQ_INT(relay.pending, 0);
    CHECK_EQ_INT(relay.count.timeouts, 1);
    CHECK_EQ_INT(relay.count.servfails, 1);
    CHECK_EQ_INT(relay.count.retries, DNSRELAY_MAX_TRIES - 1);

    /* The answer that comes after the SERVFAIL finds nothing to answer. */
    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 5000, SERVER_A, 53, resp, rlen),
                 DNSRELAY_DROP_UNMATCHED);
    CHECK_EQ_INT(relay.count.unmatched, 1);
    CHECK_EQ_INT(cap.n, DNSRELAY_MAX_TRIES + 1);
}

TEST(dnsrelay_answers_servfail_at_once_without_servers)
{
    start(0);
    size_t qlen = dns_build_query(query, 0x0101, "www.lab.test", 1, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, qlen),
                 DNSRELAY_REPLIED_ERROR);
    REQUIRE_EQ_INT(cap.n, 1);
    check_error_reply(dns_capture_get(&cap, 0), &guest1, query, qlen, DNS_RCODE_SERVFAIL);
    CHECK_EQ_INT(relay.pending, 0);
    CHECK_EQ_INT(relay.count.no_server, 1);
    CHECK_EQ_INT(relay.count.servfails, 1);
    CHECK_EQ_INT(relay.count.forwarded, 0);
}

TEST(dnsrelay_answers_servfail_when_servers_go_away)
{
    start(2);
    size_t qlen = dns_build_query(query, 5, "www.lab.test", 1, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    dnsrelay_set_servers(&relay, NULL, 0);
    dnsrelay_expire(&relay, DNSRELAY_RETRY_MS);
    REQUIRE_EQ_INT(cap.n, 2);
    check_error_reply(dns_capture_get(&cap, 1), &guest1, query, qlen, DNS_RCODE_SERVFAIL);
    CHECK_EQ_INT(relay.pending, 0);
}

TEST(dnsrelay_sends_retries_to_the_new_servers)
{
    start(1);
    size_t qlen = dns_build_query(query, 5, "www.lab.test", 1, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);
    const uint32_t now_servers[] = { 0, SERVER_C };     /* a 0 entry is skipped */
    dnsrelay_set_servers(&relay, now_servers, 2);
    CHECK_EQ_INT(relay.n_servers, 1);
    dnsrelay_expire(&relay, DNSRELAY_RETRY_MS);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_INT(check_upstream(dns_capture_get(&cap, 1), SERVER_C, query, qlen), up);
    /* The old server may still answer: the query went there. */
    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 1600, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
}

TEST(dnsrelay_answers_notimp_to_other_opcodes)
{
    start(1);
    size_t qlen = dns_build_query(query, 77, "lab.test", 6, 0);
    put_be16(query + 2, (uint16_t)(5 << DNS_OPCODE_SHIFT));        /* UPDATE */
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, qlen),
                 DNSRELAY_REPLIED_ERROR);
    REQUIRE_EQ_INT(cap.n, 1);
    check_error_reply(dns_capture_get(&cap, 0), &guest1, query, qlen, DNS_RCODE_NOTIMP);
    CHECK_EQ_INT(dns_opcode(get_be16(dns_capture_get(&cap, 0)->data + 2)), 5);
    CHECK_EQ_INT(relay.count.notimp, 1);
    CHECK_EQ_INT(relay.pending, 0);
}

TEST(dnsrelay_passes_truncated_responses_as_they_are)
{
    start(1);
    size_t qlen = dns_build_query(query, 3, "big.lab.test", 16, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);
    /* TC set and cut inside its second answer, as some servers cut: still relayed. */
    size_t rlen = dns_build_response(resp, query, qlen, up, 2, 1) - 5;
    put_be16(resp + 2, (uint16_t)(get_be16(resp + 2) | DNS_FLAG_TC));
    uint8_t expect[DNS_TEST_MSG_MAX];
    memcpy(expect, resp, rlen);
    put_be16(expect, 3);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 1, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
    REQUIRE_EQ_INT(cap.n, 2);
    REQUIRE_EQ_INT(dns_capture_get(&cap, 1)->len, rlen);
    CHECK_MEM(dns_capture_get(&cap, 1)->data, expect, rlen);
}

TEST(dnsrelay_passes_large_responses_to_edns_clients)
{
    start(1);
    size_t qlen = dns_build_query(query, 3, "big.lab.test", 1, 1232);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);
    size_t rlen = dns_build_response(resp, query, qlen, up, 60, 1);    /* 990 bytes */
    REQUIRE(rlen > DNS_UDP_CLASSIC && rlen <= 1232);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 1, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_INT(dns_capture_get(&cap, 1)->len, rlen);
    CHECK_EQ_INT(relay.count.truncated, 0);
}

TEST(dnsrelay_cuts_responses_too_large_for_the_client)
{
    struct dns_msg_info info;

    start(1);
    /* No EDNS0: 512 bytes at most. */
    size_t qlen = dns_build_query(query, 3, "big.lab.test", 1, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);
    size_t rlen = dns_build_response(resp, query, qlen, up, 60, 1);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 1, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
    REQUIRE_EQ_INT(cap.n, 2);
    const struct dnsrelay_packet *out = dns_capture_get(&cap, 1);
    REQUIRE_EQ_INT(dns_msg_parse(out->data, out->len, true, &info), 0);
    CHECK_EQ_INT(out->len, qlen);
    CHECK_EQ_INT(info.hdr.id, 3);
    CHECK(info.hdr.flags & DNS_FLAG_TC);
    CHECK_EQ_INT(info.hdr.ancount, 0);
    CHECK_EQ_INT(relay.count.truncated, 1);

    /* EDNS0 with a size below 512 means 512; exactly 512 bytes pass. */
    qlen = dns_build_query(query, 4, "big.lab.test", 1, 300);
    dnsrelay_handle_query(&relay, 2, &guest1, query, qlen);
    up = dns_msg_id(dns_capture_get(&cap, 2)->data);
    rlen = dns_build_response(resp, query, qlen, up, 29, 1);
    memset(resp + rlen, 0, DNS_UDP_CLASSIC - rlen);             /* pad to 512 */
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 3, SERVER_A, 53, resp, DNS_UDP_CLASSIC),
                 DNSRELAY_ANSWERED);
    CHECK_EQ_INT(dns_capture_get(&cap, 3)->len, DNS_UDP_CLASSIC);
    CHECK_EQ_INT(relay.count.truncated, 1);
}

TEST(dnsrelay_matches_the_question_without_case)
{
    start(1);
    size_t qlen = dns_build_query(query, 3, "WwW.LaB.TeSt", 1, 0);
    dnsrelay_handle_query(&relay, 0, &guest1, query, qlen);
    uint16_t up = dns_msg_id(dns_capture_get(&cap, 0)->data);
    uint8_t lower[DNS_TEST_MSG_MAX];
    size_t llen = dns_build_query(lower, 3, "www.lab.test", 1, 0);
    size_t rlen = dns_build_response(resp, lower, llen, up, 1, 1);
    CHECK_EQ_INT(dnsrelay_handle_response(&relay, 1, SERVER_A, 53, resp, rlen),
                 DNSRELAY_ANSWERED);
}

TEST(dnsrelay_times_out_across_the_clock_wrap)
{
    start(1);
    uint32_t t0 = 0xffffffffu - 100;
    size_t qlen = dns_build_query(query, 3, "www.lab.test", 1, 0);
    dnsrelay_handle_query(&relay, t0, &guest1, query, qlen);
    dnsrelay_expire(&relay, t0 + 50);                 /* not yet: 0xffffffcd */
    CHECK_EQ_INT(cap.n, 1);
    dnsrelay_expire(&relay, t0 + DNSRELAY_RETRY_MS);  /* wrapped past 0 */
    CHECK_EQ_INT(cap.n, 2);
    CHECK_EQ_INT(relay.count.retries, 1);
}

/* A source that answers from a script, counting its calls. */
struct id_script {
    const uint32_t *v;
    unsigned n, calls;
};

static uint32_t scripted_random(void *ctx)
{
    struct id_script *s = ctx;
    return s->v[s->calls++ % s->n];
}

/* The upstream IDs are the source's draws (low 16 bits), from the source that
 * dnsrelay_init() was given; a draw that a pending query holds is drawn again. */
TEST(dnsrelay_draws_upstream_ids_from_its_callback)
{
    static const uint32_t script[] = {0xabcd1234u, 0x00001234u, 0x0000beefu};
    struct id_script s = {script, 3, 0};
    const uint32_t server = SERVER_A;

    dns_capture_reset(&cap);
    dnsrelay_init(&relay, dns_capture_send, &cap, scripted_random, &s);
    dnsrelay_set_servers(&relay, &server, 1);
    size_t q1 = dns_build_query(query, 1, "a.lab.test", 1, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, q1), DNSRELAY_FORWARDED);
    size_t q2 = dns_build_query(query, 2, "b.lab.test", 1, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest1, query, q2), DNSRELAY_FORWARDED);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_INT(dns_msg_id(dns_capture_get(&cap, 0)->data), 0x1234);
    CHECK_EQ_INT(dns_msg_id(dns_capture_get(&cap, 1)->data), 0xbeef);   /* 0x1234 was taken */
    CHECK_EQ_INT(s.calls, 3);
}
