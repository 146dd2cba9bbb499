/* Contract in tftp_clients.h. */
#include "tftp_clients.h"
#include "unit.h"

#include "net/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SID_UNKNOWN (-2)

/* Packets from clients on their way to the server. */
struct outgoing {
    struct tc_client *c;
    bool to_listen;
    uint16_t port;
    int sid;                        /* the transfer it belongs to, as the client saw it */
    uint8_t b[600];
    size_t len;
};

static struct outgoing outq[4096];
static unsigned out_head, out_len;
static uint32_t *clock_now;

void tc_client_init(struct tc_client *c, enum tc_kind kind, uint16_t port, const char *name,
                    uint64_t cap, bool virtual_file)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->port = port;
    c->name = name;
    c->req_blksize = kind == TC_IPXE ? 1432 : 1468;
    c->req_window = kind == TC_IPXE ? 0 : 4;
    c->virtual_file = virtual_file;
    c->cap = cap;
    c->sid = SID_UNKNOWN;
    c->blksize = 512;
    c->window = 1;
    if (!virtual_file)
        c->buf = calloc(1, cap ? cap : 1);
}

void tc_client_free(struct tc_client *c)
{
    free(c->buf);
    free(c->bitmap);
    c->buf = c->bitmap = NULL;
}

static void fail(struct tc_client *c, const char *why)
{
    if (!c->failed && !c->done) {
        c->failed = true;
        c->why = why;
    }
}

static void send_raw(struct tc_client *c, bool to_listen, uint16_t port, const uint8_t *b,
                     size_t len, bool remember)
{
    REQUIRE(out_len < sizeof outq / sizeof outq[0]);
    struct outgoing *o = &outq[(out_head + out_len++) % (sizeof outq / sizeof outq[0])];
    o->c = c;
    o->to_listen = to_listen;
    o->port = port;
    o->sid = c->sid;
    memcpy(o->b, b, len);
    o->len = len;
    if (remember) {
        memcpy(c->last, b, len);
        c->last_len = len;
        c->last_to_listen = to_listen;
        c->last_port = port;
        c->timer_at = *clock_now + TC_CLIENT_TIMEOUT_MS;
        c->tries = 0;
    }
}

static void send_ack(struct tc_client *c, uint16_t block)
{
    uint8_t a[4];
    put_be16(a, TFTP_ACK);
    put_be16(a + 2, block);
    c->acks++;
    send_raw(c, false, c->port + (c->phase == 0 && c->kind == TC_OVMF ? 1 : 0), a, 4, true);
}

static void send_rrq(struct tc_client *c, uint16_t port, bool size_query)
{
    uint8_t b[600];
    size_t n = 0;
    char num[16];
    put_be16(b, TFTP_RRQ);
    n = 2;
    n += (size_t)sprintf((char *)b + n, "%s", c->name) + 1;
    n += (size_t)sprintf((char *)b + n, "octet") + 1;
    snprintf(num, sizeof num, "%u", c->req_blksize);
    n += (size_t)sprintf((char *)b + n, "blksize") + 1;
    n += (size_t)sprintf((char *)b + n, "%s", num) + 1;
    n += (size_t)sprintf((char *)b + n, "tsize") + 1;
    n += (size_t)sprintf((char *)b + n, "0") + 1;
    if (c->req_window && !size_query) {
        n += (size_t)sprintf((char *)b + n, "windowsize") + 1;
        n += (size_t)sprintf((char *)b + n, "%u", c->req_window) + 1;
    }
    c->sid = SID_UNKNOWN;
    if (!size_query)
        c->next_block = 1;              /* EDK2's block range starts at 1 */
    send_raw(c, true, port, b, n, true);
}

/* The options of an OACK; false if it is malformed. */
static bool parse_oack(const struct th_pkt *p, bool *blk, uint64_t *blksize, bool *win,
                       uint64_t *window, bool *tsz, uint64_t *tsize, bool *other)
{
    size_t at = 2;
    *blk = *win = *tsz = *other = false;
    while (at < p->len) {
        const char *name = (const char *)p->b + at;
        size_t nl = strnlen(name, p->len - at);
        if (at + nl >= p->len)
            return false;
        at += nl + 1;
        const char *val = (const char *)p->b + at;
        size_t vl = strnlen(val, p->len - at);
        if (at + vl >= p->len)
            return false;
        at += vl + 1;
        char v[32];
        if (vl >= sizeof v)
            return false;
        memcpy(v, val, vl);
        v[vl] = 0;
        uint64_t x = strtoull(v, NULL, 10);
        if (nl == 7 && !strncasecmp(name, "blksize", 7)) {
            *blk = true;
            *blksize = x;
        } else if (nl == 10 && !strncasecmp(name, "windowsize", 10)) {
            *win = true;
            *window = x;
        } else if (nl == 5 && !strncasecmp(name, "tsize", 5)) {
            *tsz = true;
            *tsize = x;
        } else {
            *other = true;
        }
    }
    return true;
}

/* Keeps a block's bytes (or checks them for a virtual file). */
static void store(struct tc_client *c, uint64_t off, const uint8_t *d, size_t len)
{
    if (c->virtual_file) {
        for (size_t i = 0; i < len; i++)
            if (d[i] != th_virtual_byte(off + i)) {
                fail(c, "wrong bytes");
                return;
            }
        return;
    }
    if (off + len > c->cap) {
        fail(c, "more bytes than the file has");
        return;
    }
    memcpy(c->buf + off, d, len);
}

/* --- iPXE ------------------------------------------------------------------------- */

static void ipxe_presize(struct tc_client *c, uint64_t filesize)
{
    uint64_t n = filesize / c->blksize + 1;
    if (n <= c->nblocks)
        return;
    c->bitmap = realloc(c->bitmap, (size_t)n);
    memset(c->bitmap + c->nblocks, 0, (size_t)(n - c->nblocks));
    c->nblocks = n;
}

static void ipxe_rx(struct tc_client *c, const struct th_pkt *p)
{
    uint16_t op = th_op(p);
    if (op == TFTP_ERROR) {
        c->error_code = th_block(p);
        fail(c, "error from the server");
        return;
    }
    if (op == TFTP_OACK) {
        bool blk, win, tsz, other;
        uint64_t b = 0, w = 0, t = 0;
        if (!parse_oack(p, &blk, &b, &win, &w, &tsz, &t, &other))
            return;                     /* iPXE stops parsing, carries on */
        if (blk)
            c->blksize = (unsigned)b;
        if (tsz) {
            c->tsize = t;
            c->have_tsize = true;
            ipxe_presize(c, t);
        }
        send_ack(c, (uint16_t)c->first_gap);
        return;
    }
    if (op != TFTP_DATA || p->len < 4)
        return;
    uint16_t wire = th_block(p);
    uint64_t block = (c->first_gap + 1) & ~0xffffull;
    if (wire == 0 && block == 0) {
        fail(c, "data block 0");
        return;
    }
    block += (uint64_t)wire - 1;
    size_t len = th_data_len(p);
    if (len > c->blksize) {
        fail(c, "overlength DATA");
        return;
    }
    uint64_t off = block * c->blksize;
    c->data_rx++;
    ipxe_presize(c, off + len);
    if (!c->bitmap[block]) {
        store(c, off, p->b + 4, len);
        c->received += len;
    }
    c->bitmap[block] = 1;
    while (c->first_gap < c->nblocks && c->bitmap[c->first_gap])
        c->first_gap++;
    send_ack(c, (uint16_t)c->first_gap);
    if (c->first_gap == c->nblocks) {
        c->done = true;
        c->timer_at = 0;
    }
}

/* --- OVMF (EDK2 Mtftp4) ----------------------------------------------------------- */

static void ovmf_rx(struct tc_client *c, const struct th_pkt *p)
{
    uint16_t op = th_op(p);
    if (op == TFTP_ERROR) {
        c->error_code = th_block(p);
        fail(c, "error from the server");
        return;
    }
    if (op == TFTP_OACK) {
        if (c->phase == 1 && c->next_block != 1)
            return;                     /* already downloading: ignored */
        bool blk, win, tsz, other;
        uint64_t b = 0, w = 0, t = 0;
        bool asked_win = c->phase == 1 && c->req_window;
        if (!parse_oack(p, &blk, &b, &win, &w, &tsz, &t, &other) || other || (win && !asked_win) ||
            (blk && b > c->req_blksize) || (win && w > c->req_window) || (blk && b == 0) ||
            (win && w == 0)) {
            fail(c, "OACK refused");
            return;
        }
        if (tsz) {
            c->tsize = t;
            c->have_tsize = true;
        }
        if (c->phase == 0) {
            /* The size query is over: abort it as EDK2 does (REQUEST_DENIED). */
            uint8_t e[32];
            put_be16(e, TFTP_ERROR);
            put_be16(e + 2, 8);
            size_t n = 4 + (size_t)sprintf((char *)e + 4, "User aborted") + 1;
            send_raw(c, false, c->port + 1, e, n, false);
            if (!tsz) {
                fail(c, "no tsize: OVMF does not boot");
                return;
            }
            c->phase = 1;
            send_rrq(c, c->port, false);
            return;
        }
        if (blk)
            c->blksize = (unsigned)b;
        if (win)
            c->window = (unsigned)w;
        c->next_block = 1;
        send_ack(c, 0);
        return;
    }
    if (op != TFTP_DATA || c->phase != 1)
        return;
    size_t len = th_data_len(p);
    if (p->len < 4 || len > c->blksize)
        return;                         /* EDK2 drops it */
    uint16_t wire = th_block(p);
    if (wire != (uint16_t)c->next_block) {
        send_ack(c, (uint16_t)(c->next_block - 1));
        c->acked_block = c->total_block;
        return;
    }
    c->data_rx++;
    store(c, (c->next_block - 1) * c->blksize, p->b + 4, len);
    c->received += len;
    c->next_block++;
    c->total_block++;
    bool last = len < c->blksize;
    if (last || c->total_block - c->acked_block == c->window) {
        send_ack(c, wire);
        c->acked_block = c->total_block;
    }
    if (last) {
        c->done = true;
        c->timer_at = 0;
    }
}

/* --- the network ------------------------------------------------------------------ */

static struct tc_client *client_of(struct tc_net *net, uint16_t port)
{
    for (unsigned i = 0; i < net->n; i++)
        if (net->c[i]->port == port || (net->c[i]->kind == TC_OVMF && net->c[i]->port + 1 == port))
            return net->c[i];
    return NULL;
}

static void to_client(struct tc_net *net, const struct th_pkt *p)
{
    struct tc_client *c = client_of(net, p->peer.port);
    REQUIRE(c != NULL);
    CHECK_EQ_INT(p->peer.local, TH_SERVER);
    if (c->done || c->failed)
        return;
    /* OVMF's size query had a socket of its own, closed once the query is over. */
    if (c->kind == TC_OVMF && p->peer.port != c->port && c->phase == 1)
        return;
    if (net->drop && net->drop(net->drop_arg, false, p->b, p->len, net->seq_to_client++)) {
        net->lost_to_client++;
        return;
    }
    /* Both take the first responder's port and ignore the others. */
    if (c->sid == SID_UNKNOWN) {
        c->sid = p->sid;
    } else if (p->sid != c->sid) {
        c->foreign++;
        return;
    }
    if (c->kind == TC_IPXE)
        ipxe_rx(c, p);
    else
        ovmf_rx(c, p);
}

static void to_server(struct tc_net *net, struct outgoing *o)
{
    if (net->drop && net->drop(net->drop_arg, true, o->b, o->len, net->seq_to_server++)) {
        net->lost_to_server++;
        return;
    }
    if (o->to_listen)
        th_to_listen(net->h, o->port, o->b, o->len);
    else if (o->sid >= 0)
        th_to_session(net->h, o->sid, o->port, o->b, o->len);
}

static void client_timers(struct tc_net *net)
{
    for (unsigned i = 0; i < net->n; i++) {
        struct tc_client *c = net->c[i];
        if (c->done || c->failed || !c->timer_at || (int32_t)(*clock_now - c->timer_at) < 0)
            continue;
        if (++c->tries > TC_CLIENT_TRIES) {
            fail(c, "timed out");
            continue;
        }
        unsigned tries = c->tries;
        send_raw(c, c->last_to_listen, c->last_port, c->last, c->last_len, true);
        c->tries = tries;
    }
}

static bool all_over(const struct tc_net *net)
{
    for (unsigned i = 0; i < net->n; i++)
        if (!net->c[i]->done && !net->c[i]->failed)
            return false;
    return true;
}

unsigned tc_run(struct tc_net *net, uint32_t max_ms)
{
    struct th *h = net->h;
    clock_now = &h->now;
    out_head = out_len = 0;
    uint32_t limit = h->now + max_ms;
    for (unsigned i = 0; i < net->n; i++) {
        struct tc_client *c = net->c[i];
        if (c->kind == TC_OVMF)
            send_rrq(c, c->port + 1, true);     /* the size query first */
        else
            send_rrq(c, c->port, false);
        c->phase = c->kind == TC_OVMF ? 0 : 1;
    }
    while ((!all_over(net) || out_len || th_pending(h)) && (int32_t)(h->now - limit) < 0) {
        bool moved = false;
        const struct th_pkt *p;
        while ((p = th_take(h)) != NULL) {
            to_client(net, p);
            moved = true;
        }
        while (out_len) {
            struct outgoing *o = &outq[out_head];
            out_head = (out_head + 1) % (sizeof outq / sizeof outq[0]);
            out_len--;
            to_server(net, o);
            moved = true;
        }
        if (moved)
            continue;
        /* Quiet: the clock jumps to the next timer, the server's or a client's. */
        int32_t d = tftp_next_timeout(h->srv, h->now);
        for (unsigned i = 0; i < net->n; i++) {
            const struct tc_client *c = net->c[i];
            if (c->done || c->failed || !c->timer_at)
                continue;
            int32_t dc = (int32_t)(c->timer_at - h->now);
            if (dc < 0)
                dc = 0;
            if (d < 0 || dc < d)
                d = dc;
        }
        if (d < 0)
            break;
        th_advance(h, (uint32_t)d);
        client_timers(net);
    }
    th_clear(h);
    unsigned done = 0;
    for (unsigned i = 0; i < net->n; i++)
        done += net->c[i]->done;
    return done;
}
