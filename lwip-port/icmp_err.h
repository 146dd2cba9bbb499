/* The ICMP errors vmgate sends as a router (net/icmp_err.h builds them): to the
 * sender of a packet as it sent it, from vmgate's address on the way back, rate
 * limited as RFC 1812 4.3.2.8 asks. */
#ifndef VMGATE_LWIP_ICMP_ERR_H
#define VMGATE_LWIP_ICMP_ERR_H

#include "../net/icmp_err.h"

#include "lwip/arch.h"

enum icmp_err_kind {
    ICMP_ERR_FRAG_NEEDED,               /* path MTU (pmtu_icmp.c) */
    ICMP_ERR_TTL_EXCEEDED,              /* traceroute (ttl_icmp.c) */
    ICMP_ERR_PROHIBITED,                /* NAT could not make a flow (nat_glue.c) */
    ICMP_ERR_KINDS
};

struct icmp_err_stats {
    unsigned long long sent[ICMP_ERR_KINDS];
    unsigned long long limited;         /* over the rate limit */
    unsigned long long not_answered;    /* about an ICMP error, a later fragment, no host */
    unsigned long long no_route;        /* no way back to the sender, or no buffer */
};

extern struct icmp_err_stats icmp_err_stats;

/* Sends the error of this kind about the packet quoted by q to q's source, with
 * `rest` as the second header word (the next-hop MTU for FRAG_NEEDED), unless
 * the quote may not be answered or the rate limit is reached (counted). */
void icmp_err_send(enum icmp_err_kind kind, u32_t rest, const struct icmp_quote *q);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void icmp_err_test_reset(void);
#endif

#endif
