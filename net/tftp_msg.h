/* TFTP's messages: RFC 1350 (requests, DATA, ACK, ERROR), RFC 2347 (options and
 * OACK), RFC 2348 (blksize), RFC 2349 (timeout, tsize), RFC 7440 (windowsize).
 * Parsers take (pointer, length) of untrusted bytes and point into them; builders
 * write into a buffer of a given capacity. Nothing here keeps state: the server's
 * sessions are tftp.c's. */
#ifndef VMGATE_TFTP_MSG_H
#define VMGATE_TFTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT             69

enum tftp_opcode {
    TFTP_RRQ = 1,
    TFTP_WRQ = 2,
    TFTP_DATA = 3,
    TFTP_ACK = 4,
    TFTP_ERROR = 5,
    TFTP_OACK = 6,
};

/* RFC 1350's error codes, and RFC 2347's 8. */
enum tftp_errcode {
    TFTP_EUNDEF = 0,            /* not defined, see the message */
    TFTP_ENOTFOUND = 1,
    TFTP_EACCESS = 2,           /* access violation */
    TFTP_ENOSPACE = 3,          /* disk full or allocation exceeded */
    TFTP_EBADOP = 4,            /* illegal TFTP operation */
    TFTP_EBADID = 5,            /* unknown transfer ID */
    TFTP_EEXISTS = 6,
    TFTP_ENOUSER = 7,
    TFTP_EOPTNEG = 8,           /* option negotiation refused */
};

#define TFTP_HDR_LEN          4         /* opcode + block (DATA, ACK) or code (ERROR) */
#define TFTP_DEFAULT_BLKSIZE  512       /* RFC 1350, without a blksize option */
#define TFTP_BLKSIZE_MIN      8         /* RFC 2348 */
#define TFTP_BLKSIZE_MAX      65464     /* RFC 2348's upper bound */
#define TFTP_TIMEOUT_MIN      1         /* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX      255
#define TFTP_WINDOWSIZE_MIN   1         /* RFC 7440 */
#define TFTP_WINDOWSIZE_MAX   65535

enum tftp_mode { TFTP_MODE_OCTET, TFTP_MODE_NETASCII };

/* One option's value as the request carried it: not NUL-terminated, untrusted. */
struct tftp_optval {
    bool present;
    const char *val;
    size_t len;
};

/* A parsed RRQ or WRQ. name and mode point into the message (len bytes each, no
 * NUL). The options this server knows are picked out, the first of each name
 * counting; others are counted in n_unknown and otherwise ignored. */
struct tftp_request {
    uint16_t opcode;
    const char *name;
    size_t name_len;
    const char *mode;
    size_t mode_len;
    struct tftp_optval blksize, timeout, tsize, windowsize;
    unsigned n_unknown;
    unsigned n_duplicate;       /* a known option named again (the first counts) */
};

/* Parses a request (opcode 1 or 2) of len bytes. Accepts option names in any
 * case (RFC 2347) and NUL bytes after the last option (padding some clients
 * send). Returns 0, or -EBADMSG when the message is shorter than an opcode, is no
 * request, or a name, the mode, an option name or an option value has no
 * terminating NUL. */
int tftp_parse_request(const uint8_t *msg, size_t len, struct tftp_request *req);

/* The transfer mode: TFTP_MODE_OCTET or TFTP_MODE_NETASCII (any case), -ENOTSUP
 * for "mail" (RFC 1350's third mode, which this server does not do), -EINVAL for
 * anything else. */
int tftp_parse_mode(const char *mode, size_t len);

/* An option's value as a decimal number: 0 with *out set; -ERANGE when it is a
 * number above max (*out is then max: the caller may clamp); -EINVAL when it is
 * empty or holds anything but digits. Leading zeros are fine. max must be under
 * UINT64_MAX / 10 (TFTP_UINT_MAX is the largest one). */
#define TFTP_UINT_MAX  1000000000000000000ull
int tftp_parse_uint(const struct tftp_optval *v, uint64_t max, uint64_t *out);

/* The opcode of a message: 0 when it is shorter than two bytes. */
uint16_t tftp_opcode_of(const uint8_t *msg, size_t len);

/* An ACK: 0 with *block set, or -EBADMSG (not an ACK, or under 4 bytes). Bytes
 * after the block number are ignored. */
int tftp_parse_ack(const uint8_t *msg, size_t len, uint16_t *block);

/* An ERROR: 0 with *code set, or -EBADMSG (not an ERROR, or under 4 bytes). The
 * message text, NUL-terminated or not, is not needed by the server. */
int tftp_parse_error(const uint8_t *msg, size_t len, uint16_t *code);

/* Writes an ERROR with code and text (cut to fit) into buf of cap bytes (at least
 * 5); returns its length. */
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *text);

/* Writes a DATA or ACK header (opcode, block) into hdr. */
void tftp_put_header(uint8_t hdr[TFTP_HDR_LEN], uint16_t opcode, uint16_t block);

/* An OACK is built by starting it (the opcode at buf[0..1], returns 2) and adding
 * name=value pairs: each call returns the new length, or 0 when the pair does not
 * fit in cap bytes (the buffer is then as before the call). */
size_t tftp_oack_start(uint8_t *buf, size_t cap);
size_t tftp_oack_add(uint8_t *buf, size_t cap, size_t len, const char *name, uint64_t value);

/* Netascii (RFC 1350 and RFC 764's NVT ASCII): the file's LF goes out as CR LF,
 * its CR as CR NUL, every other byte as it is. A conversion may stop between the
 * two bytes of a pair, at the end of a block; the second byte is then carried to
 * the next block: *carry holds it, or -1 when nothing is carried.
 *
 * Converts src (src_len file bytes) into dst (room bytes), starting with the
 * carried byte if any. Returns the bytes written; *consumed is set to the file
 * bytes used. Stops when dst is full or src is used up. */
size_t tftp_netascii_encode(const uint8_t *src, size_t src_len, size_t *consumed, uint8_t *dst,
                            size_t room, int *carry);

/* The name of an opcode, for the console and the tests' messages. */
const char *tftp_opcode_name(uint16_t opcode);

#endif
