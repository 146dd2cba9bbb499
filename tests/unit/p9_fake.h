/* A small 9P2000.L server over an invented tree, for testing net/p9_root.c
 * without QEMU. It parses requests itself (not with net/p9.c), checks what a
 * real server would refuse (counts above msize - 11, unknown fids, fids used
 * twice) and records it, so a test can assert the client never did such a thing.
 * File contents are computed from the offset, so a file can be far larger than
 * the test's memory. */
#ifndef VMGATE_TEST_P9_FAKE_H
#define VMGATE_TEST_P9_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fake_node {
    const char *path;            /* "" is the root; "a/b" */
    uint32_t mode;               /* 0040755, 0100644, 0120777, ... */
    uint64_t size;
    uint8_t dtype;               /* what readdir reports: 0 from the mode, FAKE_DT_UNKNOWN for 0 */
};

#define FAKE_DT_UNKNOWN 0xff
#define FAKE_FIDS 128

struct fake9p {
    const struct fake_node *nodes;
    unsigned n_nodes;
    uint32_t msize_cap;          /* the server lowers msize to this (0: takes the client's) */
    uint32_t msize;              /* negotiated */
    uint32_t max_read;           /* the server returns at most this per Tread (0: no limit) */
    uint64_t shrink_to;          /* files read as ending here (0: their size) */
    int fail_type;               /* answer this T-type with Rlerror fail_errno */
    uint32_t fail_errno;
    unsigned fail_after;         /* ... only after this many of them succeeded */
    long transport_error;        /* nonzero: every rpc returns this */
    const char *version;         /* what Rversion says (NULL: "9P2000.L") */
    struct { bool used; int node; bool open; uint32_t fid; } fids[FAKE_FIDS];
    unsigned calls[256];         /* requests by type */
    unsigned violations;         /* requests a real server would refuse */
    char last_violation[128];
    uint32_t max_count_seen;     /* the largest Tread/Treaddir count */
};

/* The content of every file: a byte computed from the offset. */
uint8_t fake9p_byte(uint64_t off);

void fake9p_init(struct fake9p *f, const struct fake_node *nodes, unsigned n);
/* The transport (net/p9_root.h's p9_rpc_fn). */
long fake9p_rpc(void *ctx, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap);
/* Fids in use besides the attached root. */
unsigned fake9p_fids_in_use(const struct fake9p *f);

#endif
