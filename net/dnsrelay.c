/* The DNS relay's table of pending queries and its policy (see dnsrelay.h). The
 * table is a fixed array scanned linearly: at 512 entries a scan costs less than
 * receiving the packet that caused it, and a linear scan has no worst case to
 * engineer. */
#include "dnsrelay.h"
#include "bytes.h"

#include <string.h>

/* True once the clock has reached t, across the clock's wrap. */
static bool time_reached(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static void emit(struct dnsrelay *r, enum dnsrelay_dir dir, int iface, uint32_t addr,
                 uint16_t port, const uint8_t *data, size_t len)
{
    struct dnsrelay_packet pkt = {
        .dir = dir, .iface = iface, .addr = addr, .port = port, .data = data, .len = len,
    };
    r->send(r->send_ctx, &pkt);
}

/* Sends client an answer with only rcode, for the query whose header is qh and
 * whose question is query[DNS_HEADER_LEN, q_end). */
static void reply_error(struct dnsrelay *r, const struct dnsrelay_client *c,
                        const struct dns_header *qh, const uint8_t *query, size_t q_end,
                        unsigned rcode)
{
    size_t n = dns_msg_write_error(qh, query + DNS_HEADER_LEN, q_end - DNS_HEADER_LEN, rcode,
                                   r->scratch, sizeof r->scratch);
    if (n)
        emit(r, DNSRELAY_TO_CLIENT, c->iface, c->addr, c->port, r->scratch, n);
}

static void entry_free(struct dnsrelay *r, struct dnsrelay_entry *e)
{
    e->used = false;
    r->pending--;
}

/* Sends e's query on its next try: to the first server on the first try, then to
 * the one after the server of the previous try. The caller checked that a server
 * exists and a try is left. */
static void entry_send(struct dnsrelay *r, struct dnsrelay_entry *e, uint32_t now)
{
    unsigned idx = e->tries == 0 ? 0 : (e->server + 1u) % r->n_servers;
    e->server = (uint8_t)idx;
    e->sent_to[e->tries++] = r->server[idx];
    e->deadline = now + DNSRELAY_RETRY_MS;
    emit(r, DNSRELAY_TO_UPSTREAM, -1, r->server[idx], DNSRELAY_PORT, e->query, e->query_len);
}

/* Reads back the question of a pending entry's query, validated when it was stored. */
static bool entry_question(const struct dnsrelay_entry *e, struct dns_question *q)
{
    return dns_question_parse(e->query, e->question_end, DNS_HEADER_LEN, q) == 0;
}

static bool upstream_id_taken(const struct dnsrelay *r, uint16_t id)
{
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++)
        if (r->entry[i].used && r->entry[i].upstream_id == id)
            return true;
    return false;
}

/* Draws an upstream ID that no pending query uses. Returns false if every draw was
 * taken, which DNSRELAY_ID_DRAWS makes practically impossible. */
static bool upstream_id_draw(const struct dnsrelay *r, uint16_t *id)
{
    for (unsigned k = 0; k < DNSRELAY_ID_DRAWS; k++) {
        uint16_t candidate = (uint16_t)r->random(r->random_ctx);
        if (!upstream_id_taken(r, candidate)) {
            *id = candidate;
            return true;
        }
    }
    return false;
}

static bool same_client_host(const struct dnsrelay_client *a, const struct dnsrelay_client *b)
{
    return a->iface == b->iface && a->addr == b->addr;
}

/* Contract in dnsrelay.h. */
void dnsrelay_init(struct dnsrelay *r, dnsrelay_send_fn send, void *ctx, rng_u32_fn random,
                   void *random_ctx)
{
    memset(r, 0, sizeof *r);
    r->send = send;
    r->send_ctx = ctx;
    r->random = random;
    r->random_ctx = random_ctx;
}

/* Contract in dnsrelay.h. */
void dnsrelay_set_servers(struct dnsrelay *r, const uint32_t *servers, unsigned n)
{
    r->n_servers = 0;
    for (unsigned i = 0; i < n && r->n_servers < DNSRELAY_MAX_SERVERS; i++)
        if (servers[i])
            r->server[r->n_servers++] = servers[i];
}

/* Contract in dnsrelay.h. */
enum dnsrelay_verdict dnsrelay_handle_query(struct dnsrelay *r, uint32_t now,
                                            const struct dnsrelay_client *c,
                                            const uint8_t *msg, size_t len)
{
    struct dns_msg_info info;

    if (len > DNSRELAY_QUERY_MAX || dns_msg_parse(msg, len, true, &info) != 0 ||
        (info.hdr.flags & DNS_FLAG_QR)) {
        r->count.malformed_queries++;
        return DNSRELAY_DROP_MALFORMED;
    }
    r->count.queries++;
    if (dns_opcode(info.hdr.flags) != DNS_OPCODE_QUERY) {
        r->count.notimp++;
        reply_error(r, c, &info.hdr, msg, info.q.end, DNS_RCODE_NOTIMP);
        return DNSRELAY_REPLIED_ERROR;
    }

    /* One pass: a free slot, this client's share, and a pending copy of this query. */
    struct dnsrelay_entry *slot = NULL;
    unsigned from_client = 0;
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++) {
        struct dnsrelay_entry *e = &r->entry[i];
        if (!e->used) {
            if (!slot)
                slot = e;
            continue;
        }
        if (!same_client_host(&e->client, c))
            continue;
        from_client++;
        struct dns_question q;
        if (e->client.port == c->port && e->client_id == info.hdr.id && entry_question(e, &q) &&
            dns_question_equal(&q, &info.q)) {
            r->count.duplicates++;
            return DNSRELAY_DROP_DUPLICATE;
        }
    }

    if (r->n_servers == 0) {
        r->count.no_server++;
        r->count.servfails++;
        reply_error(r, c, &info.hdr, msg, info.q.end, DNS_RCODE_SERVFAIL);
        return DNSRELAY_REPLIED_ERROR;
    }
    if (from_client >= DNSRELAY_CLIENT_MAX) {
        r->count.client_limit++;
        return DNSRELAY_DROP_CLIENT_LIMIT;
    }
    uint16_t upstream_id;
    if (!slot || !upstream_id_draw(r, &upstream_id)) {
        r->count.table_full++;
        return DNSRELAY_DROP_TABLE_FULL;
    }

    memset(slot, 0, offsetof(struct dnsrelay_entry, query));
    slot->used = true;
    slot->client = *c;
    slot->client_id = info.hdr.id;
    slot->upstream_id = upstream_id;
    /* RFC 6891 6.2.5: a size below 512 is to be read as 512. */
    slot->client_udp_max = info.has_opt && info.opt_udp_size > DNS_UDP_CLASSIC
                               ? info.opt_udp_size : DNS_UDP_CLASSIC;
    slot->query_len = (uint16_t)len;
    slot->question_end = (uint16_t)info.q.end;
    memcpy(slot->query, msg, len);
    put_be16(slot->query, upstream_id);
    r->pending++;
    entry_send(r, slot, now);
    r->count.forwarded++;
    return DNSRELAY_FORWARDED;
}

/* The pending query that server's response with this upstream ID answers, if any. */
static struct dnsrelay_entry *entry_find(struct dnsrelay *r, uint32_t server, uint16_t id)
{
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++) {
        struct dnsrelay_entry *e = &r->entry[i];
        if (!e->used || e->upstream_id != id)
            continue;
        for (unsigned t = 0; t < e->tries; t++)
            if (e->sent_to[t] == server)
                return e;
        return NULL;        /* IDs are unique among pending queries */
    }
    return NULL;
}

/* Contract in dnsrelay.h. */
enum dnsrelay_verdict dnsrelay_handle_response(struct dnsrelay *r, uint32_t now,
                                               uint32_t server, uint16_t port,
                                               uint8_t *msg, size_t len)
{
    struct dns_header h;
    struct dns_msg_info info;

    /* Only port 53 of a server can answer: anything else is not a response. */
    if (port != DNSRELAY_PORT) {
        r->count.unmatched++;
        return DNSRELAY_DROP_UNMATCHED;
    }
    /* A whole response must hold every record its counts announce. A truncated one
     * (TC) need not: servers have cut them anywhere, and the client will ask again
     * over TCP, so only its header and question are checked. */
    if (dns_header_parse(msg, len, &h) != 0 ||
        dns_msg_parse(msg, len, !(h.flags & DNS_FLAG_TC), &info) != 0 ||
        !(info.hdr.flags & DNS_FLAG_QR)) {
        r->count.malformed_responses++;
        return DNSRELAY_DROP_MALFORMED;
    }
    struct dnsrelay_entry *e = entry_find(r, server, info.hdr.id);
    if (!e) {
        r->count.unmatched++;
        return DNSRELAY_DROP_UNMATCHED;
    }
    struct dns_question asked;
    if (!entry_question(e, &asked) || !dns_question_equal(&asked, &info.q) ||
        dns_opcode(info.hdr.flags) != dns_opcode(get_be16(e->query + 2))) {
        r->count.mismatched++;
        return DNSRELAY_DROP_MISMATCHED;
    }

    put_be16(msg, e->client_id);
    size_t out_len = len;
    if (len > e->client_udp_max) {
        out_len = dns_msg_truncate(msg, info.q.end);
        r->count.truncated++;
    }
    struct dnsrelay_client c = e->client;
    entry_free(r, e);
    r->count.answered++;
    emit(r, DNSRELAY_TO_CLIENT, c.iface, c.addr, c.port, msg, out_len);
    return DNSRELAY_ANSWERED;
}

/* Contract in dnsrelay.h. */
void dnsrelay_expire(struct dnsrelay *r, uint32_t now)
{
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING && r->pending; i++) {
        struct dnsrelay_entry *e = &r->entry[i];
        if (!e->used || !time_reached(now, e->deadline))
            continue;
        if (e->tries < DNSRELAY_MAX_TRIES && r->n_servers > 0) {
            entry_send(r, e, now);
            r->count.retries++;
            continue;
        }
        struct dns_header qh;
        dns_header_parse(e->query, e->query_len, &qh);
        qh.id = e->client_id;
        r->count.timeouts++;
        r->count.servfails++;
        reply_error(r, &e->client, &qh, e->query, e->question_end, DNS_RCODE_SERVFAIL);
        entry_free(r, e);
    }
}

/* Contract in dnsrelay.h. */
void dnsrelay_flush(struct dnsrelay *r)
{
    for (unsigned i = 0; i < DNSRELAY_MAX_PENDING; i++)
        r->entry[i].used = false;
    r->pending = 0;
}
