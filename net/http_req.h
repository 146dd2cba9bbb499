/* The request side of vmgate's HTTP/1.1 boot server (RFC 9110, RFC 9112): a
 * parser of untrusted bytes that arrive in TCP segments, split anywhere. It reads
 * one request's head (request line and header section) a byte at a time, keeps
 * only what serving a boot file needs (method, path, version, Host, Connection,
 * Range, whether a body follows) and never more than its fixed buffers, and stops
 * at the head's end so that what follows (a pipelined request) stays with the
 * caller.
 *
 * What it accepts and refuses, and why:
 *  - GET and HEAD. Other methods that RFC 9110 defines get 405 (with Allow), an
 *    unknown one 501; the head is still read to its end so that the connection
 *    can go on.
 *  - origin-form targets ("/path?query") and absolute-form ("http://host/path"),
 *    which RFC 9112 3.2.2 requires a server to accept; the query is dropped, the
 *    path %-decoded and, less its leading '/', cleaned by fileroot_path_clean() (so
 *    an encoded "%2e%2e" is refused like a plain ".."). Other forms: 400.
 *  - HTTP/1.0 and HTTP/1.1; a later 1.x is answered as 1.1 (RFC 9112 2.3), any
 *    other major version gets 505.
 *  - a head of at most HTTP_REQ_HEAD_MAX bytes: a longer request line gets 414
 *    while it is still in its target, a longer header section 431.
 *  - no body: GET and HEAD carry none that means anything (RFC 9110 9.3.1), no
 *    boot client sends one, and reading one we would throw away would hold a
 *    connection for as long as the client says. A Content-Length other than 0 or
 *    any Transfer-Encoding gets 400 and the connection closes, so the stream is
 *    never framed two ways.
 *  - one byte range (bytes=a-b, a-, -n). Several ranges, a malformed one, two
 *    Range fields, or an If-Range (we send no validators, so it can never match)
 *    are ignored and the whole file is served, as RFC 9110 14.2 allows: a
 *    multipart/byteranges answer buys nothing a boot client asks for, and 416
 *    would claim the ranges cannot be satisfied when they may well be.
 *  - line ends CRLF or a bare LF (RFC 9112 2.2), empty lines before the request
 *    line skipped; a bare CR, obsolete line folding, whitespace before a header's
 *    colon, a control character, two Host fields, or a 1.1 request without Host:
 *    400 (RFC 9112 2.2, 3.2, 5.1, 5.2).
 *  - conditionals (If-None-Match, If-Modified-Since, ...) are ignored: without
 *    validators or a clock we never answer 304.
 *
 * A refusal found inside the head (400, 414, 431, 505, a body) ends the stream:
 * the request is complete at once, `close` set, the bytes after the offending one
 * left unread. */
#ifndef VMGATE_HTTP_REQ_H
#define VMGATE_HTTP_REQ_H

#include "fileroot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_REQ_HEAD_MAX   8192    /* request line + header section, line ends included */
#define HTTP_REQ_TARGET_MAX 2048    /* the request-target as sent */
#define HTTP_REQ_PATH_MAX   1024    /* its path once %-decoded, before cleaning */
#define HTTP_REQ_HOST_MAX   255
#define HTTP_REQ_VALUE_MAX  255     /* the value of a header field we read */
#define HTTP_REQ_NAME_MAX   32      /* longer field names are none we know */
#define HTTP_REQ_METHOD_MAX 16      /* a longer method gets 501 at once (RFC 9112 3) */

enum http_method {
    HTTP_GET = 1,
    HTTP_HEAD,
    HTTP_OTHER,                     /* defined by RFC 9110 but not served: 405 */
    HTTP_UNKNOWN,                   /* not one RFC 9110 defines: 501 */
};

enum http_range_kind {
    HTTP_RANGE_NONE,                /* no Range field */
    HTTP_RANGE_SPAN,                /* bytes=first-last, or first- (last UINT64_MAX) */
    HTTP_RANGE_SUFFIX,              /* bytes=-n: the last n bytes (n in last) */
    HTTP_RANGE_IGNORED,             /* a Range field we ignore (see above) */
};

struct http_range {
    enum http_range_kind kind;
    uint64_t first, last;           /* numbers past UINT64_MAX saturate */
};

struct http_req {
    int status;                     /* 0, or the status that refuses the request */
    bool close;                     /* close the connection after answering */
    enum http_method method;
    uint8_t minor;                  /* HTTP/1.minor: 0 or 1 */
    bool absolute_form;             /* the target named its host */
    int path_err;                   /* 0: path holds the cleaned path; else fileroot_path_clean's error */
    char path[FILEROOT_PATH_MAX];
    bool has_host;                  /* a Host field, or a host in an absolute-form target */
    char host[HTTP_REQ_HOST_MAX + 1];   /* the target's host if absolute-form, else Host */
    struct http_range range;
};

/* The parser's state between segments; about 2.2 KiB. */
struct http_req_parser {
    uint8_t state;
    uint8_t field;                  /* the header field being read (enum in http_req.c) */
    uint8_t pct;                    /* a %-escape's digits read so far, and its value */
    uint8_t pct_val;
    uint8_t scheme_pos;             /* how much of "http://" an absolute-form target matched */
    bool started;                   /* a byte of the request line has come */
    bool name_long, value_long;
    bool conn_close, conn_keep_alive, has_body, if_range, seen_range, target_host;
    uint16_t head_len, target_len, path_len, tok_len, name_len, value_len, host_len;
    char tok[HTTP_REQ_METHOD_MAX];  /* the method, then the version */
    char name[HTTP_REQ_NAME_MAX];
    char value[HTTP_REQ_VALUE_MAX];
    char header_host[HTTP_REQ_HOST_MAX];
    char raw_path[HTTP_REQ_PATH_MAX];
    struct http_req req;
};

/* Makes p ready for a request. */
void http_req_init(struct http_req_parser *p);

/* Feeds the next len bytes of the stream to p. Returns true when the request is
 * complete (p->req holds it: a refusal has p->req.status set), false when it
 * needs more bytes; *used says how many of b it took, all of them unless the
 * request ended inside b. A complete request takes no more bytes until
 * http_req_init. */
bool http_req_feed(struct http_req_parser *p, const uint8_t *b, size_t len, size_t *used);

/* Whether the request has begun (a byte other than the empty lines that may come
 * before it): an idle keep-alive connection has not. */
static inline bool http_req_started(const struct http_req_parser *p) { return p->started; }

/* Parses a Range field's value (len bytes) into *r as described above: SPAN,
 * SUFFIX or IGNORED. Public for tests. */
void http_req_parse_range(const char *v, size_t len, struct http_range *r);

#endif
