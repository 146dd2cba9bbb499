/* Fuzz target: 9P2000.L replies (net/p9.c) and the file root that trusts none
 * of them (net/p9_root.c), as a hostile or broken host's 9P server could send
 * them over virtio-9p.
 *
 * The input is a session of replies, records [len_lo][len_hi][flags][len bytes],
 * handed out one per request. flags bit 0: set the size field to the record's
 * length; bit 1: set the tag to the request's (the fuzzer cannot see it); bit
 * 2: the transport fails (-ETIMEDOUT) instead. When records run out every
 * request fails. The session: init (version, attach), open two paths (one of
 * more than 16 names), reads of a TFTP block, of more than the read-ahead and
 * at a far offset, a listing, close. Besides the sanitizers and LeakSanitizer
 * (every buffer the root allocates must be freed): reads return no more than
 * asked, listed paths are clean and of bounded length, handles are in range,
 * and every request the root sends is one a server could take (size field
 * right, Tread and Treaddir counts within msize - 11, at most 16 names a walk).
 * Each parser is also run on the whole input, and on each record, as one reply. */
#include "net/p9.h"
#include "net/p9_root.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broken(const char *what)
{
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
}

struct session {
    const uint8_t *p;
    size_t left;
    const struct p9_root *pr;        /* its msize: what it sent, then what was agreed */
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* What a server would refuse in a request. */
static void check_request(struct session *s, const uint8_t *t, size_t tlen)
{
    if (tlen < 7 || le32(t) != tlen)
        broken("a request whose size field is not its length");
    uint8_t type = t[4];
    if ((type == P9_TREAD || type == P9_TREADDIR) && tlen == 23 &&
        (uint64_t)le32(t + 19) + P9_RREAD_HDR > s->pr->msize)
        broken("a read count above msize - 11");
    if (type == P9_TWALK && tlen >= 17 && (t[15] | t[16] << 8) > P9_MAXWELEM)
        broken("a walk of more than 16 names");
}

static long rpc(void *ctx, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap)
{
    struct session *s = ctx;
    check_request(s, t, tlen);
    if (s->left < 3)
        return -EIO;
    size_t len = (size_t)(s->p[0] | s->p[1] << 8);
    uint8_t flags = s->p[2];
    s->p += 3;
    s->left -= 3;
    if (len > s->left)
        len = s->left;
    const uint8_t *rec = s->p;
    s->p += len;
    s->left -= len;
    if (flags & 4)
        return -ETIMEDOUT;
    if (len > rcap)
        len = rcap;                              /* a device writes no more than it was given */
    memcpy(r, rec, len);
    if ((flags & 1) && len >= 4)
        for (int i = 0; i < 4; i++)
            r[i] = (uint8_t)(len >> (8 * i));
    if ((flags & 2) && len >= 7 && tlen >= 7) {
        r[5] = t[5];
        r[6] = t[6];
    }
    return (long)len;
}

static int check_listed(void *arg, const char *path, uint64_t size)
{
    size_t len = strlen(path);
    char clean[FILEROOT_PATH_MAX];
    if (len >= FILEROOT_PATH_MAX || fileroot_path_clean(path, len, clean) != (int)len ||
        memcmp(clean, path, len) != 0)
        broken("a listed path that is not clean");
    return ++*(unsigned *)arg > 50;
}

static void read_check(struct p9_root *pr, int h, uint64_t off, size_t len)
{
    static uint8_t buf[P9_ROOT_READAHEAD * 2];
    long n = pr->root.ops->read(pr->root.ctx, h, off, buf, len);
    if (n > (long)len)
        broken("a read longer than asked");
}

static void session(const uint8_t *data, size_t size)
{
    struct p9_root pr;
    struct session s = { data, size, &pr };
    if (p9_root_init(&pr, rpc, &s, P9_ROOT_MSIZE, "fuzz") != 0)
        return;
    if (pr.msize < P9_MIN_MSIZE || pr.msize > P9_ROOT_MSIZE)
        broken("a negotiated msize out of bounds");
    static const char deep[] = "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s";
    uint64_t fsize;
    int h1 = pr.root.ops->open(pr.root.ctx, "pxelinux.0", &fsize);
    int h2 = pr.root.ops->open(pr.root.ctx, deep, &fsize);
    if (h1 >= P9_ROOT_MAX_OPEN || h2 >= P9_ROOT_MAX_OPEN)
        broken("a handle out of range");
    if (h1 >= 0) {
        read_check(&pr, h1, 0, 1432);
        read_check(&pr, h1, 1432, 1432);
        read_check(&pr, h1, 0, P9_ROOT_READAHEAD + 100);
        read_check(&pr, h1, 5ull << 30, 512);
    }
    unsigned n = 0;
    pr.root.ops->list(pr.root.ctx, check_listed, &n);
    if (h2 >= 0)
        pr.root.ops->close(pr.root.ctx, h2);
    if (h1 >= 0)
        pr.root.ops->close(pr.root.ctx, h1);
    p9_root_free(&pr);
}

static void parsers(const uint8_t *data, size_t size)
{
    struct p9_qid q[P9_MAXWELEM];
    struct p9_attr a;
    uint32_t u;
    const uint8_t *d;
    uint16_t tag = size >= 7 ? (uint16_t)(data[5] | data[6] << 8) : 0;
    p9_parse_version(data, size, P9_VERSION_L, &u);
    p9_parse_attach(data, size, tag, q);
    int w = p9_parse_walk(data, size, tag, q, P9_MAXWELEM);
    if (w > P9_MAXWELEM)
        broken("more qids than room");
    p9_parse_lopen(data, size, tag, q, &u);
    p9_parse_getattr(data, size, tag, &a);
    p9_parse_clunk(data, size, tag);
    /* A small count asked, so a reply claiming more is within the fuzzer's reach. */
    long n = p9_parse_read(data, size, tag, 16, &d);
    if (n > 16 || (n > 0 && (d < data || d + n > data + size)))
        broken("read data outside the reply, or more than asked");
    n = p9_parse_readdir(data, size, tag, 0xffffffffu, &d);
    if (n > 0) {
        if (d < data || d + n > data + size)
            broken("readdir data outside the reply");
        size_t left = (size_t)n;
        struct p9_dirent e;
        while (p9_dirent_next(&d, &left, &e) == 1)
            if ((const uint8_t *)e.name < data || (const uint8_t *)e.name + e.name_len > data + size)
                broken("a dirent name outside the reply");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    parsers(copy, size);
    /* Each record on its own too: the replies of a session are the likeliest
     * messages the fuzzer has. */
    for (size_t off = 0; off + 3 <= size;) {
        size_t len = (size_t)(copy[off] | copy[off + 1] << 8);
        off += 3;
        if (len > size - off)
            len = size - off;
        parsers(copy + off, len);
        off += len;
    }
    session(copy, size);
    free(copy);
    return 0;
}
