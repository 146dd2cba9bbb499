/* The TFTP server's insides, shared by tftp.c (requests, ACKs, timers), tftp_send.c
 * (blocks and windows) and tftp_print.c (the console). Not for other modules. */
#ifndef VMGATE_TFTP_PRIV_H
#define VMGATE_TFTP_PRIV_H

#include "tftp.h"

#define TFTP_OACK_MAX     128       /* four options with the longest values fit */
#define TFTP_REPLY_MAX    128       /* error messages are short */
#define TFTP_ASCII_CHUNK  4096      /* file bytes read at a time for netascii */
/* Block positions kept per session: the window's blocks and the one after it. */
#define TFTP_POS_RING     (TFTP_MAX_WINDOW + 1)

enum tftp_state {
    TFTP_S_FREE,
    TFTP_S_OACK,                    /* OACK sent, waiting for ACK 0 */
    TFTP_S_DATA,                    /* sending blocks */
};

/* Where a netascii block starts: the file offset of its first unconverted byte
 * and the byte carried from the block before (-1: none). */
struct tftp_pos {
    uint64_t off;
    int16_t carry;
};

/* Block indexes count from 1 (the first DATA) without wrapping: block index i
 * goes out as block number i mod 65536, and index 0 stands for the OACK. */
struct tftp_session {
    enum tftp_state state;
    struct tftp_peer peer;
    const struct fileroot *root;
    int handle;
    uint64_t size;
    enum tftp_mode mode;
    uint16_t blksize;
    uint16_t window;
    uint32_t timeout_ms;            /* the first retransmission interval */
    uint64_t base;                  /* first unacknowledged block */
    uint64_t next;                  /* first block not sent in the current window */
    uint64_t last;                  /* the final (short) block; 0 while unknown (netascii) */
    uint64_t request_hash;          /* of the request's bytes, to know it again */
    uint32_t started_at;
    uint32_t deadline;              /* of the retransmission timer */
    uint8_t retries;                /* retransmissions since the last progress */
    uint8_t oack_len;
    uint8_t oack[TFTP_OACK_MAX];
    struct tftp_pos pos[TFTP_POS_RING];   /* netascii: by block index mod the ring */
    char name[FILEROOT_PATH_MAX];
};

struct tftp_server {
    struct tftp_io io;
    struct tftp_session s[TFTP_MAX_SESSIONS];
    unsigned active;
    struct tftp_stats st;
    uint8_t scratch[TFTP_BLKSIZE_MAX];    /* a DATA payload not sent from a mapping */
    uint8_t ascii_src[TFTP_ASCII_CHUNK];
    uint8_t reply[TFTP_REPLY_MAX];
};

/* tftp_send.c */

/* Sends the window that starts at ss->base (the blocks base .. base + window - 1,
 * up to the last) and sets ss->next. Returns 0, or -EIO when the file could not
 * be read (the caller ends the session). Counts blocks sent again as
 * retransmissions when retransmit is true or when they were sent before. */
int tftp_send_window(struct tftp_server *s, struct tftp_session *ss, bool retransmit);
/* Sends an ERROR with code and text to peer from slot sid (or port 69). */
void tftp_send_error(struct tftp_server *s, int sid, const struct tftp_peer *peer,
                     uint16_t code, const char *text);
/* Sends ss's OACK again or for the first time. */
void tftp_send_oack(struct tftp_server *s, struct tftp_session *ss);
/* Hands a packet to the glue and counts a failure. */
void tftp_emit(struct tftp_server *s, const struct tftp_packet *pkt);
/* The retransmission interval after `retries` retransmissions. */
uint32_t tftp_retry_interval(const struct tftp_session *ss);

#endif
