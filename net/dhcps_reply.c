/* Building the DHCP server's replies: header fields (RFC 2131 table 3), options in
 * the order dhcps.h states, the size limit the client set, and the destination
 * (RFC 2131 4.1). */
#include "dhcps_priv.h"
#include "bytes.h"

#include <errno.h>
#include <string.h>

/* How long a reply to this request may be: the client's maximum message size
 * (option 57, which counts the IP and UDP headers, and is never below 576), else
 * the 576 every client must accept; never more than DHCPS_REPLY_MAX. */
static size_t client_limit(const struct dhcp_msg *q)
{
    size_t n;
    const uint8_t *v = dhcp_msg_opt(q, DHCP_OPT_MAX_MSG_SIZE, &n);
    size_t ip_len = v ? get_be16(v) : DHCP_MIN_IP_DATAGRAM;
    if (ip_len < DHCP_MIN_IP_DATAGRAM)
        ip_len = DHCP_MIN_IP_DATAGRAM;
    size_t lim = ip_len - DHCP_IP_UDP_HLEN;
    return lim < DHCPS_REPLY_MAX ? lim : DHCPS_REPLY_MAX;
}

/* Options already in the reply, so that a parameter request list naming a code
 * twice, or naming one always sent, does not add it twice. */
struct added {
    uint8_t bits[256 / 8];
};

static bool added_test_and_set(struct added *a, uint8_t code)
{
    bool was = (a->bits[code >> 3] >> (code & 7)) & 1;
    a->bits[code >> 3] |= (uint8_t)(1u << (code & 7));
    return was;
}

/* Adds one of the optional parameters the server knows, if it has a value for it;
 * codes it does not know are left for the boot hook. An option that does not fit
 * is left out (the client's limit wins over its wishes). */
static void add_param(struct dhcps *s, struct dhcp_builder *b, struct added *a, uint8_t code,
                      const struct dhcps_host *host)
{
    const struct dhcps_config *c = &s->cfg;
    if (added_test_and_set(a, code))
        return;
    switch (code) {
    case DHCP_OPT_ROUTER:
        if (c->router)
            dhcp_build_opt_u32(b, code, c->router);
        break;
    case DHCP_OPT_DNS:
        if (c->n_dns) {
            uint8_t v[4 * DHCPS_MAX_DNS];
            for (unsigned i = 0; i < c->n_dns; i++)
                put_be32(v + 4 * i, c->dns[i]);
            dhcp_build_opt(b, code, v, 4 * c->n_dns);
        }
        break;
    case DHCP_OPT_HOST_NAME:
        if (host && host->name[0])
            dhcp_build_opt(b, code, host->name, strnlen(host->name, DHCPS_NAME_MAX - 1));
        break;
    case DHCP_OPT_DOMAIN_NAME:
        if (c->domain[0])
            dhcp_build_opt(b, code, c->domain, strnlen(c->domain, DHCPS_DOMAIN_MAX - 1));
        break;
    case DHCP_OPT_BROADCAST:
        dhcp_build_opt_u32(b, code, s->bcast);
        break;
    case DHCP_OPT_MTU:
        if (c->mtu) {
            uint8_t v[2] = {(uint8_t)(c->mtu >> 8), (uint8_t)c->mtu};
            dhcp_build_opt(b, code, v, 2);
        }
        break;
    default:
        break;
    }
}

/* The optional parameters: those the client lists in option 55, in its order, or
 * when it sends no list, every one the server has. */
static void add_params(struct dhcps *s, struct dhcp_builder *b, struct added *a,
                       const struct dhcps_host *host)
{
    static const uint8_t defaults[] = {
        DHCP_OPT_ROUTER, DHCP_OPT_DNS, DHCP_OPT_DOMAIN_NAME, DHCP_OPT_HOST_NAME, DHCP_OPT_BROADCAST,
        DHCP_OPT_MTU,
    };
    size_t n;
    const uint8_t *prl = dhcp_msg_opt(&s->req, DHCP_OPT_PARAM_REQUEST, &n);
    if (!prl) {
        prl = defaults;
        n = sizeof defaults;
    }
    for (size_t i = 0; i < n; i++)
        add_param(s, b, a, prl[i], host);
}

/* Where the reply goes (RFC 2131 4.1, simplified as dhcps.h says). Every unicast
 * destination is on the server's own network (a relay elsewhere was refused), so
 * the glue can always send on the network's own interface; a client naming a
 * ciaddr from elsewhere gets a broadcast. */
static void set_destination(const struct dhcps *s, const struct dhcp_msg *q, enum reply_kind kind,
                            struct dhcps_reply *r)
{
    r->broadcast = false;
    r->dst_port = DHCP_CLIENT_PORT;
    if (q->hdr.giaddr) {
        r->dst_ip = q->hdr.giaddr;
        r->dst_port = DHCP_SERVER_PORT;
    } else if (kind != REPLY_NAK && q->hdr.ciaddr && table_in_net(s, q->hdr.ciaddr)) {
        r->dst_ip = q->hdr.ciaddr;
    } else {
        r->dst_ip = 0xffffffffu;
        r->broadcast = true;
    }
}

/* Contract in dhcps_priv.h: builds the reply of `kind` to s->req into *r, giving
 * yiaddr (OFFER and lease ACK), with host's name when the client has a
 * reservation, and nak_text as option 56 of a NAK. Returns 0, or -ENOSPC when even
 * the options every reply needs do not fit the client's limit. */
int reply_build(struct dhcps *s, enum reply_kind kind, uint32_t yiaddr,
                const struct dhcps_host *host, const char *nak_text, struct dhcps_reply *r)
{
    const struct dhcp_msg *q = &s->req;
    struct dhcp_hdr h;
    struct dhcp_builder b;
    struct added a;
    bool lease = kind == REPLY_OFFER || kind == REPLY_ACK_LEASE;
    int rc = 0;

    memset(&h, 0, sizeof h);
    memset(&a, 0, sizeof a);
    memset(&s->boot, 0, sizeof s->boot);
    if (kind != REPLY_NAK && s->boot_fn)
        s->boot_fn(s->boot_ctx, q, lease ? yiaddr : 0, &s->boot);

    h.op = BOOTREPLY;
    h.htype = q->hdr.htype;
    h.hlen = q->hdr.hlen;
    h.xid = q->hdr.xid;
    h.flags = q->hdr.flags;
    h.giaddr = q->hdr.giaddr;
    memcpy(h.chaddr, q->hdr.chaddr, DHCP_CHADDR_LEN);
    if (kind == REPLY_ACK_LEASE || kind == REPLY_ACK_INFORM)
        h.ciaddr = q->hdr.ciaddr;
    if (lease)
        h.yiaddr = yiaddr;
    /* A NAK through a relay asks it to broadcast (RFC 2131 4.3.2): the client
     * may hold an address it must not use. */
    if (kind == REPLY_NAK && q->hdr.giaddr)
        h.flags |= DHCP_FLAG_BROADCAST;
    h.siaddr = s->boot.siaddr;
    memcpy(h.sname, s->boot.sname, DHCP_SNAME_LEN);
    memcpy(h.file, s->boot.file, DHCP_FILE_LEN);

    if (dhcp_build_begin(&b, r->buf, client_limit(q), &h))
        return -ENOSPC;
    r->type = kind == REPLY_OFFER ? DHCPOFFER : kind == REPLY_NAK ? DHCPNAK : DHCPACK;
    rc |= dhcp_build_opt_u8(&b, DHCP_OPT_MSG_TYPE, r->type);
    rc |= dhcp_build_opt_u32(&b, DHCP_OPT_SERVER_ID, s->cfg.server_ip);
    if (lease) {
        uint32_t t = s->cfg.lease_s;
        rc |= dhcp_build_opt_u32(&b, DHCP_OPT_LEASE_TIME, t);
        rc |= dhcp_build_opt_u32(&b, DHCP_OPT_T1, t / 2);
        rc |= dhcp_build_opt_u32(&b, DHCP_OPT_T2, (uint32_t)((uint64_t)t * 7 / 8));
    }
    if (kind != REPLY_NAK)
        rc |= dhcp_build_opt_u32(&b, DHCP_OPT_SUBNET_MASK, s->mask);
    if (rc)
        return -ENOSPC;

    /* What comes last must fit: keep room for the relay agent's option. */
    size_t relay_len;
    const uint8_t *relay = dhcp_msg_opt(q, DHCP_OPT_RELAY_AGENT, &relay_len);
    if (relay)
        dhcp_build_reserve(&b, 2 + relay_len);

    size_t id_len;
    const uint8_t *id = dhcp_msg_opt(q, DHCP_OPT_CLIENT_ID, &id_len);
    if (id)
        dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, id, id_len);
    if (kind == REPLY_NAK) {
        if (nak_text)
            dhcp_build_opt(&b, DHCP_OPT_MESSAGE, nak_text, strlen(nak_text));
    } else {
        added_test_and_set(&a, DHCP_OPT_SUBNET_MASK);
        add_params(s, &b, &a, host);
        if (s->boot.opts_len && s->boot.opts_len <= sizeof s->boot.opts)
            dhcp_build_raw(&b, s->boot.opts, s->boot.opts_len);
    }

    dhcp_build_reserve(&b, 0);
    if (relay && dhcp_build_opt(&b, DHCP_OPT_RELAY_AGENT, relay, relay_len))
        return -ENOSPC;
    r->len = dhcp_build_finish(&b);
    set_destination(s, q, kind, r);
    return 0;
}
