/* Contract in cpio.h. Offsets are computed in 64 bits and compared with the
 * buffer's length before anything is read, so no field value can move a read
 * outside the buffer. */
#include "cpio.h"

#include <errno.h>
#include <string.h>

enum {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
    F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT
};

#define MODE_TYPE 0170000u
#define MODE_REG  0100000u
#define MODE_DIR  0040000u

static const char TRAILER[] = "TRAILER!!!";

static int magic_kind(const uint8_t *p)
{
    if (memcmp(p, "07070", 5) != 0)
        return 0;
    return p[5] == '1' ? 1 : p[5] == '2' ? 2 : 0;
}

bool cpio_is_newc(const void *buf, size_t len)
{
    return len >= 6 && magic_kind(buf) != 0;
}

/* Exactly 8 hexadecimal digits, either case. 0, or -1 for anything else. */
static int hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i], d;
        if (c >= '0' && c <= '9')
            d = (uint8_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint8_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint8_t)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static uint64_t pad4(uint64_t off)
{
    return (off + 3) & ~(uint64_t)3;
}

/* Records why the archive is refused and where: at most at its end (a place
 * computed from lying fields may lie past it). */
static int refuse(struct cpio_stats *st, size_t len, const char *why, uint64_t at)
{
    st->error = why;
    st->error_at = at < len ? (size_t)at : len;
    return -EINVAL;
}

/* A hard-link group whose data has not come yet: the entries of its earlier links. */
struct link_wait {
    uint32_t ino, devmajor, devminor;
    unsigned idx;
    bool used;
};

/* The name as the root will know it: without leading "./" and "/". NULL (with
 * *len 0) for the archive's own root ("." or ""). */
static const char *strip_name(const char *p, size_t *len)
{
    size_t l = *len;
    for (;;) {
        if (l >= 2 && p[0] == '.' && p[1] == '/') {
            p += 2;
            l -= 2;
        } else if (l >= 1 && p[0] == '/') {
            p++;
            l--;
        } else {
            break;
        }
    }
    *len = l;
    if (l == 0 || (l == 1 && p[0] == '.'))
        return NULL;
    return p;
}

static bool name_is_clean(const char *p, size_t len)
{
    char tmp[FILEROOT_PATH_MAX];
    int rc = fileroot_path_clean(p, len, tmp);
    return rc >= 0 && (size_t)rc == len && memcmp(tmp, p, len) == 0;
}

/* An earlier link of this regular file is waiting for the data that came with a
 * later one: give it that data. A link with data of its own starts no wait. */
static void link_resolve(struct link_wait *w, struct memfile *out, const uint32_t *f,
                         const uint8_t *data, unsigned idx)
{
    if (f[F_NLINK] < 2)
        return;
    if (f[F_FILESIZE] == 0) {
        for (unsigned i = 0; i < CPIO_MAX_LINKS; i++) {
            if (!w[i].used) {
                w[i] = (struct link_wait){ f[F_INO], f[F_DEVMAJOR], f[F_DEVMINOR], idx, true };
                return;
            }
        }
        return;                 /* too many groups waiting: this link stays empty */
    }
    for (unsigned i = 0; i < CPIO_MAX_LINKS; i++) {
        if (w[i].used && w[i].ino == f[F_INO] && w[i].devmajor == f[F_DEVMAJOR] &&
            w[i].devminor == f[F_DEVMINOR]) {
            out[w[i].idx].data = data;
            out[w[i].idx].size = f[F_FILESIZE];
            w[i].used = false;
        }
    }
}

/* Keeps the last entry of each name (the table is sorted, archive order among
 * equals) and counts what is left. Returns the new count. */
static unsigned drop_duplicates(struct memfile *out, unsigned n, struct cpio_stats *st)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i + 1 < n && out[i].name_len == out[i + 1].name_len &&
            memcmp(out[i].name, out[i + 1].name, out[i].name_len) == 0) {
            st->duplicates++;
            continue;
        }
        out[k++] = out[i];
    }
    for (unsigned i = 0; i < k; i++) {
        if (out[i].dir)
            st->dirs++;
        else
            st->files++;
    }
    return k;
}

int cpio_index(const void *buf, size_t len, struct memfile *out, unsigned cap, struct cpio_stats *st)
{
    const uint8_t *b = buf;
    uint64_t off = 0;
    unsigned n = 0;
    bool in_archive = false;
    struct link_wait waits[CPIO_MAX_LINKS];

    memset(st, 0, sizeof *st);
    memset(waits, 0, sizeof waits);
    for (;;) {
        if (off >= len) {
            if (!in_archive && st->archives == 0)
                return refuse(st, len, "not a newc archive (empty)", len);
            if (in_archive)
                return refuse(st, len, "the archive ends without its TRAILER!!! (cut short?)",
                              len);
            break;
        }
        if (!in_archive) {
            /* Between archives: NUL padding, then another archive or the end. */
            if (b[off] == 0) {
                off++;
                continue;
            }
            if (len - off < 6 || !magic_kind(b + off))
                return refuse(st, len,
                              st->archives ? "bytes after the trailer are neither padding nor "
                                             "another archive"
                                           : "not a newc archive (no 070701 magic)", off);
            in_archive = true;
        }
        if (len - off < CPIO_HDR_LEN)
            return refuse(st, len, "header cut short", off);
        const uint8_t *h = b + off;
        int kind = magic_kind(h);
        if (!kind)
            return refuse(st, len, "bad magic (not 070701 or 070702)", off);
        uint32_t f[F_COUNT];
        for (int i = 0; i < F_COUNT; i++)
            if (hex8(h + 6 + 8 * i, &f[i]) < 0)
                return refuse(st, len, "header field is not 8 hex digits", off + 6 + 8 * (uint64_t)i);

        uint64_t name_off = off + CPIO_HDR_LEN;
        uint64_t namesize = f[F_NAMESIZE];
        if (namesize == 0)
            return refuse(st, len, "name size 0 (no room for its NUL)", off);
        if (namesize > len - name_off)
            return refuse(st, len, "name runs past the end", name_off);
        const char *name = (const char *)b + name_off;
        if (name[namesize - 1] != 0)
            return refuse(st, len, "name without its NUL", name_off);
        if (memchr(name, 0, namesize - 1))
            return refuse(st, len, "NUL inside a name", name_off);
        uint64_t data_off = pad4(name_off + namesize);
        uint64_t size = f[F_FILESIZE];
        if (size && (data_off > len || size > len - data_off))
            return refuse(st, len, "data runs past the end", data_off);
        /* An empty file's data is an empty range at its place (for map()). */
        const uint8_t *data = b + (data_off < len ? data_off : len);
        off = pad4(data_off + size);            /* at most len + 3: the loop ends */

        if (namesize == sizeof TRAILER && memcmp(name, TRAILER, sizeof TRAILER) == 0) {
            st->archives++;
            in_archive = false;
            continue;
        }
        st->entries++;
        uint32_t type = f[F_MODE] & MODE_TYPE;
        if (kind == 2 && type == MODE_REG) {
            uint32_t sum = 0;
            for (uint64_t i = 0; i < size; i++)
                sum += data[i];
            if (sum != f[F_CHECK])
                return refuse(st, len, "070702 checksum does not match the data", data_off);
            st->checksummed = true;
        }
        size_t nlen = (size_t)namesize - 1;
        const char *p = strip_name(name, &nlen);
        if (!p)
            continue;                           /* the archive's root directory */
        if (type != MODE_REG && type != MODE_DIR) {
            st->skipped_special++;
            continue;
        }
        if (!name_is_clean(p, nlen)) {
            st->skipped_names++;
            continue;
        }
        if (n == cap) {
            st->skipped_over_cap++;
            continue;
        }
        out[n] = (struct memfile){
            .name = p, .name_len = (uint16_t)nlen, .dir = type == MODE_DIR,
            .data = type == MODE_REG ? data : NULL, .size = type == MODE_REG ? size : 0,
        };
        if (type == MODE_REG)
            link_resolve(waits, out, f, data, n);
        n++;
    }
    memroot_sort(out, n);
    return (int)drop_duplicates(out, n, st);
}
