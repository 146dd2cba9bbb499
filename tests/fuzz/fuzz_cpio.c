/* Fuzz target: the newc reader (net/cpio.c) and the in-memory root over its index
 * (net/memroot.c), on the bytes of an -initrd a user gives. Besides the
 * sanitizers (the input is copied into a buffer of exactly its size, so a read
 * one byte past the archive is caught), what the index promises is checked: at
 * most cap entries, sorted and unique, every name and every byte of data inside
 * the archive, names NUL-terminated and clean; a refusal says why and where
 * (within the buffer). The root must then serve exactly those bytes: each
 * listed file opens, reads and maps back to its entry's data. */
#include "net/cpio.h"
#include "net/memroot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broken(const char *what)
{
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
}

static struct memfile ents[CPIO_MAX_ENTRIES];
static const uint8_t *arch;
static size_t arch_len;
static struct memroot root;
static unsigned listed;

static bool inside(const void *p, uint64_t len)
{
    const uint8_t *b = p;
    return b >= arch && len <= arch_len && (size_t)(b - arch) <= arch_len - len;
}

static int check_listed(void *arg, const char *path, uint64_t size)
{
    listed++;
    uint64_t got;
    int h = root.root.ops->open(root.root.ctx, path, &got);
    if (h < 0 || got != size)
        broken("a listed file does not open with its size");
    const struct memfile *f = memroot_lookup(ents, root.n, root.files[h].name, root.files[h].name_len);
    if (!f || f != &root.files[h] || strcmp(f->name + root.prefix_len, path) != 0)
        broken("a handle is not the listed entry");
    uint8_t buf[64];
    uint64_t off = size / 2;
    long n = root.root.ops->read(root.root.ctx, h, off, buf, sizeof buf);
    uint64_t want = size - off < sizeof buf ? size - off : sizeof buf;
    if (n < 0 || (uint64_t)n != want || (n && memcmp(buf, f->data + off, (size_t)n) != 0))
        broken("read does not return the entry's bytes");
    size_t mlen = 0;
    const uint8_t *m = root.root.ops->map(root.root.ctx, h, off, &mlen);
    if (!m || mlen != size - off || (mlen && m != f->data + off))
        broken("map does not lend the entry's bytes");
    if (root.root.ops->read(root.root.ctx, h, size, buf, sizeof buf) != 0)
        broken("read at the end is not 0");
    root.root.ops->close(root.root.ctx, h);
    return 0;
}

static void check_root(unsigned n, const char *prefix)
{
    if (memroot_init(&root, ents, n, prefix, "fuzz") != 0)
        broken("memroot_init refused a good prefix");
    listed = 0;
    root.root.ops->list(root.root.ctx, check_listed, NULL);
    if (listed != root.n_files)
        broken("list and the count at init disagree");
    uint64_t size;
    static const char *const probes[] = { "vmgate.conf", "a", "tftp", "a/b" };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int h = root.root.ops->open(root.root.ctx, probes[i], &size);
        if (h >= 0)
            root.root.ops->close(root.root.ctx, h);
    }
}

static void one(const uint8_t *data, size_t size, unsigned cap)
{
    struct cpio_stats st;
    int n = cpio_index(data, size, ents, cap, &st);
    if (n < 0) {
        if (!st.error || st.error_at > size)
            broken("a refusal without its reason or place");
        return;
    }
    if ((unsigned)n > cap || st.files + st.dirs != (unsigned)n)
        broken("more entries than room, or counts that disagree");
    for (int i = 0; i < n; i++) {
        const struct memfile *e = &ents[i];
        if (!inside(e->name, (uint64_t)e->name_len + 1) || e->name[e->name_len] != 0 ||
            strlen(e->name) != e->name_len)
            broken("a name outside the archive or without its NUL");
        char clean[FILEROOT_PATH_MAX];
        int c = fileroot_path_clean(e->name, e->name_len, clean);
        if (c != e->name_len || memcmp(clean, e->name, e->name_len) != 0)
            broken("a name that is not clean");
        if (e->dir ? (e->size || e->data) : (e->size && !inside(e->data, e->size)))
            broken("data outside the archive");
        if (i && !(strcmp(ents[i - 1].name, e->name) < 0))
            broken("entries not sorted and unique");
    }
    check_root((unsigned)n, "tftp/");
    check_root((unsigned)n, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    arch = copy;
    arch_len = size;
    one(copy, size, CPIO_MAX_ENTRIES);
    one(copy, size, 3);                      /* past the capacity */
    free(copy);
    return 0;
}
