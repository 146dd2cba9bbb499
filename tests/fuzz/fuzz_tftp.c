/* Fuzz target: the TFTP server (net/tftp.h, net/tftp_msg.h). An input is a
 * configuration byte and a script of steps: raw datagrams to port 69 or to a
 * transfer's port, requests built from choices (file, mode, options and values,
 * RRQ or WRQ), ACKs near the last block sent or anywhere, ERRORs, clock steps that
 * run the timers, glue failures, an interface going away. Besides the sanitizers
 * it checks, and aborts when one breaks:
 *  - no more than TFTP_MAX_SESSIONS sessions, TFTP_CLIENT_MAX per client, and no
 *    two with one key; a port is opened only for a free slot and closed only when
 *    open; sends come from open ports or port 69;
 *  - every DATA block lies within its file and has the negotiated size: for an
 *    octet transfer exactly the file's bytes at its offset, blksize of them or
 *    the rest of the file; for netascii at most blksize;
 *  - an OACK holds blksize within 8 and the link's payload, windowsize 1..64, the
 *    file's size as tsize (octet only), and nothing else but timeout;
 *  - ERRORs are whole (code, text, NUL);
 *  - the counters add up (started = ends + active, completed = ends[COMPLETE]),
 *    ports opened = sessions started, every open file handle belongs to an active
 *    session, every active session has a timer;
 *  - after destroying the server nothing is open (LeakSanitizer checks memory). */
#include "net/bytes.h"
#include "net/tftp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tftp: invariant broken: %s\n", what);
    abort();
}

#define CHECK(c, what) do { if (!(c)) fail(what); } while (0)

/* --- a file root in RAM ------------------------------------------------------------ */

struct ffile {
    const char *path;
    uint64_t size;
    bool dir;
    uint8_t *data;              /* NULL for the directory */
};

#define NFILES 6
static struct ffile files[NFILES] = {
    {"a", 1000, false, NULL},
    {"b", 1024, false, NULL},               /* whole blocks of 512 and of 8 */
    {"t.txt", 700, false, NULL},            /* text: newlines and CRs */
    {"e", 0, false, NULL},
    {"boot/big", 60000, false, NULL},
    {"boot", 0, true, NULL},
};

#define NHANDLES 128
static int handle_file[NHANDLES];
static unsigned open_handles;
static bool mappable;
static int last_opened = -1;

static int fr_open(void *ctx, const char *path, uint64_t *size)
{
    for (int i = 0; i < NFILES; i++) {
        if (strcmp(files[i].path, path) != 0)
            continue;
        if (files[i].dir)
            return -EISDIR;
        for (int h = 0; h < NHANDLES; h++)
            if (handle_file[h] < 0) {
                handle_file[h] = i;
                open_handles++;
                *size = files[i].size;
                last_opened = i;
                return h;
            }
        return -EMFILE;
    }
    return -ENOENT;
}

static const struct ffile *fr_file(int h)
{
    CHECK(h >= 0 && h < NHANDLES && handle_file[h] >= 0, "a handle that is not open");
    return &files[handle_file[h]];
}

static long fr_read(void *ctx, int h, uint64_t off, void *buf, size_t len)
{
    const struct ffile *f = fr_file(h);
    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    memcpy(buf, f->data + off, len);
    return (long)len;
}

static const uint8_t *fr_map(void *ctx, int h, uint64_t off, size_t *len)
{
    const struct ffile *f = fr_file(h);
    if (!mappable || off > f->size)
        return NULL;
    *len = (size_t)(f->size - off);
    return f->data + off;
}

static void fr_close(void *ctx, int h)
{
    fr_file(h);
    handle_file[h] = -1;
    open_handles--;
}

static const struct fileroot_ops fr_ops = {fr_open, fr_read, fr_map, fr_close, NULL};
static const struct fileroot root = {&fr_ops, NULL, "fuzz"};

/* --- the glue, watching ------------------------------------------------------------- */

struct slot {
    bool open;
    struct tftp_peer peer;
    int file;
    int mode;                   /* -1 until known */
    unsigned blksize;           /* 0 until the first packet says */
    uint16_t last_block;        /* the last DATA block number sent */
    bool any_sent;
};

static struct slot slots[TFTP_MAX_SESSIONS];
static unsigned opens, closes;
static int open_fail, send_fail;
static uint16_t max_payload;
static int pending_mode = -1;   /* the mode of the request being handed to the server */

static int io_open(void *ctx, int sid, const struct tftp_peer *peer)
{
    CHECK(sid >= 0 && sid < TFTP_MAX_SESSIONS, "a slot out of range");
    CHECK(!slots[sid].open, "a port opened twice");
    if (open_fail)
        return -ENOMEM;
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        CHECK(!slots[i].open || slots[i].peer.iface != peer->iface ||
                  slots[i].peer.addr != peer->addr || slots[i].peer.port != peer->port,
              "two sessions with one key");
    struct slot *s = &slots[sid];
    memset(s, 0, sizeof *s);
    s->open = true;
    s->peer = *peer;
    s->file = last_opened;
    s->mode = pending_mode;
    opens++;
    return 0;
}

static void io_close(void *ctx, int sid)
{
    CHECK(sid >= 0 && sid < TFTP_MAX_SESSIONS && slots[sid].open, "closing a port not open");
    slots[sid].open = false;
    closes++;
}

/* The value of an OACK's option, as a number, or -1 when absent. */
static long long oack_value(const uint8_t *b, size_t len, const char *name, unsigned *count)
{
    size_t at = 2;
    long long found = -1;
    *count = 0;
    while (at < len) {
        const char *n = (const char *)b + at;
        size_t nl = strnlen(n, len - at);
        CHECK(at + nl < len, "an OACK name without NUL");
        at += nl + 1;
        const char *v = (const char *)b + at;
        size_t vl = strnlen(v, len - at);
        CHECK(at + vl < len, "an OACK value without NUL");
        at += vl + 1;
        CHECK(!strcmp(n, "blksize") || !strcmp(n, "timeout") || !strcmp(n, "tsize") ||
                  !strcmp(n, "windowsize"),
              "an OACK option the server does not know");
        (*count)++;
        if (!strcmp(n, name))
            found = strtoll(v, NULL, 10);
    }
    return found;
}

static void check_oack(struct slot *s, const uint8_t *b, size_t len)
{
    unsigned n;
    long long blk = oack_value(b, len, "blksize", &n);
    CHECK(n > 0, "an empty OACK");
    unsigned ceiling = max_payload >= 8 ? max_payload : 65464;
    if (ceiling > 65464)
        ceiling = 65464;
    CHECK(blk == -1 || (blk >= 8 && blk <= ceiling), "OACK blksize out of range");
    long long win = oack_value(b, len, "windowsize", &n);
    CHECK(win == -1 || (win >= 1 && win <= TFTP_MAX_WINDOW), "OACK windowsize out of range");
    long long tmo = oack_value(b, len, "timeout", &n);
    CHECK(tmo == -1 || (tmo >= 1 && tmo <= 255), "OACK timeout out of range");
    long long tsz = oack_value(b, len, "tsize", &n);
    if (tsz != -1) {
        CHECK(s->mode == TFTP_MODE_OCTET, "tsize in a netascii OACK");
        CHECK(s->file >= 0 && (uint64_t)tsz == files[s->file].size, "tsize is not the size");
    }
    if (!s->blksize)
        s->blksize = blk == -1 ? 512 : (unsigned)blk;
}

static void check_data(struct slot *s, const struct tftp_packet *pkt)
{
    CHECK(pkt->hdr_len == 4, "a DATA header of another length");
    if (!s->blksize)
        s->blksize = 512;                   /* no OACK: RFC 1350 */
    uint16_t block = get_be16(pkt->hdr + 2);
    CHECK(block != 0, "block 0 from a file of under 65536 blocks");
    CHECK(pkt->payload_len <= s->blksize, "a block over blksize");
    CHECK(pkt->payload_len == 0 || pkt->payload, "a block without bytes");
    CHECK(s->file >= 0, "DATA from a session without a file");
    const struct ffile *f = &files[s->file];
    if (s->mode == TFTP_MODE_OCTET) {
        uint64_t off = (uint64_t)(block - 1) * s->blksize;
        CHECK(off <= f->size, "a block past the end of the file");
        uint64_t want = f->size - off < s->blksize ? f->size - off : s->blksize;
        CHECK(pkt->payload_len == want, "a block of the wrong size");
        CHECK(!pkt->payload_len || !memcmp(pkt->payload, f->data + off, pkt->payload_len),
              "a block with the wrong bytes");
    }
    s->last_block = block;
    s->any_sent = true;
}

static int io_send(void *ctx, const struct tftp_packet *pkt)
{
    CHECK(pkt->hdr && pkt->hdr_len >= 2, "a packet without header");
    uint16_t op = get_be16(pkt->hdr);
    if (pkt->sid != TFTP_SID_LISTEN) {
        CHECK(pkt->sid >= 0 && pkt->sid < TFTP_MAX_SESSIONS && slots[pkt->sid].open,
              "a send from a port not open");
    }
    CHECK(pkt->peer->local == 0x0a000202u || pkt->peer->local == 0x0a000204u,
          "a reply from an address not asked");
    switch (op) {
    case TFTP_DATA:
        CHECK(pkt->sid >= 0, "DATA from port 69");
        check_data(&slots[pkt->sid], pkt);
        break;
    case TFTP_OACK:
        CHECK(pkt->sid >= 0 && !pkt->payload_len, "an OACK from port 69 or with a payload");
        check_oack(&slots[pkt->sid], pkt->hdr, pkt->hdr_len);
        break;
    case TFTP_ERROR:
        CHECK(pkt->hdr_len >= 5 && pkt->hdr[pkt->hdr_len - 1] == 0 && !pkt->payload_len,
              "an ERROR that is not whole");
        CHECK(get_be16(pkt->hdr + 2) <= TFTP_EOPTNEG, "an unknown error code");
        break;
    default:
        fail("a packet of a kind the server does not send");
    }
    return send_fail ? -ENOBUFS : 0;
}

/* --- invariants between steps -------------------------------------------------------- */

static void check_server(const struct tftp_server *srv, uint32_t now)
{
    const struct tftp_stats *st = tftp_get_stats(srv);
    unsigned active = tftp_active(srv), open_slots = 0;
    uint64_t ends = 0;
    for (unsigned e = 0; e < TFTP_ENDS; e++)
        ends += st->ends[e];
    CHECK(active <= TFTP_MAX_SESSIONS, "more sessions than the table holds");
    CHECK(st->started == ends + active, "started != ended + active");
    CHECK(st->completed == st->ends[TFTP_END_COMPLETE], "completed != ends[COMPLETE]");
    CHECK(st->failed == ends - st->completed, "failed != the other ends");
    CHECK(opens == st->started && closes == ends, "ports opened and closed != sessions");
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        open_slots += slots[i].open;
    CHECK(open_slots == active, "open ports != active sessions");
    CHECK(open_handles == active, "open files != active sessions");
    int32_t t = tftp_next_timeout(srv, now);
    CHECK(active ? t >= 0 : t == -1, "an active session without a timer, or a timer without one");
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++) {
        if (!slots[i].open)
            continue;
        unsigned same = 0;
        for (unsigned k = 0; k < TFTP_MAX_SESSIONS; k++)
            same += slots[k].open && slots[k].peer.iface == slots[i].peer.iface &&
                    slots[k].peer.addr == slots[i].peer.addr;
        CHECK(same <= TFTP_CLIENT_MAX, "a client over its share");
    }
}

/* --- the script --------------------------------------------------------------------- */

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

/* Clients: 2 interfaces x 5 addresses x 16 ports, to the server's address or
 * the NET+4 alias. */
static struct tftp_peer peer_of(uint8_t v, uint8_t w)
{
    struct tftp_peer p = {
        .iface = v >> 7,
        .addr = 0x0a00020fu + (v >> 4 & 7) % 5,
        .port = (uint16_t)(1024 + (v & 15) + 16 * (w & 3)),
        .local = w & 4 ? 0x0a000204u : 0x0a000202u,
    };
    return p;
}

static const char *const names[] = {"a", "b", "t.txt", "e", "boot/big", "boot", "../a", "/a",
                                    "boot\\big", "missing", "./a", "a/"};
static const char *const modes[] = {"octet", "netascii", "mail", "OCTET", "bin"};
static const char *const onames[] = {"blksize", "windowsize", "timeout", "tsize", "x-other",
                                     "BLKSIZE", "WindowSize"};
static const char *const values[] = {"0", "8", "9", "512", "1432", "1468", "65464", "70000", "1",
                                     "4", "64", "65", "255", "256", "abc", "", "007"};

static size_t put_str(uint8_t *b, size_t at, const char *s)
{
    size_t l = strlen(s) + 1;
    memcpy(b + at, s, l);
    return at + l;
}

/* A request from choices; the mode it asks is noted for the checks. */
static size_t build_request(struct reader *r, uint8_t *b)
{
    uint8_t what = rd8(r), nopt = rd8(r) % 6;
    put_be16(b, what & 0x80 ? TFTP_WRQ : TFTP_RRQ);
    size_t n = put_str(b, 2, names[what % (sizeof names / sizeof names[0])]);
    n = put_str(b, n, modes[(what >> 4) % (sizeof modes / sizeof modes[0])]);
    for (unsigned i = 0; i < nopt; i++) {
        uint8_t o = rd8(r), v = rd8(r);
        n = put_str(b, n, onames[o % (sizeof onames / sizeof onames[0])]);
        char num[8];
        if (v & 0x80) {
            snprintf(num, sizeof num, "%u", (unsigned)(v & 0x7f) * 13);
            n = put_str(b, n, num);
        } else {
            n = put_str(b, n, values[v % (sizeof values / sizeof values[0])]);
        }
    }
    return n;
}

/* The mode a request asks, when it parses: what the open callback records. */
static int mode_of(const uint8_t *msg, size_t len)
{
    struct tftp_request q;
    if (tftp_parse_request(msg, len, &q) != 0)
        return -1;
    return tftp_parse_mode(q.mode, q.mode_len);
}

static void init_files(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int i = 0; i < NFILES; i++) {
        if (files[i].dir)
            continue;
        files[i].data = malloc(files[i].size ? files[i].size : 1);
        for (uint64_t k = 0; k < files[i].size; k++)
            files[i].data[k] = i == 2 ? "ab\ncd\r\n\r\rx"[k % 10] : (uint8_t)(k * 7 + (uint64_t)i);
    }
}

static const struct tftp_io io = {io_open, io_send, io_close, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t payloads[] = {1468, 512, 0, 8972, 100, 8};
    struct reader r = {data, size};
    struct tftp_server *srv;
    uint32_t now = 0;
    uint8_t buf[TFTP_REQUEST_MAX + 8];

    init_files();
    memset(slots, 0, sizeof slots);
    memset(handle_file, 0xff, sizeof handle_file);
    open_handles = opens = closes = 0;
    open_fail = send_fail = 0;
    uint8_t cfg = rd8(&r);
    mappable = cfg & 1;
    max_payload = payloads[(cfg >> 1) % (sizeof payloads / sizeof payloads[0])];
    if (tftp_create(&srv, &io) != 0)
        return 0;

    for (unsigned step = 0; step < 4096 && r.n; step++) {
        uint8_t op = rd8(&r);
        switch (op % 9) {
        case 0: {                                       /* raw datagram to port 69 */
            struct tftp_peer p = peer_of(rd8(&r), rd8(&r));
            size_t len = rd8(&r);
            len = len == 255 ? TFTP_REQUEST_MAX + 1 : len;
            size_t k;
            for (k = 0; k < len && r.n; k++)
                buf[k] = rd8(&r);
            memset(buf + k, 0, len - k);
            pending_mode = mode_of(buf, len);
            tftp_request(srv, now, &p, &root, max_payload, buf, len);
            break;
        }
        case 1:
        case 2: {                                       /* a request from choices */
            struct tftp_peer p = peer_of(rd8(&r), rd8(&r));
            size_t len = build_request(&r, buf);
            pending_mode = mode_of(buf, len);
            tftp_request(srv, now, &p, &root, max_payload, buf, len);
            break;
        }
        case 3:
        case 4: {                                       /* an ACK near the last block */
            uint8_t s = rd8(&r), how = rd8(&r);
            int sid = s % (TFTP_MAX_SESSIONS + 1);
            struct slot *sl = sid < TFTP_MAX_SESSIONS ? &slots[sid] : NULL;
            struct tftp_peer p = sl && sl->open && !(how & 0x80) ? sl->peer : peer_of(s, how);
            uint16_t block = sl && sl->any_sent ? (uint16_t)(sl->last_block - (how & 7))
                                                : (uint16_t)(how & 0x0f);
            if (how & 0x40)
                block = (uint16_t)(rd8(&r) << 8 | rd8(&r));
            uint8_t a[4];
            tftp_put_header(a, TFTP_ACK, block);
            tftp_transfer_input(srv, now, sid, &p, a, how & 0x20 ? 3 : 4);
            break;
        }
        case 5: {                                       /* raw datagram to a transfer port */
            uint8_t s = rd8(&r), how = rd8(&r);
            int sid = s % (TFTP_MAX_SESSIONS + 1);
            struct tftp_peer p = sid < TFTP_MAX_SESSIONS && slots[sid].open && !(how & 0x80)
                                     ? slots[sid].peer : peer_of(s, how);
            size_t len = rd8(&r) % 64, k;
            for (k = 0; k < len && r.n; k++)
                buf[k] = rd8(&r);
            memset(buf + k, 0, len - k);
            tftp_transfer_input(srv, now, sid, &p, buf, len);
            break;
        }
        case 6: {                                       /* time passes */
            uint8_t t = rd8(&r);
            now += t < 200 ? t * 10u : (t - 199u) * 1000u;
            tftp_tick(srv, now);
            break;
        }
        case 7: {
            uint8_t t = rd8(&r);
            if (t & 1)
                open_fail = !open_fail;
            if (t & 2)
                send_fail = !send_fail;
            if (t & 4)
                tftp_end_iface(srv, t >> 7);
            break;
        }
        case 8:                                         /* a long wait */
            for (int i = 0; i < 8; i++) {
                now += 4000;
                tftp_tick(srv, now);
            }
            break;
        }
        check_server(srv, now);
    }
    tftp_destroy(srv);
    CHECK(open_handles == 0, "files left open after destroy");
    CHECK(opens == closes, "ports left open after destroy");
    return 0;
}
