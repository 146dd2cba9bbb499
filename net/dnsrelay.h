/* The DNS relay: what answers at a NAT network's .3 (and at vmgate's own address on
 * a host-only network). It forwards each guest query to an upstream resolver under a
 * fresh random ID and hands the answer back to the guest under the guest's ID.
 * Pure: it sees messages as bytes, a clock value and a list of servers, and sends
 * through a callback; the lwIP glue is lwip-port/dnsrelay_glue.c.
 *
 * Addresses are IPv4 in host byte order; times are milliseconds of a clock that
 * wraps at 2^32 (lwIP's sys_now()).
 *
 * Policy:
 *  - Queries: at least a header, QR clear, exactly one question, every record the
 *    counts announce present and well formed, at most DNSRELAY_QUERY_MAX bytes.
 *    Anything else is dropped and counted as malformed. Opcodes other than QUERY
 *    are answered NOTIMP. A retransmission of a query that is still pending (same
 *    client, ID and question) is dropped: the relay's own retries cover it.
 *  - Forwarding: each query gets an upstream ID drawn from the random source
 *    given to dnsrelay_init(), unique among pending queries. It goes to the first server, then, every
 *    DNSRELAY_RETRY_MS without an answer, to the next one (round the list), for
 *    DNSRELAY_MAX_TRIES sends in all; then the client gets SERVFAIL, built from its
 *    query, so that it does not wait out its own timeout. With no server known the
 *    client gets SERVFAIL at once (not REFUSED: nothing refused it, the relay simply
 *    cannot resolve now, and stub resolvers move on to their next server on either).
 *  - Responses (RFC 5452 section 9.1): accepted only from port 53 of a server the
 *    query was sent to, with the query's upstream ID, QR set, the same opcode and
 *    the same question (name compared without case), whole (every record the counts
 *    announce present; a TC response only needs its header and question, since
 *    servers cut those anywhere). Anything else is dropped and
 *    counted (malformed, unmatched or mismatched); a mismatched one leaves the query
 *    pending, since the real answer may still come.
 *  - A matching response goes to the client as the server wrote it, ID restored:
 *    TC responses included (the client then retries over TCP, which the relay does
 *    not serve: out of scope). If it is larger than the client can take (512 bytes,
 *    or the UDP size in the client's EDNS0 OPT record if larger) it is cut to its
 *    header and question with TC set, as a server would.
 *  - Bounds: DNSRELAY_MAX_PENDING queries in all and DNSRELAY_CLIENT_MAX from one
 *    client address; a query beyond either is dropped and counted (silence is the
 *    cheapest answer to a flood; the client retries after its own timeout). */
#ifndef VMGATE_DNSRELAY_H
#define VMGATE_DNSRELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"
#include "rng.h"

#define DNSRELAY_MAX_PENDING  512
#define DNSRELAY_CLIENT_MAX   128     /* a quarter of the table per client address */
#define DNSRELAY_MAX_SERVERS  3       /* as many as the configuration and lwIP keep */
#define DNSRELAY_RETRY_MS     1500
#define DNSRELAY_MAX_TRIES    3       /* sends per query: SERVFAIL after 3 x 1.5 s */
#define DNSRELAY_QUERY_MAX    512     /* stub queries, EDNS0 options included, fit */
#define DNSRELAY_PORT         53
/* An upstream ID is drawn again when it is taken; with at most 512 of 65536 taken
 * a draw fails with probability under 1/128, so this many never all fail in practice. */
#define DNSRELAY_ID_DRAWS     32

/* Who asked: the glue's number for the interface the query came in on, and the
 * guest's address and port. */
struct dnsrelay_client {
    int iface;
    uint32_t addr;
    uint16_t port;
};

enum dnsrelay_dir { DNSRELAY_TO_UPSTREAM, DNSRELAY_TO_CLIENT };

/* A message the relay wants sent. TO_UPSTREAM: to addr:port (port 53) from the
 * upstream socket, iface -1. TO_CLIENT: to the client addr:port on iface, from the
 * relay's address there. data is valid only during the callback. */
struct dnsrelay_packet {
    enum dnsrelay_dir dir;
    int iface;
    uint32_t addr;
    uint16_t port;
    const uint8_t *data;
    size_t len;
};

/* Sends pkt. Failures are the glue's to count: the relay's retries and timeouts
 * cover a lost message either way. */
typedef void (*dnsrelay_send_fn)(void *ctx, const struct dnsrelay_packet *pkt);

/* What happened to one message, for the glue's logs and the tests. */
enum dnsrelay_verdict {
    DNSRELAY_FORWARDED,         /* a query sent upstream */
    DNSRELAY_ANSWERED,          /* a response relayed to its client */
    DNSRELAY_REPLIED_ERROR,     /* the client got SERVFAIL or NOTIMP from the relay */
    DNSRELAY_DROP_MALFORMED,
    DNSRELAY_DROP_DUPLICATE,    /* a retransmission of a pending query */
    DNSRELAY_DROP_TABLE_FULL,
    DNSRELAY_DROP_CLIENT_LIMIT,
    DNSRELAY_DROP_UNMATCHED,    /* no pending query has this server and ID */
    DNSRELAY_DROP_MISMATCHED,   /* server and ID match, the question does not */
};

struct dnsrelay_counters {
    uint64_t queries;           /* well-formed queries from clients */
    uint64_t forwarded;         /* queries sent upstream (first sends) */
    uint64_t retries;           /* sends after a timeout */
    uint64_t answered;          /* responses relayed to clients */
    uint64_t truncated;         /* ... of which cut to fit the client */
    uint64_t timeouts;          /* queries that ran out of tries */
    uint64_t servfails;         /* SERVFAIL sent: timeouts and no server */
    uint64_t no_server;         /* queries that found no upstream server */
    uint64_t notimp;            /* NOTIMP sent for opcodes other than QUERY */
    uint64_t duplicates;
    uint64_t malformed_queries;
    uint64_t malformed_responses;
    uint64_t unmatched;         /* late, stray or spoofed: no such server and ID */
    uint64_t mismatched;        /* spoofed or confused: the question differs */
    uint64_t table_full;
    uint64_t client_limit;
};

struct dnsrelay_entry {
    bool used;
    uint16_t client_id;
    uint16_t upstream_id;
    struct dnsrelay_client client;
    uint32_t sent_to[DNSRELAY_MAX_TRIES];   /* the servers tried, in order */
    uint8_t tries;
    uint8_t server;                         /* index of the last server tried */
    uint16_t client_udp_max;                /* the largest response the client takes */
    uint32_t deadline;                      /* of the current try */
    uint16_t query_len;
    uint16_t question_end;
    uint8_t query[DNSRELAY_QUERY_MAX];      /* as sent upstream: upstream ID in it */
};

struct dnsrelay {
    struct dnsrelay_entry entry[DNSRELAY_MAX_PENDING];
    unsigned pending;
    uint32_t server[DNSRELAY_MAX_SERVERS];
    unsigned n_servers;
    dnsrelay_send_fn send;
    void *send_ctx;
    rng_u32_fn random;
    void *random_ctx;
    struct dnsrelay_counters count;
    uint8_t scratch[DNS_HEADER_LEN + DNS_NAME_MAX + 4];   /* error replies */
};

/* Empties r (no server, nothing pending, counters zero); send gets every message
 * the relay emits, with ctx. random(random_ctx) draws the upstream IDs: what keeps
 * an off-path attacker from forging answers, so a cryptographic generator in the
 * product. */
void dnsrelay_init(struct dnsrelay *r, dnsrelay_send_fn send, void *ctx, rng_u32_fn random,
                   void *random_ctx);

/* Replaces the upstream servers (at most DNSRELAY_MAX_SERVERS are kept; 0 entries
 * are skipped). Pending queries keep matching responses from the servers they were
 * sent to; their next try uses the new list. */
void dnsrelay_set_servers(struct dnsrelay *r, const uint32_t *servers, unsigned n);

/* A datagram from a client to the relay (msg, len untrusted). Sends the query
 * upstream or an error reply to the client, or drops it; says which. */
enum dnsrelay_verdict dnsrelay_handle_query(struct dnsrelay *r, uint32_t now,
                                            const struct dnsrelay_client *c,
                                            const uint8_t *msg, size_t len);

/* A datagram to the relay's upstream socket from server:port (msg, len untrusted).
 * A matching response is relayed to its client; msg is modified in place on the
 * way (ID restored, and cut if too large), so the caller must own it. */
enum dnsrelay_verdict dnsrelay_handle_response(struct dnsrelay *r, uint32_t now,
                                               uint32_t server, uint16_t port,
                                               uint8_t *msg, size_t len);

/* Drives retries and expiry: every pending query whose try has timed out goes to
 * the next server or, out of tries or servers, is answered SERVFAIL and freed.
 * Call at least every DNSRELAY_RETRY_MS / 4 or so; lateness only delays retries. */
void dnsrelay_expire(struct dnsrelay *r, uint32_t now);

/* Forgets every pending query without answering (the clients retry on their own). */
void dnsrelay_flush(struct dnsrelay *r);

#endif
