/* What the DNS relay refuses: responses from the wrong server, port, ID or question
 * (RFC 5452), and malformed queries and responses, each dropped and counted. */
#include "unit.h"
#include "dns_helpers.h"
#include "../../net/bytes.h"
#include "../../net/dnsrelay.h"

#include "arch/cc.h"

#include <string.h>

#define SERVER_A 0xc0a85801u
#define SERVER_B 0xc0a85802u

static struct dnsrelay relay;
static struct dns_capture cap;
static uint8_t query[DNS_TEST_MSG_MAX], resp[DNS_TEST_MSG_MAX], scratch[DNS_TEST_MSG_MAX];
static size_t qlen;

static const struct dnsrelay_client guest = { .iface = 2, .addr = 0x0a00030f, .port = 5353 };

/* A relay with servers A and B, and one query for www.lab.test pending; returns its
 * upstream ID. */
static uint16_t start_with_pending_query(void)
{
    const uint32_t servers[] = { SERVER_A, SERVER_B };
    dns_capture_reset(&cap);
    dnsrelay_init(&relay, dns_capture_send, &cap, vmgate_random32_cb, NULL);
    dnsrelay_set_servers(&relay, servers, 2);
    qlen = dns_build_query(query, 0x2222, "www.lab.test", 1, 1232);
    REQUIRE_EQ_INT(dnsrelay_handle_query(&relay, 0, &guest, query, qlen), DNSRELAY_FORWARDED);
    return dns_msg_id(dns_capture_get(&cap, 0)->data);
}

/* Feeds resp (len bytes) as a response from server:port, on a copy so that the
 * relay's changes in place do not leak into the next attempt. */
static enum dnsrelay_verdict respond(uint32_t server, uint16_t port, const uint8_t *msg,
                                     size_t len)
{
    memcpy(scratch, msg, len);
    return dnsrelay_handle_response(&relay, 10, server, port, scratch, len);
}

TEST(dnsrelay_refuses_responses_from_elsewhere)
{
    uint16_t up = start_with_pending_query();
    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);

    /* Server B was never asked (no retry yet); port 5353 is not a server's port. */
    CHECK_EQ_INT(respond(SERVER_B, 53, resp, rlen), DNSRELAY_DROP_UNMATCHED);
    CHECK_EQ_INT(respond(SERVER_A, 5353, resp, rlen), DNSRELAY_DROP_UNMATCHED);
    CHECK_EQ_INT(respond(0x0a000001, 53, resp, rlen), DNSRELAY_DROP_UNMATCHED);
    CHECK_EQ_INT(relay.count.unmatched, 3);
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_ANSWERED);
}

TEST(dnsrelay_refuses_responses_with_another_id)
{
    uint16_t up = start_with_pending_query();
    size_t rlen;

    rlen = dns_build_response(resp, query, qlen, (uint16_t)(up + 1), 1, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_UNMATCHED);
    /* The client's own ID means nothing upstream. */
    if (up != 0x2222) {
        rlen = dns_build_response(resp, query, qlen, 0x2222, 1, 1);
        CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_UNMATCHED);
    }
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);
}

TEST(dnsrelay_refuses_responses_to_another_question)
{
    uint16_t up = start_with_pending_query();
    uint8_t other[DNS_TEST_MSG_MAX];
    size_t olen, rlen;

    olen = dns_build_query(other, 1, "www.lab.tesT.evil", 1, 0);        /* name */
    rlen = dns_build_response(resp, other, olen, up, 1, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MISMATCHED);
    olen = dns_build_query(other, 1, "www.lab.test", 28, 0);            /* type */
    rlen = dns_build_response(resp, other, olen, up, 1, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MISMATCHED);
    olen = dns_build_query(other, 1, "www.lab.test", 1, 0);             /* class */
    put_be16(other + olen - 2, 3);
    rlen = dns_build_response(resp, other, olen, up, 1, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MISMATCHED);
    rlen = dns_build_response(resp, query, qlen, up, 1, 1);             /* opcode */
    put_be16(resp + 2, (uint16_t)(get_be16(resp + 2) | 2 << DNS_OPCODE_SHIFT));
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MISMATCHED);
    CHECK_EQ_INT(relay.count.mismatched, 4);

    /* The query is still pending, and the real answer still gets through. */
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);
    rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_ANSWERED);
}

TEST(dnsrelay_drops_every_truncation_of_a_query)
{
    start_with_pending_query();
    uint8_t q[DNS_TEST_MSG_MAX];
    size_t len = dns_build_query(q, 0x3333, "mail.lab.test", 15, 4096);

    for (size_t l = 0; l < len; l++)
        CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, l), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_queries, len);
    CHECK_EQ_INT(relay.count.queries, 1);
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);
}

TEST(dnsrelay_drops_every_truncation_of_a_response)
{
    uint16_t up = start_with_pending_query();
    size_t rlen = dns_build_response(resp, query, qlen, up, 3, 1);

    for (size_t l = 0; l < rlen; l++)
        CHECK_EQ_INT(respond(SERVER_A, 53, resp, l), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_responses, rlen);
    CHECK_EQ_INT(relay.pending, 1);
    CHECK_EQ_INT(cap.n, 1);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_ANSWERED);
}

TEST(dnsrelay_drops_queries_that_are_responses_and_responses_that_are_queries)
{
    uint16_t up = start_with_pending_query();
    uint8_t q[DNS_TEST_MSG_MAX];
    size_t len = dns_build_query(q, 1, "lab.test", 1, 0);

    put_be16(q + 2, DNS_FLAG_QR | DNS_FLAG_RD);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, len), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_queries, 1);

    /* The pending query, echoed back by a server that turned it around unanswered. */
    memcpy(resp, query, qlen);
    put_be16(resp, up);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, qlen), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_responses, 1);
    CHECK_EQ_INT(relay.pending, 1);
}

TEST(dnsrelay_drops_bad_counts)
{
    uint16_t up = start_with_pending_query();
    uint8_t q[DNS_TEST_MSG_MAX];
    size_t len = dns_build_query(q, 1, "lab.test", 1, 0);

    put_be16(q + 4, 0);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, len), DNSRELAY_DROP_MALFORMED);
    put_be16(q + 4, 2);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, len), DNSRELAY_DROP_MALFORMED);
    put_be16(q + 4, 1);
    put_be16(q + 8, 1);                             /* an authority record that is not there */
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, len), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_queries, 3);

    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    put_be16(resp + 4, 0);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MALFORMED);
    put_be16(resp + 4, 1);
    put_be16(resp + 6, 2);                          /* two answers, one present */
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_responses, 2);
    CHECK_EQ_INT(relay.pending, 1);
}

TEST(dnsrelay_drops_compression_loops)
{
    uint16_t up = start_with_pending_query();
    size_t rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    struct dns_msg_info info;
    REQUIRE_EQ_INT(dns_msg_parse(resp, rlen, true, &info), 0);

    /* The answer's name points at itself. */
    put_be16(resp + info.q.end, (uint16_t)(0xc000 | info.q.end));
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MALFORMED);
    /* The question's first label turned into a pointer to itself. */
    rlen = dns_build_response(resp, query, qlen, up, 1, 1);
    put_be16(resp + DNS_HEADER_LEN, 0xc000 | DNS_HEADER_LEN);
    CHECK_EQ_INT(respond(SERVER_A, 53, resp, rlen), DNSRELAY_DROP_MALFORMED);

    uint8_t q[DNS_TEST_MSG_MAX];
    size_t len = dns_build_query(q, 1, "lab.test", 1, 0);
    put_be16(q + DNS_HEADER_LEN, 0xc000 | DNS_HEADER_LEN);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, len), DNSRELAY_DROP_MALFORMED);
    CHECK_EQ_INT(relay.count.malformed_responses, 2);
    CHECK_EQ_INT(relay.count.malformed_queries, 1);
}

TEST(dnsrelay_drops_oversized_queries)
{
    start_with_pending_query();
    uint8_t q[DNSRELAY_QUERY_MAX + 16];
    size_t len = dns_build_query(q, 1, "lab.test", 1, 0);
    memset(q + len, 0, sizeof q - len);             /* trailing bytes: fine if it fits */
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, DNSRELAY_QUERY_MAX),
                 DNSRELAY_FORWARDED);
    CHECK_EQ_INT(dnsrelay_handle_query(&relay, 1, &guest, q, DNSRELAY_QUERY_MAX + 1),
                 DNSRELAY_DROP_MALFORMED);
}
