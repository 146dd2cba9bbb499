/* 9P2000.L messages (net/p9.c): requests byte for byte as the protocol lays them
 * out, and replies that lie about their lengths refused. */
#include "net/p9.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

/* A reply written by hand: header first, size filled in by done(). */
struct rb {
    uint8_t b[512];
    size_t n;
};

static void le(struct rb *r, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        r->b[r->n++] = (uint8_t)(v >> (8 * i));
}

static void str(struct rb *r, const char *s)
{
    le(r, strlen(s), 2);
    memcpy(r->b + r->n, s, strlen(s));
    r->n += strlen(s);
}

static void qid(struct rb *r, uint8_t type, uint64_t path)
{
    le(r, type, 1);
    le(r, 7, 4);
    le(r, path, 8);
}

static struct rb reply(uint8_t type, uint16_t tag)
{
    struct rb r = { .n = 0 };
    le(&r, 0, 4);
    le(&r, type, 1);
    le(&r, tag, 2);
    return r;
}

static size_t done(struct rb *r)
{
    for (int i = 0; i < 4; i++)
        r->b[i] = (uint8_t)(r->n >> (8 * i));
    return r->n;
}

TEST(p9_builds_requests_byte_for_byte)
{
    uint8_t b[256];
    static const uint8_t version[] = { 0x15, 0, 0, 0, 100, 0xff, 0xff, 0x00, 0x20, 0, 0, 8, 0,
                                       '9', 'P', '2', '0', '0', '0', '.', 'L' };
    CHECK_EQ_INT(p9_build_version(b, sizeof b, 8192, "9P2000.L"), sizeof version);
    CHECK_MEM(b, version, sizeof version);

    static const uint8_t attach[] = { 0x17, 0, 0, 0, 104, 1, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                                      0, 0, 0, 0, 0, 0, 0, 0 };
    CHECK_EQ_INT(p9_build_attach(b, sizeof b, 1, 1, P9_NOFID, "", "", 0), sizeof attach);
    CHECK_MEM(b, attach, sizeof attach);

    static const uint8_t walk[] = { 0x18, 0, 0, 0, 110, 2, 0, 1, 0, 0, 0, 16, 0, 0, 0, 2, 0,
                                    1, 0, 'a', 2, 0, 'b', 'c' };
    struct p9_name names[] = { { "a", 1 }, { "bcd", 2 } };
    CHECK_EQ_INT(p9_build_walk(b, sizeof b, 2, 1, 16, names, 2), sizeof walk);
    CHECK_MEM(b, walk, sizeof walk);

    static const uint8_t read[] = { 0x17, 0, 0, 0, 116, 3, 0, 16, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1,
                                    0x00, 0x10, 0, 0 };
    CHECK_EQ_INT(p9_build_read(b, sizeof b, 3, 16, 0x0102030405060708ull, 4096), sizeof read);
    CHECK_MEM(b, read, sizeof read);

    static const uint8_t lopen[] = { 0x0f, 0, 0, 0, 12, 4, 0, 16, 0, 0, 0, 0, 0, 0, 0 };
    CHECK_EQ_INT(p9_build_lopen(b, sizeof b, 4, 16, P9_L_O_RDONLY), sizeof lopen);
    CHECK_MEM(b, lopen, sizeof lopen);

    static const uint8_t getattr[] = { 0x13, 0, 0, 0, 24, 5, 0, 16, 0, 0, 0, 0xff, 0x07, 0, 0, 0, 0, 0, 0 };
    CHECK_EQ_INT(p9_build_getattr(b, sizeof b, 5, 16, P9_GETATTR_BASIC), sizeof getattr);
    CHECK_MEM(b, getattr, sizeof getattr);

    static const uint8_t readdir[] = { 0x17, 0, 0, 0, 40, 6, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0x00, 0x10, 0, 0 };
    CHECK_EQ_INT(p9_build_readdir(b, sizeof b, 6, 1, 0, 4096), sizeof readdir);
    CHECK_MEM(b, readdir, sizeof readdir);

    static const uint8_t clunk[] = { 0x0b, 0, 0, 0, 120, 7, 0, 16, 0, 0, 0 };
    CHECK_EQ_INT(p9_build_clunk(b, sizeof b, 7, 16), sizeof clunk);
    CHECK_MEM(b, clunk, sizeof clunk);
}

TEST(p9_builders_refuse_what_does_not_fit)
{
    uint8_t b[64];
    struct p9_name names[P9_MAXWELEM + 1];
    char big[300];
    memset(big, 'x', sizeof big);
    for (int i = 0; i <= P9_MAXWELEM; i++)
        names[i] = (struct p9_name){ "n", 1 };
    CHECK_EQ_INT(p9_build_walk(b, sizeof b, 1, 1, 2, names, P9_MAXWELEM + 1), -EINVAL);
    CHECK_EQ_INT(p9_build_walk(b, sizeof b, 1, 1, 2, names, P9_MAXWELEM), -ENOSPC);
    uint8_t large[8192];
    CHECK(p9_build_walk(large, sizeof large, 1, 1, 2, names, P9_MAXWELEM) > 0);
    names[0] = (struct p9_name){ big, 256 };
    CHECK_EQ_INT(p9_build_walk(large, sizeof large, 1, 1, 2, names, 1), -EINVAL);
    names[0] = (struct p9_name){ "a/b", 3 };
    CHECK_EQ_INT(p9_build_walk(large, sizeof large, 1, 1, 2, names, 1), -EINVAL);
    names[0] = (struct p9_name){ "", 0 };
    CHECK_EQ_INT(p9_build_walk(large, sizeof large, 1, 1, 2, names, 1), -EINVAL);
    CHECK_EQ_INT(p9_build_walk(b, sizeof b, 1, 1, 2, NULL, 0), 17);      /* a clone */
    CHECK_EQ_INT(p9_build_read(b, 22, 1, 1, 0, 1), -ENOSPC);
    CHECK_EQ_INT(p9_build_read(b, 23, 1, 1, 0, 1), 23);
    CHECK_EQ_INT(p9_build_clunk(b, 3, 1, 1), -ENOSPC);
}

TEST(p9_parses_version_and_attach)
{
    struct rb r = reply(P9_RVERSION, P9_NOTAG);
    le(&r, 65536, 4);
    str(&r, "9P2000.L");
    uint32_t msize = 0;
    CHECK_EQ_INT(p9_parse_version(r.b, done(&r), "9P2000.L", &msize), 0);
    CHECK_EQ_INT(msize, 65536);

    r = reply(P9_RVERSION, P9_NOTAG);
    le(&r, 65536, 4);
    str(&r, "unknown");
    CHECK_EQ_INT(p9_parse_version(r.b, done(&r), "9P2000.L", &msize), -EPROTO);
    r = reply(P9_RVERSION, P9_NOTAG);
    le(&r, 2048, 4);                                      /* below what a reply needs */
    str(&r, "9P2000.L");
    CHECK_EQ_INT(p9_parse_version(r.b, done(&r), "9P2000.L", &msize), -EPROTO);
    r = reply(P9_RVERSION, P9_NOTAG);
    le(&r, 65536, 4);
    le(&r, 200, 2);                                       /* a version longer than the message */
    CHECK_EQ_INT(p9_parse_version(r.b, done(&r), "9P2000.L", &msize), -EBADMSG);

    r = reply(P9_RATTACH, 9);
    qid(&r, P9_QTDIR, 42);
    struct p9_qid q;
    CHECK_EQ_INT(p9_parse_attach(r.b, done(&r), 9, &q), 0);
    CHECK_EQ_INT(q.type, P9_QTDIR);
    CHECK_EQ_INT(q.path, 42);
    CHECK_EQ_INT(q.version, 7);
    CHECK_EQ_INT(p9_parse_attach(r.b, r.n, 10, &q), -EPROTO);         /* another tag */
    CHECK_EQ_INT(p9_parse_attach(r.b, r.n - 1, 9, &q), -EBADMSG);     /* size > what came */
    r.b[0] = (uint8_t)(r.n - 1);                                      /* size cuts the qid */
    CHECK_EQ_INT(p9_parse_attach(r.b, r.n, 9, &q), -EBADMSG);
}

TEST(p9_maps_rlerror_to_our_errno)
{
    static const struct { uint32_t linux_no; int ours; } cases[] = {
        { 2, ENOENT }, { 13, EACCES }, { 20, ENOTDIR }, { 21, EISDIR }, { 36, ENAMETOOLONG },
        { 40, ELOOP }, { 90, EMSGSIZE }, { 95, EOPNOTSUPP }, { 99999, EIO }, { 0, EIO },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rb r = reply(P9_RLERROR, 3);
        le(&r, cases[i].linux_no, 4);
        struct p9_qid q;
        uint32_t iounit;
        CHECK_EQ_INT(p9_parse_lopen(r.b, done(&r), 3, &q, &iounit), -cases[i].ours);
    }
    struct rb r = reply(P9_RLERROR, 3);
    le(&r, 2, 2);                                         /* ecode cut short */
    CHECK_EQ_INT(p9_parse_clunk(r.b, done(&r), 3), -EBADMSG);
}

TEST(p9_refuses_headers_that_lie)
{
    struct rb r = reply(P9_RCLUNK, 4);
    size_t n = done(&r);
    CHECK_EQ_INT(p9_parse_clunk(r.b, n, 4), 0);
    CHECK_EQ_INT(p9_parse_clunk(r.b, 6, 4), -EBADMSG);                /* shorter than a header */
    CHECK_EQ_INT(p9_parse_clunk(r.b, 0, 4), -EBADMSG);
    r.b[0] = 6;                                                       /* size below a header */
    CHECK_EQ_INT(p9_parse_clunk(r.b, n, 4), -EBADMSG);
    r.b[0] = 0xff;                                                    /* size beyond the buffer */
    CHECK_EQ_INT(p9_parse_clunk(r.b, n, 4), -EBADMSG);
    r.b[0] = 7;
    r.b[3] = 0x80;
    CHECK_EQ_INT(p9_parse_clunk(r.b, n, 4), -EBADMSG);
    r.b[3] = 0;
    r.b[4] = P9_RREAD;                                                /* another type */
    CHECK_EQ_INT(p9_parse_clunk(r.b, n, 4), -EPROTO);
    /* Trailing bytes past the size field are not part of the message. */
    r = reply(P9_RCLUNK, 4);
    n = done(&r);
    CHECK_EQ_INT(p9_parse_clunk(r.b, n + 100, 4), 0);
}

TEST(p9_parses_walk_replies_within_their_counts)
{
    struct p9_qid q[P9_MAXWELEM];
    struct rb r = reply(P9_RWALK, 5);
    le(&r, 2, 2);
    qid(&r, P9_QTDIR, 1);
    qid(&r, 0, 2);
    size_t n = done(&r);
    CHECK_EQ_INT(p9_parse_walk(r.b, n, 5, q, 2), 2);
    CHECK_EQ_INT(q[1].path, 2);
    CHECK_EQ_INT(p9_parse_walk(r.b, n, 5, q, 3), 2);                  /* partial: fewer than asked */
    CHECK_EQ_INT(p9_parse_walk(r.b, n, 5, q, 1), -EBADMSG);           /* more than asked */
    r.b[0] = (uint8_t)(n - 1);
    CHECK_EQ_INT(p9_parse_walk(r.b, n, 5, q, 2), -EBADMSG);           /* the last qid cut */

    r = reply(P9_RWALK, 5);
    le(&r, 0xffff, 2);
    CHECK_EQ_INT(p9_parse_walk(r.b, done(&r), 5, q, P9_MAXWELEM), -EBADMSG);
    r = reply(P9_RWALK, 5);
    le(&r, 17, 2);
    for (int i = 0; i < 17; i++)
        qid(&r, 0, (uint64_t)i);
    CHECK_EQ_INT(p9_parse_walk(r.b, done(&r), 5, q, P9_MAXWELEM), -EBADMSG);
}

static void getattr_reply(struct rb *r, uint16_t tag, uint64_t valid, uint32_t mode, uint64_t size,
                          int drop)
{
    *r = reply(P9_RGETATTR, tag);
    le(r, valid, 8);
    qid(r, 0, 9);
    le(r, mode, 4);
    le(r, 0, 4);
    le(r, 0, 4);
    le(r, 1, 8);
    le(r, 0, 8);
    le(r, size, 8);
    for (int i = 0; i < 12; i++)          /* blksize, blocks, 4 times, gen, data_version */
        le(r, 0, 8);
    r->n -= (size_t)drop;
    done(r);
}

TEST(p9_parses_getattr)
{
    struct rb r;
    struct p9_attr a;
    getattr_reply(&r, 6, P9_GETATTR_BASIC, 0100644, 0x123456789ull, 0);
    CHECK_EQ_INT(r.n, 7 + 153);
    CHECK_EQ_INT(p9_parse_getattr(r.b, r.n, 6, &a), 0);
    CHECK_EQ_INT(a.mode, 0100644);
    CHECK_EQ_INT(a.size, 0x123456789ull);
    CHECK_EQ_INT(a.qid.path, 9);
    getattr_reply(&r, 6, P9_GETATTR_BASIC, 0100644, 1, 1);
    CHECK_EQ_INT(p9_parse_getattr(r.b, r.n, 6, &a), -EBADMSG);       /* one byte short */
    getattr_reply(&r, 6, P9_GETATTR_MODE, 0100644, 1, 0);
    CHECK_EQ_INT(p9_parse_getattr(r.b, r.n, 6, &a), -EBADMSG);       /* size not valid */
}

TEST(p9_parses_read_counts_against_size_and_request)
{
    struct rb r = reply(P9_RREAD, 7);
    le(&r, 5, 4);
    memcpy(r.b + r.n, "hello", 5);
    r.n += 5;
    size_t n = done(&r);
    const uint8_t *data = NULL;
    CHECK_EQ_INT(p9_parse_read(r.b, n, 7, 5, &data), 5);
    REQUIRE(data != NULL);
    CHECK_MEM(data, "hello", 5);
    CHECK_EQ_INT(data - r.b, P9_RREAD_HDR);
    CHECK_EQ_INT(p9_parse_read(r.b, n, 7, 4, &data), -EBADMSG);       /* more than asked */
    r.b[0] = (uint8_t)(n - 1);
    CHECK_EQ_INT(p9_parse_read(r.b, n, 7, 5, &data), -EBADMSG);       /* count past size */
    r = reply(P9_RREAD, 7);
    le(&r, 0xffffffff, 4);
    CHECK_EQ_INT(p9_parse_read(r.b, done(&r), 7, 0xffffffff, &data), -EBADMSG);
    r = reply(P9_RREAD, 7);
    le(&r, 0, 4);
    CHECK_EQ_INT(p9_parse_read(r.b, done(&r), 7, 100, &data), 0);     /* the end */
    r = reply(P9_RREAD, 7);
    le(&r, 0, 2);
    CHECK_EQ_INT(p9_parse_read(r.b, done(&r), 7, 100, &data), -EBADMSG);
}

TEST(p9_walks_readdir_entries)
{
    struct rb r = reply(P9_RREADDIR, 8);
    size_t count_at = r.n;
    le(&r, 0, 4);
    size_t start = r.n;
    qid(&r, P9_QTDIR, 1);
    le(&r, 1, 8);
    le(&r, P9_DT_DIR, 1);
    str(&r, ".");
    qid(&r, 0, 2);
    le(&r, 0x7fffffffffffffffull, 8);
    le(&r, P9_DT_REG, 1);
    str(&r, "pxelinux.0");
    uint32_t count = (uint32_t)(r.n - start);
    for (int i = 0; i < 4; i++)
        r.b[count_at + (size_t)i] = (uint8_t)(count >> (8 * i));
    size_t n = done(&r);
    const uint8_t *data;
    long got = p9_parse_readdir(r.b, n, 8, 4096, &data);
    REQUIRE_EQ_INT(got, count);
    size_t left = (size_t)got;
    struct p9_dirent d;
    REQUIRE_EQ_INT(p9_dirent_next(&data, &left, &d), 1);
    CHECK_EQ_INT(d.name_len, 1);
    CHECK_EQ_INT(d.type, P9_DT_DIR);
    REQUIRE_EQ_INT(p9_dirent_next(&data, &left, &d), 1);
    CHECK_EQ_INT(d.name_len, 10);
    CHECK_MEM(d.name, "pxelinux.0", 10);
    CHECK_EQ_INT(d.offset, 0x7fffffffffffffffull);
    CHECK_EQ_INT(d.type, P9_DT_REG);
    CHECK_EQ_INT(p9_dirent_next(&data, &left, &d), 0);

    /* Every cut inside an entry is refused, never read past. */
    for (size_t cut = 1; cut < (size_t)count; cut++) {
        const uint8_t *p = r.b + start;
        size_t l = cut;
        int rc;
        while ((rc = p9_dirent_next(&p, &l, &d)) == 1)
            ;
        CHECK(rc == -EBADMSG || (rc == 0 && cut == 24 + 1));
    }
}
