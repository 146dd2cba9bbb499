/* One connection of vmgate's HTTP boot server as a state machine without I/O:
 * bytes in, chunks out, acknowledgements back, a clock the caller gives. The glue
 * (lwip-port/http_glue.c) owns the TCP connection and moves bytes; everything
 * HTTP decides is here, so that host tests and the fuzzer drive it directly.
 *
 *   READ     reading a request's head (net/http_req.h). Bytes after a complete
 *            head are not taken: they are the next (pipelined) request, which
 *            the caller offers again once this one is answered.
 *   SEND     answering it (net/http_resp.h): the caller asks for the next chunk
 *            that fits what its transport can take now, hands it on, and says so.
 *            Chunks of the head (and of a file a root can only read) are in
 *            buffers that live until the next call: copy them. Chunks of a file
 *            the root maps are the root's own bytes: lend them (zero copy). The
 *            file stays open until every lent byte has been acknowledged (the
 *            fileroot contract keeps mapped bytes valid until close), also past
 *            the end of its response: at most HTTP_CONN_RETIRE_MAX such files
 *            per connection, and no new request is read while that many wait.
 *   CLOSING  nothing more to send: the caller closes gracefully once every byte
 *            has been acknowledged; bytes still coming in are thrown away.
 *
 * Keep-alive is the default for HTTP/1.1, close for 1.0 unless asked (RFC 9112
 * 9.3); a refusal the parser says ends the stream closes it; the client's FIN
 * lets the answer in progress finish, then closes.
 *
 * Time limits (http_conn_poll): an idle keep-alive connection closes after
 * HTTP_CONN_IDLE_MS (iPXE keeps a pooled connection 10 s and reopens one the
 * server closed, ipxe src/net/tcp/httpconn.c; edk2 reconnects too); a head must
 * be complete HTTP_CONN_HEAD_MS after its first byte (a client dripping bytes
 * holds no connection for long); a response that makes no progress, nothing
 * taken nor acknowledged, for HTTP_CONN_STALL_MS is reset. */
#ifndef VMGATE_HTTP_CONN_H
#define VMGATE_HTTP_CONN_H

#include "fileroot.h"
#include "http_req.h"
#include "http_resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_CONN_IDLE_MS    30000
#define HTTP_CONN_HEAD_MS    10000
#define HTTP_CONN_STALL_MS   30000
#define HTTP_CONN_RETIRE_MAX 2

/* The statuses counted one by one; others (none today) count in the last slot. */
#define HTTP_STATUS_SLOTS 14
/* The slot of a status, and the status of a slot (0 for the catch-all). */
unsigned http_status_slot(int status);
int http_slot_status(unsigned slot);

/* Counters a server shares between its connections. */
struct http_stats {
    uint64_t requests;
    uint64_t by_status[HTTP_STATUS_SLOTS];
    uint64_t bytes_lent;            /* file bytes sent by reference (mapped) */
    uint64_t bytes_copied;          /* file bytes read into a buffer and copied */
    uint64_t read_errors;           /* a file that failed or shrank while being sent */
    uint64_t idle_closes, head_timeouts, stalls;
};

enum http_conn_phase { HTTP_CONN_READ, HTTP_CONN_SEND, HTTP_CONN_CLOSING };

enum http_conn_verdict {
    HTTP_CONN_OK,                   /* carry on */
    HTTP_CONN_CLOSE,                /* close gracefully now: everything sent was acknowledged */
    HTTP_CONN_ABORT,                /* reset: a limit was passed with bytes in flight */
};

/* A piece of output. */
struct http_chunk {
    const uint8_t *data;
    size_t len;
    bool copy;                      /* data lives only until the next call: copy it */
    bool more;                      /* more of this response follows at once */
};

struct http_conn {
    const struct fileroot *root;
    struct http_stats *stats;
    uint8_t phase;
    bool peer_done;                 /* the client sent its FIN */
    bool lent;                      /* the response's body went out by reference */
    struct http_req_parser req;
    struct http_resp resp;
    size_t head_off;                /* bytes of the head and text taken */
    uint64_t body_off;              /* bytes of the body taken */
    uint64_t produced, acked;       /* bytes of the stream taken, and acknowledged */
    struct { int handle; uint64_t until; } retiring[HTTP_CONN_RETIRE_MAX];
    unsigned n_retiring;
    uint32_t last_ms;               /* the last progress: bytes in, taken or acknowledged */
    uint32_t read_ms;               /* when READ began, then when its request began */
    unsigned answered;              /* responses finished on this connection */
};

/* Starts c, a new connection serving root; stats (not NULL) is shared. */
void http_conn_open(struct http_conn *c, const struct fileroot *root, struct http_stats *stats,
                    uint32_t now);

/* Offers the next len bytes received. Returns how many c took: all of them while
 * reading a head that has not ended and while CLOSING (thrown away), the head's
 * part when it ends inside b, none while answering. The caller keeps the rest and
 * offers it again after the answer (see http_conn_wants_input). */
size_t http_conn_input(struct http_conn *c, const uint8_t *b, size_t len, uint32_t now);

/* Whether c would take input now (READ, with room for another open file). */
bool http_conn_wants_input(const struct http_conn *c);

/* The client's FIN: no more bytes will come. The caller says so only after c took
 * every byte it had (a pipelined request may still be among them). */
void http_conn_input_end(struct http_conn *c, uint32_t now);

/* The next chunk of output, at most room bytes: 1 with *out set, 0 when there is
 * nothing to send now, -EIO when the file failed mid-body (the response cannot be
 * completed: reset the connection). scratch (scratch_len bytes) is where a file
 * the root cannot map is read into. Calling again without http_conn_advance gives
 * the same bytes. */
int http_conn_peek(struct http_conn *c, size_t room, uint8_t *scratch, size_t scratch_len,
                   struct http_chunk *out);

/* The caller handed on all of *ch, the chunk the last peek gave. */
void http_conn_advance(struct http_conn *c, const struct http_chunk *ch, uint32_t now);

/* n more bytes of the stream were acknowledged by the peer. */
void http_conn_acked(struct http_conn *c, size_t n, uint32_t now);

/* What the caller must do now: check after every event and periodically. */
enum http_conn_verdict http_conn_poll(struct http_conn *c, uint32_t now);

/* An idle keep-alive connection: between requests, nothing in flight. The one a
 * full server may close to make room. */
bool http_conn_idle(const struct http_conn *c);

/* Closes every file c holds. Call it when the connection is gone and the
 * transport holds none of the bytes it was lent (after a reset, or a graceful
 * close of a connection with everything acknowledged). */
void http_conn_release(struct http_conn *c);

#endif
