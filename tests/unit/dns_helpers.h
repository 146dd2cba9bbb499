/* Helpers for the DNS relay's tests: canned messages built field by field, and a
 * send callback that keeps what the relay emitted. */
#ifndef VMGATE_TEST_DNS_HELPERS_H
#define VMGATE_TEST_DNS_HELPERS_H

#include "../../net/dnsrelay.h"

#include <stddef.h>
#include <stdint.h>

#define DNS_TEST_MSG_MAX   4096
#define DNS_CAPTURE_MAX    2048

/* One emitted packet; data points into the capture's own copy. */
struct dns_sent {
    struct dnsrelay_packet pkt;
};

struct dns_capture {
    unsigned n;                         /* packets emitted (all of them) */
    struct dns_sent sent[DNS_CAPTURE_MAX];   /* the first DNS_CAPTURE_MAX */
    size_t arena_used;
    uint8_t arena[1 << 20];
};

/* Empties cap. */
void dns_capture_reset(struct dns_capture *cap);
/* A dnsrelay_send_fn: ctx is a struct dns_capture; copies the packet. */
void dns_capture_send(void *ctx, const struct dnsrelay_packet *pkt);
/* The i-th emitted packet (fails the test if there is none). */
const struct dnsrelay_packet *dns_capture_get(const struct dns_capture *cap, unsigned i);

/* Writes "www.lab.test" as a wire-form name into out; returns its length. */
size_t dns_put_name(uint8_t *out, const char *dotted);

/* Writes a standard query (RD set, one question of class IN) for name/qtype with
 * this ID; with edns_size nonzero adds an OPT record advertising that UDP size.
 * Returns the length. */
size_t dns_build_query(uint8_t *out, uint16_t id, const char *name, uint16_t qtype,
                       uint16_t edns_size);

/* Writes the response to query (qlen bytes: its header and question are copied,
 * QR and RA set, with ID id) with n_answers A records for addr, each named by a
 * compression pointer to the question. Returns the length. */
size_t dns_build_response(uint8_t *out, const uint8_t *query, size_t qlen, uint16_t id,
                          unsigned n_answers, uint32_t addr);

/* The ID field of a message. */
uint16_t dns_msg_id(const uint8_t *msg);

#endif
