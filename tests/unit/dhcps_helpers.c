/* Helpers for the DHCP server's tests; contracts in dhcps_helpers.h. */
#include "dhcps_helpers.h"
#include "unit.h"
#include "net/bytes.h"

#include <string.h>

void test_nat_config(struct dhcps_config *c)
{
    memset(c, 0, sizeof *c);
    c->net = NAT_NET;
    c->prefix = 24;
    c->server_ip = NAT_GW;
    c->router = NAT_GW;
    c->dns[0] = NAT_DNS;
    c->n_dns = 1;
}

struct dhcps *test_server(const struct dhcps_config *c, uint32_t now)
{
    struct dhcps *s = NULL;
    REQUIRE_EQ_INT(dhcps_create(&s, c, now), 0);
    REQUIRE(s != NULL);
    return s;
}

int test_send(struct dhcps *s, const struct cmsg *m, bool bcast, uint32_t now,
              struct dhcps_reply *r, struct dhcp_msg *out)
{
    static struct dhcp_msg scratch;
    int rc = dhcps_input(s, m->buf, m->len, bcast, now, r);
    if (rc == 0)
        return 0;
    REQUIRE_EQ_INT(rc, 1);
    if (!out)
        out = &scratch;
    REQUIRE_EQ_INT(dhcp_msg_parse(out, r->buf, r->len), 0);
    REQUIRE_EQ_INT(out->hdr.op, BOOTREPLY);
    REQUIRE_EQ_INT(out->type, r->type);
    return out->type;
}

uint32_t test_lease(struct dhcps *s, uint8_t n, uint32_t now)
{
    static struct cmsg m;
    static struct dhcps_reply r;
    static struct dhcp_msg reply;

    cmsg_begin(&m, DHCPDISCOVER, n, 0x1000u + n);
    cmsg_end(&m);
    if (test_send(s, &m, true, now, &r, &reply) != DHCPOFFER)
        return 0;
    uint32_t ip = reply.hdr.yiaddr;
    cmsg_begin(&m, DHCPREQUEST, n, 0x1000u + n);
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, dhcps_get_config(s)->server_ip);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, ip);
    cmsg_end(&m);
    if (test_send(s, &m, true, now, &r, &reply) != DHCPACK || reply.hdr.yiaddr != ip)
        return 0;
    return ip;
}

enum dhcps_lease_state test_state(const struct dhcps *s, uint32_t ip, uint32_t now)
{
    struct dhcps_lease_info info;
    if (!dhcps_lookup(s, ip, now, &info))
        return DHCPS_FREE;
    return info.state;
}
