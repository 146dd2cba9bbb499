/* The DHCP server's state machine: one function per message type a client sends
 * (RFC 2131 4.3), acting on the lease table (dhcps_table.c) and answering through
 * reply_build (dhcps_reply.c). Policies in dhcps.h. */
#include "dhcps_priv.h"

#include <string.h>

static int drop(struct dhcps *s, enum dhcps_drop why)
{
    s->stats.drops[why]++;
    return 0;
}

/* Builds a reply into *r and counts it; a reply that cannot be built is a drop. */
static int answer(struct dhcps *s, enum reply_kind kind, uint32_t yiaddr,
                  const struct dhcps_host *host, const char *nak_text, struct dhcps_reply *r)
{
    if (reply_build(s, kind, yiaddr, host, nak_text, r))
        return drop(s, DHCPS_DROP_NO_ROOM);
    s->stats.tx[r->type]++;
    return 1;
}

static int nak(struct dhcps *s, const char *why, struct dhcps_reply *r)
{
    return answer(s, REPLY_NAK, 0, NULL, why, r);
}

/* Who sent the message in hand: its key (client id, else htype + chaddr) and its
 * reservation. False when it cannot be told apart from others. */
static bool client_identify(struct dhcps *s, struct client *c)
{
    const struct dhcp_hdr *h = &s->req.hdr;
    size_t n;
    const uint8_t *id = dhcp_msg_opt(&s->req, DHCP_OPT_CLIENT_ID, &n);

    memset(c, 0, sizeof *c);
    if (id) {
        if (n > DHCPS_CLIENT_ID_MAX)
            return false;
        memcpy(c->key, id, n);
        c->key_len = (uint8_t)n;
        c->has_client_id = true;
    } else {
        if (h->hlen == 0)
            return false;
        c->key[0] = h->htype;
        memcpy(c->key + 1, h->chaddr, h->hlen);
        c->key_len = (uint8_t)(1 + h->hlen);
    }
    /* Reservations are by Ethernet MAC, whatever the client calls itself. */
    if (h->htype == 1 && h->hlen == 6) {
        for (unsigned i = 0; i < s->cfg.n_hosts; i++)
            if (memcmp(s->cfg.hosts[i].mac, h->chaddr, 6) == 0)
                c->host = &s->cfg.hosts[i];
    }
    return true;
}

/* DISCOVER: offer an address (dhcps.h's order), holding it for the offer time.
 * A client that is still bound keeps its binding and is offered the same address.
 * No address: silence, counted as exhaustion. */
static int on_discover(struct dhcps *s, const struct client *c, struct dhcps_reply *r)
{
    uint32_t requested = 0;
    dhcp_msg_opt_ip(&s->req, DHCP_OPT_REQUESTED_IP, &requested);
    const struct lease *before = table_find_key(s, c);
    uint32_t ip_before = before ? before->ip : 0;
    struct lease *l = table_choose(s, c, requested);
    if (!l) {
        s->stats.pool_exhausted++;
        return 0;
    }
    /* A binding stays only if it is the same one, on the same address. */
    if (l != before || l->state != DHCPS_BOUND || l->ip != ip_before) {
        l->state = DHCPS_OFFERED;
        l->since = s->now;
        l->until = s->now + DHCPS_OFFER_HOLD_MS;
    }
    table_note_client(s, l, c);
    return answer(s, REPLY_OFFER, l->ip, c->host, NULL, r);
}

/* A REQUEST for address `want`, whatever its form: ACK and bind when the address
 * is this client's, NAK when it is not. "This client's": its reservation if it has
 * one; else the address of its entry if it has one (an INIT-REBOOT or a renewal
 * naming another address is wrong); else, as the authoritative server, any free
 * pool address (the client's binding from before a restart of vmgate). */
static int confirm(struct dhcps *s, const struct client *c, uint32_t want, struct dhcps_reply *r)
{
    if (!table_in_net(s, want))
        return nak(s, "address not on this network", r);
    struct lease *l = table_find_key(s, c);
    if (c->host) {
        if (want != c->host->ip)
            return nak(s, "address reserved for this client is another", r);
    } else {
        if (l && l->ip != want)
            return nak(s, "not the address of this client", r);
        if (!table_available(s, want, l))
            return nak(s, "address not available", r);
    }
    l = table_claim(s, c, l, want);
    if (!l) {
        s->stats.pool_exhausted++;
        return nak(s, "no free lease", r);
    }
    table_bind(s, l);
    table_note_client(s, l, c);
    return answer(s, REPLY_ACK_LEASE, want, c->host, NULL, r);
}

/* REQUEST: tells its four forms apart (RFC 2131 4.3.2) by option 54, option 50
 * and ciaddr. Selecting another server makes us forget our offer, silently. */
static int on_request(struct dhcps *s, const struct client *c, bool to_broadcast,
                      struct dhcps_reply *r)
{
    const struct dhcp_hdr *h = &s->req.hdr;
    uint32_t sid = 0, want = 0;
    bool has_sid = dhcp_msg_opt_ip(&s->req, DHCP_OPT_SERVER_ID, &sid);
    bool has_want = dhcp_msg_opt_ip(&s->req, DHCP_OPT_REQUESTED_IP, &want);

    if (has_sid) {
        if (sid != s->cfg.server_ip) {
            s->stats.other_server++;
            struct lease *l = table_find_key(s, c);
            if (l && l->state == DHCPS_OFFERED)
                table_release(s, l, DHCPS_EXPIRED);
            return 0;
        }
        s->stats.req_selecting++;
        if (!has_want)
            want = h->ciaddr;
    } else if (has_want && !h->ciaddr) {
        s->stats.req_init_reboot++;
    } else if (h->ciaddr) {
        if (to_broadcast)
            s->stats.req_rebinding++;
        else
            s->stats.req_renewing++;
        want = h->ciaddr;
    }
    if (!want)
        return drop(s, DHCPS_DROP_INCOMPLETE);
    return confirm(s, c, want, r);
}

/* The offered or bound address of this client, named by `ip`, or NULL. */
static struct lease *held_by(struct dhcps *s, const struct client *c, uint32_t ip)
{
    struct lease *l = table_find_key(s, c);
    if (!l || l->ip != ip || (l->state != DHCPS_OFFERED && l->state != DHCPS_BOUND))
        return NULL;
    return l;
}

/* True (and counted) when the message names a server other than us. */
static bool for_other_server(struct dhcps *s)
{
    uint32_t sid;
    if (dhcp_msg_opt_ip(&s->req, DHCP_OPT_SERVER_ID, &sid) && sid != s->cfg.server_ip) {
        s->stats.other_server++;
        return true;
    }
    return false;
}

/* DECLINE: the client found its address in use. No reply. */
static int on_decline(struct dhcps *s, const struct client *c)
{
    uint32_t ip;
    if (for_other_server(s))
        return 0;
    if (!dhcp_msg_opt_ip(&s->req, DHCP_OPT_REQUESTED_IP, &ip))
        return drop(s, DHCPS_DROP_INCOMPLETE);
    struct lease *l = held_by(s, c, ip);
    if (!l)
        return drop(s, DHCPS_DROP_NO_LEASE);
    if (l->reserved) {
        table_release(s, l, DHCPS_RELEASED);
        return 0;
    }
    table_decline(s, l);
    s->stats.declined++;
    return 0;
}

/* RELEASE: the client gives its address (ciaddr) back; remembered for it. No
 * reply. */
static int on_release(struct dhcps *s, const struct client *c)
{
    if (for_other_server(s))
        return 0;
    struct lease *l = held_by(s, c, s->req.hdr.ciaddr);
    if (!l || l->state != DHCPS_BOUND)
        return drop(s, DHCPS_DROP_NO_LEASE);
    table_release(s, l, DHCPS_RELEASED);
    return 0;
}

/* INFORM: a client with an address of its own wants the other parameters. An ACK
 * without lease options; the table does not change. */
static int on_inform(struct dhcps *s, const struct client *c, struct dhcps_reply *r)
{
    uint32_t ciaddr = s->req.hdr.ciaddr;
    if (!ciaddr)
        return drop(s, DHCPS_DROP_INCOMPLETE);
    if (!table_in_net(s, ciaddr))
        return drop(s, DHCPS_DROP_FOREIGN);
    return answer(s, REPLY_ACK_INFORM, 0, c->host, NULL, r);
}

/* Contract in dhcps.h. */
int dhcps_input(struct dhcps *s, const uint8_t *msg, size_t len, bool to_broadcast,
                uint32_t now_ms, struct dhcps_reply *reply)
{
    struct client c;

    table_clock(s, now_ms);
    table_expire(s);
    if (dhcp_msg_parse(&s->req, msg, len))
        return drop(s, DHCPS_DROP_MALFORMED);
    const struct dhcp_hdr *h = &s->req.hdr;
    if (h->op != BOOTREQUEST)
        return drop(s, DHCPS_DROP_NOT_REQUEST);
    if (s->req.type == DHCP_NONE)
        return drop(s, DHCPS_DROP_BOOTP);
    if (s->req.type > DHCP_TYPE_MAX)
        return drop(s, DHCPS_DROP_BAD_TYPE);
    s->stats.rx[s->req.type]++;
    if (s->req.type == DHCPOFFER || s->req.type == DHCPACK || s->req.type == DHCPNAK)
        return drop(s, DHCPS_DROP_BAD_TYPE);
    /* One network, one pool: a relay on another subnet would need a pool there. */
    if (h->giaddr && !table_in_net(s, h->giaddr))
        return drop(s, DHCPS_DROP_FOREIGN);
    if (!client_identify(s, &c))
        return drop(s, DHCPS_DROP_NO_CLIENT);

    switch (s->req.type) {
    case DHCPDISCOVER:
        return on_discover(s, &c, reply);
    case DHCPREQUEST:
        return on_request(s, &c, to_broadcast, reply);
    case DHCPDECLINE:
        return on_decline(s, &c);
    case DHCPRELEASE:
        return on_release(s, &c);
    default:
        return on_inform(s, &c, reply);
    }
}
