/* A read-only tree of boot files, as the TFTP and HTTP servers see it: one
 * interface, several backends (the UEFI loader's copy of the ESP's \tftp folder,
 * a cpio archive given as the -initrd, a live host folder shared over virtio-9p),
 * so that the servers never know which one serves them.
 *
 * Paths are relative, '/'-separated, already cleaned by fileroot_path_clean();
 * backends may trust that. Reads are synchronous: a backend whose bytes live
 * elsewhere (9P) waits for them, so a read should be of one block or window at a
 * time. Backends whose bytes are in memory also offer map(), so a server can send
 * them without copying (lwIP PBUF_REF pbufs). */
#ifndef VMGATE_FILEROOT_H
#define VMGATE_FILEROOT_H

#include <stddef.h>
#include <stdint.h>

#define FILEROOT_PATH_MAX 256

struct fileroot_ops {
    /* Opens path for reading: a handle >= 0 with *size set, or -ENOENT (no such
     * file), -EISDIR (a directory), -EMFILE (too many open), -EIO. */
    int (*open)(void *ctx, const char *path, uint64_t *size);
    /* Reads up to len bytes at off into buf: the number read (0 at or past the
     * end, fewer only at the end), or -errno. */
    long (*read)(void *ctx, int handle, uint64_t off, void *buf, size_t len);
    /* Optional (NULL): a pointer to the file's bytes at off, valid until close,
     * with *len set to how many follow contiguously (at most the file's end);
     * NULL where the backend cannot (its bytes are not in memory). */
    const uint8_t *(*map)(void *ctx, int handle, uint64_t off, size_t *len);
    void (*close)(void *ctx, int handle);
    /* Optional: calls fn for each regular file (its path and size), for the
     * console; stops early when fn returns non-zero. 0 or -errno. */
    int (*list)(void *ctx, int (*fn)(void *arg, const char *path, uint64_t size), void *arg);
};

struct fileroot {
    const struct fileroot_ops *ops;
    void *ctx;
    const char *name;               /* where the files come from, for the console */
};

/* Turns a path a client asked for (untrusted: len bytes, not NUL-terminated) into
 * the cleaned form backends take, in out (FILEROOT_PATH_MAX bytes): '\' taken as
 * '/' (Windows clients), empty and "." components dropped. Refuses (-EACCES) an
 * absolute path (a leading '/' or '\'), a ".." component, and a NUL or control
 * character; -ENAMETOOLONG when it does not fit; -ENOENT when nothing is left.
 * Returns the cleaned length. */
int fileroot_path_clean(const char *in, size_t len, char *out);

#endif
