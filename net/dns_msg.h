/* DNS messages on the wire (RFC 1035 section 4, EDNS0 from RFC 6891): the header,
 * the question, and a walk over resource records, for a relay that must check
 * untrusted messages without understanding their answers. Pure: no I/O; builds
 * and tests on the host.
 *
 * Every function takes (msg, len) and never reads at or beyond msg + len. Errors
 * are -EBADMSG: the bytes are not a message this module accepts. */
#ifndef VMGATE_DNS_MSG_H
#define VMGATE_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN    12
#define DNS_NAME_MAX      255   /* a name's wire form, length octets and root included */
#define DNS_LABEL_MAX     63
#define DNS_UDP_CLASSIC   512   /* the UDP size limit without EDNS0 (RFC 1035 4.2.1) */
/* A legitimate compressor points once per name, to a suffix that may itself end in
 * a pointer: at most one pointer per label. Pointers must also point backwards, so
 * a loop is impossible anyway; the cap bounds the work a hostile message costs. */
#define DNS_POINTERS_MAX  128

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.2 for AD and CD). */
#define DNS_FLAG_QR       0x8000    /* 1 in a response */
#define DNS_OPCODE_MASK   0x7800
#define DNS_OPCODE_SHIFT  11
#define DNS_FLAG_AA       0x0400
#define DNS_FLAG_TC       0x0200    /* truncated: the client should retry over TCP */
#define DNS_FLAG_RD       0x0100
#define DNS_FLAG_RA       0x0080
#define DNS_FLAG_AD       0x0020
#define DNS_FLAG_CD       0x0010
#define DNS_RCODE_MASK    0x000f

#define DNS_OPCODE_QUERY  0

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5

#define DNS_TYPE_OPT      41        /* the EDNS0 pseudo-record (RFC 6891 6.1) */

struct dns_header {
    uint16_t id;
    uint16_t flags;
    uint16_t qdcount, ancount, nscount, arcount;
};

/* One question. The name is kept in wire form, uncompressed, as the message spells
 * it (case included). off and end delimit the question in the message. */
struct dns_question {
    uint8_t name[DNS_NAME_MAX];
    uint16_t name_len;
    uint16_t qtype, qclass;
    size_t off, end;
};

/* What a relay needs to know about a whole message. */
struct dns_msg_info {
    struct dns_header hdr;
    struct dns_question q;
    bool records_walked;        /* the sections after the question were checked */
    bool has_opt;               /* an OPT record in the additional section */
    uint16_t opt_udp_size;      /* its requestor's UDP payload size, if has_opt */
};

static inline unsigned dns_opcode(uint16_t flags)
{
    return (flags & DNS_OPCODE_MASK) >> DNS_OPCODE_SHIFT;
}

int dns_header_parse(const uint8_t *msg, size_t len, struct dns_header *h);

/* Reads the name at off. On success stores the offset just after the name as it
 * sits in the message (after its first pointer, if any) in *end and, if out is not
 * NULL, the uncompressed wire form in out (DNS_NAME_MAX bytes) and its length in
 * *out_len. */
int dns_name_parse(const uint8_t *msg, size_t len, size_t off, uint8_t *out,
                   uint16_t *out_len, size_t *end);

int dns_question_parse(const uint8_t *msg, size_t len, size_t off, struct dns_question *q);

/* True when the two questions ask the same thing: equal type and class, and names
 * equal with ASCII letters compared without case (RFC 4343). */
bool dns_question_equal(const struct dns_question *a, const struct dns_question *b);

/* Checks the header and the one question a relay accepts (QDCOUNT must be 1, as in
 * every query stub resolvers send). With walk_records, also checks that every
 * record the counts announce is there and well formed, and looks for the OPT
 * record (exactly one at most, root-named, in the additional section). Bytes after
 * the last record are tolerated. */
int dns_msg_parse(const uint8_t *msg, size_t len, bool walk_records, struct dns_msg_info *info);

/* Writes an answer carrying only an error code for the query whose header is qh
 * and whose question is q_wire (q_len bytes: name, type, class): the query's ID,
 * opcode, RD and CD, QR and RA set, the rcode, the question, no records. Returns
 * the length written, or 0 if out (out_len bytes) is too small. */
size_t dns_msg_write_error(const struct dns_header *qh, const uint8_t *q_wire, size_t q_len,
                           unsigned rcode, uint8_t *out, size_t out_len);

/* Cuts a response down to its header and question (which ends at q_end) and sets
 * TC, as a server does when the answer does not fit: the client is to retry over
 * TCP. Returns the new length, q_end. */
size_t dns_msg_truncate(uint8_t *msg, size_t q_end);

#endif
