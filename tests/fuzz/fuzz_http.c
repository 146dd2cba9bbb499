/* Fuzz target: the HTTP boot server's connection machine (net/http_conn.h, with
 * net/http_req.h and net/http_resp.h under it) over a RAM root. An input is two
 * bytes of choices (the root maps or not and in what pieces, whether a read
 * fails, a seed) and then the client's bytes, which reach the machine in pieces
 * of sizes the seed picks, while the send room, acknowledgements and the clock
 * move as it also picks; at the end the client sends its FIN. Besides the
 * sanitizers, the harness aborts when one of these breaks:
 *  - the output is a sequence of well-formed responses, one per request the
 *    machine started (recorded as it starts them), in order: "HTTP/1.1 DDD
 *    Reason", fields "Name: value", one Content-Length, a Content-Type, a
 *    Connection of keep-alive or close; nothing after the last one, and nothing
 *    after one that said close;
 *  - a body is as long as its Content-Length says (none for HEAD, whose
 *    Content-Length is GET's); a 200's body is the file, a 206's the bytes its
 *    Content-Range names, and that range lies inside the file; the type is the
 *    one for the file's name;
 *  - a lent (mapped) chunk points inside the file it is from, no chunk is larger
 *    than the room given, and acknowledged bytes never exceed those sent;
 *  - at most 1 + HTTP_CONN_RETIRE_MAX files are open at once, none after
 *    http_conn_release; the machine always finishes (no step limit reached).
 * Only a reset (a limit passed, a read failing) may cut the last response short. */
#include "net/http_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_http: invariant broken: %s\n", what);
    abort();
}

/* ---- the root ------------------------------------------------------------ */

#define N_FILES 5
static uint8_t big[20011], mid[1500];
static const uint8_t script[] = "#!ipxe\nchain http://10.0.2.2/vmlinuz\n";
static const struct { const char *path; const uint8_t *data; size_t size; } files[N_FILES] = {
    { "boot.ipxe", script, sizeof script - 1 },
    { "vmlinuz", big, sizeof big },
    { "efi/boot/bootx64.efi", mid, sizeof mid },
    { "empty", big, 0 },
    { "a b/c.iso", mid, 700 },
};

static struct {
    int handle_file[8];
    unsigned open_now, max_open;
    size_t map_piece;
    uint64_t fail_at;
} rs;

static int r_open(void *ctx, const char *path, uint64_t *size)
{
    for (int i = 0; i < N_FILES; i++) {
        if (strcmp(files[i].path, path) != 0)
            continue;
        for (int h = 0; h < 8; h++) {
            if (rs.handle_file[h] < 0) {
                rs.handle_file[h] = i;
                rs.open_now++;
                if (rs.open_now > rs.max_open)
                    rs.max_open = rs.open_now;
                *size = files[i].size;
                return h;
            }
        }
        return -EMFILE;
    }
    return strcmp(path, "efi") == 0 ? -EISDIR : -ENOENT;
}

static int file_of(int h)
{
    if (h < 0 || h >= 8 || rs.handle_file[h] < 0)
        fail("use of a handle that is not open");
    return rs.handle_file[h];
}

static long r_read(void *ctx, int h, uint64_t off, void *buf, size_t len)
{
    int f = file_of(h);
    if (off >= rs.fail_at)
        return -EIO;
    if (off >= files[f].size)
        return 0;
    if (len > files[f].size - off)
        len = (size_t)(files[f].size - off);
    memcpy(buf, files[f].data + off, len);
    return (long)len;
}

static const uint8_t *r_map(void *ctx, int h, uint64_t off, size_t *len)
{
    int f = file_of(h);
    if (off >= files[f].size)
        return NULL;
    size_t n = (size_t)(files[f].size - off);
    if (rs.map_piece && n > rs.map_piece)
        n = rs.map_piece;
    *len = n;
    return files[f].data + off;
}

static void r_close(void *ctx, int h)
{
    file_of(h);
    rs.handle_file[h] = -1;
    rs.open_now--;
}

static struct fileroot_ops ops = { r_open, r_read, r_map, r_close, NULL };
static const struct fileroot root = { &ops, NULL, "fuzz" };

/* ---- what the machine started, and what it sent ---------------------------- */

#define MAX_RESP 512

struct started {
    int status;
    bool head;
    int file;                       /* index in files[], or -1 */
    uint64_t off, len;
};

static struct started started[MAX_RESP];
static unsigned n_started;
static uint8_t *out;
static size_t out_len, out_cap;

static void record_start(const struct http_conn *c)
{
    if (n_started == MAX_RESP)
        fail("more responses than the harness keeps");
    struct started *s = &started[n_started++];
    s->status = c->resp.status;
    s->head = c->req.req.method == HTTP_HEAD;
    s->file = -1;
    if (s->status == 200 || s->status == 206)
        for (int i = 0; i < N_FILES; i++)
            if (strcmp(files[i].path, c->req.req.path) == 0)
                s->file = i;
    s->off = c->resp.off;
    s->len = c->resp.len;
}

static void out_append(const uint8_t *b, size_t n)
{
    if (out_len + n > out_cap) {
        out_cap = (out_len + n) * 2 + 4096;
        out = realloc(out, out_cap);
    }
    memcpy(out + out_len, b, n);
    out_len += n;
}

/* ---- checking the output --------------------------------------------------- */

static bool is_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* One field's value into v (cap bytes), when the name matches. */
static bool field(const char *line, size_t nlen, const char *name, const char *value, size_t vlen,
                  char *v, size_t cap)
{
    if (strlen(name) != nlen || strncmp(line, name, nlen) != 0)
        return false;
    if (vlen >= cap)
        fail("a field value too long");
    memcpy(v, value, vlen);
    v[vlen] = 0;
    return true;
}

/* Checks the response at out[*pos], made for s; cut says it may end early.
 * Returns false when it is cut short (allowed only when cut). */
static bool check_response(size_t *pos, const struct started *s, bool *said_close, bool cut)
{
    const char *b = (const char *)out + *pos;
    size_t avail = out_len - *pos, end = 0;
    for (size_t i = 0; i + 3 < avail && i < HTTP_RESP_HEAD_MAX; i++) {
        if (memcmp(b + i, "\r\n\r\n", 4) == 0) {
            end = i + 4;
            break;
        }
    }
    if (!end) {
        if (!cut || avail >= HTTP_RESP_HEAD_MAX)
            fail("a response without its head's end");
        return false;
    }
    char status_line[64];
    snprintf(status_line, sizeof status_line, "HTTP/1.1 %d %s\r\n", s->status, http_reason(s->status));
    size_t sl = strlen(status_line);
    if (!http_reason(s->status)[0] || end < sl || memcmp(b, status_line, sl) != 0)
        fail("the status line is not the recorded status's");

    char cl[32] = "", ct[64] = "", conn[32] = "", cr[96] = "";
    unsigned n_cl = 0;
    for (size_t p = sl; p + 2 < end;) {
        const char *line = b + p;
        const char *eol = memchr(line, '\r', end - p);
        if (!eol || eol[1] != '\n')
            fail("a field line without CRLF");
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || colon == line || colon[1] != ' ')
            fail("a field line without \"Name: \"");
        size_t nlen = (size_t)(colon - line);
        for (size_t i = 0; i < nlen; i++)
            if (!is_tchar(line[i]))
                fail("a field name with a non-token byte");
        const char *v = colon + 2;
        size_t vlen = (size_t)(eol - v);
        for (size_t i = 0; i < vlen; i++)
            if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
                fail("a control byte in a field value");
        if (field(line, nlen, "Content-Length", v, vlen, cl, sizeof cl))
            n_cl++;
        field(line, nlen, "Content-Type", v, vlen, ct, sizeof ct);
        field(line, nlen, "Connection", v, vlen, conn, sizeof conn);
        field(line, nlen, "Content-Range", v, vlen, cr, sizeof cr);
        p = (size_t)(eol - b) + 2;
    }
    if (n_cl != 1 || !cl[0] || !ct[0])
        fail("not exactly one Content-Length, or no Content-Type");
    char *e;
    unsigned long long length = strtoull(cl, &e, 10);
    if (*e)
        fail("a Content-Length that is no number");
    if (strcmp(conn, "close") == 0)
        *said_close = true;
    else if (strcmp(conn, "keep-alive") != 0)
        fail("Connection is neither keep-alive nor close");

    uint64_t body = s->head ? 0 : length;
    if (s->status == 200 || s->status == 206) {
        if (s->file < 0)
            fail("a file response for no file");
        uint64_t size = files[s->file].size;
        if (strcmp(ct, http_content_type(files[s->file].path)) != 0)
            fail("the type is not the file name's");
        if (s->status == 200 && length != size)
            fail("a 200's Content-Length is not the file's size");
        if (s->status == 206) {
            char want[96];
            if (s->len == 0 || s->off + s->len > size)
                fail("a 206 range outside the file");
            snprintf(want, sizeof want, "bytes %llu-%llu/%llu", (unsigned long long)s->off,
                     (unsigned long long)(s->off + s->len - 1), (unsigned long long)size);
            if (strcmp(cr, want) != 0 || length != s->len)
                fail("a 206's Content-Range or Content-Length is not its range");
        }
    } else if (s->status == 416) {
        if (strncmp(cr, "bytes */", 8) != 0)
            fail("a 416 without Content-Range bytes */size");
    }
    if (avail - end < body) {
        if (!cut)
            fail("a body shorter than its Content-Length");
        return false;
    }
    if (!s->head && (s->status == 200 || s->status == 206) &&
        memcmp(b + end, files[s->file].data + s->off, (size_t)body) != 0)
        fail("the body is not the file's bytes");
    *pos += end + (size_t)body;
    return true;
}

/* ---- the run --------------------------------------------------------------- */

static uint32_t rng;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        init = true;
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (uint8_t)(i * 131 + (i >> 8));
        for (size_t i = 0; i < sizeof mid; i++)
            mid[i] = (uint8_t)(i * 7 + 3);
    }
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    rng = 0x9e3779b9u ^ data[1] ^ ((uint32_t)flags << 8);
    data += 2;
    size -= 2;

    memset(&rs, 0, sizeof rs);
    for (int h = 0; h < 8; h++)
        rs.handle_file[h] = -1;
    ops.map = (flags & 1) ? r_map : NULL;
    rs.map_piece = (flags & 2) ? 1 + (flags >> 5) * 97 : 0;
    rs.fail_at = (flags & 4) ? (uint64_t)(flags >> 3) * 700 : UINT64_MAX;
    bool whole_pieces = flags & 8;
    n_started = 0;
    out_len = 0;

    static struct http_conn c;
    static struct http_stats st;
    static uint8_t scratch[4096];
    uint32_t now = 0;
    uint64_t sent = 0, acked = 0;
    size_t in_off = 0;
    bool fin = false, cut = false;
    http_conn_open(&c, &root, &st, now);

    unsigned steps;
    for (steps = 0; steps < 1000000; steps++) {
        bool moved = false;
        if (in_off < size) {
            size_t piece = size - in_off, cap = 1 + next() % 64;
            if (!whole_pieces && piece > cap)
                piece = cap;
            uint8_t before = c.phase;
            size_t took = http_conn_input(&c, data + in_off, piece, now);
            if (took > piece)
                fail("input took more than it was given");
            if (before == HTTP_CONN_READ && c.phase == HTTP_CONN_SEND)
                record_start(&c);
            in_off += took;
            moved |= took > 0;
        } else if (!fin && c.phase != HTTP_CONN_SEND) {
            http_conn_input_end(&c, now);
            fin = moved = true;
        }
        size_t room = next() % 4 == 0 ? 1 + next() % 16 : 1 + next() % 30000;
        struct http_chunk ch;
        int rc = http_conn_peek(&c, room, scratch, sizeof scratch, &ch);
        if (rc < 0) {
            cut = true;
            break;
        }
        if (rc == 1) {
            if (ch.len == 0 || ch.len > room)
                fail("a chunk empty or larger than the room");
            if (!ch.copy) {
                bool inside = false;
                for (int i = 0; i < N_FILES; i++)
                    if (ch.data >= files[i].data && ch.data + ch.len <= files[i].data + files[i].size)
                        inside = true;
                if (!inside)
                    fail("a lent chunk outside every file");
            }
            out_append(ch.data, ch.len);
            http_conn_advance(&c, &ch, now);
            sent += ch.len;
            moved = true;
        }
        if (acked < sent && next() % 3) {
            uint64_t n = next() % 2 ? sent - acked : 1 + next() % (sent - acked);
            http_conn_acked(&c, (size_t)n, now);
            acked += n;
            moved = true;
        }
        if (rs.open_now > 1 + HTTP_CONN_RETIRE_MAX)
            fail("too many files open");
        if (next() % 16 == 0 || !moved)
            now += next() % 4000;
        enum http_conn_verdict v = http_conn_poll(&c, now);
        if (v == HTTP_CONN_ABORT) {
            cut = true;
            break;
        }
        if (v == HTTP_CONN_CLOSE) {
            if (acked != sent)
                fail("a close with bytes unacknowledged");
            break;
        }
    }
    if (steps == 1000000)
        fail("the machine never finished");
    http_conn_release(&c);
    if (rs.open_now != 0)
        fail("a file left open");

    size_t pos = 0;
    bool said_close = false;
    for (unsigned i = 0; i < n_started; i++) {
        if (said_close)
            fail("a response after one that said close");
        if (!check_response(&pos, &started[i], &said_close, cut && i + 1 == n_started))
            break;
    }
    if (!cut && pos != out_len)
        fail("bytes after the last response");
    if (cut && pos > out_len)
        fail("checked past the output");
    return 0;
}
