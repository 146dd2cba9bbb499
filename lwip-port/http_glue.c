/* Contract in http_glue.h. A connection slot owns its PCB until it closes or
 * resets it, or lwIP reports the PCB gone (err callback); the slot's PCB pointer
 * is then NULL and the slot free. */
#include "http_glue.h"
#include "../net/http_conn.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "tcp_detach.h"

#include <errno.h>
#include <string.h>

#define POLL_INTERVAL 2             /* lwIP's coarse ticks: 2 x 500 ms */
/* Room kept in lwIP's segment queue: a copied chunk may take a pbuf per segment
 * and one more for its tail. */
#define QUEUE_SPARE   4

struct site {
    struct netif *nif;
    const struct fileroot *root;
    unsigned n;
    ip4_addr_t addrs[HTTP_GLUE_MAX_ADDRS];
    struct tcp_pcb *listen[HTTP_GLUE_MAX_ADDRS];
};

struct slot {
    bool used;
    bool fin;                       /* the client's FIN came, not yet told to the machine */
    bool fin_told;
    struct tcp_pcb *pcb;
    struct site *site;
    struct pbuf *held;              /* received bytes the machine has not taken yet */
    ip4_addr_t remote;
    u16_t remote_port;
    struct http_conn hc;
};

static struct site sites[HTTP_GLUE_MAX_SITES];
static unsigned n_sites;
static struct slot slots[HTTP_GLUE_MAX_CONNS];
static struct http_stats stats;
static struct {
    unsigned long accepted, refused_full, refused_netif, evicted, closed, resets, peer_resets,
                  read_failures, held_full;
} count;

/* Where a file a root cannot map is read into; tcp_write copies it at once. */
static uint8_t scratch[16384];

/* Held bytes and a segment chain lwIP delivers (at most a window) fit a pbuf's
 * 16-bit tot_len. */
_Static_assert(HTTP_GLUE_HOLD_MAX + TCP_WND <= 0xffff, "held bytes overflow tot_len");

static void slot_free(struct slot *s)
{
    http_conn_release(&s->hc);
    if (s->held)
        pbuf_free(s->held);
    memset(s, 0, sizeof *s);
}

/* Resets the connection. Returns ERR_ABRT when pcb was self, the PCB whose
 * callback is running (as lwIP requires that callback to return). */
static err_t slot_abort(struct slot *s, struct tcp_pcb *self)
{
    struct tcp_pcb *pcb = s->pcb;
    count.resets++;
    if (pcb) {
        tcp_detach(pcb);
        tcp_abort(pcb);                 /* frees the segments: nothing lent is left */
    }
    slot_free(s);
    return pcb && pcb == self ? ERR_ABRT : ERR_OK;
}

/* Closes gracefully; the machine has had everything acknowledged. */
static err_t slot_close(struct slot *s, struct tcp_pcb *self)
{
    struct tcp_pcb *pcb = s->pcb;
    if (!pcb) {
        slot_free(s);
        return ERR_OK;
    }
    /* Bytes held and never to be read: acknowledge them, or lwIP resets instead
     * of closing (tcp_close_shutdown with the window not fully open). */
    if (s->held)
        tcp_recved(pcb, s->held->tot_len);
    tcp_detach(pcb);
    if (tcp_close(pcb) != ERR_OK) {
        /* No memory for the FIN: reset, so nothing lingers. */
        tcp_abort(pcb);
        count.resets++;
        slot_free(s);
        return pcb == self ? ERR_ABRT : ERR_OK;
    }
    count.closed++;
    slot_free(s);
    return ERR_OK;
}

/* Offers the held bytes to the machine for as long as it takes them. */
static void feed(struct slot *s)
{
    u32_t now = sys_now();
    while (s->held) {
        struct pbuf *p = s->held;
        if (p->len == 0) {
            /* lwIP trims a retransmission that overlaps what it had by setting
             * the leading pbufs' len to 0 (tcp_in.c, tcp_receive): skip them. */
            s->held = p->next;
            p->next = NULL;
            pbuf_free(p);
            continue;
        }
        size_t took = http_conn_input(&s->hc, p->payload, p->len, now);
        if (took == 0)
            break;
        tcp_recved(s->pcb, (u16_t)took);
        s->held = pbuf_free_header(p, (u16_t)took);
    }
    if (!s->held && s->fin && !s->fin_told) {
        s->fin_told = true;
        http_conn_input_end(&s->hc, now);
    }
}

/* Writes what the machine has to send and lwIP has room for. Returns false when
 * the connection had to be reset (the file failed mid-body). */
static bool send_out(struct slot *s)
{
    struct tcp_pcb *pcb = s->pcb;
    bool wrote = false;
    for (;;) {
        unsigned queued = tcp_sndqueuelen(pcb);
        if (queued + QUEUE_SPARE >= TCP_SND_QUEUELEN)
            break;
        /* What fits the send buffer and the segment queue: a lent chunk takes two
         * pbufs per segment (lwIP's header and the reference to our bytes). */
        size_t room = tcp_sndbuf(pcb);
        size_t by_queue = (size_t)(TCP_SND_QUEUELEN - queued - QUEUE_SPARE) / 2 * TCP_MSS;
        if (room > by_queue)
            room = by_queue;
        if (room > 0xffff)
            room = 0xffff;              /* tcp_write takes a u16_t */
        struct http_chunk ch;
        int rc = http_conn_peek(&s->hc, room, scratch, sizeof scratch, &ch);
        if (rc < 0) {
            count.read_failures++;
            return false;
        }
        if (rc == 0)
            break;
        u8_t flags = (u8_t)((ch.copy ? TCP_WRITE_FLAG_COPY : 0) | (ch.more ? TCP_WRITE_FLAG_MORE : 0));
        err_t e = tcp_write(pcb, ch.data, (u16_t)ch.len, flags);
        if (e == ERR_MEM)
            break;                      /* again when lwIP has room: sent or poll */
        if (e != ERR_OK)
            return false;
        http_conn_advance(&s->hc, &ch, sys_now());
        wrote = true;
        /* The answer may be complete: a pipelined request may be waiting. */
        feed(s);
    }
    if (wrote)
        tcp_output(pcb);
    return true;
}

/* Moves everything that can move, then acts on the machine's verdict. self is
 * the PCB whose callback runs (NULL outside callbacks). */
static err_t service(struct slot *s, struct tcp_pcb *self)
{
    feed(s);
    if (!send_out(s))
        return slot_abort(s, self);
    switch (http_conn_poll(&s->hc, sys_now())) {
    case HTTP_CONN_CLOSE:
        return slot_close(s, self);
    case HTTP_CONN_ABORT:
        return slot_abort(s, self);
    case HTTP_CONN_OK:
        break;
    }
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct slot *s = arg;
    if (!s) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        s->fin = true;
        return service(s, pcb);
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->held && s->held->tot_len >= HTTP_GLUE_HOLD_MAX) {
        /* Far enough ahead: lwIP keeps p and offers it again later. */
        count.held_full++;
        return ERR_MEM;
    }
    if (s->held)
        pbuf_cat(s->held, p);
    else
        s->held = p;
    return service(s, pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct slot *s = arg;
    if (!s)
        return ERR_OK;
    http_conn_acked(&s->hc, len, sys_now());
    return service(s, pcb);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    struct slot *s = arg;
    if (!s)
        return ERR_OK;
    return service(s, pcb);
}

/* lwIP has freed the PCB (a reset from the client, or it gave up): its segments,
 * lent bytes included, are gone with it. */
static void on_err(void *arg, err_t err)
{
    struct slot *s = arg;
    (void)err;
    if (!s)
        return;
    count.peer_resets++;
    s->pcb = NULL;
    slot_free(s);
}

/* A free slot; when none, the one idle longest between requests is closed for
 * it. NULL when every connection is busy. */
static struct slot *slot_get(void)
{
    struct slot *idle = NULL;
    u32_t now = sys_now();
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS; i++) {
        struct slot *s = &slots[i];
        if (!s->used)
            return s;
        if (http_conn_idle(&s->hc) && !s->held &&
            (!idle || now - s->hc.last_ms > now - idle->hc.last_ms))
            idle = s;
    }
    if (!idle)
        return NULL;
    count.evicted++;
    slot_close(idle, NULL);
    return idle;
}

static bool site_has_addr(const struct site *st, const ip_addr_t *a)
{
    for (unsigned i = 0; i < st->n; i++)
        if (ip4_addr_cmp(&st->addrs[i], ip_2_ip4(a)))
            return true;
    return false;
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct site *st = arg;
    if (err != ERR_OK || !newpcb || !st)
        return ERR_VAL;
    /* Called from tcp_input, so the netif the handshake's last segment came in
     * on is known: another network's guest reaching this address is refused. */
    if (ip_current_input_netif() != st->nif || !site_has_addr(st, &newpcb->local_ip)) {
        count.refused_netif++;
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    struct slot *s = slot_get();
    if (!s) {
        count.refused_full++;
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    memset(s, 0, sizeof *s);
    s->used = true;
    s->pcb = newpcb;
    s->site = st;
    ip4_addr_copy(s->remote, *ip_2_ip4(&newpcb->remote_ip));
    s->remote_port = newpcb->remote_port;
    http_conn_open(&s->hc, st->root, &stats, sys_now());
    tcp_arg(newpcb, s);
    tcp_recv(newpcb, on_recv);
    tcp_sent(newpcb, on_sent);
    tcp_err(newpcb, on_err);
    tcp_poll(newpcb, on_poll, POLL_INTERVAL);
    tcp_nagle_disable(newpcb);
    count.accepted++;
    return ERR_OK;
}

static void site_close(struct site *st)
{
    for (unsigned i = 0; i < HTTP_GLUE_MAX_ADDRS; i++) {
        if (st->listen[i]) {
            tcp_arg(st->listen[i], NULL);
            tcp_accept(st->listen[i], NULL);
            tcp_close(st->listen[i]);
        }
    }
    memset(st, 0, sizeof *st);
}

static int listen_on(struct site *st, unsigned i)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    ip_addr_t a;
    ip_addr_copy_from_ip4(a, st->addrs[i]);
    err_t e = tcp_bind(pcb, &a, HTTP_GLUE_PORT);
    if (e != ERR_OK) {
        tcp_close(pcb);
        return e == ERR_USE ? -EADDRINUSE : -ENOMEM;
    }
    struct tcp_pcb *l = tcp_listen_with_backlog(pcb, HTTP_GLUE_MAX_CONNS);
    if (!l) {
        tcp_close(pcb);
        return -ENOMEM;
    }
    tcp_arg(l, st);
    tcp_accept(l, on_accept);
    st->listen[i] = l;
    return 0;
}

int http_glue_attach(struct netif *nif, const ip4_addr_t *addrs, unsigned n,
                     const struct fileroot *root)
{
    if (!nif || !addrs || !root || !root->ops || n == 0 || n > HTTP_GLUE_MAX_ADDRS)
        return -EINVAL;
    if (n_sites == HTTP_GLUE_MAX_SITES)
        return -ENOSPC;
    struct site *st = &sites[n_sites];
    memset(st, 0, sizeof *st);
    st->nif = nif;
    st->root = root;
    st->n = n;
    for (unsigned i = 0; i < n; i++)
        ip4_addr_copy(st->addrs[i], addrs[i]);
    for (unsigned i = 0; i < n; i++) {
        int rc = listen_on(st, i);
        if (rc < 0) {
            site_close(st);
            return rc;
        }
    }
    n_sites++;
    return 0;
}

static const char *phase_name(const struct slot *s)
{
    switch (s->hc.phase) {
    case HTTP_CONN_READ:
        return http_req_started(&s->hc.req) ? "reading" : "idle";
    case HTTP_CONN_SEND:
        return "sending";
    default:
        return "closing";
    }
}

void http_glue_print(void)
{
    char a[IP4ADDR_STRLEN_MAX];
    for (unsigned i = 0; i < n_sites; i++) {
        const struct site *st = &sites[i];
        kprintf("http: %c%c%u port %u on", st->nif->name[0], st->nif->name[1], st->nif->num,
                HTTP_GLUE_PORT);
        for (unsigned k = 0; k < st->n; k++)
            kprintf(" %s", ip4addr_ntoa_r(&st->addrs[k], a, sizeof a));
        kprintf(", files from %s\n", st->root->name ? st->root->name : "?");
    }
    if (n_sites == 0)
        kprintf("http: not serving\n");
    unsigned open = 0;
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS; i++)
        open += slots[i].used;
    kprintf("connections: %u of %u\n", open, HTTP_GLUE_MAX_CONNS);
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS; i++) {
        const struct slot *s = &slots[i];
        if (!s->used)
            continue;
        kprintf("  %s:%u %s, %u answered", ip4addr_ntoa_r(&s->remote, a, sizeof a), s->remote_port,
                phase_name(s), s->hc.answered);
        if (s->hc.phase == HTTP_CONN_SEND)
            kprintf(", %d /%s %llu of %llu", s->hc.resp.status, s->hc.req.req.path,
                    (unsigned long long)s->hc.body_off, (unsigned long long)s->hc.resp.len);
        kprintf(", %llu bytes sent\n", (unsigned long long)s->hc.produced);
    }
    kprintf("accepted %lu, refused: full %lu, other network %lu; idle closed for room %lu; "
            "closed %lu, reset %lu (by the client %lu), files failing %lu, held full %lu\n",
            count.accepted, count.refused_full, count.refused_netif, count.evicted, count.closed,
            count.resets, count.peer_resets, count.read_failures, count.held_full);
    kprintf("requests %llu:", (unsigned long long)stats.requests);
    for (unsigned i = 0; i < HTTP_STATUS_SLOTS; i++)
        if (stats.by_status[i])
            kprintf(" %d %llu", http_slot_status(i), (unsigned long long)stats.by_status[i]);
    kprintf("; file bytes lent %llu, copied %llu; timeouts: idle %llu, head %llu, stalled %llu\n",
            (unsigned long long)stats.bytes_lent, (unsigned long long)stats.bytes_copied,
            (unsigned long long)stats.idle_closes, (unsigned long long)stats.head_timeouts,
            (unsigned long long)stats.stalls);
}

static void cmd_http(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    http_glue_print();
}
SHELL_COMMAND("http", "HTTP boot server: sites, connections, counters", cmd_http);

#ifdef VMGATE_HOST_TEST
void http_glue_test_reset(void)
{
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS; i++)
        if (slots[i].used)
            slot_abort(&slots[i], NULL);
    for (unsigned i = 0; i < n_sites; i++)
        site_close(&sites[i]);
    n_sites = 0;
    memset(&stats, 0, sizeof stats);
    memset(&count, 0, sizeof count);
}
#endif
