/* The 9P file root (net/p9_root.c) against a fake server (p9_fake.c): files far
 * larger than memory read at far offsets, read-ahead, short and failed reads,
 * walks deeper than one Twalk carries, and never a request a real server would
 * refuse nor a fid left behind. */
#include "net/p9_root.h"
#include "p9_fake.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEEP 20
static char deep_paths[DEEP + 1][128];
static struct fake_node nodes[16 + DEEP + 1];
static unsigned n_nodes;

static void tree(void)
{
    static const struct fake_node fixed[] = {
        { "", 0040755, 0, 0 },
        { "pxelinux.0", 0100644, 10000, 0 },
        { "big.img", 0100644, 6ull << 30, 0 },               /* 6 GiB */
        { "debian", 0040755, 0, 0 },
        { "debian/linux", 0100644, 200000, 0 },
        { "debian/initrd.gz", 0100644, 3, 0 },
        { "link", 0120777, 10, 0 },
        { "fifo", 0010644, 0, 0 },
        { "untyped", 0100644, 7, FAKE_DT_UNKNOWN },         /* readdir does not know */
        { "untyped_dir", 0040755, 0, FAKE_DT_UNKNOWN },
        { "untyped_dir/in", 0100644, 1, 0 },
    };
    n_nodes = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        nodes[n_nodes++] = fixed[i];
    /* d1/d2/.../d20, then d1/.../d20/leaf */
    for (int i = 0; i < DEEP; i++) {
        snprintf(deep_paths[i], sizeof deep_paths[i], "%.100s%sd%d", i ? deep_paths[i - 1] : "",
                 i ? "/" : "", i + 1);
        nodes[n_nodes++] = (struct fake_node){ deep_paths[i], 0040755, 0, 0 };
    }
    char *p = deep_paths[DEEP];
    snprintf(p, sizeof deep_paths[DEEP], "%.100s/leaf", deep_paths[DEEP - 1]);
    nodes[n_nodes++] = (struct fake_node){ p, 0100644, 5, 0 };
}

static struct fake9p fake;
static struct p9_root pr;

static int start(uint32_t msize_cap)
{
    tree();
    fake9p_init(&fake, nodes, n_nodes);
    fake.msize_cap = msize_cap;
    return p9_root_init(&pr, fake9p_rpc, &fake, P9_ROOT_MSIZE, "virtio-9p share vmgate-tftp");
}

static bool content_ok(const uint8_t *buf, uint64_t off, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != fake9p_byte(off + i))
            return false;
    return true;
}

static void finish(void)
{
    CHECK_EQ_INT(fake.violations, 0);
    if (fake.violations)
        fprintf(stderr, "    last violation: %s\n", fake.last_violation);
    CHECK_EQ_INT(fake9p_fids_in_use(&fake), 0);
    p9_root_free(&pr);
}

TEST(p9_root_negotiates_version_and_attaches)
{
    REQUIRE_EQ_INT(start(0), 0);
    CHECK_EQ_INT(pr.msize, P9_ROOT_MSIZE);
    CHECK_EQ_INT(fake.calls[P9_TVERSION], 1);
    CHECK_EQ_INT(fake.calls[P9_TATTACH], 1);
    CHECK_EQ_STR(pr.root.name, "virtio-9p share vmgate-tftp");
    CHECK(pr.root.ops->map == NULL);
    finish();

    REQUIRE_EQ_INT(start(8192), 0);                          /* the server gives less */
    CHECK_EQ_INT(pr.msize, 8192);
    finish();

    CHECK_EQ_INT(start(2048), -EPROTO);                      /* too small to be useful */
    tree();
    fake9p_init(&fake, nodes, n_nodes);
    fake.version = "unknown";
    CHECK_EQ_INT(p9_root_init(&pr, fake9p_rpc, &fake, P9_ROOT_MSIZE, "x"), -EPROTO);
    fake9p_init(&fake, nodes, n_nodes);
    fake.transport_error = -ETIMEDOUT;
    CHECK_EQ_INT(p9_root_init(&pr, fake9p_rpc, &fake, P9_ROOT_MSIZE, "x"), -ETIMEDOUT);
    fake9p_init(&fake, nodes, n_nodes);
    fake.fail_type = P9_TATTACH;
    fake.fail_errno = 13;
    CHECK_EQ_INT(p9_root_init(&pr, fake9p_rpc, &fake, P9_ROOT_MSIZE, "x"), -EACCES);
}

TEST(p9_root_reads_far_into_a_file_larger_than_memory)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    uint64_t size = 0;
    int h = r->ops->open(r->ctx, "big.img", &size);
    REQUIRE(h >= 0);
    CHECK_EQ_INT(size, 6ull << 30);
    uint8_t buf[4096];
    uint64_t far = (5ull << 30) + 123;
    CHECK_EQ_INT(r->ops->read(r->ctx, h, far, buf, sizeof buf), sizeof buf);
    CHECK(content_ok(buf, far, sizeof buf));
    CHECK_EQ_INT(r->ops->read(r->ctx, h, size - 10, buf, 100), 10);
    CHECK(content_ok(buf, size - 10, 10));
    CHECK_EQ_INT(r->ops->read(r->ctx, h, size, buf, 100), 0);
    CHECK_EQ_INT(r->ops->read(r->ctx, h, size + 5000, buf, 100), 0);
    r->ops->close(r->ctx, h);
    CHECK(fake.max_count_seen <= pr.msize - P9_RREAD_HDR);
    finish();
}

TEST(p9_root_reads_blocks_through_its_read_ahead)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    uint64_t size = 0;
    int h = r->ops->open(r->ctx, "debian/linux", &size);
    REQUIRE(h >= 0);
    REQUIRE_EQ_INT(size, 200000);
    uint8_t *buf = malloc(200000);
    uint64_t off = 0;
    while (off < size) {
        long n = r->ops->read(r->ctx, h, off, buf + off, 1432);     /* a TFTP block */
        REQUIRE(n > 0);
        CHECK(n == 1432 || off + (uint64_t)n == size);
        off += (uint64_t)n;
    }
    CHECK(content_ok(buf, 0, 200000));
    /* One Tread per 32 KiB, not per block. */
    CHECK_EQ_INT(fake.calls[P9_TREAD], (200000 + P9_ROOT_READAHEAD - 1) / P9_ROOT_READAHEAD);
    /* A window resent from an earlier block refills from there. */
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 1432 * 3, buf, 1432), 1432);
    CHECK(content_ok(buf, 1432 * 3, 1432));
    r->ops->close(r->ctx, h);
    free(buf);
    finish();
}

TEST(p9_root_splits_large_reads_to_fit_msize)
{
    REQUIRE_EQ_INT(start(8192), 0);
    const struct fileroot *r = &pr.root;
    uint64_t size;
    int h = r->ops->open(r->ctx, "big.img", &size);
    REQUIRE(h >= 0);
    uint8_t *buf = malloc(65536);
    uint64_t at = 3ull << 30;
    CHECK_EQ_INT(r->ops->read(r->ctx, h, at, buf, 65536), 65536);
    CHECK(content_ok(buf, at, 65536));
    CHECK_EQ_INT(fake.max_count_seen, 8192 - P9_RREAD_HDR);
    CHECK(fake.calls[P9_TREAD] >= 65536 / (8192 - 11));
    r->ops->close(r->ctx, h);
    free(buf);
    finish();
}

TEST(p9_root_carries_on_through_short_reads_and_stops_at_a_shrunk_end)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    fake.max_read = 1000;                                    /* a server that returns less */
    uint64_t size;
    int h = r->ops->open(r->ctx, "pxelinux.0", &size);
    REQUIRE(h >= 0);
    uint8_t buf[8000];
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 0, buf, 5000), 5000);
    CHECK(content_ok(buf, 0, 5000));
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 9990, buf, 100), 10);
    r->ops->close(r->ctx, h);

    fake.max_read = 0;
    fake.shrink_to = 100;                                    /* the host truncated it */
    h = r->ops->open(r->ctx, "pxelinux.0", &size);
    REQUIRE(h >= 0);
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 0, buf, 4096), 100);
    CHECK(content_ok(buf, 0, 100));
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 100, buf, 40000), 0);
    r->ops->close(r->ctx, h);
    finish();
}

TEST(p9_root_passes_read_errors_on)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    uint64_t size;
    int h = r->ops->open(r->ctx, "pxelinux.0", &size);
    REQUIRE(h >= 0);
    fake.fail_type = P9_TREAD;
    fake.fail_errno = 5;
    uint8_t buf[100];
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 0, buf, 100), -EIO);
    CHECK_EQ_INT(r->ops->read(r->ctx, 999, 0, buf, 100), -EBADF);
    CHECK_EQ_INT(r->ops->read(r->ctx, -1, 0, buf, 100), -EBADF);
    r->ops->close(r->ctx, h);
    r->ops->close(r->ctx, h);                                /* twice: harmless */
    fake.fail_type = 0;
    fake.transport_error = -ETIMEDOUT;
    CHECK_EQ_INT(r->ops->open(r->ctx, "pxelinux.0", &size), -ETIMEDOUT);
    fake.transport_error = 0;
    finish();
}

TEST(p9_root_open_refuses_what_is_not_a_regular_file)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    uint64_t size;
    CHECK_EQ_INT(r->ops->open(r->ctx, "missing", &size), -ENOENT);
    CHECK_EQ_INT(r->ops->open(r->ctx, "debian", &size), -EISDIR);
    CHECK_EQ_INT(r->ops->open(r->ctx, "link", &size), -ENOENT);       /* not followed */
    CHECK_EQ_INT(r->ops->open(r->ctx, "fifo", &size), -ENOENT);
    CHECK_EQ_INT(r->ops->open(r->ctx, "pxelinux.0/x", &size), -ENOENT); /* through a file */
    CHECK_EQ_INT(r->ops->open(r->ctx, "debian/missing", &size), -ENOENT); /* partial walk */
    CHECK_EQ_INT(fake9p_fids_in_use(&fake), 0);
    /* Twenty names: two Twalks, the second from the fid the first made. */
    unsigned walks = fake.calls[P9_TWALK];
    int h = r->ops->open(r->ctx, deep_paths[DEEP], &size);
    REQUIRE(h >= 0);
    CHECK_EQ_INT(size, 5);
    CHECK_EQ_INT(fake.calls[P9_TWALK] - walks, 2);
    r->ops->close(r->ctx, h);
    /* Missing in the second Twalk: the fid the first made is clunked. */
    char path[200];
    snprintf(path, sizeof path, "%s/nothing", deep_paths[DEEP - 1]);
    CHECK_EQ_INT(r->ops->open(r->ctx, path, &size), -ENOENT);
    finish();
}

TEST(p9_root_open_is_bounded)
{
    REQUIRE_EQ_INT(start(0), 0);
    const struct fileroot *r = &pr.root;
    int h[P9_ROOT_MAX_OPEN];
    uint64_t size;
    for (int i = 0; i < P9_ROOT_MAX_OPEN; i++) {
        h[i] = r->ops->open(r->ctx, "debian/initrd.gz", &size);
        REQUIRE(h[i] >= 0);
    }
    CHECK_EQ_INT(r->ops->open(r->ctx, "debian/initrd.gz", &size), -EMFILE);
    uint8_t b[3];
    CHECK_EQ_INT(r->ops->read(r->ctx, h[40], 0, b, 3), 3);
    for (int i = 0; i < P9_ROOT_MAX_OPEN; i++)
        r->ops->close(r->ctx, h[i]);
    h[0] = r->ops->open(r->ctx, "debian/initrd.gz", &size);
    CHECK(h[0] >= 0);
    r->ops->close(r->ctx, h[0]);
    finish();
}

struct listing {
    char all[16384];
    unsigned n, stop_after;
};

static int collect(void *arg, const char *path, uint64_t size)
{
    struct listing *l = arg;
    size_t used = strlen(l->all);
    snprintf(l->all + used, sizeof l->all - used, "%s=%llu;", path, (unsigned long long)size);
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

TEST(p9_root_lists_the_tree_within_its_bounds)
{
    REQUIRE_EQ_INT(start(0), 0);
    struct listing l = { .all = "" };
    CHECK_EQ_INT(pr.root.ops->list(pr.root.ctx, collect, &l), 0);
    CHECK_EQ_STR(l.all, "pxelinux.0=10000;big.img=6442450944;debian/linux=200000;"
                        "debian/initrd.gz=3;untyped=7;untyped_dir/in=1;");
    /* The deep leaf is past P9_ROOT_LIST_DEPTH: not listed (and no fid left). */
    CHECK(strstr(l.all, "leaf") == NULL);
    struct listing one = { .all = "", .stop_after = 2 };
    CHECK_EQ_INT(pr.root.ops->list(pr.root.ctx, collect, &one), 0);
    CHECK_EQ_INT(one.n, 2);
    finish();
}

TEST(p9_root_lists_with_small_directory_batches)
{
    /* msize 4096: readdir batches of at most 4085 bytes, many entries per
     * directory read across several Treaddir calls. */
    static struct fake_node many[200];
    static char names[200][48];
    many[0] = (struct fake_node){ "", 0040755, 0, 0 };
    for (int i = 1; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "file-with-a-long-name-%03d", i);
        many[i] = (struct fake_node){ names[i], 0100644, (uint64_t)i, 0 };
    }
    fake9p_init(&fake, many, 200);
    fake.msize_cap = 4096;
    REQUIRE_EQ_INT(p9_root_init(&pr, fake9p_rpc, &fake, P9_ROOT_MSIZE, "x"), 0);
    struct listing l = { .all = "" };
    CHECK_EQ_INT(pr.root.ops->list(pr.root.ctx, collect, &l), 0);
    CHECK_EQ_INT(l.n, 199);
    CHECK(fake.calls[P9_TREADDIR] >= 3);
    CHECK(strstr(l.all, "file-with-a-long-name-199=199;") != NULL);
    finish();
}
