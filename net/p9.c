/* Contract in p9.h. A builder writes through a cursor that stops at the
 * buffer's end and remembers it ran out; a parser reads through one that stops
 * at the message's size field. */
#include "p9.h"

#include <errno.h>
#include <string.h>

/* ---- building ----------------------------------------------------------- */

struct wr {
    uint8_t *buf;
    size_t cap, off;
    int err;
};

static void put(struct wr *w, uint64_t v, unsigned bytes)
{
    if (w->err || w->cap - w->off < bytes) {
        w->err = -ENOSPC;
        return;
    }
    for (unsigned i = 0; i < bytes; i++)
        w->buf[w->off++] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct wr *w, const char *s, size_t len)
{
    if (len > 0xffff) {
        w->err = -EINVAL;
        return;
    }
    put(w, len, 2);
    if (w->err || w->cap - w->off < len) {
        w->err = -ENOSPC;
        return;
    }
    memcpy(w->buf + w->off, s, len);
    w->off += len;
}

static struct wr start(uint8_t *buf, size_t cap, uint8_t type, uint16_t tag)
{
    struct wr w = { buf, cap, 0, 0 };
    put(&w, 0, 4);                  /* size, filled in by finish */
    put(&w, type, 1);
    put(&w, tag, 2);
    return w;
}

static long finish(struct wr *w)
{
    if (w->err)
        return w->err;
    if (w->off > 0xffffffffu)
        return -EINVAL;
    for (unsigned i = 0; i < 4; i++)
        w->buf[i] = (uint8_t)(w->off >> (8 * i));
    return (long)w->off;
}

long p9_build_version(uint8_t *buf, size_t cap, uint32_t msize, const char *version)
{
    struct wr w = start(buf, cap, P9_TVERSION, P9_NOTAG);
    put(&w, msize, 4);
    put_str(&w, version, strlen(version));
    return finish(&w);
}

long p9_build_attach(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t afid,
                     const char *uname, const char *aname, uint32_t n_uname)
{
    struct wr w = start(buf, cap, P9_TATTACH, tag);
    put(&w, fid, 4);
    put(&w, afid, 4);
    put_str(&w, uname, strlen(uname));
    put_str(&w, aname, strlen(aname));
    put(&w, n_uname, 4);
    return finish(&w);
}

long p9_build_walk(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid,
                   const struct p9_name *names, unsigned n)
{
    if (n > P9_MAXWELEM)
        return -EINVAL;
    struct wr w = start(buf, cap, P9_TWALK, tag);
    put(&w, fid, 4);
    put(&w, newfid, 4);
    put(&w, n, 2);
    for (unsigned i = 0; i < n; i++) {
        if (names[i].len == 0 || names[i].len > P9_NAME_MAX || memchr(names[i].s, '/', names[i].len))
            return -EINVAL;
        put_str(&w, names[i].s, names[i].len);
    }
    return finish(&w);
}

long p9_build_lopen(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags)
{
    struct wr w = start(buf, cap, P9_TLOPEN, tag);
    put(&w, fid, 4);
    put(&w, flags, 4);
    return finish(&w);
}

long p9_build_getattr(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask)
{
    struct wr w = start(buf, cap, P9_TGETATTR, tag);
    put(&w, fid, 4);
    put(&w, mask, 8);
    return finish(&w);
}

static long build_fid_off_count(uint8_t *buf, size_t cap, uint8_t type, uint16_t tag, uint32_t fid,
                                uint64_t offset, uint32_t count)
{
    struct wr w = start(buf, cap, type, tag);
    put(&w, fid, 4);
    put(&w, offset, 8);
    put(&w, count, 4);
    return finish(&w);
}

long p9_build_read(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
                   uint32_t count)
{
    return build_fid_off_count(buf, cap, P9_TREAD, tag, fid, offset, count);
}

long p9_build_readdir(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
                      uint32_t count)
{
    return build_fid_off_count(buf, cap, P9_TREADDIR, tag, fid, offset, count);
}

long p9_build_clunk(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid)
{
    struct wr w = start(buf, cap, P9_TCLUNK, tag);
    put(&w, fid, 4);
    return finish(&w);
}

/* ---- parsing ------------------------------------------------------------ */

struct rd {
    const uint8_t *p;
    size_t left;
    int err;
};

static uint64_t get(struct rd *r, unsigned bytes)
{
    if (r->err || r->left < bytes) {
        r->err = -EBADMSG;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    r->left -= bytes;
    return v;
}

static void get_qid(struct rd *r, struct p9_qid *q)
{
    q->type = (uint8_t)get(r, 1);
    q->version = (uint32_t)get(r, 4);
    q->path = get(r, 8);
}

int p9_errno(uint32_t e)
{
    /* Linux's numbers (asm-generic/errno-base.h, errno.h) as the host's server
     * sends them, to whatever this build's C library calls them. */
    static const struct { uint16_t linux_no; int16_t ours; } map[] = {
        { 1, EPERM }, { 2, ENOENT }, { 4, EINTR }, { 5, EIO }, { 9, EBADF }, { 11, EAGAIN },
        { 12, ENOMEM }, { 13, EACCES }, { 16, EBUSY }, { 17, EEXIST }, { 19, ENODEV },
        { 20, ENOTDIR }, { 21, EISDIR }, { 22, EINVAL }, { 23, ENFILE }, { 24, EMFILE },
        { 27, EFBIG }, { 28, ENOSPC }, { 30, EROFS }, { 36, ENAMETOOLONG }, { 38, ENOSYS },
        { 40, ELOOP }, { 71, EPROTO }, { 74, EBADMSG }, { 75, EOVERFLOW }, { 90, EMSGSIZE },
        { 95, EOPNOTSUPP }, { 110, ETIMEDOUT },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].linux_no == e)
            return map[i].ours;
    return EIO;
}

/* Checks the header of a reply to a request of tag `tag` that wants `type`, and
 * sets r to its body (up to the size field). 0, -errno of an Rlerror, -EPROTO or
 * -EBADMSG. */
static int open_reply(const uint8_t *buf, size_t len, uint8_t type, uint16_t tag, struct rd *r)
{
    if (len < P9_HDR_LEN)
        return -EBADMSG;
    uint32_t size = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
                    (uint32_t)buf[3] << 24;
    if (size < P9_HDR_LEN || size > len)
        return -EBADMSG;
    uint8_t got = buf[4];
    uint16_t got_tag = (uint16_t)(buf[5] | buf[6] << 8);
    if (got_tag != tag)
        return -EPROTO;
    r->p = buf + P9_HDR_LEN;
    r->left = size - P9_HDR_LEN;
    r->err = 0;
    if (got == P9_RLERROR) {
        uint32_t e = (uint32_t)get(r, 4);
        if (r->err)
            return -EBADMSG;
        return -p9_errno(e);
    }
    return got == type ? 0 : -EPROTO;
}

int p9_parse_version(const uint8_t *buf, size_t len, const char *want, uint32_t *msize)
{
    struct rd r;
    int rc = open_reply(buf, len, P9_RVERSION, P9_NOTAG, &r);
    if (rc)
        return rc;
    uint32_t m = (uint32_t)get(&r, 4);
    uint16_t vlen = (uint16_t)get(&r, 2);
    if (r.err || vlen > r.left)
        return -EBADMSG;
    size_t wlen = strlen(want);
    if (vlen != wlen || memcmp(r.p, want, wlen) != 0)
        return -EPROTO;
    if (m < P9_MIN_MSIZE)
        return -EPROTO;
    *msize = m;
    return 0;
}

int p9_parse_attach(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qid)
{
    struct rd r;
    int rc = open_reply(buf, len, P9_RATTACH, tag, &r);
    if (rc)
        return rc;
    get_qid(&r, qid);
    return r.err;
}

int p9_parse_walk(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qids, unsigned max)
{
    struct rd r;
    int rc = open_reply(buf, len, P9_RWALK, tag, &r);
    if (rc)
        return rc;
    unsigned n = (unsigned)get(&r, 2);
    if (r.err || n > max || n > P9_MAXWELEM)
        return -EBADMSG;
    if ((size_t)n * P9_QID_LEN > r.left)
        return -EBADMSG;
    for (unsigned i = 0; i < n; i++)
        get_qid(&r, &qids[i]);
    return r.err ? r.err : (int)n;
}

int p9_parse_lopen(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qid,
                   uint32_t *iounit)
{
    struct rd r;
    int rc = open_reply(buf, len, P9_RLOPEN, tag, &r);
    if (rc)
        return rc;
    get_qid(&r, qid);
    *iounit = (uint32_t)get(&r, 4);
    return r.err;
}

int p9_parse_getattr(const uint8_t *buf, size_t len, uint16_t tag, struct p9_attr *a)
{
    struct rd r;
    int rc = open_reply(buf, len, P9_RGETATTR, tag, &r);
    if (rc)
        return rc;
    /* valid[8] qid[13] mode[4] uid[4] gid[4] nlink[8] rdev[8] size[8] then the
     * block size and count, four times (seconds and nanoseconds), generation and
     * data version (8 bytes each, 12 of them): 153 bytes, all of which a reply must carry. */
    if (r.left < 153)
        return -EBADMSG;
    a->valid = get(&r, 8);
    get_qid(&r, &a->qid);
    a->mode = (uint32_t)get(&r, 4);
    get(&r, 4);
    get(&r, 4);
    get(&r, 8);
    get(&r, 8);
    a->size = get(&r, 8);
    if (r.err)
        return r.err;
    /* The fields vmgate relies on must be among those the server filled in. */
    if ((a->valid & (P9_GETATTR_MODE | P9_GETATTR_SIZE)) != (P9_GETATTR_MODE | P9_GETATTR_SIZE))
        return -EBADMSG;
    return 0;
}

static long parse_counted(const uint8_t *buf, size_t len, uint8_t type, uint16_t tag,
                          uint32_t asked, const uint8_t **data)
{
    struct rd r;
    int rc = open_reply(buf, len, type, tag, &r);
    if (rc)
        return rc;
    uint32_t count = (uint32_t)get(&r, 4);
    if (r.err || count > r.left || count > asked)
        return -EBADMSG;
    *data = r.p;
    return (long)count;
}

long p9_parse_read(const uint8_t *buf, size_t len, uint16_t tag, uint32_t asked,
                   const uint8_t **data)
{
    return parse_counted(buf, len, P9_RREAD, tag, asked, data);
}

long p9_parse_readdir(const uint8_t *buf, size_t len, uint16_t tag, uint32_t asked,
                      const uint8_t **data)
{
    return parse_counted(buf, len, P9_RREADDIR, tag, asked, data);
}

int p9_parse_clunk(const uint8_t *buf, size_t len, uint16_t tag)
{
    struct rd r;
    return open_reply(buf, len, P9_RCLUNK, tag, &r);
}

int p9_dirent_next(const uint8_t **p, size_t *left, struct p9_dirent *d)
{
    if (*left == 0)
        return 0;
    struct rd r = { *p, *left, 0 };
    get_qid(&r, &d->qid);
    d->offset = get(&r, 8);
    d->type = (uint8_t)get(&r, 1);
    uint16_t nlen = (uint16_t)get(&r, 2);
    if (r.err || nlen > r.left)
        return -EBADMSG;
    d->name = (const char *)r.p;
    d->name_len = nlen;
    *p = r.p + nlen;
    *left = r.left - nlen;
    return 1;
}
