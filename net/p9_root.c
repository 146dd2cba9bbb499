/* Contract in p9_root.h. Fids are fixed per use: the attached root, one per
 * handle slot, one per level of a listing and one for looking at a listed
 * entry, so no fid is ever in use twice. */
#include "p9_root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FID_ROOT     1u
#define FID_HANDLE0  16u
#define FID_LIST0    1000u
#define FID_PROBE    2000u

static uint16_t next_tag(struct p9_root *pr)
{
    pr->tag = (uint16_t)(pr->tag + 1);
    if (pr->tag == 0 || pr->tag == P9_NOTAG)
        pr->tag = 1;
    return pr->tag;
}

/* Sends the tlen bytes built in tbuf (a builder's result: negative is its error)
 * and returns the reply's length in rbuf, or -errno. */
static long call(struct p9_root *pr, long tlen)
{
    if (tlen < 0)
        return tlen;
    pr->stats.rpcs++;
    long n = pr->rpc(pr->rpc_ctx, pr->tbuf, (size_t)tlen, pr->rbuf, pr->msize);
    if (n < 0)
        pr->stats.errors++;
    else if ((size_t)n > pr->msize)
        return -EBADMSG;                /* a transport that wrote past the buffer */
    return n;
}

static void clunk(struct p9_root *pr, uint32_t fid)
{
    uint16_t tag = next_tag(pr);
    long n = call(pr, p9_build_clunk(pr->tbuf, P9_ROOT_TBUF, tag, fid));
    if (n >= 0)
        p9_parse_clunk(pr->rbuf, (size_t)n, tag);
}

/* Walks from the root to `path` ('/'-separated, clean; "" for the root itself)
 * into newfid, 16 names per Twalk. 0 with newfid made, or -errno with no newfid
 * (-ENOENT where a name is missing). */
static int walk(struct p9_root *pr, const char *path, uint32_t newfid)
{
    struct p9_name names[P9_MAXWELEM];
    struct p9_qid qids[P9_MAXWELEM];
    uint32_t from = FID_ROOT;
    const char *p = path;
    bool made = false;

    do {
        unsigned n = 0;
        while (*p && n < P9_MAXWELEM) {
            const char *slash = strchr(p, '/');
            size_t len = slash ? (size_t)(slash - p) : strlen(p);
            if (len == 0 || len > P9_NAME_MAX)
                goto fail_noent;
            names[n].s = p;
            names[n].len = (uint16_t)len;
            n++;
            p += len + (slash ? 1 : 0);
        }
        uint16_t tag = next_tag(pr);
        long len = call(pr, p9_build_walk(pr->tbuf, P9_ROOT_TBUF, tag, from, newfid, names, n));
        int rc = len < 0 ? (int)len : p9_parse_walk(pr->rbuf, (size_t)len, tag, qids, n);
        if (rc < 0) {
            if (made)
                clunk(pr, newfid);
            return rc;
        }
        if ((unsigned)rc < n) {
            /* A partial walk leaves newfid as it was: made (and to clunk) only if
             * an earlier Twalk made it. */
            if (made)
                clunk(pr, newfid);
            return -ENOENT;
        }
        made = true;
        from = newfid;
    } while (*p);
    return 0;

fail_noent:
    if (made)
        clunk(pr, newfid);
    return -ENOENT;
}

static int getattr(struct p9_root *pr, uint32_t fid, struct p9_attr *a)
{
    uint16_t tag = next_tag(pr);
    long n = call(pr, p9_build_getattr(pr->tbuf, P9_ROOT_TBUF, tag, fid, P9_GETATTR_BASIC));
    return n < 0 ? (int)n : p9_parse_getattr(pr->rbuf, (size_t)n, tag, a);
}

static int lopen(struct p9_root *pr, uint32_t fid)
{
    struct p9_qid qid;
    uint32_t iounit;
    uint16_t tag = next_tag(pr);
    long n = call(pr, p9_build_lopen(pr->tbuf, P9_ROOT_TBUF, tag, fid, P9_L_O_RDONLY));
    return n < 0 ? (int)n : p9_parse_lopen(pr->rbuf, (size_t)n, tag, &qid, &iounit);
}

/* The largest count a Tread or Treaddir may ask for: the reply must fit msize. */
static uint32_t max_count(const struct p9_root *pr)
{
    return pr->msize - P9_RREAD_HDR;
}

/* One Tread of up to len bytes at off into dst. The count read, or -errno. */
static long tread(struct p9_root *pr, uint32_t fid, uint64_t off, uint8_t *dst, uint32_t len)
{
    if (len > max_count(pr))
        len = max_count(pr);
    const uint8_t *data;
    uint16_t tag = next_tag(pr);
    long n = call(pr, p9_build_read(pr->tbuf, P9_ROOT_TBUF, tag, fid, off, len));
    if (n < 0)
        return n;
    long got = p9_parse_read(pr->rbuf, (size_t)n, tag, len, &data);
    if (got > 0)
        memcpy(dst, data, (size_t)got);
    pr->stats.reads++;
    return got;
}

static struct p9_handle *handle_of(struct p9_root *pr, int handle)
{
    if (handle < 0 || handle >= P9_ROOT_MAX_OPEN || !pr->h[handle].used)
        return NULL;
    return &pr->h[handle];
}

static int pr_open(void *ctx, const char *path, uint64_t *size)
{
    struct p9_root *pr = ctx;
    int slot = -1;
    for (int i = 0; i < P9_ROOT_MAX_OPEN; i++) {
        if (!pr->h[i].used) {
            slot = i;
            break;
        }
    }
    if (slot < 0)
        return -EMFILE;
    struct p9_handle *h = &pr->h[slot];
    uint32_t fid = FID_HANDLE0 + (uint32_t)slot;
    int rc = walk(pr, path, fid);
    if (rc)
        return rc == -ENOENT || rc == -ENOTDIR ? -ENOENT : rc;
    struct p9_attr a;
    rc = getattr(pr, fid, &a);
    if (rc == 0 && (a.mode & P9_S_IFMT) == P9_S_IFDIR)
        rc = -EISDIR;
    else if (rc == 0 && (a.mode & P9_S_IFMT) != P9_S_IFREG)
        rc = -ENOENT;                    /* links, devices, FIFOs: not served */
    if (rc == 0)
        rc = lopen(pr, fid);
    if (rc) {
        clunk(pr, fid);
        return rc;
    }
    *h = (struct p9_handle){ .used = true, .fid = fid, .size = a.size };
    *size = a.size;
    return slot;
}

/* Fills the handle's read-ahead buffer from off, up to its size or the file's
 * end. The bytes now in it, 0 at the end, or -errno. */
static long ra_fill(struct p9_root *pr, struct p9_handle *h, uint64_t off)
{
    uint64_t want = h->size - off;
    if (want > P9_ROOT_READAHEAD)
        want = P9_ROOT_READAHEAD;
    uint32_t got = 0;
    while (got < want) {
        long n = tread(pr, h->fid, off + got, h->ra + got, (uint32_t)(want - got));
        if (n < 0)
            return n;
        if (n == 0)
            break;                       /* the file shrank on the host */
        got += (uint32_t)n;
    }
    h->ra_off = off;
    h->ra_len = got;
    pr->stats.ra_fills++;
    return got;
}

static long pr_read(void *ctx, int handle, uint64_t off, void *buf, size_t len)
{
    struct p9_root *pr = ctx;
    struct p9_handle *h = handle_of(pr, handle);
    if (!h)
        return -EBADF;
    if (off >= h->size)
        return 0;
    if (len > h->size - off)
        len = (size_t)(h->size - off);
    if (len > 0x7fffffff)
        len = 0x7fffffff;
    uint8_t *dst = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t at = off + done;
        size_t want = len - done;
        if (h->ra && at >= h->ra_off && at < h->ra_off + h->ra_len) {
            size_t n = (size_t)(h->ra_off + h->ra_len - at);
            if (n > want)
                n = want;
            memcpy(dst + done, h->ra + (at - h->ra_off), n);
            done += n;
            pr->stats.ra_hits++;
            continue;
        }
        if (!h->ra && want < P9_ROOT_READAHEAD)
            h->ra = malloc(P9_ROOT_READAHEAD);  /* once per open; without it, reads go direct */
        long n;
        if (h->ra && want < P9_ROOT_READAHEAD) {
            n = ra_fill(pr, h, at);
            if (n > 0)
                continue;
        } else {
            n = tread(pr, h->fid, at, dst + done, want > 0xffffffffu ? 0xffffffffu : (uint32_t)want);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
        }
        if (n < 0 && done == 0)
            return n;
        break;                           /* the end came early, or an error after some bytes */
    }
    pr->stats.bytes_read += done;
    return (long)done;
}

static void pr_close(void *ctx, int handle)
{
    struct p9_root *pr = ctx;
    struct p9_handle *h = handle_of(pr, handle);
    if (!h)
        return;
    clunk(pr, h->fid);
    free(h->ra);
    *h = (struct p9_handle){ 0 };
}

/* ---- listing ------------------------------------------------------------ */

struct lister {
    struct p9_root *pr;
    int (*fn)(void *arg, const char *path, uint64_t size);
    void *arg;
    unsigned visited;
    bool stop;
    char path[FILEROOT_PATH_MAX];
    uint8_t *dirbuf[P9_ROOT_LIST_DEPTH + 1];
};

/* Whether a name from the server may become part of a path the root serves:
 * the same rules as a client's path component. */
static bool listable_name(const char *s, size_t len)
{
    if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return false;
    }
    return true;
}

static int list_dir(struct lister *l, size_t plen, unsigned depth);

/* One entry of a directory listing whose path is l->path[0..plen). */
static int list_entry(struct lister *l, size_t plen, unsigned depth, const struct p9_dirent *d)
{
    struct p9_root *pr = l->pr;
    if (!listable_name(d->name, d->name_len))
        return 0;
    if (++l->visited > P9_ROOT_LIST_MAX) {
        l->stop = true;
        return 0;
    }
    size_t sep = plen ? 1 : 0;
    if (plen + sep + d->name_len + 1 > sizeof l->path)
        return 0;                        /* a path no client could ask for */
    if (sep)
        l->path[plen] = '/';
    memcpy(l->path + plen + sep, d->name, d->name_len);
    size_t clen = plen + sep + d->name_len;
    l->path[clen] = 0;
    if (d->type == P9_DT_DIR)
        return depth < P9_ROOT_LIST_DEPTH ? list_dir(l, clen, depth + 1) : 0;
    if (d->type != P9_DT_REG && d->type != P9_DT_UNKNOWN)
        return 0;
    /* A regular file's size (and the type, where readdir did not know it). */
    struct p9_name nm = { d->name, d->name_len };
    uint16_t tag = next_tag(pr);
    long n = call(pr, p9_build_walk(pr->tbuf, P9_ROOT_TBUF, tag, FID_LIST0 + depth, FID_PROBE, &nm, 1));
    struct p9_qid q;
    int rc = n < 0 ? (int)n : p9_parse_walk(pr->rbuf, (size_t)n, tag, &q, 1);
    if (rc != 1)
        return rc < 0 && n < 0 ? rc : 0;     /* gone meanwhile: skip it, unless the transport failed */
    struct p9_attr a;
    rc = getattr(pr, FID_PROBE, &a);
    clunk(pr, FID_PROBE);
    if (rc)
        return 0;
    if ((a.mode & P9_S_IFMT) == P9_S_IFDIR)
        return depth < P9_ROOT_LIST_DEPTH ? list_dir(l, clen, depth + 1) : 0;
    if ((a.mode & P9_S_IFMT) == P9_S_IFREG && l->fn(l->arg, l->path, a.size))
        l->stop = true;
    return 0;
}

/* Lists the directory l->path[0..plen) ("" for the root) through fid
 * FID_LIST0 + depth. 0, or -errno when the transport failed. */
static int list_dir(struct lister *l, size_t plen, unsigned depth)
{
    struct p9_root *pr = l->pr;
    uint32_t fid = FID_LIST0 + depth;
    char here[FILEROOT_PATH_MAX];
    memcpy(here, l->path, plen);
    here[plen] = 0;
    int rc = walk(pr, here, fid);
    if (rc)
        return rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES ? 0 : rc;
    rc = lopen(pr, fid);
    if (rc) {
        clunk(pr, fid);
        return rc == -EACCES || rc == -ENOTDIR ? 0 : rc;
    }
    if (!l->dirbuf[depth] && !(l->dirbuf[depth] = malloc(P9_ROOT_DIRBUF))) {
        clunk(pr, fid);
        return -ENOMEM;
    }
    uint8_t *copy = l->dirbuf[depth];
    uint64_t offset = 0;
    uint32_t count = P9_ROOT_DIRBUF < max_count(pr) ? P9_ROOT_DIRBUF : max_count(pr);
    while (!l->stop && rc == 0) {
        const uint8_t *data;
        uint16_t tag = next_tag(pr);
        long n = call(pr, p9_build_readdir(pr->tbuf, P9_ROOT_TBUF, tag, fid, offset, count));
        long got = n < 0 ? n : p9_parse_readdir(pr->rbuf, (size_t)n, tag, count, &data);
        if (got <= 0) {
            rc = (int)got;
            break;
        }
        /* The entries' names live in rbuf, which a subdirectory's requests
         * overwrite: keep this batch apart. */
        memcpy(copy, data, (size_t)got);
        const uint8_t *p = copy;
        size_t left = (size_t)got;
        struct p9_dirent d;
        int more = 0;
        bool advanced = false;
        while (!l->stop && (more = p9_dirent_next(&p, &left, &d)) == 1) {
            rc = list_entry(l, plen, depth, &d);
            if (rc)
                break;
            offset = d.offset;
            advanced = true;
        }
        if (more < 0 || !advanced)
            break;                       /* a broken batch, or one that moves nowhere */
        l->path[plen] = 0;
    }
    clunk(pr, fid);
    return rc;
}

static int pr_list(void *ctx, int (*fn)(void *arg, const char *path, uint64_t size), void *arg)
{
    struct lister l = { .pr = ctx, .fn = fn, .arg = arg };
    int rc = list_dir(&l, 0, 0);
    for (unsigned i = 0; i <= P9_ROOT_LIST_DEPTH; i++)
        free(l.dirbuf[i]);
    return rc;
}

static const struct fileroot_ops p9_root_ops = {
    .open = pr_open,
    .read = pr_read,
    .map = NULL,                         /* the bytes are on the host */
    .close = pr_close,
    .list = pr_list,
};

int p9_root_init(struct p9_root *pr, p9_rpc_fn rpc, void *rpc_ctx, uint32_t msize, const char *name)
{
    memset(pr, 0, sizeof *pr);
    if (msize > P9_ROOT_MSIZE)
        msize = P9_ROOT_MSIZE;
    if (msize < P9_MIN_MSIZE)
        return -EINVAL;
    pr->rpc = rpc;
    pr->rpc_ctx = rpc_ctx;
    pr->msize = msize;
    pr->tbuf = malloc(P9_ROOT_TBUF);
    pr->rbuf = malloc(msize);
    if (!pr->tbuf || !pr->rbuf) {
        p9_root_free(pr);
        return -ENOMEM;
    }
    uint32_t got;
    long n = call(pr, p9_build_version(pr->tbuf, P9_ROOT_TBUF, msize, P9_VERSION_L));
    int rc = n < 0 ? (int)n : p9_parse_version(pr->rbuf, (size_t)n, P9_VERSION_L, &got);
    if (rc)
        goto err;
    if (got < pr->msize)
        pr->msize = got;
    struct p9_qid qid;
    uint16_t tag = next_tag(pr);
    n = call(pr, p9_build_attach(pr->tbuf, P9_ROOT_TBUF, tag, FID_ROOT, P9_NOFID, "", "", 0));
    rc = n < 0 ? (int)n : p9_parse_attach(pr->rbuf, (size_t)n, tag, &qid);
    if (rc)
        goto err;
    if (!(qid.type & P9_QTDIR)) {
        rc = -ENOTDIR;
        goto err;
    }
    pr->root.ops = &p9_root_ops;
    pr->root.ctx = pr;
    pr->root.name = name;
    return 0;
err:
    p9_root_free(pr);
    return rc;
}

void p9_root_free(struct p9_root *pr)
{
    for (int i = 0; i < P9_ROOT_MAX_OPEN; i++)
        free(pr->h[i].ra);
    free(pr->tbuf);
    free(pr->rbuf);
    memset(pr, 0, sizeof *pr);
}
