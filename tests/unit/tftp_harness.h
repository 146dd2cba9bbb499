/* The TFTP server's world for host tests: a file root in RAM (files with bytes,
 * virtual files whose bytes are computed, directories; map() on or off; reads
 * that fail or a file that shrinks), and glue callbacks that record every packet
 * the server sends, every port it opens and closes. Tests feed the server
 * packets as a client would and read what came back.
 *
 * Clients are 10.0.2.15 (TH_CLIENT) on interface 0, asking the server at
 * 10.0.2.2 (TH_SERVER). */
#ifndef VMGATE_TFTP_HARNESS_H
#define VMGATE_TFTP_HARNESS_H

#include "net/tftp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TH_CLIENT  0x0a00020fu
#define TH_SERVER  0x0a000202u
#define TH_FILES_MAX 16
#define TH_HANDLES   128

struct th_file {
    char path[FILEROOT_PATH_MAX];
    const uint8_t *data;        /* NULL: virtual, byte i is th_virtual_byte(i) */
    uint64_t size;
    bool dir;
};

struct th_root {
    struct fileroot root;
    struct th_file files[TH_FILES_MAX];
    unsigned n_files;
    bool mappable;              /* offer map() (for files with bytes) */
    int handle_file[TH_HANDLES];    /* -1: free */
    unsigned open_handles;
    int open_error;             /* nonzero: every open fails with it */
    uint64_t fail_read_at;      /* reads touching this offset fail; UINT64_MAX: never */
    uint64_t shrink_to;         /* reads see the file end here; UINT64_MAX: never */
    unsigned reads, maps;
};

/* One packet the server sent: its bytes (header and payload together). */
struct th_pkt {
    int sid;
    struct tftp_peer peer;
    uint8_t *b;
    size_t len;
    bool mapped;
};

#define TH_QUEUE_MAX 4096

struct th {
    struct tftp_server *srv;
    struct th_root fr;
    struct th_pkt q[TH_QUEUE_MAX];
    unsigned q_head, q_len;
    struct th_pkt taken;        /* what th_take handed out last */
    unsigned long long sent_total;
    bool port_open[TFTP_MAX_SESSIONS];
    unsigned opens, closes;
    int open_fail;              /* nonzero: the glue refuses to open ports with it */
    int send_fail;              /* nonzero: sends fail with it */
    uint32_t now;
    uint16_t max_payload;       /* given with every request (default 1468) */
};

/* Byte i of a virtual file. */
static inline uint8_t th_virtual_byte(uint64_t i)
{
    return (uint8_t)(i * 131 + (i >> 13) * 7 + 11);
}

/* Sets up r as an empty root (map on), for tests that need only a root. */
void th_root_init(struct th_root *r);

/* Sets up h with an empty root (map on) and a server; th_done frees everything and
 * checks that every port opened was closed and every file handle closed. */
void th_init(struct th *h);
void th_done(struct th *h);

/* Adds a file of len bytes at data (not copied: it must outlive h), a virtual file
 * of len bytes, a directory. */
void th_root_add(struct th_root *r, const char *path, const uint8_t *data, uint64_t len);
void th_add_file(struct th *h, const char *path, const uint8_t *data, uint64_t len);
void th_add_virtual(struct th *h, const char *path, uint64_t len);
void th_add_dir(struct th *h, const char *path);

/* A client's identity: port on TH_CLIENT, asking TH_SERVER. */
struct tftp_peer th_peer(uint16_t port);

/* Builds a request: opcode, name, mode, then name/value pairs ending with NULL.
 * Returns its length in buf. */
size_t th_build_request(uint8_t *buf, uint16_t opcode, const char *name, const char *mode, ...)
    __attribute__((sentinel));

/* Sends the server a raw datagram to port 69 from port (or from peer), or to
 * slot sid. */
void th_to_listen(struct th *h, uint16_t port, const void *msg, size_t len);
void th_to_listen_from(struct th *h, const struct tftp_peer *peer, const void *msg, size_t len);
int th_to_session(struct th *h, int sid, uint16_t port, const void *msg, size_t len);
/* An RRQ (name, mode "octet" unless given, options ... NULL) from port. */
void th_rrq(struct th *h, uint16_t port, const char *name, const char *mode, ...)
    __attribute__((sentinel));
void th_ack(struct th *h, int sid, uint16_t port, uint16_t block);

/* Moves the clock to now + ms and runs the server's timers. */
void th_advance(struct th *h, uint32_t ms);

/* The oldest packet not yet taken (NULL when none); it stays valid until the next
 * th_take or th_clear. */
const struct th_pkt *th_take(struct th *h);
unsigned th_pending(const struct th *h);
void th_clear(struct th *h);

/* Field access for checks. */
uint16_t th_op(const struct th_pkt *p);
uint16_t th_block(const struct th_pkt *p);          /* DATA's block, ERROR's code */
size_t th_data_len(const struct th_pkt *p);
/* The value of option name in an OACK, or NULL (a static buffer). */
const char *th_oack_value(const struct th_pkt *p, const char *name);
unsigned th_oack_count(const struct th_pkt *p);

/* Takes the next packet and requires it to be DATA block, from sid, with len
 * payload bytes; returns it. */
const struct th_pkt *th_expect_data(struct th *h, int sid, uint16_t block, size_t len);
/* Takes the next packet and requires an ERROR with code; returns it. */
const struct th_pkt *th_expect_error(struct th *h, uint16_t code);

#endif
