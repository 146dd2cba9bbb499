/* 9P2000.L messages, built and parsed over bytes: the client half vmgate needs to
 * read a host folder shared over virtio-9p (version, attach, walk, lopen,
 * getattr, read, readdir, clunk), and the server's Rlerror.
 *
 * Wire format (the 9P2000 manual pages, intro(5) of Plan 9, and the 9P2000.L
 * additions as Linux's net/9p and QEMU's hw/9pfs implement them; diod's
 * protocol.md lists them): every message is size[4] type[1] tag[2] then its
 * fields, all integers little-endian, size counting the whole message; a string
 * is len[2] then len bytes (no NUL); a qid is type[1] version[4] path[8].
 *
 * Builders write into (buf, cap) and return the message's length, or -ENOSPC
 * when it does not fit, -EINVAL for arguments the protocol cannot carry.
 * Parsers take a reply as the device wrote it (buf, len: untrusted) and the tag
 * the request carried; they check that the size field is at least a header and
 * no more than len, that the tag matches, that every count fits inside size.
 * They return 0 (or a count), -errno from an Rlerror (mapped from Linux's
 * numbers to ours), -EPROTO for a reply of another type or tag, -EBADMSG for one
 * whose lengths do not add up. */
#ifndef VMGATE_P9_H
#define VMGATE_P9_H

#include <stddef.h>
#include <stdint.h>

#define P9_HDR_LEN      7
#define P9_NOTAG        0xffffu
#define P9_NOFID        0xffffffffu
#define P9_MAXWELEM     16                 /* names in one Twalk */
#define P9_QID_LEN      13
#define P9_RREAD_HDR    11                 /* size type tag count: Rread/Rreaddir before data */
#define P9_MIN_MSIZE    4096               /* QEMU refuses less (hw/9pfs/9p.c P9_MIN_MSIZE) */
#define P9_NAME_MAX     255
#define P9_VERSION_L    "9P2000.L"

enum p9_type {
    P9_RLERROR = 7,
    P9_TLOPEN = 12, P9_RLOPEN = 13,
    P9_TGETATTR = 24, P9_RGETATTR = 25,
    P9_TREADDIR = 40, P9_RREADDIR = 41,
    P9_TVERSION = 100, P9_RVERSION = 101,
    P9_TATTACH = 104, P9_RATTACH = 105,
    P9_TWALK = 110, P9_RWALK = 111,
    P9_TREAD = 116, P9_RREAD = 117,
    P9_TCLUNK = 120, P9_RCLUNK = 121,
};

/* qid.type bits */
#define P9_QTDIR     0x80
#define P9_QTSYMLINK 0x02

/* Tgetattr request_mask / Rgetattr valid bits (Linux include/net/9p/9p.h) */
#define P9_GETATTR_MODE  0x00000001ull
#define P9_GETATTR_SIZE  0x00000200ull
#define P9_GETATTR_BASIC 0x000007ffull

/* mode: the Linux st_mode file type bits */
#define P9_S_IFMT  0170000u
#define P9_S_IFDIR 0040000u
#define P9_S_IFREG 0100000u

/* Tlopen flags: Linux's open(2) numbers; vmgate only ever reads. */
#define P9_L_O_RDONLY 0u

/* Readdir entry types (Linux's d_type) */
#define P9_DT_UNKNOWN 0
#define P9_DT_DIR     4
#define P9_DT_REG     8

struct p9_qid {
    uint8_t type;
    uint32_t version;
    uint64_t path;
};

struct p9_attr {
    uint64_t valid;
    struct p9_qid qid;
    uint32_t mode;
    uint64_t size;
};

/* One entry of an Rreaddir's data. name is not NUL-terminated. */
struct p9_dirent {
    struct p9_qid qid;
    uint64_t offset;               /* where the next Treaddir starts to read after this */
    uint8_t type;                  /* P9_DT_* */
    const char *name;
    uint16_t name_len;
};

/* A path component for Twalk: (ptr, len), not NUL-terminated. */
struct p9_name {
    const char *s;
    uint16_t len;
};

long p9_build_version(uint8_t *buf, size_t cap, uint32_t msize, const char *version);
long p9_build_attach(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t afid,
                     const char *uname, const char *aname, uint32_t n_uname);
/* n names (at most P9_MAXWELEM, each 1..P9_NAME_MAX bytes); n == 0 clones fid. */
long p9_build_walk(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid,
                   const struct p9_name *names, unsigned n);
long p9_build_lopen(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags);
long p9_build_getattr(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask);
long p9_build_read(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
                   uint32_t count);
long p9_build_readdir(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
                      uint32_t count);
long p9_build_clunk(uint8_t *buf, size_t cap, uint16_t tag, uint32_t fid);

/* Rversion (tag P9_NOTAG): the server's msize, at least P9_MIN_MSIZE; -EPROTO
 * when it is less or the version is not `want` (the server says "unknown" for a
 * version it does not speak). */
int p9_parse_version(const uint8_t *buf, size_t len, const char *want, uint32_t *msize);
int p9_parse_attach(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qid);
/* Rwalk: the qids (at most max, which is the number of names asked) into qids;
 * returns how many came (fewer than asked: the walk stopped at a missing name). */
int p9_parse_walk(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qids, unsigned max);
int p9_parse_lopen(const uint8_t *buf, size_t len, uint16_t tag, struct p9_qid *qid,
                   uint32_t *iounit);
int p9_parse_getattr(const uint8_t *buf, size_t len, uint16_t tag, struct p9_attr *attr);
/* Rread: *data points into buf; returns the count, at most `asked`. */
long p9_parse_read(const uint8_t *buf, size_t len, uint16_t tag, uint32_t asked,
                   const uint8_t **data);
/* Rreaddir: like Rread; walk the data with p9_dirent_next. */
long p9_parse_readdir(const uint8_t *buf, size_t len, uint16_t tag, uint32_t asked,
                      const uint8_t **data);
int p9_parse_clunk(const uint8_t *buf, size_t len, uint16_t tag);

/* The next entry of Rreaddir data at *p (left bytes): 1 with *d filled and *p,
 * *left moved past it, 0 at the end, -EBADMSG for an entry cut short. */
int p9_dirent_next(const uint8_t **p, size_t *left, struct p9_dirent *d);

/* Linux errno (what Rlerror carries) to this build's; EIO for unknown ones. */
int p9_errno(uint32_t linux_errno);

#endif
