/* Simulated PXE clients for the TFTP server's tests, written from what their
 * sources do (facts, not code): iPXE (src/net/udp/tftp.c) and OVMF's EDK2
 * (NetworkPkg/Mtftp4Dxe/Mtftp4Rrq.c, Mtftp4Support.c), and a network between
 * them and the server (tftp_harness.h) that can lose packets.
 *
 * iPXE: RRQ with blksize (1432) and tsize, never windowsize; takes the first
 * responder's port as the transfer's and ignores other ports; keeps a bitmap of
 * blocks, computes a block's index from the bitmap's first gap and the 16-bit
 * number (so it needs the rollover to 0), refuses a block 0 before any rollover
 * and a block longer than blksize; ACKs the first gap after every block; done when
 * the bitmap (sized by tsize) is full.
 *
 * OVMF: first a size query (RRQ with tsize), aborted with an ERROR after the OACK;
 * then the download, RRQ with blksize 1468, windowsize 4 and tsize. Refuses an OACK
 * with options it did not ask for, a larger blksize or windowsize than asked, a
 * timeout other than asked. Expects blocks in order (wrapping to 0); an
 * unexpected block gets an ACK of the one before the expected; ACKs after each
 * windowsize blocks and the last (short) one.
 *
 * Both retransmit their last packet after TC_CLIENT_TIMEOUT_MS of silence, and give
 * up after TC_CLIENT_TRIES. */
#ifndef VMGATE_TFTP_CLIENTS_H
#define VMGATE_TFTP_CLIENTS_H

#include "tftp_harness.h"

#define TC_CLIENT_TIMEOUT_MS 3000
#define TC_CLIENT_TRIES      8
#define TC_MAX_CLIENTS       32

enum tc_kind { TC_IPXE, TC_OVMF };

struct tc_client {
    enum tc_kind kind;
    uint16_t port;                  /* the download's port (OVMF's query uses port + 1) */
    const char *name;
    unsigned req_blksize;
    unsigned req_window;            /* 0: not asked */
    bool virtual_file;              /* check bytes against th_virtual_byte, keep none */

    /* What the client learned and holds. */
    int phase;                      /* OVMF: 0 size query, 1 download */
    int sid;                        /* the server's transfer port, -2 while unknown */
    unsigned blksize, window;
    uint64_t tsize;
    bool have_tsize;
    uint8_t *buf;                   /* the file (not for virtual files) */
    uint64_t cap;
    uint64_t received;              /* bytes of the file in hand (counted once) */
    uint8_t *bitmap;                /* iPXE */
    uint64_t nblocks;               /* iPXE: blocks expected (0 while unknown) */
    uint64_t first_gap;
    uint64_t next_block;            /* OVMF: the expected block index */
    uint64_t total_block, acked_block;

    bool done, failed;
    const char *why;
    uint16_t error_code;

    uint8_t last[600];              /* for retransmission */
    size_t last_len;
    bool last_to_listen;
    uint16_t last_port;
    uint32_t timer_at;
    unsigned tries;

    unsigned acks, foreign, data_rx;
};

/* Lose a packet? to_server: from a client; seq counts packets that way. */
typedef bool (*tc_drop_fn)(void *arg, bool to_server, const uint8_t *msg, size_t len,
                           unsigned seq);

struct tc_net {
    struct th *h;
    struct tc_client *c[TC_MAX_CLIENTS];
    unsigned n;
    tc_drop_fn drop;
    void *drop_arg;
    unsigned seq_to_server, seq_to_client;
    unsigned lost_to_server, lost_to_client;
};

/* Sets up a client of kind for file name (expected size cap bytes, or virtual). */
void tc_client_init(struct tc_client *c, enum tc_kind kind, uint16_t port, const char *name,
                    uint64_t cap, bool virtual_file);
void tc_client_free(struct tc_client *c);

/* Starts every client and runs the network until all are done or failed, or the
 * clock has moved max_ms. Returns how many finished. */
unsigned tc_run(struct tc_net *net, uint32_t max_ms);

#endif
