/* The in-memory file root (net/memroot.c) as the servers see it: over a cpio
 * archive's tftp/ folder, and over a plain table like the UEFI loader's. */
#include "net/cpio.h"
#include "net/memroot.h"
#include "cpio_builder.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct memfile ents[64];

struct seen {
    char paths[16][64];
    uint64_t sizes[16];
    int n, stop_after;
};

static int collect(void *arg, const char *path, uint64_t size)
{
    struct seen *s = arg;
    if (s->n < 16) {
        snprintf(s->paths[s->n], sizeof s->paths[0], "%s", path);
        s->sizes[s->n] = size;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int build_root(struct ab *a, struct memroot *m)
{
    struct cpio_stats st;
    ab_init(a);
    ab_file(a, "vmgate.conf", "nic1 nat\n");
    ab_dir(a, "tftp");
    ab_file(a, "tftp/pxelinux.0", "0123456789");
    ab_dir(a, "tftp/debian");
    ab_file(a, "tftp/debian/linux", "kernel");
    ab_file(a, "tftp/implied/dir/file", "deep");        /* no entries for its directories */
    ab_file(a, "tftpx", "a sibling of tftp/, not inside it");
    ab_file(a, "other/file", "outside");
    ab_trailer(a);
    int n = cpio_index(a->buf, a->len, ents, 64, &st);
    if (n < 0)
        return n;
    return memroot_init(m, ents, (unsigned)n, "tftp/", "initrd cpio");
}

TEST(memroot_serves_the_archive_tftp_folder)
{
    struct ab a;
    struct memroot m;
    REQUIRE_EQ_INT(build_root(&a, &m), 0);
    const struct fileroot *r = &m.root;
    CHECK_EQ_STR(r->name, "initrd cpio");
    CHECK_EQ_INT(m.n_files, 3);
    CHECK_EQ_INT(m.bytes, 10 + 6 + 4);

    uint64_t size = 0;
    int h = r->ops->open(r->ctx, "pxelinux.0", &size);
    REQUIRE(h >= 0);
    CHECK_EQ_INT(size, 10);
    char buf[16];
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 0, buf, 4), 4);
    CHECK_MEM(buf, "0123", 4);
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 7, buf, 16), 3);   /* fewer only at the end */
    CHECK_MEM(buf, "789", 3);
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 10, buf, 16), 0);
    CHECK_EQ_INT(r->ops->read(r->ctx, h, 1ull << 40, buf, 16), 0);
    size_t len = 0;
    const uint8_t *p = r->ops->map(r->ctx, h, 2, &len);
    REQUIRE(p != NULL);
    CHECK_EQ_INT(len, 8);
    CHECK(p > a.buf && p < a.buf + a.len);                  /* the archive's own bytes */
    CHECK_MEM(p, "23456789", 8);
    CHECK(r->ops->map(r->ctx, h, 11, &len) == NULL);
    r->ops->close(r->ctx, h);

    h = r->ops->open(r->ctx, "debian/linux", &size);
    CHECK(h >= 0);
    CHECK_EQ_INT(size, 6);
    h = r->ops->open(r->ctx, "implied/dir/file", &size);
    CHECK(h >= 0);
    ab_free(&a);
}

TEST(memroot_refuses_what_is_not_a_file_under_its_prefix)
{
    struct ab a;
    struct memroot m;
    REQUIRE_EQ_INT(build_root(&a, &m), 0);
    const struct fileroot *r = &m.root;
    uint64_t size;
    CHECK_EQ_INT(r->ops->open(r->ctx, "debian", &size), -EISDIR);
    CHECK_EQ_INT(r->ops->open(r->ctx, "implied", &size), -EISDIR);     /* implied by a file below */
    CHECK_EQ_INT(r->ops->open(r->ctx, "implied/dir", &size), -EISDIR);
    CHECK_EQ_INT(r->ops->open(r->ctx, "vmgate.conf", &size), -ENOENT); /* outside tftp/ */
    CHECK_EQ_INT(r->ops->open(r->ctx, "pxelinux", &size), -ENOENT);
    CHECK_EQ_INT(r->ops->open(r->ctx, "pxelinux.0/x", &size), -ENOENT);
    CHECK_EQ_INT(r->ops->open(r->ctx, "debian/linu", &size), -ENOENT);
    char buf[4];
    CHECK_EQ_INT(r->ops->read(r->ctx, -1, 0, buf, 4), -EBADF);
    CHECK_EQ_INT(r->ops->read(r->ctx, 1000, 0, buf, 4), -EBADF);
    CHECK_EQ_INT(r->ops->read(r->ctx, 0, 0, buf, 4), -EBADF);  /* "other/file": not under tftp/ */
    ab_free(&a);
}

TEST(memroot_lists_files_without_the_prefix)
{
    struct ab a;
    struct memroot m;
    REQUIRE_EQ_INT(build_root(&a, &m), 0);
    struct seen s = { 0 };
    CHECK_EQ_INT(m.root.ops->list(m.root.ctx, collect, &s), 0);
    REQUIRE_EQ_INT(s.n, 3);
    CHECK_EQ_STR(s.paths[0], "debian/linux");
    CHECK_EQ_STR(s.paths[1], "implied/dir/file");
    CHECK_EQ_STR(s.paths[2], "pxelinux.0");
    CHECK_EQ_INT(s.sizes[2], 10);
    struct seen one = { .stop_after = 1 };
    m.root.ops->list(m.root.ctx, collect, &one);
    CHECK_EQ_INT(one.n, 1);
    ab_free(&a);
}

TEST(memroot_over_a_plain_table)
{
    /* As bootfiles builds one from the UEFI loader's files: no prefix. */
    static const uint8_t d1[] = "efi", d2[] = "ipxe";
    struct memfile t[] = {
        { "sub/boot.ipxe", 13, false, d2, 4 },
        { "bootx64.efi", 11, false, d1, 3 },
    };
    memroot_sort(t, 2);
    CHECK_EQ_STR(t[0].name, "bootx64.efi");
    struct memroot m;
    REQUIRE_EQ_INT(memroot_init(&m, t, 2, "", "ESP \\tftp"), 0);
    CHECK_EQ_INT(m.n_files, 2);
    uint64_t size;
    int h = m.root.ops->open(m.root.ctx, "sub/boot.ipxe", &size);
    CHECK(h >= 0);
    CHECK_EQ_INT(size, 4);
    CHECK_EQ_INT(m.root.ops->open(m.root.ctx, "sub", &size), -EISDIR);
    CHECK_EQ_INT(memroot_init(&m, t, 2, "tftp", "x"), -EINVAL);         /* no trailing '/' */
    CHECK_EQ_INT(memroot_init(&m, t, 2, "0123456789012345678901234567890123456789/", "x"), -EINVAL);
}
