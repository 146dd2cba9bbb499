/* A file root read over 9P2000.L from a live host folder (QEMU's -virtfs,
 * libvirt's <filesystem>): nothing is copied at boot; every open walks the path
 * on the server and every read fetches bytes when they are asked for, so files
 * larger than vmgate's memory are served and a file changed on the host is
 * served as it now is (as of its open).
 *
 * Pure over a transport: `rpc` sends one T-message and waits for its R-message
 * (drivers/virtio_9p.c over virtio, a fake server in the unit tests). Requests
 * are one at a time, synchronous, as the file interface is.
 *
 * open = Twalk (16 names at a time) + Tgetattr (a regular file; a directory is
 * -EISDIR; a symbolic link, device or FIFO is -ENOENT: links are not followed,
 * the server walks no further than the share either) + Tlopen O_RDONLY.
 * read = Tread of at most msize - 11 bytes; a read smaller than the read-ahead
 * fills the handle's read-ahead buffer from that offset, so a TFTP transfer of
 * 1432-byte blocks costs one Tread per 32 KiB instead of one per block.
 * list = Treaddir through the tree, depth and entries bounded. */
#ifndef VMGATE_P9_ROOT_H
#define VMGATE_P9_ROOT_H

#include "fileroot.h"
#include "p9.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_ROOT_MSIZE       (128 * 1024 + 4096)   /* asked for; the server may give less */
#define P9_ROOT_TBUF        8192                  /* a Twalk of 16 names of 255 bytes fits */
#define P9_ROOT_MAX_OPEN    64                    /* at least the TFTP server's transfers */
#define P9_ROOT_READAHEAD   (32 * 1024)
#define P9_ROOT_LIST_DEPTH  8
#define P9_ROOT_LIST_MAX    4096                  /* entries a list visits */
#define P9_ROOT_DIRBUF      4096                  /* Treaddir count */

/* Sends t[0..tlen) and receives the reply into r (rcap bytes). Returns the
 * reply's length as the transport delivered it, or -errno (-ETIMEDOUT, -EIO). */
typedef long (*p9_rpc_fn)(void *ctx, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap);

struct p9_handle {
    bool used;
    uint32_t fid;
    uint64_t size;                  /* as Tgetattr said at open: the file's end for this handle */
    uint8_t *ra;                    /* read-ahead buffer (P9_ROOT_READAHEAD), or NULL */
    uint64_t ra_off;
    uint32_t ra_len;
};

struct p9_root_stats {
    uint64_t rpcs, reads, ra_fills, ra_hits, bytes_read;
    uint32_t errors;
};

struct p9_root {
    struct fileroot root;           /* what the servers are given */
    p9_rpc_fn rpc;
    void *rpc_ctx;
    uint32_t msize;                 /* negotiated */
    uint16_t tag;
    uint8_t *tbuf, *rbuf;           /* P9_ROOT_TBUF and msize bytes */
    struct p9_handle h[P9_ROOT_MAX_OPEN];
    struct p9_root_stats stats;
};

/* Tversion (9P2000.L, msize P9_ROOT_MSIZE at most `msize`) and Tattach of the
 * share's root. Allocates the message buffers. 0, or -errno (the server's, or
 * -EPROTO for one that does not speak 9P2000.L, -ENOMEM). */
int p9_root_init(struct p9_root *pr, p9_rpc_fn rpc, void *rpc_ctx, uint32_t msize, const char *name);

/* Frees what init allocated (handles are closed without clunking: the
 * transport is going away too). */
void p9_root_free(struct p9_root *pr);

#endif
