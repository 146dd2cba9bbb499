/* A small builder of DHCP client messages for tests: a BOOTREQUEST with the
 * fields and options a test sets, from a MAC the test numbers. */
#ifndef VMGATE_TEST_DHCP_CMSG_H
#define VMGATE_TEST_DHCP_CMSG_H

#include "net/dhcp_msg.h"

#include <stddef.h>
#include <stdint.h>

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define NAT_NET  IP4(10, 0, 2, 0)
#define NAT_GW   IP4(10, 0, 2, 2)
#define NAT_DNS  IP4(10, 0, 2, 3)
#define BCAST    0xffffffffu

/* A client message under construction. */
struct cmsg {
    uint8_t buf[DHCP_MSG_MAX];
    size_t len;
};

/* Starts a BOOTREQUEST from Ethernet MAC 52:54:00:00:00:<n> with transaction id
 * xid, the cookie and option 53 = type (none if type is 0). */
void cmsg_begin(struct cmsg *m, uint8_t type, uint8_t n, uint32_t xid);
/* Header fields, written in place. */
void cmsg_ciaddr(struct cmsg *m, uint32_t ip);
void cmsg_giaddr(struct cmsg *m, uint32_t ip);
void cmsg_flags(struct cmsg *m, uint16_t flags);
/* Appends an option (value of len bytes), or a 4-byte address option. */
void cmsg_opt(struct cmsg *m, uint8_t code, const void *val, size_t len);
void cmsg_opt_ip(struct cmsg *m, uint8_t code, uint32_t ip);
void cmsg_opt_u16(struct cmsg *m, uint8_t code, uint16_t v);
/* Appends End; the message is then m->buf, m->len. */
void cmsg_end(struct cmsg *m);

/* The MAC 52:54:00:00:00:<n> the builder uses. */
void test_mac(uint8_t mac[6], uint8_t n);

#endif
