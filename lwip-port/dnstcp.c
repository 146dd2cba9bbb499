/* Contract in dnstcp.h. Every connection is a pair of lwIP PCBs whose callbacks
 * share one struct conn; a side's PCB pointer goes NULL once lwIP has freed it (err
 * callback) or we closed it, and the conn is free when both are NULL. */
#include "dnstcp.h"
#include "dnsrelay_glue.h"
#include "nat_glue.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "tcp_detach.h"
#include "lwip/prot/ip.h"

#include "arch/cc.h"    /* vmgate_random32_cb */

#include <errno.h>
#include <string.h>

#define DNS_PORT 53
#define POLL_INTERVAL 2             /* lwIP's coarse ticks: 2 x 500 ms */

enum side { GUEST, UPSTREAM };

struct conn {
    bool used;
    bool up_connected;
    bool fin[2];                    /* a FIN came from that side */
    struct tcp_pcb *pcb[2];
    struct pbuf *held;              /* guest data that came before the upstream connected */
    u32_t opened, last;             /* sys_now() */
};

static struct conn conns[DNSTCP_MAX_CONNS];

static struct {
    unsigned long accepted, refused_full, refused_no_server, upstream_failed,
                  idle_resets, bytes[2];
} count;

static void conn_free_if_done(struct conn *c)
{
    if (!c->pcb[GUEST] && !c->pcb[UPSTREAM]) {
        if (c->held)
            pbuf_free(c->held);
        memset(c, 0, sizeof *c);
    }
}

/* Resets both sides. Returns ERR_ABRT if self (the PCB whose callback is running,
 * or NULL) was among them, as lwIP requires of that callback. */
static err_t conn_abort(struct conn *c, struct tcp_pcb *self)
{
    err_t rc = ERR_OK;
    for (int s = GUEST; s <= UPSTREAM; s++) {
        struct tcp_pcb *pcb = c->pcb[s];
        if (!pcb)
            continue;
        c->pcb[s] = NULL;
        tcp_detach(pcb);
        tcp_abort(pcb);
        if (pcb == self)
            rc = ERR_ABRT;
    }
    conn_free_if_done(c);
    return rc;
}

/* Closes both sides gracefully (queued data still goes out, then a FIN). */
static err_t conn_close(struct conn *c, struct tcp_pcb *self)
{
    for (int s = GUEST; s <= UPSTREAM; s++) {
        struct tcp_pcb *pcb = c->pcb[s];
        if (!pcb)
            continue;
        tcp_detach(pcb);
        if (tcp_close(pcb) != ERR_OK) {
            /* No memory for the FIN: reset instead, so nothing lingers. */
            tcp_abort(pcb);
            c->pcb[s] = NULL;
            if (pcb == self) {
                conn_free_if_done(c);
                return ERR_ABRT;
            }
        }
        c->pcb[s] = NULL;
    }
    conn_free_if_done(c);
    return ERR_OK;
}

/* Passes p (all of it) to the other side if its send buffer has room; p is then
 * acknowledged on its own side and freed. ERR_MEM: no room yet, p untouched.
 * ERR_ABRT: lwIP took part of it and then refused the rest, so the byte stream
 * cannot be kept whole; both sides were reset (self is the PCB whose callback
 * runs) and p freed. */
static err_t pass_on(struct conn *c, enum side from, struct pbuf *p, struct tcp_pcb *self)
{
    struct tcp_pcb *to = c->pcb[!from];
    if (tcp_sndbuf(to) < p->tot_len || tcp_sndqueuelen(to) + pbuf_clen(p) > TCP_SND_QUEUELEN)
        return ERR_MEM;
    for (struct pbuf *q = p; q; q = q->next) {
        u8_t more = q->next ? TCP_WRITE_FLAG_MORE : 0;
        if (tcp_write(to, q->payload, q->len, TCP_WRITE_FLAG_COPY | more) != ERR_OK) {
            pbuf_free(p);
            return conn_abort(c, self) == ERR_ABRT ? ERR_ABRT : ERR_OK;
        }
    }
    tcp_output(to);
    tcp_recved(c->pcb[from], p->tot_len);
    count.bytes[from] += p->tot_len;
    c->last = sys_now();
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err, enum side from)
{
    struct conn *c = arg;
    if (!c) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p) {                                   /* FIN from this side */
        c->fin[from] = true;
        c->last = sys_now();
        if (c->fin[!from] || !c->pcb[!from])
            return conn_close(c, pcb);
        if (from == GUEST && !c->up_connected)
            return ERR_OK;                      /* passed on once connected */
        tcp_shutdown(c->pcb[!from], 0, 1);
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (from == GUEST && !c->up_connected) {
        /* Hold it until the upstream connection is there; lwIP's window bounds it. */
        if (c->held)
            pbuf_cat(c->held, p);
        else
            c->held = p;
        return ERR_OK;
    }
    /* ERR_MEM: lwIP keeps p and offers it again (refused data), so nothing is lost. */
    return pass_on(c, from, p, pcb);
}

static err_t guest_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    return on_recv(arg, pcb, p, err, GUEST);
}

static err_t upstream_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    return on_recv(arg, pcb, p, err, UPSTREAM);
}

/* lwIP has freed the PCB (reset, or aborted for want of memory): reset the other. */
static void on_err(void *arg, err_t err, enum side side)
{
    struct conn *c = arg;
    (void)err;
    if (!c)
        return;
    c->pcb[side] = NULL;
    if (side == UPSTREAM && !c->up_connected)
        count.upstream_failed++;
    conn_abort(c, NULL);
}

static void guest_err(void *arg, err_t err)
{
    on_err(arg, err, GUEST);
}

static void upstream_err(void *arg, err_t err)
{
    on_err(arg, err, UPSTREAM);
}

/* Binds an upstream connection to a port no guest's NAT mapping holds: lwIP's own
 * choice could be one, and the upstream server's answer would then look like the
 * guest's (the NAT engine lets vmgate's sockets win only for new flows). A few
 * random draws from lwIP's range; lwIP's choice after that. */
static void upstream_bind(struct tcp_pcb *up)
{
    for (int k = 0; k < 8; k++) {
        u16_t port = (u16_t)(0xc000 + rng_uniform_from(vmgate_random32_cb, NULL, 0x4000));
        if (!nat_port_mapped(nat_glue_engine(), IP_PROTO_TCP, port) &&
            tcp_bind(up, IP4_ADDR_ANY, port) == ERR_OK)
            return;
    }
}

/* Every second: the connect and idle limits. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    struct conn *c = arg;
    if (!c)
        return ERR_OK;
    u32_t now = sys_now();
    if (!c->up_connected && now - c->opened >= DNSTCP_CONNECT_MS) {
        count.upstream_failed++;
        return conn_abort(c, pcb);
    }
    if (now - c->last >= DNSTCP_IDLE_MS) {
        count.idle_resets++;
        return conn_abort(c, pcb);
    }
    return ERR_OK;
}

static err_t upstream_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct conn *c = arg;
    (void)err;                                  /* always ERR_OK in lwIP 2.1 */
    if (!c)
        return ERR_OK;
    c->up_connected = true;
    c->last = sys_now();
    if (c->held) {
        struct pbuf *p = c->held;
        c->held = NULL;
        /* At most a window of data, and the send buffer is as large as a window. */
        err_t rc = pass_on(c, GUEST, p, pcb);
        if (rc == ERR_ABRT)
            return rc;
        if (rc != ERR_OK) {
            pbuf_free(p);
            return conn_abort(c, pcb);
        }
    }
    if (c->fin[GUEST])
        tcp_shutdown(pcb, 0, 1);
    return ERR_OK;
}

static err_t guest_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !newpcb)
        return ERR_VAL;
    uint32_t server[1];
    struct conn *c = NULL;
    for (unsigned i = 0; i < DNSTCP_MAX_CONNS && !c; i++)
        if (!conns[i].used)
            c = &conns[i];
    if (!c) {
        count.refused_full++;
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    if (dnsrelay_glue_servers(server, 1) == 0) {
        count.refused_no_server++;
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    struct tcp_pcb *up = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!up) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    memset(c, 0, sizeof *c);
    c->used = true;
    c->opened = c->last = sys_now();
    c->pcb[GUEST] = newpcb;
    c->pcb[UPSTREAM] = up;
    tcp_arg(newpcb, c);
    tcp_recv(newpcb, guest_recv);
    tcp_err(newpcb, guest_err);
    tcp_poll(newpcb, on_poll, POLL_INTERVAL);
    tcp_arg(up, c);
    tcp_recv(up, upstream_recv);
    tcp_err(up, upstream_err);
    ip_addr_t dst;
    ip_addr_set_ip4_u32_val(dst, lwip_htonl(server[0]));
    upstream_bind(up);
    if (tcp_connect(up, &dst, DNS_PORT, upstream_connected) != ERR_OK) {
        count.upstream_failed++;
        return conn_abort(c, newpcb);
    }
    count.accepted++;
    return ERR_OK;
}

int dnstcp_listen(const ip4_addr_t *addr)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    ip_addr_t a;
    ip_addr_copy_from_ip4(a, *addr);
    if (tcp_bind(pcb, &a, DNS_PORT) != ERR_OK) {
        tcp_close(pcb);
        return -ENOMEM;
    }
    struct tcp_pcb *l = tcp_listen_with_backlog(pcb, DNSTCP_MAX_CONNS);
    if (!l) {
        tcp_close(pcb);
        return -ENOMEM;
    }
    tcp_accept(l, guest_accept);
    return 0;
}

static void cmd_dnstcp(int argc, char **argv)
{
    unsigned open = 0;
    for (unsigned i = 0; i < DNSTCP_MAX_CONNS; i++)
        open += conns[i].used;
    kprintf("dns over tcp: %u of %u connections open; accepted %lu, refused (full) %lu, "
            "refused (no server) %lu, upstream failed %lu, idle resets %lu; "
            "bytes guest->upstream %lu, upstream->guest %lu\n",
            open, DNSTCP_MAX_CONNS, count.accepted, count.refused_full, count.refused_no_server,
            count.upstream_failed, count.idle_resets, count.bytes[GUEST], count.bytes[UPSTREAM]);
}
SHELL_COMMAND("dnstcp", "DNS over TCP: connections and counters", cmd_dnstcp);
