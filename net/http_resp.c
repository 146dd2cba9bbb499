/* Contract in http_resp.h. */
#include "http_resp.h"

#include <errno.h>
#include <string.h>

static const struct { int status; const char *reason; } reasons[] = {
    { 200, "OK" },
    { 206, "Partial Content" },
    { 400, "Bad Request" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 414, "URI Too Long" },
    { 416, "Range Not Satisfiable" },
    { 431, "Request Header Fields Too Large" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 503, "Service Unavailable" },
    { 505, "HTTP Version Not Supported" },
};

static const struct { const char *ext; const char *type; } types[] = {
    { "efi", "application/efi" },
    { "iso", "application/vnd.efi-iso" },
    { "img", "application/vnd.efi-img" },
    { "ipxe", "text/plain" },
    { "txt", "text/plain" },
    { "cfg", "text/plain" },
    { "conf", "text/plain" },
};

const char *http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "";
}

static bool ext_is(const char *ext, size_t len, const char *want)
{
    if (strlen(want) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = ext[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != want[i])
            return false;
    }
    return true;
}

const char *http_content_type(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot && dot != base) {
        size_t len = strlen(dot + 1);
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (ext_is(dot + 1, len, types[i].ext))
                return types[i].type;
    }
    return "application/octet-stream";
}

/* A bounded writer into r->head; the buffer is sized for the longest head this
 * file writes (about 300 bytes), so running out is a bug it reports as a cut. */
struct out {
    char *b;
    size_t len, cap;
};

static void put(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (n > o->cap - o->len)
        n = o->cap - o->len;
    memcpy(o->b + o->len, s, n);
    o->len += n;
}

static void put_u64(struct out *o, uint64_t v)
{
    char d[21];
    size_t i = sizeof d;
    d[--i] = 0;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, d + i);
}

static void put_int(struct out *o, int v)
{
    put_u64(o, (uint64_t)v);
}

/* Maps what opening the file said to a status. */
static int open_status(int err)
{
    switch (err) {
    case -ENOENT:
    case -EISDIR:
    case -ENOTDIR:
        return 404;
    case -EACCES:
        return 403;
    case -EMFILE:
    case -ENFILE:
        return 503;
    default:
        return 500;
    }
}

/* Picks the body for a GET of a file of `size` bytes: 200 whole, 206 a range, or
 * 416. Sets off and len. */
static int select_range(const struct http_range *rg, uint64_t size, uint64_t *off, uint64_t *len)
{
    *off = 0;
    *len = size;
    if (size == 0)
        return 200;
    if (rg->kind == HTTP_RANGE_SPAN) {
        if (rg->first >= size)
            return 416;
        uint64_t last = rg->last < size - 1 ? rg->last : size - 1;
        *off = rg->first;
        *len = last - rg->first + 1;
        return 206;
    }
    if (rg->kind == HTTP_RANGE_SUFFIX) {
        if (rg->last == 0)
            return 416;
        uint64_t n = rg->last < size ? rg->last : size;
        *off = size - n;
        *len = n;
        return 206;
    }
    return 200;
}

void http_resp_prepare(struct http_resp *r, const struct http_req *q, const struct fileroot *root)
{
    memset(r, 0, sizeof *r);
    r->handle = -1;
    r->close = q->close;

    int status = q->status;
    bool head = q->method == HTTP_HEAD;
    if (!status) {
        if (q->path_err == -EACCES)
            status = 403;
        else if (q->path_err == -ENAMETOOLONG)
            status = 414;
        else if (q->path_err)
            status = 404;
    }
    if (!status) {
        uint64_t size = 0;
        int h = root->ops->open(root->ctx, q->path, &size);
        if (h < 0) {
            status = open_status(h);
        } else {
            r->size = size;
            status = head ? 200 : select_range(&q->range, size, &r->off, &r->len);
            if (head || status == 416 || r->len == 0)
                root->ops->close(root->ctx, h);     /* nothing to read from it */
            else
                r->handle = h;
        }
    }
    r->status = status;
    /* Only a file response has a body from the file, and HEAD none at all. */
    if (head || (status != 200 && status != 206))
        r->off = r->len = 0;

    struct out o = { r->head, 0, sizeof r->head };
    put(&o, "HTTP/1.1 ");
    put_int(&o, status);
    put(&o, " ");
    put(&o, http_reason(status));
    put(&o, "\r\nServer: vmgate\r\n");

    bool file = status == 200 || status == 206;
    char text[64];
    size_t text_len = 0;
    if (file) {
        put(&o, "Content-Type: ");
        put(&o, http_content_type(q->path));
        put(&o, "\r\nContent-Length: ");
        put_u64(&o, status == 206 ? r->len : r->size);
        put(&o, "\r\nAccept-Ranges: bytes\r\n");
        if (status == 206) {
            put(&o, "Content-Range: bytes ");
            put_u64(&o, r->off);
            put(&o, "-");
            put_u64(&o, r->off + r->len - 1);
            put(&o, "/");
            put_u64(&o, r->size);
            put(&o, "\r\n");
        }
    } else {
        struct out t = { text, 0, sizeof text };
        put_int(&t, status);
        put(&t, " ");
        put(&t, http_reason(status));
        put(&t, "\n");
        text_len = t.len;
        put(&o, "Content-Type: text/plain\r\nContent-Length: ");
        put_u64(&o, text_len);
        put(&o, "\r\n");
        if (status == 405)
            put(&o, "Allow: GET, HEAD\r\n");
        if (status == 416) {
            put(&o, "Accept-Ranges: bytes\r\nContent-Range: bytes */");
            put_u64(&o, r->size);
            put(&o, "\r\n");
        }
        if (status == 503)
            put(&o, "Retry-After: 1\r\n");
    }
    put(&o, r->close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
    r->head_len = o.len;
    if (!head && text_len <= o.cap - o.len) {
        memcpy(o.b + o.len, text, text_len);
        r->text_len = text_len;
    }
}

void http_resp_release(struct http_resp *r, const struct fileroot *root)
{
    if (r->handle >= 0)
        root->ops->close(root->ctx, r->handle);
    r->handle = -1;
}
