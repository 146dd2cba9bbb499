/* The TFTP server: read requests served from a file root (fileroot.h), as a
 * state machine without I/O. Datagrams come in as bytes with who sent them and
 * the clock; datagrams go out through a callback; time moves only when the
 * caller says so. The lwIP glue is lwip-port/tftp_glue.c.
 *
 * Addresses are IPv4 in host byte order; times are milliseconds of a clock that
 * wraps at 2^32 (lwIP's sys_now()).
 *
 * Ports (RFC 1350's transfer IDs): requests arrive at port 69; each transfer
 * then runs between the client's port and a port of its own on the server,
 * which the glue opens when the server asks (tftp_io.open) and closes when the
 * transfer ends (tftp_io.close). Packets the server sends name the session
 * (its slot number) or TFTP_SID_LISTEN for replies from port 69 itself.
 *
 * Policy:
 *  - Read requests only, in octet or netascii mode. Write requests are refused
 *    with error 2 (access violation): the root is read-only by design, so the
 *    operation is understood and not allowed, which is what 2 says; 4 (illegal
 *    operation) is for requests that make no sense. "mail" and unknown modes get 4.
 *  - Names go through fileroot_path_clean(): absolute paths, "..", control
 *    characters: error 2. No such file (or a directory): error 1.
 *  - Options (RFC 2347): blksize, timeout, tsize and windowsize are answered in an
 *    OACK; unknown options are ignored, not echoed. When no option is accepted
 *    the transfer starts with DATA 1 as in RFC 1350.
 *      blksize (RFC 2348, 8..65464): the server may choose a smaller one, so a
 *        larger value is clamped to 65464 and to the link's payload (max_payload
 *        of the request: MTU - 20 - 8 - 4); below 8 or not a number: error 8.
 *      windowsize (RFC 7440, 1..65535): clamped to TFTP_MAX_WINDOW; 0 or not a
 *        number: error 8.
 *      timeout (RFC 2349, 1..255 s): the server may only echo it or leave it
 *        out, and EDK2 refuses an OACK whose timeout differs from its request, so
 *        a value out of range cannot be clamped: error 8.
 *      tsize (RFC 2349): in octet mode answered with the file's size, whatever
 *        the request's value (RFC 2349 says 0; OVMF does not boot without the
 *        answer); not a number: error 8. In netascii mode tsize is left out of
 *        the OACK: the size on the wire is the converted size, which is known
 *        only after reading the whole file, and a file may be served from a
 *        host folder on demand (or be larger than vmgate's RAM); the clients
 *        that need tsize (PXE firmwares) all use octet.
 *  - Sending (RFC 7440): a window of blocks goes out; an ACK of a block inside
 *    the window moves its start past that block and the next window goes out
 *    (from there: blocks after the ACKed one that were in flight are sent
 *    again, as RFC 7440 says, since a client ACKs early when it lost one). An
 *    ACK of the block before the window's start is a duplicate and does nothing
 *    (RFC 1123 4.2.3.1: never answer a duplicate ACK, or every later block is
 *    sent twice, the Sorcerer's Apprentice bug); an ACK outside the window is
 *    ignored. The transfer ends with a block shorter than blksize: an empty one
 *    after a file of an exact multiple of blksize.
 *  - Block numbers roll over from 65535 to 0, as iPXE (tftp.c computes the
 *    block from the bitmap's first gap) and EDK2 (Mtftp4RemoveBlockNum: "wrap to
 *    zero") expect, so files of any size are served.
 *  - Retransmission: when no ACK moves the window for the retransmission
 *    interval, the window is sent again from its first unacknowledged block.
 *    The interval starts at the negotiated timeout (default 1 s) and doubles
 *    after each retransmission, up to max(timeout, TFTP_RETRY_CAP_MS); after
 *    TFTP_MAX_RETRIES retransmissions without progress the session ends (about
 *    31 s of silence with the default timeout).
 *  - Sessions: at most TFTP_MAX_SESSIONS at once and TFTP_CLIENT_MAX from one
 *    client address; a request beyond either, or one the glue finds no port for,
 *    gets error 3 ("allocation exceeded", the nearest RFC 1350 code) "too many
 *    transfers". A session is keyed by (interface, client address, client
 *    port). A request from the key of an active session is a retransmission when
 *    it is the same request (same bytes): the OACK or first window is sent again
 *    while the client has acknowledged nothing, and the request is dropped
 *    later; a different request means the client gave up on the old transfer
 *    and started another, and replaces it.
 *  - An ERROR from the client ends its session silently. A packet of the wrong
 *    kind on a transfer's port (a request, DATA, an OACK) gets error 4 and ends
 *    the session; packets too short to be anything are dropped. A packet to a
 *    transfer's port from another client port gets error 5 and leaves the
 *    transfer alone (RFC 1350). ERRORs are never answered. Every refusal and
 *    drop is counted by reason.
 *  - Data goes out from the root's own bytes when the backend maps them (the
 *    packet's payload points there), else from one buffer of the server's, read
 *    into just before the send. */
#ifndef VMGATE_TFTP_H
#define VMGATE_TFTP_H

#include "fileroot.h"
#include "tftp_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_MAX_SESSIONS      64
#define TFTP_CLIENT_MAX        32          /* half the table for one client address */
#define TFTP_MAX_WINDOW        64
#define TFTP_DEFAULT_TIMEOUT_MS 1000
#define TFTP_MAX_RETRIES       5
#define TFTP_RETRY_CAP_MS      8000
#define TFTP_REQUEST_MAX       1024        /* larger datagrams to port 69 are dropped */
#define TFTP_SID_LISTEN        (-1)

/* Who a packet is from (or to): the glue's number for the interface, the
 * client's address and port, and the server address the client sent its request
 * to (replies leave from there: clients check). */
struct tftp_peer {
    int iface;
    uint32_t addr;
    uint16_t port;
    uint32_t local;
};

/* A datagram the server sends: to peer, from the session's port (sid >= 0) or
 * from port 69 (TFTP_SID_LISTEN). hdr holds the whole message, except that a
 * DATA message's block bytes follow in payload: the root's own bytes when
 * mapped is true, else the server's buffer. Both are valid only during the
 * callback. */
struct tftp_packet {
    int sid;
    const struct tftp_peer *peer;
    const uint8_t *hdr;
    size_t hdr_len;
    const uint8_t *payload;
    size_t payload_len;
    bool mapped;
};

/* What the server needs from the glue. open: a transfer begins in slot sid with
 * peer: give it a port; 0, or -errno to refuse (the client then gets "too many
 * transfers"). send: 0 or -errno; a failed send counts as a lost packet (the
 * retransmission timer covers it). close: the session in slot sid is over, its
 * port may go (called once per successful open). */
struct tftp_io {
    int (*open)(void *ctx, int sid, const struct tftp_peer *peer);
    int (*send)(void *ctx, const struct tftp_packet *pkt);
    void (*close)(void *ctx, int sid);
    void *ctx;
};

/* Why a request got an error instead of a transfer. */
enum tftp_refusal {
    TFTP_REFUSE_WRQ,            /* a write request */
    TFTP_REFUSE_PATH,           /* absolute, "..", control characters */
    TFTP_REFUSE_NOT_FOUND,      /* no such file, a directory, a name too long */
    TFTP_REFUSE_OPEN,           /* the backend failed otherwise */
    TFTP_REFUSE_MODE,           /* mail or an unknown mode */
    TFTP_REFUSE_OPTION,         /* an option value that cannot be clamped */
    TFTP_REFUSE_TABLE_FULL,
    TFTP_REFUSE_CLIENT_LIMIT,
    TFTP_REFUSE_NO_PORT,        /* the glue could not open a transfer port */
    TFTP_REFUSE_MALFORMED,      /* a request that does not parse */
    TFTP_REFUSE_OPCODE,         /* DATA, ACK, OACK or an unknown opcode to port 69 */
    TFTP_REFUSALS
};

/* Packets dropped without an answer. */
enum tftp_drop {
    TFTP_DROP_SHORT,            /* under 2 bytes, or an ACK or ERROR under 4 */
    TFTP_DROP_OVERSIZED,        /* a datagram to port 69 over TFTP_REQUEST_MAX */
    TFTP_DROP_ERROR_TO_LISTEN,  /* an ERROR to port 69: never answered */
    TFTP_DROP_NO_SESSION,       /* to a slot with no session */
    TFTP_DROP_LATE_RRQ,         /* a repeated request after the transfer moved on */
    TFTP_DROPS
};

/* How sessions ended. */
enum tftp_end {
    TFTP_END_COMPLETE,          /* the last block was acknowledged */
    TFTP_END_TIMEOUT,           /* out of retransmissions */
    TFTP_END_CLIENT_ERROR,      /* the client sent an ERROR (OVMF's size query does) */
    TFTP_END_READ_ERROR,        /* the backend failed or the file shrank */
    TFTP_END_PROTOCOL,          /* a packet of the wrong kind on the transfer port */
    TFTP_END_SUPERSEDED,        /* the client sent another request from its port */
    TFTP_END_SHUTDOWN,          /* the glue stopped serving the interface */
    TFTP_ENDS
};

struct tftp_stats {
    uint64_t requests;          /* datagrams to port 69 */
    uint64_t started;           /* sessions opened */
    uint64_t completed;
    uint64_t failed;            /* ended any other way: the sum of ends[] but COMPLETE */
    uint64_t ends[TFTP_ENDS];
    uint64_t bytes;             /* DATA payload bytes sent, retransmissions included */
    uint64_t blocks;            /* DATA packets sent, retransmissions included */
    uint64_t zero_copy;         /* ... of which from the root's own bytes */
    uint64_t retransmits;       /* DATA and OACK packets sent again */
    uint64_t timer_expiries;    /* retransmission intervals that ran out */
    uint64_t oacks;             /* OACKs sent (first sends) */
    uint64_t dup_requests;      /* repeated requests answered again */
    uint64_t dup_acks;          /* ACKs of the block before the window: ignored */
    uint64_t stale_acks;        /* ACKs outside the window: ignored */
    uint64_t foreign_tid;       /* packets to a transfer port from another port: error 5 */
    uint64_t send_errors;
    uint64_t refused[TFTP_REFUSALS];
    uint64_t dropped[TFTP_DROPS];
};

/* What the console shows of one session. */
struct tftp_session_info {
    int sid;
    struct tftp_peer peer;
    const char *name;
    enum tftp_mode mode;
    uint16_t blksize;
    uint16_t window;
    uint64_t size;              /* the file's size */
    uint64_t acked;             /* bytes of the file the client has acknowledged */
    unsigned retries;
    uint32_t age_ms;
};

struct tftp_server;

/* A server with no session, which talks to the glue through io (copied). Returns
 * 0 or -ENOMEM. */
int tftp_create(struct tftp_server **out, const struct tftp_io *io);
/* Ends every session (TFTP_END_SHUTDOWN: closing handles and ports) and frees s. */
void tftp_destroy(struct tftp_server *s);

/* A datagram to port 69 from peer (msg, len untrusted), asking for a file of
 * root; max_payload is the largest UDP payload less 4 the client's link carries
 * in one frame (the blksize ceiling). */
void tftp_request(struct tftp_server *s, uint32_t now, const struct tftp_peer *peer,
                  const struct fileroot *root, uint16_t max_payload,
                  const uint8_t *msg, size_t len);

/* A datagram to the port of the session in slot sid, from peer (the glue
 * demultiplexed it by its port). Returns 0, -ESRCH when sid holds no session
 * (dropped), or -EPERM when peer is not the session's client (answered with
 * error 5, the transfer left alone). */
int tftp_transfer_input(struct tftp_server *s, uint32_t now, int sid, const struct tftp_peer *peer,
                        const uint8_t *msg, size_t len);

/* Runs the retransmission timers that are due at now. */
void tftp_tick(struct tftp_server *s, uint32_t now);
/* Milliseconds from now until the next timer is due (0: due already), or -1 when
 * no session is waiting for anything. */
int32_t tftp_next_timeout(const struct tftp_server *s, uint32_t now);

/* Ends every session of interface iface (TFTP_END_SHUTDOWN). */
void tftp_end_iface(struct tftp_server *s, int iface);

const struct tftp_stats *tftp_get_stats(const struct tftp_server *s);
unsigned tftp_active(const struct tftp_server *s);
/* Calls fn for each active session, in slot order. */
void tftp_foreach_session(const struct tftp_server *s, uint32_t now,
                          void (*fn)(void *arg, const struct tftp_session_info *info), void *arg);

const char *tftp_refusal_name(enum tftp_refusal r);
const char *tftp_drop_name(enum tftp_drop d);
const char *tftp_end_name(enum tftp_end e);

/* Prints the counters and the active transfers with pr (kprintf on the console). */
typedef int (*tftp_printf_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tftp_print(const struct tftp_server *s, uint32_t now, tftp_printf_fn pr);

#endif
