/* The newc reader (net/cpio.c): what it keeps, what it skips, and every way an
 * untrusted archive can lie about its lengths. */
#include "net/cpio.h"
#include "cpio_builder.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct memfile ents[CPIO_MAX_ENTRIES];
static struct cpio_stats st;

static int index_of(const struct ab *a)
{
    return cpio_index(a->buf, a->len, ents, CPIO_MAX_ENTRIES, &st);
}

static const struct memfile *find(int n, const char *name)
{
    return memroot_lookup(ents, n > 0 ? (unsigned)n : 0, name, strlen(name));
}

TEST(cpio_reads_files_and_directories_in_place)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "vmgate.conf", "nic1 nat\n");
    ab_dir(&a, "tftp");
    ab_file(&a, "tftp/pxelinux.0", "PXE!");
    ab_dir(&a, "tftp/debian");
    ab_file(&a, "tftp/debian/linux", "kernel bytes");
    ab_file(&a, "tftp/empty", "");
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 6);
    CHECK_EQ_INT(st.files, 4);
    CHECK_EQ_INT(st.dirs, 2);
    CHECK_EQ_INT(st.entries, 6);
    CHECK_EQ_INT(st.archives, 1);
    CHECK(st.error == NULL);
    /* Sorted by name, bytewise. */
    CHECK_EQ_STR(ents[0].name, "tftp");
    CHECK_EQ_STR(ents[1].name, "tftp/debian");
    CHECK_EQ_STR(ents[2].name, "tftp/debian/linux");
    CHECK_EQ_STR(ents[5].name, "vmgate.conf");
    const struct memfile *f = find(n, "tftp/debian/linux");
    REQUIRE(f != NULL);
    CHECK_EQ_INT(f->size, 12);
    CHECK(!f->dir);
    /* Zero copy: the data and the name point into the archive. */
    CHECK(f->data > a.buf && f->data + f->size <= a.buf + a.len);
    CHECK((const uint8_t *)f->name > a.buf && (const uint8_t *)f->name < a.buf + a.len);
    CHECK_MEM(f->data, "kernel bytes", 12);
    CHECK_EQ_INT(f->name[f->name_len], 0);
    f = find(n, "tftp/empty");
    REQUIRE(f != NULL);
    CHECK_EQ_INT(f->size, 0);
    f = find(n, "tftp");
    REQUIRE(f != NULL);
    CHECK(f->dir);
    CHECK(find(n, "tftp/nothing") == NULL);
    ab_free(&a);
}

TEST(cpio_pads_names_and_data_to_four_bytes)
{
    /* Names of 1..9 bytes with data of 0..6 bytes: every padding a header, a name
     * and data can need, each read back exactly. */
    struct ab a;
    ab_init(&a);
    char names[9][16], datas[9][8];
    for (int i = 0; i < 9; i++) {
        memset(names[i], 'a' + i, (size_t)i + 1);
        names[i][i + 1] = 0;
        memset(datas[i], '0' + i, (size_t)(i % 7));
        datas[i][i % 7] = 0;
        ab_file(&a, names[i], datas[i]);
    }
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 9);
    for (int i = 0; i < 9; i++) {
        const struct memfile *f = find(n, names[i]);
        REQUIRE(f != NULL);
        CHECK_EQ_INT(f->size, i % 7);
        CHECK_MEM(f->data, datas[i], (size_t)(i % 7));
        CHECK_EQ_INT(((uintptr_t)f->data - (uintptr_t)a.buf) % 4 == 0 || f->size == 0, 1);
    }
    ab_free(&a);
}

TEST(cpio_last_of_duplicate_names_wins)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "tftp/boot.ipxe", "old");
    ab_file(&a, "tftp/other", "x");
    ab_file(&a, "./tftp/boot.ipxe", "newer");            /* same name after "./" */
    ab_file(&a, "tftp/boot.ipxe", "newest");
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 2);
    CHECK_EQ_INT(st.duplicates, 2);
    const struct memfile *f = find(n, "tftp/boot.ipxe");
    REQUIRE(f != NULL);
    CHECK_EQ_INT(f->size, 6);
    CHECK_MEM(f->data, "newest", 6);
    ab_free(&a);
}

TEST(cpio_a_later_archive_overrides_an_earlier_one)
{
    /* cat base.cpio overlay.cpio, with GNU cpio's 512-byte block padding between. */
    struct ab a;
    ab_init(&a);
    ab_file(&a, "vmgate.conf", "nic1 nat 10.0.5.0/24\n");
    ab_file(&a, "tftp/a", "A");
    ab_trailer(&a);
    ab_zeros(&a, 512 - a.len % 512);
    ab_file(&a, "vmgate.conf", "nic1 nat 10.0.6.0/24\n");
    ab_trailer(&a);
    ab_zeros(&a, 200);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 2);
    CHECK_EQ_INT(st.archives, 2);
    const struct memfile *f = find(n, "vmgate.conf");
    REQUIRE(f != NULL);
    CHECK_MEM(f->data, "nic1 nat 10.0.6.0/24\n", 21);
    CHECK(find(n, "tftp/a") != NULL);
    ab_free(&a);
}

TEST(cpio_skips_links_devices_and_unclean_names)
{
    struct ab a;
    ab_init(&a);
    ab_entry_full(&a, 0, AB_LNK, 1, 1, "tftp/link", "target", 6);
    ab_entry_full(&a, 0, AB_CHR, 2, 1, "dev/console", NULL, 0);
    ab_entry_full(&a, 0, AB_FIFO, 3, 1, "tftp/fifo", NULL, 0);
    ab_entry_full(&a, 0, 0140644, 4, 1, "tftp/sock", NULL, 0);
    ab_entry_full(&a, 0, 0060644, 5, 1, "dev/sda", NULL, 0);
    ab_dir(&a, ".");                                     /* the root itself: no entry, no count */
    ab_dir(&a, "./");
    ab_file(&a, "a//b", "x");
    ab_file(&a, "a/../b", "x");
    ab_file(&a, "a/./b", "x");
    ab_file(&a, "tab\there", "x");
    ab_file(&a, "tftp/", "x");
    ab_file(&a, "/abs/ok", "kept without its leading slash");
    ab_file(&a, "././dots", "kept");
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    ab_file(&a, longname, "too long");
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 2);
    CHECK_EQ_INT(st.skipped_special, 5);
    CHECK_EQ_INT(st.skipped_names, 6);
    CHECK(find(n, "abs/ok") != NULL);
    CHECK(find(n, "dots") != NULL);
    ab_free(&a);
}

TEST(cpio_hard_links_share_the_data_of_the_last)
{
    /* GNU cpio writes a hard-linked file's data with its last link only. */
    struct ab a;
    ab_init(&a);
    ab_entry_full(&a, 0, AB_REG, 77, 3, "tftp/one", NULL, 0);
    ab_entry_full(&a, 0, AB_REG, 77, 3, "tftp/two", NULL, 0);
    ab_file(&a, "tftp/between", "b");
    ab_entry_full(&a, 0, AB_REG, 77, 3, "tftp/three", "shared", 6);
    ab_entry_full(&a, 0, AB_REG, 78, 2, "tftp/orphan", NULL, 0);   /* its data never comes */
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 5);
    static const char *const linked[] = { "tftp/one", "tftp/two", "tftp/three" };
    for (int i = 0; i < 3; i++) {
        const struct memfile *f = find(n, linked[i]);
        REQUIRE(f != NULL);
        CHECK_EQ_INT(f->size, 6);
        CHECK_MEM(f->data, "shared", 6);
    }
    CHECK_EQ_INT(find(n, "tftp/orphan")->size, 0);
    ab_free(&a);
}

TEST(cpio_checks_the_070702_sum)
{
    struct ab a;
    ab_init(&a);
    ab_entry_full(&a, 1, AB_REG, 1, 1, "tftp/summed", "\xff\xfe\x01", 3);
    ab_entry_full(&a, 1, AB_DIR, 2, 2, "tftp", NULL, 0);
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, 2);
    CHECK(st.checksummed);
    /* One bit of the data flipped. */
    const struct memfile *f = find(n, "tftp/summed");
    REQUIRE(f != NULL);
    a.buf[f->data - a.buf] ^= 1;
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    CHECK_EQ_STR(st.error, "070702 checksum does not match the data");
    ab_free(&a);

    /* An empty file claiming a sum, cut right after its name: the place named is
     * inside the buffer (found by fuzz_cpio: it was past the end). */
    ab_init(&a);
    ab_entry_full(&a, 1, AB_REG, 1, 1, "tftp/e", NULL, 0);
    memcpy(a.buf + ab_field(0, 12), "00000005", 8);
    size_t cut = 110 + 7;                                /* name and NUL, no padding */
    CHECK_EQ_INT(cpio_index(a.buf, cut, ents, CPIO_MAX_ENTRIES, &st), -EINVAL);
    CHECK_EQ_STR(st.error, "070702 checksum does not match the data");
    CHECK(st.error_at <= cut);
    ab_free(&a);
}

TEST(cpio_refuses_every_truncation)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "vmgate.conf", "nic1 nat\n");
    ab_file(&a, "tftp/x", "12345");
    ab_trailer(&a);
    REQUIRE(index_of(&a) == 2);
    /* Any cut before the trailer's own padding loses something: refused, never a
     * partial index. (The last 3 bytes are the trailer's padding.) */
    size_t full = a.len;
    for (size_t cut = 0; cut + 3 < full; cut++) {
        int rc = cpio_index(a.buf, cut, ents, CPIO_MAX_ENTRIES, &st);
        if (rc != -EINVAL) {
            CHECK_EQ_INT(cut, -1);                       /* names the failing cut */
            break;
        }
        CHECK(st.error != NULL);
        CHECK(st.error_at <= cut);
    }
    ab_free(&a);
}

TEST(cpio_refuses_an_archive_without_trailer)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "tftp/x", "12345");
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    CHECK_EQ_STR(st.error, "the archive ends without its TRAILER!!! (cut short?)");
    ab_zeros(&a, 4);                                     /* zeros are not a trailer either */
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    ab_free(&a);
}

TEST(cpio_refuses_bad_hex_in_every_field)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "tftp/x", "12345");
    ab_trailer(&a);
    REQUIRE(index_of(&a) == 1);
    static const char bad[] = { 'g', 'G', ' ', '-', '+', 'x', 0, (char)0xff };
    for (int field = 0; field < 13; field++) {
        for (size_t b = 0; b < sizeof bad; b++) {
            for (int pos = 0; pos < 8; pos += 7) {
                size_t at = ab_field(0, field) + (size_t)pos;
                uint8_t keep = a.buf[at];
                a.buf[at] = (uint8_t)bad[b];
                int rc = index_of(&a);
                CHECK_EQ_INT(rc, -EINVAL);
                CHECK_EQ_INT(st.error_at, ab_field(0, field));
                a.buf[at] = keep;
            }
        }
    }
    /* Lower-case hex digits are hex digits. */
    size_t size_field = ab_field(0, 6);
    REQUIRE_MEM(a.buf + size_field, "00000005", 8);
    memcpy(a.buf + ab_field(0, 0), "0000abcd", 8);
    CHECK_EQ_INT(index_of(&a), 1);
    ab_free(&a);
}

TEST(cpio_refuses_names_and_sizes_that_lie)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "tftp/xy", "12345");
    ab_trailer(&a);
    REQUIRE(index_of(&a) == 1);
    size_t namesize = ab_field(0, 11), filesize = ab_field(0, 6);
    struct { size_t field; const char *value; const char *why; } cases[] = {
        { namesize, "00000000", "name size 0 (no room for its NUL)" },
        { namesize, "00000007", "name without its NUL" },        /* NUL is the 8th byte */
        { namesize, "FFFFFFFF", "name runs past the end" },
        { namesize, "7FFFFFFF", "name runs past the end" },
        { filesize, "FFFFFFFF", "data runs past the end" },
        { filesize, "00010000", "data runs past the end" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char keep[8];
        memcpy(keep, a.buf + cases[i].field, 8);
        memcpy(a.buf + cases[i].field, cases[i].value, 8);
        CHECK_EQ_INT(index_of(&a), -EINVAL);
        CHECK_EQ_STR(st.error, cases[i].why);
        memcpy(a.buf + cases[i].field, keep, 8);
    }
    /* A NUL inside the name. */
    a.buf[110 + 3] = 0;
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    CHECK_EQ_STR(st.error, "NUL inside a name");
    ab_free(&a);
}

TEST(cpio_refuses_other_formats_and_junk)
{
    struct ab a;
    ab_init(&a);
    ab_file(&a, "x", "1");
    ab_trailer(&a);
    REQUIRE(index_of(&a) == 1);
    CHECK(cpio_is_newc(a.buf, a.len));
    memcpy(a.buf, "070707", 6);                          /* the old portable (odc) format */
    CHECK(!cpio_is_newc(a.buf, a.len));
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    memcpy(a.buf, "070701", 6);
    size_t good = a.len;
    memcpy(a.buf + a.len, "junk", 4);                    /* after the trailer */
    a.len += 4;
    CHECK_EQ_INT(index_of(&a), -EINVAL);
    CHECK_EQ_STR(st.error, "bytes after the trailer are neither padding nor another archive");
    CHECK_EQ_INT(st.error_at, good);
    CHECK_EQ_INT(cpio_index(a.buf, 0, ents, CPIO_MAX_ENTRIES, &st), -EINVAL);
    CHECK(!cpio_is_newc("0707", 4));
    CHECK(!cpio_is_newc("\x1f\x8b\x08\x00\x00\x00", 6));   /* gzip */
    ab_free(&a);
}

TEST(cpio_index_is_bounded)
{
    /* More entries than the index holds: the first cap are kept, the rest counted,
     * and the archive is still read to its trailer. */
    struct ab a;
    ab_init(&a);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "tftp/f%05d", i);
        ab_entry_full(&a, 0, AB_REG, (uint32_t)i, 1, name, NULL, 0);
    }
    ab_trailer(&a);
    int n = index_of(&a);
    REQUIRE_EQ_INT(n, CPIO_MAX_ENTRIES);
    CHECK_EQ_INT(st.skipped_over_cap, 5000 - CPIO_MAX_ENTRIES);
    CHECK_EQ_INT(st.entries, 5000);
    struct memfile small[3];
    CHECK_EQ_INT(cpio_index(a.buf, a.len, small, 3, &st), 3);
    CHECK_EQ_INT(st.skipped_over_cap, 4997);
    CHECK_EQ_INT(cpio_index(a.buf, a.len, small, 0, &st), 0);
    ab_free(&a);
}
