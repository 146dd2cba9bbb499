/* Contract in p9_fake.h. */
#include "p9_fake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define L_ENOENT  2
#define L_EBADF   9
#define L_ENOTDIR 20
#define L_EINVAL  22
#define L_ENOTSUP 95

uint8_t fake9p_byte(uint64_t off)
{
    uint64_t x = off * 0x9e3779b97f4a7c15ull;
    return (uint8_t)(x >> 56 ^ off >> 32 ^ off);
}

void fake9p_init(struct fake9p *f, const struct fake_node *nodes, unsigned n)
{
    memset(f, 0, sizeof *f);
    f->nodes = nodes;
    f->n_nodes = n;
}

unsigned fake9p_fids_in_use(const struct fake9p *f)
{
    unsigned n = 0;
    for (int i = 0; i < FAKE_FIDS; i++)
        n += f->fids[i].used && f->fids[i].fid != 1;
    return n;
}

static void violation(struct fake9p *f, const char *what)
{
    f->violations++;
    snprintf(f->last_violation, sizeof f->last_violation, "%s", what);
}

/* ---- request reading ---- */

struct in {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static uint64_t rd(struct in *in, int bytes)
{
    if (in->left < (size_t)bytes) {
        in->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)in->p[i] << (8 * i);
    in->p += bytes;
    in->left -= (size_t)bytes;
    return v;
}

static size_t rd_str(struct in *in, const char **s)
{
    size_t len = (size_t)rd(in, 2);
    if (in->bad || len > in->left) {
        in->bad = true;
        return 0;
    }
    *s = (const char *)in->p;
    in->p += len;
    in->left -= len;
    return len;
}

/* ---- reply writing ---- */

struct out {
    uint8_t *b;
    size_t cap, n;
    bool overflow;
};

static void wr(struct out *o, uint64_t v, int bytes)
{
    if (o->n + (size_t)bytes > o->cap) {
        o->overflow = true;
        return;
    }
    for (int i = 0; i < bytes; i++)
        o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

static void wr_bytes(struct out *o, const void *p, size_t len)
{
    if (o->n + len > o->cap) {
        o->overflow = true;
        return;
    }
    memcpy(o->b + o->n, p, len);
    o->n += len;
}

static void header(struct out *o, uint8_t type, uint16_t tag)
{
    o->n = 0;
    wr(o, 0, 4);
    wr(o, type, 1);
    wr(o, tag, 2);
}

static long finish(struct fake9p *f, struct out *o)
{
    if (o->overflow) {
        violation(f, "reply larger than the buffer the client gave");
        return -EIO;
    }
    for (int i = 0; i < 4; i++)
        o->b[i] = (uint8_t)(o->n >> (8 * i));
    return (long)o->n;
}

static long lerror(struct fake9p *f, struct out *o, uint16_t tag, uint32_t e)
{
    header(o, 7, tag);
    wr(o, e, 4);
    return finish(f, o);
}

/* ---- the tree ---- */

static int node_find(const struct fake9p *f, const char *path, size_t len)
{
    for (unsigned i = 0; i < f->n_nodes; i++)
        if (strlen(f->nodes[i].path) == len && memcmp(f->nodes[i].path, path, len) == 0)
            return (int)i;
    return -1;
}

static bool is_dir(const struct fake_node *n)
{
    return (n->mode & 0170000) == 0040000;
}

static void qid_of(struct out *o, const struct fake_node *n, int idx)
{
    uint32_t t = n->mode & 0170000;
    wr(o, t == 0040000 ? 0x80 : t == 0120000 ? 0x02 : 0, 1);
    wr(o, 0, 4);
    wr(o, (uint64_t)idx + 1000, 8);
}

static int fid_slot(struct fake9p *f, uint32_t fid)
{
    for (int i = 0; i < FAKE_FIDS; i++)
        if (f->fids[i].used && f->fids[i].fid == fid)
            return i;
    return -1;
}

static int fid_new(struct fake9p *f, uint32_t fid, int node)
{
    if (fid_slot(f, fid) >= 0) {
        violation(f, "fid already in use");
        return -1;
    }
    for (int i = 0; i < FAKE_FIDS; i++) {
        if (!f->fids[i].used) {
            f->fids[i].used = true;
            f->fids[i].fid = fid;
            f->fids[i].node = node;
            f->fids[i].open = false;
            return i;
        }
    }
    violation(f, "out of fids");
    return -1;
}

/* The children of directory node d, in table order, after "." and "..". */
static int child(const struct fake9p *f, int d, unsigned k)
{
    const char *dp = f->nodes[d].path;
    size_t dl = strlen(dp);
    unsigned seen = 0;
    for (unsigned i = 0; i < f->n_nodes; i++) {
        const char *p = f->nodes[i].path;
        if ((int)i == d || strlen(p) <= dl || (dl && (memcmp(p, dp, dl) != 0 || p[dl] != '/')))
            continue;
        const char *rest = p + dl + (dl ? 1 : 0);
        if (strchr(rest, '/'))
            continue;
        if (seen++ == k)
            return (int)i;
    }
    return -1;
}

static long do_walk(struct fake9p *f, struct in *in, struct out *o, uint16_t tag)
{
    uint32_t fid = (uint32_t)rd(in, 4), newfid = (uint32_t)rd(in, 4);
    unsigned nw = (unsigned)rd(in, 2);
    if (nw > 16) {
        violation(f, "Twalk with more than 16 names");
        return lerror(f, o, tag, L_EINVAL);
    }
    const char *names[16];
    size_t lens[16];
    for (unsigned i = 0; i < nw; i++)
        lens[i] = rd_str(in, &names[i]);
    if (in->bad) {
        violation(f, "malformed Twalk");
        return lerror(f, o, tag, L_EINVAL);
    }
    int s = fid_slot(f, fid);
    if (s < 0) {
        violation(f, "Twalk from an unknown fid");
        return lerror(f, o, tag, L_EBADF);
    }
    if (newfid != fid && fid_slot(f, newfid) >= 0) {
        violation(f, "Twalk to a newfid in use");
        return lerror(f, o, tag, L_EINVAL);
    }
    int cur = f->fids[s].node;
    int walked[16];
    unsigned k = 0;
    uint32_t err = 0;
    for (; k < nw; k++) {
        if (!is_dir(&f->nodes[cur])) {
            err = L_ENOTDIR;
            break;
        }
        char path[600];
        const char *dp = f->nodes[cur].path;
        int pl = snprintf(path, sizeof path, "%s%s%.*s", dp, *dp ? "/" : "", (int)lens[k], names[k]);
        int nx = node_find(f, path, (size_t)pl);
        if (nx < 0) {
            err = L_ENOENT;
            break;
        }
        walked[k] = nx;
        cur = nx;
    }
    if (k == 0 && nw > 0)
        return lerror(f, o, tag, err);
    if (k == nw) {
        if (newfid == fid)
            f->fids[s].node = cur;
        else if (fid_new(f, newfid, cur) < 0)
            return lerror(f, o, tag, L_EINVAL);
    }
    header(o, 111, tag);
    wr(o, k, 2);
    for (unsigned i = 0; i < k; i++)
        qid_of(o, &f->nodes[walked[i]], walked[i]);
    return finish(f, o);
}

static long do_read(struct fake9p *f, struct in *in, struct out *o, uint16_t tag, size_t rcap)
{
    uint32_t fid = (uint32_t)rd(in, 4);
    uint64_t off = rd(in, 8);
    uint32_t count = (uint32_t)rd(in, 4);
    int s = fid_slot(f, fid);
    if (count > f->max_count_seen)
        f->max_count_seen = count;
    if ((uint64_t)count + 11 > f->msize)
        violation(f, "Tread count above msize - 11");
    if ((uint64_t)count + 11 > rcap)
        violation(f, "Tread count above the reply buffer");
    if (s < 0 || !f->fids[s].open) {
        violation(f, "Tread on a fid not open");
        return lerror(f, o, tag, L_EBADF);
    }
    const struct fake_node *n = &f->nodes[f->fids[s].node];
    uint64_t end = f->shrink_to && f->shrink_to < n->size ? f->shrink_to : n->size;
    uint64_t avail = off < end ? end - off : 0;
    uint32_t c = count;
    if (c > avail)
        c = (uint32_t)avail;
    if (f->max_read && c > f->max_read)
        c = f->max_read;
    header(o, 117, tag);
    wr(o, c, 4);
    if (o->n + c > o->cap) {
        o->overflow = true;
        return finish(f, o);
    }
    for (uint32_t i = 0; i < c; i++)
        o->b[o->n++] = fake9p_byte(off + i);
    return finish(f, o);
}

static long do_readdir(struct fake9p *f, struct in *in, struct out *o, uint16_t tag)
{
    uint32_t fid = (uint32_t)rd(in, 4);
    uint64_t off = rd(in, 8);
    uint32_t count = (uint32_t)rd(in, 4);
    if (count > f->max_count_seen)
        f->max_count_seen = count;
    if ((uint64_t)count + 11 > f->msize)
        violation(f, "Treaddir count above msize - 11");
    int s = fid_slot(f, fid);
    if (s < 0 || !f->fids[s].open || !is_dir(&f->nodes[f->fids[s].node])) {
        violation(f, "Treaddir on a fid that is not an open directory");
        return lerror(f, o, tag, L_EBADF);
    }
    int d = f->fids[s].node;
    header(o, 41, tag);
    size_t count_at = o->n;
    wr(o, 0, 4);
    uint32_t used = 0;
    for (uint64_t k = off;; k++) {
        const char *name;
        int idx;
        if (k == 0) {
            name = ".";
            idx = d;
        } else if (k == 1) {
            name = "..";
            idx = d;
        } else {
            idx = child(f, d, (unsigned)(k - 2));
            if (idx < 0)
                break;
            const char *p = f->nodes[idx].path;
            name = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        }
        size_t len = 24 + strlen(name);
        if (used + len > count)
            break;
        const struct fake_node *n = &f->nodes[idx];
        qid_of(o, n, idx);
        wr(o, k + 1, 8);
        uint32_t t = n->mode & 0170000;
        uint8_t dt = t == 0040000 ? 4 : t == 0100000 ? 8 : t == 0120000 ? 10 : 0;
        if (n->dtype)
            dt = n->dtype == FAKE_DT_UNKNOWN ? 0 : n->dtype;
        wr(o, k < 2 ? 4 : dt, 1);
        wr(o, strlen(name), 2);
        wr_bytes(o, name, strlen(name));
        used += (uint32_t)len;
    }
    for (int i = 0; i < 4; i++)
        o->b[count_at + (size_t)i] = (uint8_t)(used >> (8 * i));
    return finish(f, o);
}

long fake9p_rpc(void *ctx, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap)
{
    struct fake9p *f = ctx;
    if (f->transport_error)
        return f->transport_error;
    struct in in = { t, tlen, false };
    struct out o = { r, rcap, 0, false };
    uint32_t size = (uint32_t)rd(&in, 4);
    uint8_t type = (uint8_t)rd(&in, 1);
    uint16_t tag = (uint16_t)rd(&in, 2);
    if (in.bad || size != tlen) {
        violation(f, "request size field does not match its length");
        return lerror(f, &o, tag, L_EINVAL);
    }
    if (tlen > f->msize && type != 100)
        violation(f, "request larger than msize");
    f->calls[type]++;
    if (f->fail_type == type && f->calls[type] > f->fail_after)
        return lerror(f, &o, tag, f->fail_errno);

    switch (type) {
    case 100: {                                      /* Tversion */
        uint32_t msize = (uint32_t)rd(&in, 4);
        const char *v;
        size_t vl = rd_str(&in, &v);
        if (tag != 0xffff)
            violation(f, "Tversion without NOTAG");
        f->msize = f->msize_cap && f->msize_cap < msize ? f->msize_cap : msize;
        memset(f->fids, 0, sizeof f->fids);
        const char *say = f->version ? f->version : (vl == 8 && memcmp(v, "9P2000.L", 8) == 0)
                                                        ? "9P2000.L" : "unknown";
        header(&o, 101, tag);
        wr(&o, f->msize, 4);
        wr(&o, strlen(say), 2);
        wr_bytes(&o, say, strlen(say));
        return finish(f, &o);
    }
    case 104: {                                      /* Tattach */
        uint32_t fid = (uint32_t)rd(&in, 4);
        rd(&in, 4);
        const char *s;
        rd_str(&in, &s);
        rd_str(&in, &s);
        rd(&in, 4);
        int root = node_find(f, "", 0);
        if (in.bad || root < 0 || fid_new(f, fid, root) < 0)
            return lerror(f, &o, tag, L_EINVAL);
        header(&o, 105, tag);
        qid_of(&o, &f->nodes[root], root);
        return finish(f, &o);
    }
    case 110:
        return do_walk(f, &in, &o, tag);
    case 12: {                                       /* Tlopen */
        uint32_t fid = (uint32_t)rd(&in, 4), flags = (uint32_t)rd(&in, 4);
        int s = fid_slot(f, fid);
        if (flags != 0)
            violation(f, "Tlopen other than O_RDONLY");
        if (s < 0 || f->fids[s].open) {
            violation(f, "Tlopen of an unknown or open fid");
            return lerror(f, &o, tag, L_EBADF);
        }
        f->fids[s].open = true;
        header(&o, 13, tag);
        qid_of(&o, &f->nodes[f->fids[s].node], f->fids[s].node);
        wr(&o, 0, 4);
        return finish(f, &o);
    }
    case 24: {                                       /* Tgetattr */
        uint32_t fid = (uint32_t)rd(&in, 4);
        rd(&in, 8);
        int s = fid_slot(f, fid);
        if (s < 0) {
            violation(f, "Tgetattr of an unknown fid");
            return lerror(f, &o, tag, L_EBADF);
        }
        const struct fake_node *n = &f->nodes[f->fids[s].node];
        header(&o, 25, tag);
        wr(&o, 0x7ff, 8);
        qid_of(&o, n, f->fids[s].node);
        wr(&o, n->mode, 4);
        wr(&o, 0, 4);
        wr(&o, 0, 4);
        wr(&o, 1, 8);
        wr(&o, 0, 8);
        wr(&o, n->size, 8);
        for (int i = 0; i < 12; i++)
            wr(&o, 0, 8);
        return finish(f, &o);
    }
    case 116:
        return do_read(f, &in, &o, tag, rcap);
    case 40:
        return do_readdir(f, &in, &o, tag);
    case 120: {                                      /* Tclunk */
        int s = fid_slot(f, (uint32_t)rd(&in, 4));
        if (s < 0) {
            violation(f, "Tclunk of an unknown fid");
            return lerror(f, &o, tag, L_EBADF);
        }
        f->fids[s].used = false;
        header(&o, 121, tag);
        return finish(f, &o);
    }
    default:
        violation(f, "unexpected request type");
        return lerror(f, &o, tag, L_ENOTSUP);
    }
}
