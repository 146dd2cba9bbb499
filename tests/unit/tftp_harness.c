/* Contract in tftp_harness.h. */
#include "tftp_harness.h"
#include "unit.h"

#include "net/bytes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- the file root ---------------------------------------------------------------- */

static int fr_open(void *ctx, const char *path, uint64_t *size)
{
    struct th_root *r = ctx;
    if (r->open_error)
        return r->open_error;
    for (unsigned i = 0; i < r->n_files; i++) {
        if (strcmp(r->files[i].path, path) != 0)
            continue;
        if (r->files[i].dir)
            return -EISDIR;
        for (int hd = 0; hd < TH_HANDLES; hd++) {
            if (r->handle_file[hd] < 0) {
                r->handle_file[hd] = (int)i;
                r->open_handles++;
                *size = r->files[i].size;
                return hd;
            }
        }
        return -EMFILE;
    }
    return -ENOENT;
}

static const struct th_file *fr_file(struct th_root *r, int handle)
{
    REQUIRE(handle >= 0 && handle < TH_HANDLES && r->handle_file[handle] >= 0);
    return &r->files[r->handle_file[handle]];
}

static long fr_read(void *ctx, int handle, uint64_t off, void *buf, size_t len)
{
    struct th_root *r = ctx;
    const struct th_file *f = fr_file(r, handle);
    r->reads++;
    uint64_t end = f->size < r->shrink_to ? f->size : r->shrink_to;
    if (off >= end)
        return 0;
    if (len > end - off)
        len = (size_t)(end - off);
    if (r->fail_read_at >= off && r->fail_read_at < off + len)
        return -EIO;
    if (f->data) {
        memcpy(buf, f->data + off, len);
    } else {
        for (size_t i = 0; i < len; i++)
            ((uint8_t *)buf)[i] = th_virtual_byte(off + i);
    }
    return (long)len;
}

static const uint8_t *fr_map(void *ctx, int handle, uint64_t off, size_t *len)
{
    struct th_root *r = ctx;
    const struct th_file *f = fr_file(r, handle);
    r->maps++;
    if (!r->mappable || !f->data || off > f->size)
        return NULL;
    *len = (size_t)(f->size - off);
    return f->data + off;
}

static void fr_close(void *ctx, int handle)
{
    struct th_root *r = ctx;
    fr_file(r, handle);
    r->handle_file[handle] = -1;
    r->open_handles--;
}

static int fr_list(void *ctx, int (*fn)(void *arg, const char *path, uint64_t size), void *arg)
{
    struct th_root *r = ctx;
    for (unsigned i = 0; i < r->n_files; i++)
        if (!r->files[i].dir && fn(arg, r->files[i].path, r->files[i].size))
            break;
    return 0;
}

static const struct fileroot_ops fr_ops = {
    .open = fr_open,
    .read = fr_read,
    .map = fr_map,
    .close = fr_close,
    .list = fr_list,
};

static struct th_file *add_to(struct th_root *r, const char *path)
{
    REQUIRE(r->n_files < TH_FILES_MAX);
    struct th_file *f = &r->files[r->n_files++];
    memset(f, 0, sizeof *f);
    strncpy(f->path, path, sizeof f->path - 1);
    return f;
}

static struct th_file *add(struct th *h, const char *path)
{
    return add_to(&h->fr, path);
}

void th_root_add(struct th_root *r, const char *path, const uint8_t *data, uint64_t len)
{
    struct th_file *f = add_to(r, path);
    f->data = data;
    f->size = len;
}

void th_add_file(struct th *h, const char *path, const uint8_t *data, uint64_t len)
{
    th_root_add(&h->fr, path, data, len);
}

void th_add_virtual(struct th *h, const char *path, uint64_t len)
{
    add(h, path)->size = len;
}

void th_add_dir(struct th *h, const char *path)
{
    add(h, path)->dir = true;
}

/* --- the glue --------------------------------------------------------------------- */

static int io_open(void *ctx, int sid, const struct tftp_peer *peer)
{
    struct th *h = ctx;
    REQUIRE(sid >= 0 && sid < TFTP_MAX_SESSIONS);
    CHECK(!h->port_open[sid]);
    if (h->open_fail)
        return h->open_fail;
    h->port_open[sid] = true;
    h->opens++;
    return 0;
}

static void io_close(void *ctx, int sid)
{
    struct th *h = ctx;
    REQUIRE(sid >= 0 && sid < TFTP_MAX_SESSIONS);
    CHECK(h->port_open[sid]);
    h->port_open[sid] = false;
    h->closes++;
}

static int io_send(void *ctx, const struct tftp_packet *pkt)
{
    struct th *h = ctx;
    if (pkt->sid != TFTP_SID_LISTEN) {
        REQUIRE(pkt->sid >= 0 && pkt->sid < TFTP_MAX_SESSIONS);
        CHECK(h->port_open[pkt->sid]);
    }
    if (h->send_fail)
        return h->send_fail;
    REQUIRE(h->q_len < TH_QUEUE_MAX);
    struct th_pkt *p = &h->q[(h->q_head + h->q_len++) % TH_QUEUE_MAX];
    p->sid = pkt->sid;
    p->peer = *pkt->peer;
    p->len = pkt->hdr_len + pkt->payload_len;
    p->b = malloc(p->len ? p->len : 1);
    memcpy(p->b, pkt->hdr, pkt->hdr_len);
    if (pkt->payload_len)
        memcpy(p->b + pkt->hdr_len, pkt->payload, pkt->payload_len);
    p->mapped = pkt->mapped;
    h->sent_total++;
    return 0;
}

void th_root_init(struct th_root *r)
{
    memset(r, 0, sizeof *r);
    r->root.ops = &fr_ops;
    r->root.ctx = r;
    r->root.name = "test root";
    r->mappable = true;
    r->fail_read_at = UINT64_MAX;
    r->shrink_to = UINT64_MAX;
    for (int i = 0; i < TH_HANDLES; i++)
        r->handle_file[i] = -1;
}

void th_init(struct th *h)
{
    memset(h, 0, sizeof *h);
    th_root_init(&h->fr);
    h->max_payload = 1468;
    struct tftp_io io = {.open = io_open, .send = io_send, .close = io_close, .ctx = h};
    REQUIRE_EQ_INT(tftp_create(&h->srv, &io), 0);
}

static void release(struct th_pkt *p)
{
    free(p->b);
    p->b = NULL;
}

void th_clear(struct th *h)
{
    release(&h->taken);
    while (h->q_len) {
        release(&h->q[h->q_head]);
        h->q_head = (h->q_head + 1) % TH_QUEUE_MAX;
        h->q_len--;
    }
}

void th_done(struct th *h)
{
    th_clear(h);
    /* What the server shows of itself must hold together whatever the test did. */
    const struct tftp_stats *st = tftp_get_stats(h->srv);
    uint64_t ends = 0;
    for (unsigned e = 0; e < TFTP_ENDS; e++)
        ends += st->ends[e];
    CHECK_EQ_INT(ends, st->completed + st->failed);
    CHECK_EQ_INT(st->completed, st->ends[TFTP_END_COMPLETE]);
    CHECK_EQ_INT(st->started, ends + tftp_active(h->srv));
    CHECK_EQ_INT(h->opens, st->started);
    tftp_destroy(h->srv);
    h->srv = NULL;
    CHECK_EQ_INT(h->opens, h->closes);
    CHECK_EQ_INT(h->fr.open_handles, 0);
}

struct tftp_peer th_peer(uint16_t port)
{
    struct tftp_peer p = {.iface = 0, .addr = TH_CLIENT, .port = port, .local = TH_SERVER};
    return p;
}

static size_t vbuild(uint8_t *buf, uint16_t opcode, const char *name, const char *mode, va_list ap)
{
    size_t n = 0;
    put_be16(buf, opcode);
    n = 2;
    size_t l = strlen(name) + 1;
    memcpy(buf + n, name, l);
    n += l;
    l = strlen(mode) + 1;
    memcpy(buf + n, mode, l);
    n += l;
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        l = strlen(s) + 1;
        memcpy(buf + n, s, l);
        n += l;
    }
    return n;
}

size_t th_build_request(uint8_t *buf, uint16_t opcode, const char *name, const char *mode, ...)
{
    va_list ap;
    va_start(ap, mode);
    size_t n = vbuild(buf, opcode, name, mode, ap);
    va_end(ap);
    return n;
}

void th_to_listen_from(struct th *h, const struct tftp_peer *peer, const void *msg, size_t len)
{
    tftp_request(h->srv, h->now, peer, &h->fr.root, h->max_payload, msg, len);
}

void th_to_listen(struct th *h, uint16_t port, const void *msg, size_t len)
{
    struct tftp_peer p = th_peer(port);
    th_to_listen_from(h, &p, msg, len);
}

int th_to_session(struct th *h, int sid, uint16_t port, const void *msg, size_t len)
{
    struct tftp_peer p = th_peer(port);
    return tftp_transfer_input(h->srv, h->now, sid, &p, msg, len);
}

void th_rrq(struct th *h, uint16_t port, const char *name, const char *mode, ...)
{
    uint8_t buf[2048];
    va_list ap;
    va_start(ap, mode);
    size_t n = vbuild(buf, TFTP_RRQ, name, mode ? mode : "octet", ap);
    va_end(ap);
    th_to_listen(h, port, buf, n);
}

void th_ack(struct th *h, int sid, uint16_t port, uint16_t block)
{
    uint8_t b[4];
    tftp_put_header(b, TFTP_ACK, block);
    th_to_session(h, sid, port, b, 4);
}

void th_advance(struct th *h, uint32_t ms)
{
    h->now += ms;
    tftp_tick(h->srv, h->now);
}

const struct th_pkt *th_take(struct th *h)
{
    release(&h->taken);
    if (!h->q_len)
        return NULL;
    h->taken = h->q[h->q_head];
    h->q[h->q_head].b = NULL;
    h->q_head = (h->q_head + 1) % TH_QUEUE_MAX;
    h->q_len--;
    return &h->taken;
}

unsigned th_pending(const struct th *h)
{
    return h->q_len;
}

uint16_t th_op(const struct th_pkt *p)
{
    return p->len >= 2 ? get_be16(p->b) : 0;
}

uint16_t th_block(const struct th_pkt *p)
{
    return p->len >= 4 ? get_be16(p->b + 2) : 0xffff;
}

size_t th_data_len(const struct th_pkt *p)
{
    return p->len >= 4 ? p->len - 4 : 0;
}

const char *th_oack_value(const struct th_pkt *p, const char *name)
{
    static char val[64];
    size_t at = 2;
    while (at < p->len) {
        const char *n = (const char *)p->b + at;
        size_t nl = strnlen(n, p->len - at);
        at += nl + 1;
        if (at >= p->len)
            return NULL;
        const char *v = (const char *)p->b + at;
        size_t vl = strnlen(v, p->len - at);
        at += vl + 1;
        if (strlen(name) == nl && strncmp(n, name, nl) == 0 && vl < sizeof val) {
            memcpy(val, v, vl);
            val[vl] = 0;
            return val;
        }
    }
    return NULL;
}

unsigned th_oack_count(const struct th_pkt *p)
{
    unsigned n = 0;
    size_t at = 2;
    while (at < p->len) {
        at += strnlen((const char *)p->b + at, p->len - at) + 1;
        at += strnlen((const char *)p->b + at, p->len > at ? p->len - at : 0) + 1;
        n++;
    }
    return n;
}

const struct th_pkt *th_expect_data(struct th *h, int sid, uint16_t block, size_t len)
{
    const struct th_pkt *p = th_take(h);
    REQUIRE(p != NULL);
    REQUIRE_EQ_INT(th_op(p), TFTP_DATA);
    CHECK_EQ_INT(p->sid, sid);
    REQUIRE_EQ_INT(th_block(p), block);
    REQUIRE_EQ_INT(th_data_len(p), len);
    return p;
}

const struct th_pkt *th_expect_error(struct th *h, uint16_t code)
{
    const struct th_pkt *p = th_take(h);
    REQUIRE(p != NULL);
    REQUIRE_EQ_INT(th_op(p), TFTP_ERROR);
    CHECK_EQ_INT(th_block(p), code);
    CHECK(p->len >= 5 && p->b[p->len - 1] == 0);
    return p;
}
