/* tools/mkinitrd's archives (packed by make from tests/unit/data/mkinitrd, see
 * unit.mk) read back through net/cpio.c: what the tool writes is what vmgate
 * serves, and the tool's promises (sorted, mtime 0, uid 0, fixed modes, padded
 * to 512 bytes) hold in the bytes. */
#include "net/cpio.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static uint32_t field(const uint8_t *hdr, int i)
{
    char hex[9];
    memcpy(hex, hdr + 6 + 8 * i, 8);
    hex[8] = 0;
    return (uint32_t)strtoul(hex, NULL, 16);
}

static void check_archive(const char *path, const char *magic)
{
    size_t len = 0;
    uint8_t *a = slurp(path, &len);
    if (!a)
        fprintf(stderr, "    %s missing: run the unit tests through make unit\n", path);
    REQUIRE(a != NULL);
    CHECK_EQ_INT(len % 512, 0);
    CHECK_MEM(a, magic, 6);

    struct memfile ents[32];
    struct cpio_stats st;
    int n = cpio_index(a, len, ents, 32, &st);
    REQUIRE_EQ_INT(n, 7);
    CHECK_EQ_INT(st.files, 5);
    CHECK_EQ_INT(st.dirs, 2);
    CHECK_EQ_INT(st.duplicates, 0);
    CHECK_EQ_INT(st.checksummed, magic[5] == '2');
    const struct memfile *conf = memroot_lookup(ents, (unsigned)n, "vmgate.conf", 11);
    REQUIRE(conf != NULL);
    CHECK_EQ_INT(conf->size, 21);
    CHECK_MEM(conf->data, "nic1 nat 10.0.5.0/24\n", 21);
    const struct memfile *linux_ = memroot_lookup(ents, (unsigned)n, "tftp/debian/linux", 17);
    REQUIRE(linux_ != NULL);
    REQUIRE_EQ_INT(linux_->size, 1000);
    for (int i = 0; i < 1000; i++)
        if (linux_->data[i] != (uint8_t)(i * 7 + 3)) {
            CHECK_EQ_INT(i, -1);
            break;
        }
    CHECK(memroot_lookup(ents, (unsigned)n, "tftp/empty", 10) != NULL);

    struct memroot root;
    REQUIRE_EQ_INT(memroot_init(&root, ents, (unsigned)n, "tftp/", "initrd cpio"), 0);
    CHECK_EQ_INT(root.n_files, 4);
    CHECK_EQ_INT(root.bytes, 42 + 1000 + 0 + 3);

    /* The raw headers: names in sorted order, mtime, uid and gid 0, fixed modes. */
    size_t off = 0;
    char prev[256] = "";
    int entries = 0;
    while (off + 110 <= len) {
        const uint8_t *h = a + off;
        uint32_t mode = field(h, 1), namesize = field(h, 11), size = field(h, 6);
        const char *name = (const char *)h + 110;
        if (strcmp(name, "TRAILER!!!") == 0)
            break;
        CHECK(strcmp(prev, name) < 0);
        snprintf(prev, sizeof prev, "%s", name);
        CHECK_EQ_INT(field(h, 5), 0);                 /* mtime */
        CHECK_EQ_INT(field(h, 2), 0);                 /* uid */
        CHECK_EQ_INT(field(h, 3), 0);                 /* gid */
        CHECK(mode == 0100644 || mode == 0040755);
        off = (off + 110 + namesize + 3) & ~(size_t)3;
        off = (off + size + 3) & ~(size_t)3;
        entries++;
    }
    CHECK_EQ_INT(entries, 7);
    free(a);
}

TEST(mkinitrd_archive_reads_back)
{
    check_archive("build/unit/mkinitrd.cpio", "070701");
}

TEST(mkinitrd_crc_archive_reads_back_with_its_sums_checked)
{
    check_archive("build/unit/mkinitrd-crc.cpio", "070702");
}
