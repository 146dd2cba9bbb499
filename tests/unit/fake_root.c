/* Contract in fake_root.h. */
#include "fake_root.h"

#include <errno.h>
#include <string.h>

static const struct fake_file *file_of(struct fake_root *fr, int h)
{
    if (h < 0 || h >= FAKE_ROOT_HANDLES || fr->handle_file[h] < 0)
        return NULL;
    return &fr->files[fr->handle_file[h]];
}

static int fr_open(void *ctx, const char *path, uint64_t *size)
{
    struct fake_root *fr = ctx;
    size_t plen = strlen(path);
    int found = -1;
    bool dir = false;
    for (unsigned i = 0; i < fr->n_files; i++) {
        const char *p = fr->files[i].path;
        if (strcmp(p, path) == 0)
            found = (int)i;
        else if (strncmp(p, path, plen) == 0 && p[plen] == '/')
            dir = true;
    }
    if (found < 0)
        return dir ? -EISDIR : -ENOENT;
    if (fr->open_error)
        return fr->open_error;
    if (fr->max_open && fr->open_now >= fr->max_open)
        return -EMFILE;
    for (int h = 0; h < FAKE_ROOT_HANDLES; h++) {
        if (fr->handle_file[h] < 0) {
            fr->handle_file[h] = found;
            fr->open_now++;
            fr->opens++;
            *size = fr->files[found].size;
            return h;
        }
    }
    return -EMFILE;
}

static uint64_t visible_size(struct fake_root *fr, const struct fake_file *f)
{
    return f->size < fr->shrink_to ? f->size : fr->shrink_to;
}

static long fr_read(void *ctx, int h, uint64_t off, void *buf, size_t len)
{
    struct fake_root *fr = ctx;
    const struct fake_file *f = file_of(fr, h);
    if (!f)
        return -EBADF;
    fr->reads++;
    if (off >= fr->fail_read_at)
        return -EIO;
    uint64_t size = visible_size(fr, f);
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    memcpy(buf, f->data + off, len);
    return (long)len;
}

static const uint8_t *fr_map(void *ctx, int h, uint64_t off, size_t *len)
{
    struct fake_root *fr = ctx;
    const struct fake_file *f = file_of(fr, h);
    if (!f || off >= f->size)
        return NULL;
    fr->maps++;
    size_t n = (size_t)(f->size - off);
    if (fr->map_piece && n > fr->map_piece)
        n = fr->map_piece;
    *len = n;
    return f->data + off;
}

static void fr_close(void *ctx, int h)
{
    struct fake_root *fr = ctx;
    if (file_of(fr, h)) {
        fr->handle_file[h] = -1;
        fr->open_now--;
    }
}

void fake_root_init(struct fake_root *fr, const struct fake_file *files, unsigned n, bool mappable)
{
    memset(fr, 0, sizeof *fr);
    fr->files = files;
    fr->n_files = n;
    fr->fail_read_at = UINT64_MAX;
    fr->shrink_to = UINT64_MAX;
    for (int h = 0; h < FAKE_ROOT_HANDLES; h++)
        fr->handle_file[h] = -1;
    fr->ops.open = fr_open;
    fr->ops.read = fr_read;
    fr->ops.map = mappable ? fr_map : NULL;
    fr->ops.close = fr_close;
    fr->root.ops = &fr->ops;
    fr->root.ctx = fr;
    fr->root.name = "fake";
}

void fake_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 11);
    }
}
