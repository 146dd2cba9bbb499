/* A strict reader of the HTTP responses vmgate's server sends, for host tests
 * that play a client: the status line, the fields the tests look at, and the body
 * framed by Content-Length, which the server always sends. */
#ifndef VMGATE_HTTP_CHECK_H
#define VMGATE_HTTP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_got {
    int status;
    uint64_t content_length;
    char content_type[64];
    char content_range[96];
    char connection[32];
    char head[1024];                /* the head as received, NUL-terminated */
    const uint8_t *body;            /* into the buffer parsed */
    size_t body_len;
};

/* Reads one response from buf (len bytes) to a request that was a HEAD (no body)
 * or not. Returns the bytes it spans, 0 when buf holds only part of it, -1 when
 * it is malformed: no "HTTP/1.1 DDD reason" line, a field line without ": ", no
 * Content-Length or two of them. */
long http_got_parse(const uint8_t *buf, size_t len, bool head, struct http_got *g);

#endif
