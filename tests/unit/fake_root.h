/* A file root in RAM for host tests of the boot-file servers (net/fileroot.h):
 * files given as (path, bytes), map() offered or not, and what a test needs to
 * see or provoke: how many handles are open, a cap on them (-EMFILE), a read that
 * fails or a file that shrinks past an offset, pieces of a mapping shorter than
 * the rest of the file (as a root made of separate pages would give). */
#ifndef VMGATE_FAKE_ROOT_H
#define VMGATE_FAKE_ROOT_H

#include "net/fileroot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_ROOT_HANDLES 16

struct fake_file {
    const char *path;
    const uint8_t *data;
    size_t size;
};

struct fake_root {
    struct fileroot root;           /* what the server is given */
    struct fileroot_ops ops;
    const struct fake_file *files;
    unsigned n_files;
    size_t map_piece;               /* map() gives at most this much at once (0: to the end) */
    unsigned max_open;              /* open() beyond this many: -EMFILE */
    int open_error;                 /* when not 0, open() of any file fails with it */
    uint64_t fail_read_at;          /* a read at or past this offset fails -EIO */
    uint64_t shrink_to;             /* reads see the file end here (UINT64_MAX: never) */
    int handle_file[FAKE_ROOT_HANDLES];     /* -1 free */
    unsigned open_now, opens, reads, maps;
};

/* Sets up fr over n files; with mappable, map() is offered. No limits. */
void fake_root_init(struct fake_root *fr, const struct fake_file *files, unsigned n, bool mappable);

/* Bytes of a test pattern that differs per seed and position (not periodic over
 * short spans, so a misplaced block shows). */
void fake_pattern(uint8_t *buf, size_t len, uint32_t seed);

#endif
