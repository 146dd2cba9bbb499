/* The response side of vmgate's HTTP/1.1 boot server: what to answer a parsed
 * request (net/http_req.h) from a file root (net/fileroot.h), as a status line
 * and header fields in a buffer and a body that is a byte range of an open file
 * (or a line of text for a refusal).
 *
 *   200  the file; 206 one byte range of it (GET only, RFC 9110 14.2), with
 *        Content-Range; 416 for a range that starts at or past the end or a
 *        suffix of 0 bytes, with Content-Range "bytes * /size" (RFC 9110 15.5.17).
 *        An empty file is always served whole: no range of it can be written.
 *   403  a path the cleaner refuses (absolute after the leading '/', "..", a
 *        control byte); 404 no such file, or a directory (no listings here);
 *        414 a path too long to clean; 500 the root failed to open it; 503 with
 *        Retry-After when the root has no handle left (iPXE waits and retries
 *        on Retry-After, ipxe src/net/tcp/httpcore.c).
 *   400, 405 (with Allow: GET, HEAD), 414, 431, 501, 505: what the parser refused.
 *
 * Fields: Server; Content-Type from the name's extension (below); Content-Length
 * always, for HEAD too (edk2's HttpBootDxe sizes its buffer from a HEAD's
 * Content-Length, NetworkPkg/HttpBootDxe/HttpBootImpl.c); Accept-Ranges: bytes on
 * files; Connection: keep-alive or close, always said. No Date: a server without
 * a clock must not send one (RFC 9110 6.6.1). No ETag or Last-Modified, so no
 * conditional request can match and none is answered 304.
 *
 * The status line says HTTP/1.1 whatever the request's version (RFC 9110 2.5);
 * a 1.0 client gets keep-alive only when it asked for it. */
#ifndef VMGATE_HTTP_RESP_H
#define VMGATE_HTTP_RESP_H

#include "fileroot.h"
#include "http_req.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_RESP_HEAD_MAX 512

struct http_resp {
    int status;
    bool close;                     /* the connection closes once this is sent */
    int handle;                     /* the open file the body comes from, or -1 */
    uint64_t size;                  /* the file's size (0 without a file) */
    uint64_t off, len;              /* the body: file bytes [off, off + len) (none for HEAD) */
    size_t head_len;                /* head[0, head_len): status line, fields, empty line */
    size_t text_len;                /* then a refusal's text body (none for HEAD) */
    char head[HTTP_RESP_HEAD_MAX];
};

/* Decides the answer to q from root into *r. A file to send stays open (r->handle)
 * until http_resp_release; HEAD opens the file only for its size. Never fails:
 * what goes wrong becomes the status. */
void http_resp_prepare(struct http_resp *r, const struct http_req *q, const struct fileroot *root);

/* Closes r's file, if it has one open. */
void http_resp_release(struct http_resp *r, const struct fileroot *root);

/* The Content-Type for a file name, from its extension (case-insensitive):
 *   .efi  application/efi            (edk2 HttpBootDxe takes it as an EFI image)
 *   .iso  application/vnd.efi-iso    (edk2: a RAM disk CD image; HttpBootSupport.c
 *   .img  application/vnd.efi-img     matches these two exactly, not x-iso9660-image)
 *   .ipxe .txt .cfg .conf  text/plain (iPXE scripts go by their #!ipxe line)
 *   anything else  application/octet-stream */
const char *http_content_type(const char *path);

/* The reason phrase for a status this server sends ("" for others). */
const char *http_reason(int status);

#endif
