/* Contract in http_conn.h. */
#include "http_conn.h"

#include <errno.h>
#include <string.h>

static const int slot_status[HTTP_STATUS_SLOTS] = {
    200, 206, 400, 403, 404, 405, 414, 416, 431, 500, 501, 503, 505, 0,
};

unsigned http_status_slot(int status)
{
    for (unsigned i = 0; i + 1 < HTTP_STATUS_SLOTS; i++)
        if (slot_status[i] == status)
            return i;
    return HTTP_STATUS_SLOTS - 1;
}

int http_slot_status(unsigned slot)
{
    return slot < HTTP_STATUS_SLOTS ? slot_status[slot] : 0;
}

void http_conn_open(struct http_conn *c, const struct fileroot *root, struct http_stats *stats,
                    uint32_t now)
{
    memset(c, 0, sizeof *c);
    c->root = root;
    c->stats = stats;
    c->phase = HTTP_CONN_READ;
    c->resp.handle = -1;
    c->last_ms = c->read_ms = now;
    http_req_init(&c->req);
}

static void close_handle(struct http_conn *c, int h)
{
    c->root->ops->close(c->root->ctx, h);
}

/* Closes the retired files whose lent bytes have all been acknowledged. */
static void retire_acked(struct http_conn *c)
{
    unsigned k = 0;
    for (unsigned i = 0; i < c->n_retiring; i++) {
        if (c->retiring[i].until <= c->acked)
            close_handle(c, c->retiring[i].handle);
        else
            c->retiring[k++] = c->retiring[i];
    }
    c->n_retiring = k;
}

static void start_response(struct http_conn *c)
{
    http_resp_prepare(&c->resp, &c->req.req, c->root);
    c->stats->requests++;
    c->stats->by_status[http_status_slot(c->resp.status)]++;
    c->head_off = 0;
    c->body_off = 0;
    c->lent = false;
    c->phase = HTTP_CONN_SEND;
}

static void finish_response(struct http_conn *c, uint32_t now)
{
    c->answered++;
    if (c->resp.handle >= 0) {
        if (c->lent && c->acked < c->produced) {
            /* Its bytes are still lent: close it once they are acknowledged.
             * There is room: no request is read while the table is full. */
            c->retiring[c->n_retiring].handle = c->resp.handle;
            c->retiring[c->n_retiring].until = c->produced;
            c->n_retiring++;
        } else {
            close_handle(c, c->resp.handle);
        }
        c->resp.handle = -1;
    }
    if (c->resp.close || c->peer_done) {
        c->phase = HTTP_CONN_CLOSING;
        return;
    }
    c->phase = HTTP_CONN_READ;
    c->last_ms = c->read_ms = now;
    http_req_init(&c->req);
}

bool http_conn_wants_input(const struct http_conn *c)
{
    return c->phase == HTTP_CONN_READ && c->n_retiring < HTTP_CONN_RETIRE_MAX;
}

size_t http_conn_input(struct http_conn *c, const uint8_t *b, size_t len, uint32_t now)
{
    if (c->phase == HTTP_CONN_CLOSING)
        return len;
    if (!http_conn_wants_input(c) || len == 0)
        return 0;
    bool was_started = http_req_started(&c->req);
    size_t used;
    bool done = http_req_feed(&c->req, b, len, &used);
    if (!was_started && http_req_started(&c->req))
        c->read_ms = now;
    c->last_ms = now;
    if (done)
        start_response(c);
    return used;
}

void http_conn_input_end(struct http_conn *c, uint32_t now)
{
    c->peer_done = true;
    c->last_ms = now;
    /* A request cut short has nothing to answer; one being answered finishes. */
    if (c->phase == HTTP_CONN_READ)
        c->phase = HTTP_CONN_CLOSING;
}

static size_t min_sz(size_t a, uint64_t b)
{
    return b < a ? (size_t)b : a;
}

int http_conn_peek(struct http_conn *c, size_t room, uint8_t *scratch, size_t scratch_len,
                   struct http_chunk *out)
{
    memset(out, 0, sizeof *out);
    if (c->phase != HTTP_CONN_SEND || room == 0)
        return 0;
    const struct http_resp *r = &c->resp;
    size_t head_total = r->head_len + r->text_len;
    if (c->head_off < head_total) {
        out->data = (const uint8_t *)r->head + c->head_off;
        out->len = min_sz(room, head_total - c->head_off);
        out->copy = true;
        out->more = c->head_off + out->len < head_total || r->len > 0;
        return 1;
    }
    uint64_t left = r->len - c->body_off;
    uint64_t pos = r->off + c->body_off;
    const struct fileroot_ops *ops = c->root->ops;
    if (ops->map) {
        size_t mlen = 0;
        const uint8_t *p = ops->map(c->root->ctx, r->handle, pos, &mlen);
        if (p && mlen > 0) {
            out->data = p;
            out->len = min_sz(min_sz(room, mlen), left);
            out->copy = false;
            out->more = out->len < left;
            return 1;
        }
    }
    if (scratch_len == 0)
        return 0;
    size_t want = min_sz(min_sz(room, scratch_len), left);
    long n = ops->read(c->root->ctx, r->handle, pos, scratch, want);
    if (n <= 0 || (size_t)n > want) {
        /* The file failed or shrank under us: the promised length cannot be
         * kept, and only a reset tells the client so. */
        c->stats->read_errors++;
        return -EIO;
    }
    out->data = scratch;
    out->len = (size_t)n;
    out->copy = true;
    out->more = out->len < left;
    return 1;
}

void http_conn_advance(struct http_conn *c, const struct http_chunk *ch, uint32_t now)
{
    if (c->phase != HTTP_CONN_SEND)
        return;
    const struct http_resp *r = &c->resp;
    size_t head_total = r->head_len + r->text_len;
    if (c->head_off < head_total) {
        c->head_off += ch->len;
    } else {
        c->body_off += ch->len;
        if (ch->copy) {
            c->stats->bytes_copied += ch->len;
        } else {
            c->stats->bytes_lent += ch->len;
            c->lent = true;
        }
    }
    c->produced += ch->len;
    c->last_ms = now;
    if (c->head_off >= head_total && c->body_off >= r->len)
        finish_response(c, now);
}

void http_conn_acked(struct http_conn *c, size_t n, uint32_t now)
{
    c->acked += n;
    if (c->acked > c->produced)
        c->acked = c->produced;             /* a transport miscount is not our bytes */
    c->last_ms = now;
    retire_acked(c);
}

enum http_conn_verdict http_conn_poll(struct http_conn *c, uint32_t now)
{
    bool in_flight = c->acked < c->produced;
    if (c->phase == HTTP_CONN_CLOSING && !in_flight)
        return HTTP_CONN_CLOSE;
    if (in_flight || c->phase != HTTP_CONN_READ) {
        if ((uint32_t)(now - c->last_ms) >= HTTP_CONN_STALL_MS) {
            c->stats->stalls++;
            return HTTP_CONN_ABORT;
        }
        return HTTP_CONN_OK;
    }
    if (http_req_started(&c->req)) {
        if ((uint32_t)(now - c->read_ms) >= HTTP_CONN_HEAD_MS) {
            c->stats->head_timeouts++;
            c->phase = HTTP_CONN_CLOSING;
            return HTTP_CONN_CLOSE;
        }
    } else if ((uint32_t)(now - c->read_ms) >= HTTP_CONN_IDLE_MS) {
        c->stats->idle_closes++;
        c->phase = HTTP_CONN_CLOSING;
        return HTTP_CONN_CLOSE;
    }
    return HTTP_CONN_OK;
}

bool http_conn_idle(const struct http_conn *c)
{
    return c->phase == HTTP_CONN_READ && !http_req_started(&c->req) && c->acked == c->produced;
}

void http_conn_release(struct http_conn *c)
{
    http_resp_release(&c->resp, c->root);
    for (unsigned i = 0; i < c->n_retiring; i++)
        close_handle(c, c->retiring[i].handle);
    c->n_retiring = 0;
    c->phase = HTTP_CONN_CLOSING;
}
