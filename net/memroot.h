/* A file root whose files are already in memory: the entries of a cpio archive
 * given as the -initrd (net/cpio.h) or the files the UEFI loader read from the
 * ESP's \tftp folder. Reads copy from memory and map() lends the bytes where they
 * lie, so the servers can send them without a copy.
 *
 * The table is the caller's and stays where it is (no copy): sorted by name
 * (memroot_sort) and without duplicate names; each name is clean as
 * fileroot_path_clean() leaves a path and NUL-terminated at name_len. A root may
 * see only the entries under a prefix ("tftp/" of an archive): a path asked for is
 * looked up as prefix + path, and listed without the prefix. */
#ifndef VMGATE_MEMROOT_H
#define VMGATE_MEMROOT_H

#include "fileroot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memfile {
    const char *name;           /* NUL-terminated at name_len */
    uint16_t name_len;
    bool dir;                   /* a directory entry (no data) */
    const uint8_t *data;
    uint64_t size;
};

#define MEMROOT_PREFIX_MAX 32

struct memroot {
    struct fileroot root;       /* what the servers are given */
    const struct memfile *files;
    unsigned n;
    char prefix[MEMROOT_PREFIX_MAX];  /* "" or ending in '/' */
    size_t prefix_len;
    unsigned n_files;           /* regular files under the prefix */
    uint64_t bytes;             /* and their bytes */
};

/* Sorts a table by name, bytewise. Among equal names the entry whose name lies at
 * the lower address comes first: for a cpio index (names point into the archive)
 * that is archive order, which duplicate resolution relies on. */
void memroot_sort(struct memfile *files, unsigned n);

/* Makes m a root over files[0..n) (sorted, no duplicates) as seen under prefix
 * ("" for all of them), named `name` for the console. 0, or -EINVAL for a prefix
 * that is too long or does not end in '/'. */
int memroot_init(struct memroot *m, const struct memfile *files, unsigned n, const char *prefix,
                 const char *name);

/* The entry named exactly `name` (len bytes, not under any prefix), or NULL. */
const struct memfile *memroot_lookup(const struct memfile *files, unsigned n, const char *name,
                                     size_t len);

#endif
