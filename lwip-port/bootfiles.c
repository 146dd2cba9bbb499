/* Contract in bootfiles.h. The tables behind the in-memory roots are allocated
 * once at boot and live as long as vmgate does, like the bytes they point to. */
#include "bootfiles.h"
#include "../net/cpio.h"
#include "../net/crc32.h"
#include "../net/memroot.h"
#include "../net/p9_root.h"
#include "../drivers/virtio_9p.h"
#include "../kernel/clock.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct fileroot *active;

static struct memfile *cpio_files;      /* the archive's index */
static unsigned cpio_n;
static struct memroot cpio_root;
static bool cpio_has_tftp;              /* the archive holds a tftp/ folder */

static struct memfile esp_files[BOOT_FILES_MAX];
static struct memroot esp_root;

static struct p9_root p9_root;

const struct fileroot *bootfiles_root(void)
{
    return active;
}

/* "512 B", "3.0 KiB", "14.2 MiB", "1.5 GiB": integers only (no FPU in here). */
static const char *human(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
    if (bytes < 1024) {
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
        return buf;
    }
    int u = 0;
    uint64_t div = 1024;
    while (u < 3 && bytes >= div * 1024) {
        div *= 1024;
        u++;
    }
    uint64_t tenths = (bytes * 10 + div / 2) / div;
    snprintf(buf, cap, "%llu.%llu %s", (unsigned long long)(tenths / 10),
             (unsigned long long)(tenths % 10), unit[u]);
    return buf;
}

/* What a module that is no archive and no text starts with, for a clear refusal
 * instead of a page of configuration errors. */
static const char *compressed(const uint8_t *p, uint64_t len)
{
    if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return "gzip";
    if (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
        return "xz";
    if (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return "zstd";
    if (len >= 3 && memcmp(p, "BZh", 3) == 0)
        return "bzip2";
    if (len >= 4 && memcmp(p, "\x02\x21\x4c\x18", 4) == 0)
        return "lz4";
    return NULL;
}

static void initrd_archive(struct boot_info *bi)
{
    struct cpio_stats st;
    cpio_files = malloc(CPIO_MAX_ENTRIES * sizeof *cpio_files);
    if (!cpio_files) {
        kprintf("initrd: no memory for the cpio index; the archive is not used\n");
        return;
    }
    int n = cpio_index(bi->initrd, (size_t)bi->initrd_len, cpio_files, CPIO_MAX_ENTRIES, &st);
    if (n < 0) {
        kprintf("initrd: cpio archive refused: %s (at byte %zu of %llu); no configuration or boot "
                "files from it\n", st.error, st.error_at, (unsigned long long)bi->initrd_len);
        free(cpio_files);
        cpio_files = NULL;
        return;
    }
    cpio_n = (unsigned)n;
    if (st.skipped_special || st.skipped_names || st.skipped_over_cap)
        kprintf("initrd: cpio: skipped %u links or devices, %u unusable names, %u entries past the "
                "limit of %u\n", st.skipped_special, st.skipped_names, st.skipped_over_cap,
                CPIO_MAX_ENTRIES);
    const struct memfile *conf = memroot_lookup(cpio_files, cpio_n, "vmgate.conf", 11);
    if (conf && !conf->dir) {
        bi->config = (const char *)conf->data;
        bi->config_len = conf->size;
    } else {
        kprintf("initrd: cpio archive without vmgate.conf: defaults and the command line apply\n");
    }
    memroot_init(&cpio_root, cpio_files, cpio_n, "tftp/", "initrd cpio");
    const struct memfile *dir = memroot_lookup(cpio_files, cpio_n, "tftp", 4);
    cpio_has_tftp = cpio_root.n_files > 0 || (dir && dir->dir);
}

static void initrd_take(struct boot_info *bi)
{
    if (!bi->initrd || !bi->initrd_len)
        return;
    if (cpio_is_newc(bi->initrd, (size_t)bi->initrd_len)) {
        initrd_archive(bi);
        return;
    }
    const char *z = compressed(bi->initrd, bi->initrd_len);
    if (z) {
        kprintf("initrd: a %s-compressed file: vmgate reads an uncompressed newc cpio archive "
                "(tools/mkinitrd) or a configuration text; ignored\n", z);
        return;
    }
    bi->config = bi->initrd;                 /* a plain configuration file */
    bi->config_len = bi->initrd_len;
}

/* The UEFI loader's files, as a table the in-memory root serves. */
static void esp_take(const struct boot_info *bi)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < bi->n_files && i < BOOT_FILES_MAX; i++) {
        const struct boot_file *f = &bi->files[i];
        size_t len = strnlen(f->name, sizeof f->name);
        char clean[FILEROOT_PATH_MAX];
        int rc = len < sizeof f->name ? fileroot_path_clean(f->name, len, clean) : -ENAMETOOLONG;
        if (rc < 0 || (size_t)rc != len || memcmp(clean, f->name, len) != 0) {
            kprintf("esp: \\tftp file '%.*s' has a name vmgate does not serve; skipped\n",
                    (int)len, f->name);
            continue;
        }
        esp_files[n++] = (struct memfile){ f->name, (uint16_t)len, false, f->data, f->len };
    }
    memroot_sort(esp_files, n);
    memroot_init(&esp_root, esp_files, n, "", "ESP \\tftp");
}

static bool share_take(void)
{
    struct virtio_9p *s = virtio_9p_tftp_share();
    if (!s)
        return false;
    int rc = p9_root_init(&p9_root, virtio_9p_rpc, s, P9_ROOT_MSIZE,
                          "virtio-9p share " VIRTIO_9P_TFTP_TAG);
    if (rc) {
        kprintf("virtio-9p %s: 9P2000.L session not set up (error %d); the share is not used\n",
                VIRTIO_9P_TFTP_TAG, rc);
        return false;
    }
    return true;
}

void bootfiles_init(struct boot_info *bi)
{
    char size[32];
    initrd_take(bi);
    esp_take(bi);
    if (share_take()) {
        active = &p9_root.root;
        if (cpio_has_tftp)
            kprintf("tftp root: virtio-9p share %s, msize %u (it wins over the initrd's tftp/ "
                    "folder, %u files)\n", VIRTIO_9P_TFTP_TAG, p9_root.msize, cpio_root.n_files);
        else if (esp_root.n_files)
            kprintf("tftp root: virtio-9p share %s, msize %u (it wins over the ESP's \\tftp, "
                    "%u files)\n", VIRTIO_9P_TFTP_TAG, p9_root.msize, esp_root.n_files);
        else
            kprintf("tftp root: virtio-9p share %s, msize %u\n", VIRTIO_9P_TFTP_TAG, p9_root.msize);
    } else if (cpio_has_tftp) {
        active = &cpio_root.root;
        kprintf("tftp root: initrd cpio, %u files, %s\n", cpio_root.n_files,
                human(cpio_root.bytes, size, sizeof size));
    } else if (esp_root.n_files) {
        active = &esp_root.root;
        kprintf("tftp root: ESP \\tftp, %u files, %s\n", esp_root.n_files,
                human(esp_root.bytes, size, sizeof size));
    } else {
        kprintf("tftp root: none (no virtio-9p share %s, %s)\n", VIRTIO_9P_TFTP_TAG,
                bi->boot_path[0] == 'u' ? "no \\tftp folder on the ESP"
                                        : "no tftp/ folder in a cpio initrd");
    }
}

/* ---- the `files` command ------------------------------------------------ */

struct list_tally {
    unsigned n;
    uint64_t bytes;
};

static int print_file(void *arg, const char *path, uint64_t size)
{
    struct list_tally *t = arg;
    kprintf("  %-48s %llu\n", path, (unsigned long long)size);
    t->n++;
    t->bytes += size;
    return 0;
}

/* Opens a path typed on the console through the root, as a client's would be. */
static int open_typed(const struct fileroot *r, const char *typed, uint64_t *size)
{
    char path[FILEROOT_PATH_MAX];
    int rc = fileroot_path_clean(typed, strlen(typed), path);
    if (rc < 0)
        return rc;
    return r->ops->open(r->ctx, path, size);
}

static uint64_t number(const char *s)
{
    return strtoull(s, NULL, 0);
}

static void files_cat(const struct fileroot *r, int argc, char **argv)
{
    uint64_t size;
    int h = open_typed(r, argv[2], &size);
    if (h < 0) {
        kprintf("files: %s: error %d\n", argv[2], h);
        return;
    }
    uint64_t want = argc > 3 ? number(argv[3]) : 256;
    char buf[128];
    uint64_t off = 0;
    while (off < want) {
        size_t chunk = want - off < sizeof buf ? (size_t)(want - off) : sizeof buf;
        long n = r->ops->read(r->ctx, h, off, buf, chunk);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            if ((buf[i] < 0x20 || buf[i] > 0x7e) && buf[i] != '\n')
                buf[i] = '.';
        console_write(buf, (size_t)n);
        off += (uint64_t)n;
    }
    kprintf("\n");
    r->ops->close(r->ctx, h);
}

/* Sums LEN bytes from OFFSET with CRC-32, reading as a TFTP transfer does:
 * 1432-byte blocks, in order. */
static void files_sum(const struct fileroot *r, int argc, char **argv)
{
    uint64_t size;
    int h = open_typed(r, argv[2], &size);
    if (h < 0) {
        kprintf("files: %s: error %d\n", argv[2], h);
        return;
    }
    uint64_t off = argc > 3 ? number(argv[3]) : 0;
    uint64_t len = argc > 4 ? number(argv[4]) : (off < size ? size - off : 0);
    static uint8_t block[1432];
    uint64_t done = 0, t0 = clock_ms();
    uint32_t crc = 0;
    long n = 0;
    while (done < len) {
        size_t chunk = len - done < sizeof block ? (size_t)(len - done) : sizeof block;
        n = r->ops->read(r->ctx, h, off + done, block, chunk);
        if (n <= 0)
            break;
        crc = crc32_update(crc, block, (size_t)n);
        done += (uint64_t)n;
    }
    r->ops->close(r->ctx, h);
    if (n < 0)
        kprintf("files: %s: read error %ld after %llu bytes\n", argv[2], n, (unsigned long long)done);
    kprintf("sum %s offset %llu: %llu bytes, crc32 %08x, size %llu, %llu ms\n", argv[2],
            (unsigned long long)off, (unsigned long long)done, (unsigned)crc,
            (unsigned long long)size, (unsigned long long)(clock_ms() - t0));
}

static void cmd_files(int argc, char **argv)
{
    const struct fileroot *r = active;
    if (!r) {
        kprintf("files: no boot-file root\n");
        return;
    }
    if (argc == 1 || strcmp(argv[1], "list") == 0) {
        struct list_tally t = { 0 };
        kprintf("tftp root: %s\n", r->name);
        int rc = r->ops->list ? r->ops->list(r->ctx, print_file, &t) : -ENOTSUP;
        kprintf("%u files, %llu bytes%s\n", t.n, (unsigned long long)t.bytes,
                rc ? " (listing stopped by an error)" : "");
    } else if (strcmp(argv[1], "cat") == 0 && argc >= 3) {
        files_cat(r, argc, argv);
    } else if (strcmp(argv[1], "sum") == 0 && argc >= 3) {
        files_sum(r, argc, argv);
    } else {
        kprintf("usage: files [list] | files cat PATH [BYTES] | files sum PATH [OFFSET [LEN]]\n");
    }
}
SHELL_COMMAND("files", "the boot files: list, cat PATH [N], sum PATH [OFFSET [LEN]]", cmd_files);
