/* A reader of "newc" cpio archives held in memory: the -initrd a user gives a
 * `qemu -kernel` boot, holding vmgate.conf and the TFTP root under tftp/.
 *
 * Format (the kernel's Documentation/driver-api/early-userspace/buffer-format.rst
 * and GNU cpio's manual): each entry is a 110-byte header of ASCII fields, the
 * magic "070701" (or "070702": the same with a checksum of the data) followed by
 * thirteen 8-digit hexadecimal numbers (ino, mode, uid, gid, nlink, mtime,
 * filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check); then the
 * name (namesize bytes with its NUL), padded to a multiple of 4 from the start of
 * the buffer; then the data (filesize bytes), padded likewise. The entry named
 * "TRAILER!!!" ends an archive; like the kernel, the reader skips NUL padding
 * after it and reads on when another archive follows (cat a.cpio b.cpio).
 *
 * What is kept: directories and regular files. Symbolic links, devices, FIFOs and
 * sockets are skipped and counted: a boot-file server has nothing to send for
 * them, and following a link inside an archive would need a second lookup with
 * its own loop rules for no gain. A name given twice is taken from its last
 * entry, as the kernel's initramfs does (it replaces what an earlier entry made),
 * so an archive appended to another overrides it. Hard links (nlink > 1, the data
 * with the last link as GNU cpio writes them) share that data. Names are taken
 * without a leading "./" or "/"; names that fileroot_path_clean() would change
 * ("a//b", "a/../b", control characters) or that are too long are skipped.
 *
 * Nothing in the archive is trusted: every field is parsed as exactly 8 hex
 * digits, every length checked against the buffer. */
#ifndef VMGATE_CPIO_H
#define VMGATE_CPIO_H

#include "memroot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HDR_LEN     110
#define CPIO_MAX_ENTRIES 4096        /* directories and files an index holds */
#define CPIO_MAX_LINKS   64          /* hard-link groups waiting for their data */

struct cpio_stats {
    unsigned entries;                /* headers read, trailers excluded */
    unsigned files, dirs;            /* kept in the index (after duplicates) */
    unsigned duplicates;             /* entries replaced by a later one of that name */
    unsigned skipped_special;        /* symlinks, devices, FIFOs, sockets */
    unsigned skipped_names;          /* names not clean or too long */
    unsigned skipped_over_cap;       /* past the index's capacity */
    unsigned archives;               /* trailers seen: concatenated archives */
    bool checksummed;                /* some entry was 070702 (its sum checked) */
    const char *error;               /* why the archive was refused, or NULL */
    size_t error_at;                 /* and at which byte */
};

/* Whether the buffer starts like a newc archive (070701 or 070702). */
bool cpio_is_newc(const void *buf, size_t len);

/* Reads the archive buf[0..len) into out[0..cap) (entries point into buf, which
 * must stay where it is), sorted by name (memroot_sort), one entry per name.
 * Returns how many entries were kept, or -EINVAL with st->error and st->error_at
 * saying what is wrong: a header cut short or with a field that is not 8 hex
 * digits, a name without its NUL or running past the end, data past the end, a
 * 070702 checksum that does not match, bytes after a trailer that are neither
 * NUL padding nor another archive, or no trailer at all (an archive cut short at
 * an entry boundary: serving part of a tree silently would be worse). */
int cpio_index(const void *buf, size_t len, struct memfile *out, unsigned cap, struct cpio_stats *st);

#endif
