/* Contract in cpio_builder.h. */
#include "cpio_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ab_init(struct ab *a)
{
    a->buf = calloc(1, AB_CAP);
    a->len = 0;
    a->next_ino = 100;
}

void ab_free(struct ab *a)
{
    free(a->buf);
    a->buf = NULL;
}

static void pad(struct ab *a)
{
    while (a->len & 3)
        a->buf[a->len++] = 0;
}

void ab_entry_full(struct ab *a, int crc, uint32_t mode, uint32_t ino, uint32_t nlink,
                   const char *name, const void *data, uint32_t size)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < size; i++)
        sum += ((const uint8_t *)data)[i];
    size_t namesize = strlen(name) + 1;
    if (a->len + 110 + namesize + size + 8 > AB_CAP)
        abort();
    char hdr[111];
    snprintf(hdr, sizeof hdr, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             crc ? "070702" : "070701", ino, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, 0u, 0u,
             (uint32_t)namesize, crc ? sum : 0u);
    memcpy(a->buf + a->len, hdr, 110);
    a->len += 110;
    memcpy(a->buf + a->len, name, namesize);
    a->len += namesize;
    pad(a);
    if (size)
        memcpy(a->buf + a->len, data, size);
    a->len += size;
    pad(a);
}

void ab_file(struct ab *a, const char *name, const char *text)
{
    ab_entry_full(a, 0, AB_REG, a->next_ino++, 1, name, text, (uint32_t)strlen(text));
}

void ab_dir(struct ab *a, const char *name)
{
    ab_entry_full(a, 0, AB_DIR, a->next_ino++, 2, name, NULL, 0);
}

void ab_trailer(struct ab *a)
{
    ab_entry_full(a, 0, 0, 0, 1, "TRAILER!!!", NULL, 0);
}

void ab_zeros(struct ab *a, size_t n)
{
    memset(a->buf + a->len, 0, n);
    a->len += n;
}

size_t ab_field(size_t hdr, int i)
{
    return hdr + 6 + 8 * (size_t)i;
}
