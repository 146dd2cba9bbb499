/* libFuzzer target for the DNS relay (net/dnsrelay.c, net/dns_msg.c): an input is a
 * sequence of events, each
 *
 *     op (1 byte) | clock step in 20 ms units (1 byte) | length (2 bytes, BE) | bytes
 *
 * (a short last event takes what is left). op % 8 chooses the event:
 *   0  a query from client (op >> 3) % 4, the bytes as they come;
 *   1  a response from server (op >> 3) % 4 (3: one never configured), from port 53
 *      or, with bit 5 set, 5353, the bytes as they come;
 *   2  a response from the server the (op >> 3)-th recorded upstream query went to,
 *      the bytes with that query's upstream ID written over theirs: random IDs are
 *      otherwise out of the fuzzer's reach;
 *   3  the (op >> 5)-th recorded query turned around (QR set) with the bytes after
 *      its question and (op >> 3) % 4 announced answers, so that whole responses,
 *      good and bad, get through;
 *   4  only the clock moves;
 *   5  a new server list: (op >> 3) % 4 servers from a fixed pool, rotated by op >> 5;
 *   6  a query from client (op >> 3) % 4 with a well-formed header (ID from the bytes)
 *      in front of the bytes, so that questions and records get exercised;
 *   7  the table is flushed.
 * The clock starts just before its wrap and dnsrelay_expire() runs after each event.
 *
 * Invariants, checked after every event and on every message the relay emits:
 * nothing crashes (ASan, UBSan); pending never exceeds the bound and equals the
 * used entries; every emitted message parses again, a query upstream to port 53 of
 * a server from the pool, a response to a client that asked with that ID. */
#include "fuzz_port.h"
#include "../../net/bytes.h"
#include "../../net/dnsrelay.h"

#include "arch/cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_CLIENTS       4
#define N_POOL          4
#define RECORDED_MAX    16      /* upstream queries remembered for ops 2 and 3 */
#define ASKED_MAX       256     /* client IDs remembered for the reply check */
#define EVENT_MAX       1500
#define CLOCK_START     0xffffe000u

static const struct dnsrelay_client clients[N_CLIENTS] = {
    { .iface = 0, .addr = 0x0a00020f, .port = 1000 },
    { .iface = 0, .addr = 0x0a00020f, .port = 1001 },     /* same guest, other port */
    { .iface = 0, .addr = 0x0a000210, .port = 1000 },
    { .iface = 1, .addr = 0x0a00020f, .port = 1000 },     /* same address, other net */
};
static const uint32_t pool[N_POOL] = { 0xc0a85801, 0xc0a85802, 0xc0a85803, 0xc0a85804 };
static const uint32_t stranger = 0x0a0b0c0d;

static struct dnsrelay relay;

static struct {
    uint8_t data[DNSRELAY_QUERY_MAX];
    size_t len;
    uint32_t server;
} recorded[RECORDED_MAX];
static unsigned n_recorded;

/* (client, ID) pairs the relay may answer. Once full, the check is skipped. */
static struct { unsigned client; uint16_t id; } asked[ASKED_MAX];
static unsigned n_asked;
static bool asked_overflow;

static void invariant_broken(const char *what)
{
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
}

static int client_index(const struct dnsrelay_packet *pkt)
{
    for (int i = 0; i < N_CLIENTS; i++)
        if (clients[i].iface == pkt->iface && clients[i].addr == pkt->addr &&
            clients[i].port == pkt->port)
            return i;
    return -1;
}

static bool in_pool(uint32_t addr)
{
    for (unsigned i = 0; i < N_POOL; i++)
        if (pool[i] == addr)
            return true;
    return false;
}

static void note_asked(unsigned client, const uint8_t *msg, size_t len)
{
    if (len < 2)
        return;
    if (n_asked == ASKED_MAX) {
        asked_overflow = true;
        return;
    }
    asked[n_asked].client = client;
    asked[n_asked].id = get_be16(msg);
    n_asked++;
}

static bool was_asked(unsigned client, uint16_t id)
{
    for (unsigned i = 0; i < n_asked; i++)
        if (asked[i].client == client && asked[i].id == id)
            return true;
    return asked_overflow;
}

/* The relay's send callback: checks the message and remembers upstream queries. */
static void check_sent(void *ctx, const struct dnsrelay_packet *pkt)
{
    struct dns_header h;
    struct dns_msg_info info;
    (void)ctx;

    if (dns_header_parse(pkt->data, pkt->len, &h) != 0 ||
        dns_msg_parse(pkt->data, pkt->len, !(h.flags & DNS_FLAG_TC), &info) != 0)
        invariant_broken("an emitted message does not parse");
    if (pkt->dir == DNSRELAY_TO_UPSTREAM) {
        if ((h.flags & DNS_FLAG_QR) || pkt->port != 53 || !in_pool(pkt->addr) ||
            pkt->len > DNSRELAY_QUERY_MAX)
            invariant_broken("a bad query upstream");
        unsigned slot = n_recorded++ % RECORDED_MAX;
        memcpy(recorded[slot].data, pkt->data, pkt->len);
        recorded[slot].len = pkt->len;
        recorded[slot].server = pkt->addr;
        return;
    }
    int c = client_index(pkt);
    if (c < 0 || !(h.flags & DNS_FLAG_QR))
        invariant_broken("a bad reply to a client");
    if (!was_asked((unsigned)c, h.id))
        invariant_broken("a reply to a client under an ID it never used");
}

static void check_table(void)
{
    unsigned used = 0;
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++)
        used += relay.entry[i].used;
    if (relay.pending > DNSRELAY_MAX_PENDING || relay.pending != used)
        invariant_broken("pending count");
}

/* With FUZZ_DNSRELAY_VERBOSE set, prints what an input did: for checking that the
 * seeds reach the paths they are named for. */
static void print_counters(void)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_DNSRELAY_VERBOSE") != NULL;
    if (!verbose)
        return;
    const struct dnsrelay_counters *c = &relay.count;
    fprintf(stderr, "queries %llu forwarded %llu retries %llu answered %llu truncated %llu "
            "timeouts %llu servfails %llu no_server %llu notimp %llu duplicates %llu "
            "malformed q %llu r %llu unmatched %llu mismatched %llu full %llu limit %llu\n",
            (unsigned long long)c->queries, (unsigned long long)c->forwarded,
            (unsigned long long)c->retries, (unsigned long long)c->answered,
            (unsigned long long)c->truncated, (unsigned long long)c->timeouts,
            (unsigned long long)c->servfails, (unsigned long long)c->no_server,
            (unsigned long long)c->notimp, (unsigned long long)c->duplicates,
            (unsigned long long)c->malformed_queries, (unsigned long long)c->malformed_responses,
            (unsigned long long)c->unmatched, (unsigned long long)c->mismatched,
            (unsigned long long)c->table_full, (unsigned long long)c->client_limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t msg[EVENT_MAX + DNSRELAY_QUERY_MAX + DNS_HEADER_LEN];
    uint32_t now = CLOCK_START;

    fuzz_random_seed(1);
    dnsrelay_init(&relay, check_sent, NULL, vmgate_random32_cb, NULL);
    dnsrelay_set_servers(&relay, pool, 2);
    n_recorded = n_asked = 0;
    asked_overflow = false;

    while (size >= 4) {
        uint8_t op = data[0];
        now += 20u * data[1];
        size_t len = get_be16(data + 2);
        data += 4;
        size -= 4;
        if (len > size)
            len = size;
        if (len > EVENT_MAX)
            len = EVENT_MAX;
        const uint8_t *bytes = data;
        data += len;
        size -= len;
        unsigned arg = op >> 3;

        switch (op % 8) {
        case 0:
            note_asked(arg % N_CLIENTS, bytes, len);
            dnsrelay_handle_query(&relay, now, &clients[arg % N_CLIENTS], bytes, len);
            break;
        case 1: {
            uint32_t from = arg % 4 == 3 ? stranger : pool[arg % 4];
            memcpy(msg, bytes, len);
            dnsrelay_handle_response(&relay, now, from, (op & 0x20) ? 5353 : 53, msg, len);
            break;
        }
        case 2:
        case 3: {
            if (n_recorded == 0)
                break;
            unsigned have = n_recorded < RECORDED_MAX ? n_recorded : RECORDED_MAX;
            unsigned k = (op % 8 == 3 ? arg >> 2 : arg) % have;
            size_t n;
            if (op % 8 == 2) {
                memcpy(msg, bytes, len);
                if (len >= 2)
                    memcpy(msg, recorded[k].data, 2);
                n = len;
            } else {
                /* The bytes go between the question and the query's own records (its
                 * OPT), where answers belong. */
                struct dns_msg_info q;
                const uint8_t *rq = recorded[k].data;
                if (dns_msg_parse(rq, recorded[k].len, true, &q) != 0)
                    invariant_broken("a recorded upstream query does not parse");
                memcpy(msg, rq, q.q.end);
                memcpy(msg + q.q.end, bytes, len);
                memcpy(msg + q.q.end + len, rq + q.q.end, recorded[k].len - q.q.end);
                put_be16(msg + 2, (uint16_t)(get_be16(msg + 2) | DNS_FLAG_QR | DNS_FLAG_RA));
                put_be16(msg + 6, (uint16_t)(arg % 4));
                n = recorded[k].len + len;
            }
            dnsrelay_handle_response(&relay, now, recorded[k].server, 53, msg, n);
            break;
        }
        case 4:
            break;
        case 5: {
            uint32_t list[N_POOL];
            unsigned n = arg % 4;
            for (unsigned i = 0; i < n; i++)
                list[i] = pool[(i + (op >> 5)) % N_POOL];
            dnsrelay_set_servers(&relay, list, n);
            break;
        }
        case 6:
            if (len < 2)
                break;
            put_be16(msg, get_be16(bytes));
            put_be16(msg + 2, DNS_FLAG_RD);
            put_be16(msg + 4, 1);
            memset(msg + 6, 0, 6);
            put_be16(msg + 10, (uint16_t)((op >> 5) & 1));      /* room for an OPT */
            memcpy(msg + DNS_HEADER_LEN, bytes + 2, len - 2);
            note_asked(arg % N_CLIENTS, msg, 2);
            dnsrelay_handle_query(&relay, now, &clients[arg % N_CLIENTS], msg,
                                  DNS_HEADER_LEN + len - 2);
            break;
        case 7:
            dnsrelay_flush(&relay);
            break;
        }
        check_table();
        dnsrelay_expire(&relay, now);
        check_table();
    }
    print_counters();
    return 0;
}
