/* Contract in memroot.h. A handle is the index of the file's entry: the bytes
 * are in memory, so an open file needs no state of its own and there is no limit
 * on how many are open. */
#include "memroot.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Bytewise order of (a, alen) and (b, blen); a proper prefix sorts first. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const struct memfile *a = pa, *b = pb;
    int c = name_cmp(a->name, a->name_len, b->name, b->name_len);
    if (c)
        return c;
    return a->name < b->name ? -1 : a->name > b->name ? 1 : 0;
}

void memroot_sort(struct memfile *files, unsigned n)
{
    if (n > 1)
        qsort(files, n, sizeof *files, entry_cmp);
}

/* Index of the first entry whose name is >= (name, len). */
static unsigned lower_bound(const struct memfile *files, unsigned n, const char *name, size_t len)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (name_cmp(files[mid].name, files[mid].name_len, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct memfile *memroot_lookup(const struct memfile *files, unsigned n, const char *name,
                                     size_t len)
{
    unsigned i = lower_bound(files, n, name, len);
    if (i < n && name_cmp(files[i].name, files[i].name_len, name, len) == 0)
        return &files[i];
    return NULL;
}

/* Whether some entry lies below the directory (name, len): "a" when "a/b" exists
 * without an entry of its own for "a" (archives need not list directories). */
static bool has_children(const struct memfile *files, unsigned n, const char *name, size_t len)
{
    char key[MEMROOT_PREFIX_MAX + FILEROOT_PATH_MAX + 1];
    if (len + 1 > sizeof key)
        return false;
    memcpy(key, name, len);
    key[len] = '/';
    unsigned i = lower_bound(files, n, key, len + 1);
    return i < n && files[i].name_len > len + 1 && memcmp(files[i].name, key, len + 1) == 0;
}

static int mr_open(void *ctx, const char *path, uint64_t *size)
{
    struct memroot *m = ctx;
    char key[MEMROOT_PREFIX_MAX + FILEROOT_PATH_MAX];
    size_t plen = strlen(path);
    if (plen >= FILEROOT_PATH_MAX)
        return -ENOENT;
    memcpy(key, m->prefix, m->prefix_len);
    memcpy(key + m->prefix_len, path, plen);
    size_t len = m->prefix_len + plen;
    const struct memfile *f = memroot_lookup(m->files, m->n, key, len);
    if (f && f->dir)
        return -EISDIR;
    if (!f)
        return has_children(m->files, m->n, key, len) ? -EISDIR : -ENOENT;
    *size = f->size;
    return (int)(f - m->files);
}

/* The entry behind a handle open() gave: a file under the prefix, or NULL. */
static const struct memfile *handle_file(const struct memroot *m, int handle)
{
    if (handle < 0 || (unsigned)handle >= m->n)
        return NULL;
    const struct memfile *f = &m->files[handle];
    if (f->dir || f->name_len <= m->prefix_len || memcmp(f->name, m->prefix, m->prefix_len) != 0)
        return NULL;
    return f;
}

static long mr_read(void *ctx, int handle, uint64_t off, void *buf, size_t len)
{
    const struct memfile *f = handle_file(ctx, handle);
    if (!f)
        return -EBADF;
    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    if (len > (size_t)LONG_MAX)
        len = (size_t)LONG_MAX;
    memcpy(buf, f->data + off, len);
    return (long)len;
}

static const uint8_t *mr_map(void *ctx, int handle, uint64_t off, size_t *len)
{
    const struct memfile *f = handle_file(ctx, handle);
    if (!f || !f->data || off > f->size)
        return NULL;
    uint64_t left = f->size - off;
    *len = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
    return f->data + off;
}

static void mr_close(void *ctx, int handle)
{
}

static int mr_list(void *ctx, int (*fn)(void *arg, const char *path, uint64_t size), void *arg)
{
    struct memroot *m = ctx;
    for (unsigned i = lower_bound(m->files, m->n, m->prefix, m->prefix_len); i < m->n; i++) {
        const struct memfile *f = &m->files[i];
        if (f->name_len < m->prefix_len || memcmp(f->name, m->prefix, m->prefix_len) != 0)
            break;                  /* sorted: past the prefix's entries */
        if (f->dir || f->name_len == m->prefix_len)
            continue;
        int rc = fn(arg, f->name + m->prefix_len, f->size);
        if (rc)
            return 0;
    }
    return 0;
}

static const struct fileroot_ops memroot_ops = {
    .open = mr_open,
    .read = mr_read,
    .map = mr_map,
    .close = mr_close,
    .list = mr_list,
};

static int count_file(void *arg, const char *path, uint64_t size)
{
    struct memroot *m = arg;
    m->n_files++;
    m->bytes += size;
    return 0;
}

int memroot_init(struct memroot *m, const struct memfile *files, unsigned n, const char *prefix,
                 const char *name)
{
    size_t plen = strlen(prefix);
    memset(m, 0, sizeof *m);
    if (plen >= MEMROOT_PREFIX_MAX || (plen && prefix[plen - 1] != '/'))
        return -EINVAL;
    memcpy(m->prefix, prefix, plen + 1);
    m->prefix_len = plen;
    m->files = files;
    m->n = n;
    m->root.ops = &memroot_ops;
    m->root.ctx = m;
    m->root.name = name;
    mr_list(m, count_file, m);
    return 0;
}
