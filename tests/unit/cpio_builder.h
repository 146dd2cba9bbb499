/* Builds newc cpio archives in memory for the cpio and memroot tests, written
 * from the format's description (net/cpio.h), not with net/cpio.c's help. */
#ifndef VMGATE_TEST_CPIO_BUILDER_H
#define VMGATE_TEST_CPIO_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define AB_CAP (1u << 20)

struct ab {
    uint8_t *buf;               /* AB_CAP bytes, malloc'd by ab_init */
    size_t len;
    uint32_t next_ino;
};

#define AB_REG  0100644u
#define AB_DIR  0040755u
#define AB_LNK  0120777u
#define AB_CHR  0020644u
#define AB_FIFO 0010644u

void ab_init(struct ab *a);
void ab_free(struct ab *a);
/* One entry: header (magic "070701", or "070702" with the data's sum when crc),
 * name with its NUL, padding, data, padding. */
void ab_entry_full(struct ab *a, int crc, uint32_t mode, uint32_t ino, uint32_t nlink,
                   const char *name, const void *data, uint32_t size);
void ab_file(struct ab *a, const char *name, const char *text);
void ab_dir(struct ab *a, const char *name);
void ab_trailer(struct ab *a);
/* Appends n zero bytes. */
void ab_zeros(struct ab *a, size_t n);
/* Offset of header field i (0 = ino ... 12 = check) of the entry at hdr. */
size_t ab_field(size_t hdr, int i);

#endif
