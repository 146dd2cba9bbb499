/* The TFTP server's lwIP glue: which datagrams reach the server, the PCBs of port
 * 69 and of each transfer, pbufs out (PBUF_REF payloads), the timer, and the
 * `tftp` console command. Contracts and the design in tftp_glue.h. Buffer rules
 * (lwIP's): a receive callback owns its pbuf and frees it; udp_sendto_if_src does
 * not take the pbuf, so it is freed here whatever the send returned. */
#include "tftp_glue.h"
#include "alias.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct served {
    struct netif *nif;              /* NULL: a free slot (slots keep their numbers) */
    ip4_addr_t addrs[TFTP_GLUE_MAX_ADDRS];
    unsigned n_addrs;
    const struct fileroot *root;
    u16_t max_payload;
};

static struct {
    struct tftp_server *srv;
    struct udp_pcb *listen;
    struct udp_pcb *xfer[TFTP_MAX_SESSIONS];
    struct served iface[TFTP_GLUE_MAX_IFACES];
    unsigned n_served;
    bool timer_set;
    struct tftp_glue_counters count;
} g;

/* One datagram at a time, copied out of its pbuf chain: one byte more than the
 * server takes, so that a longer one reaches it as too long, not cut. */
static uint8_t rx[TFTP_REQUEST_MAX + 1];

static int iface_of(const struct netif *nif)
{
    for (int i = 0; i < TFTP_GLUE_MAX_IFACES; i++)
        if (g.iface[i].nif && g.iface[i].nif == nif)
            return i;
    return -1;
}

static u32_t host_u32(const ip4_addr_t *a)
{
    return lwip_ntohl(ip4_addr_get_u32(a));
}

/* --- the timer --------------------------------------------------------------------- */

static void glue_timer(void *arg);

/* Sets the one timeout to the server's next deadline, or none. */
static void timer_rearm(void)
{
    if (g.timer_set) {
        sys_untimeout(glue_timer, NULL);
        g.timer_set = false;
    }
    if (!g.srv)
        return;
    int32_t d = tftp_next_timeout(g.srv, sys_now());
    if (d >= 0) {
        sys_timeout((u32_t)d, glue_timer, NULL);
        g.timer_set = true;
    }
}

static void glue_timer(void *arg)
{
    (void)arg;
    g.timer_set = false;
    tftp_tick(g.srv, sys_now());
    timer_rearm();
}

/* --- the server's glue callbacks --------------------------------------------------- */

static void xfer_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port);

/* A transfer's PCB, on a random port of the dynamic range (lwIP's own pick when
 * every draw is taken), receiving only from the transfer's netif. */
static int io_open(void *ctx, int sid, const struct tftp_peer *peer)
{
    struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) {
        g.count.no_pcb++;
        return -ENOMEM;
    }
    bool bound = false;
    for (unsigned k = 0; k < TFTP_GLUE_PORT_DRAWS && !bound; k++) {
        u16_t port = (u16_t)(TFTP_GLUE_PORT_MIN + vmgate_random32() % (65536 - TFTP_GLUE_PORT_MIN));
        bound = udp_bind(pcb, IP4_ADDR_ANY, port) == ERR_OK;
    }
    if (!bound && udp_bind(pcb, IP4_ADDR_ANY, 0) != ERR_OK) {
        udp_remove(pcb);
        g.count.no_pcb++;
        return -EADDRINUSE;
    }
    udp_bind_netif(pcb, g.iface[peer->iface].nif);
    udp_recv(pcb, xfer_recv, (void *)(intptr_t)sid);
    g.xfer[sid] = pcb;
    return 0;
}

static void io_close(void *ctx, int sid)
{
    if (g.xfer[sid]) {
        udp_remove(g.xfer[sid]);
        g.xfer[sid] = NULL;
    }
}

static int io_send(void *ctx, const struct tftp_packet *pkt)
{
    const struct tftp_peer *peer = pkt->peer;
    struct udp_pcb *pcb = pkt->sid == TFTP_SID_LISTEN ? g.listen : g.xfer[pkt->sid];
    if (!pcb || peer->iface < 0 || peer->iface >= TFTP_GLUE_MAX_IFACES || !g.iface[peer->iface].nif)
        return -EINVAL;
    struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)pkt->hdr_len, PBUF_RAM);
    if (!q) {
        g.count.no_pbuf++;
        return -ENOMEM;
    }
    memcpy(q->payload, pkt->hdr, pkt->hdr_len);
    if (pkt->payload_len) {
        /* The payload is lent for the call (tftp_glue.h says why that suffices). */
        struct pbuf *ref = pbuf_alloc_reference((void *)pkt->payload, (u16_t)pkt->payload_len,
                                                PBUF_REF);
        if (!ref) {
            pbuf_free(q);
            g.count.no_pbuf++;
            return -ENOMEM;
        }
        pbuf_cat(q, ref);
    }
    ip_addr_t dst, src;
    ip_addr_set_ip4_u32_val(dst, lwip_htonl(peer->addr));
    ip_addr_set_ip4_u32_val(src, lwip_htonl(peer->local));
    err_t err = udp_sendto_if_src(pcb, q, &dst, peer->port, g.iface[peer->iface].nif, &src);
    pbuf_free(q);
    if (err != ERR_OK) {
        g.count.send_errors++;
        return -EIO;
    }
    return 0;
}

/* --- receiving --------------------------------------------------------------------- */

/* Whether src may be a guest of nif's network: on its link, not its broadcast, not
 * vmgate itself, not 0.0.0.0. */
static bool source_on_link(const struct netif *nif, const ip4_addr_t *src)
{
    return ip4_addr_netcmp(src, netif_ip4_addr(nif), netif_ip4_netmask(nif)) &&
           !ip4_addr_isbroadcast(src, nif) && !ip4_addr_cmp(src, netif_ip4_addr(nif)) &&
           !ip4_addr_isany(src);
}

/* The peer of a datagram that arrived on served interface i: the client, and the
 * address it was sent to (before a service alias rewrote it, when it did). */
static struct tftp_peer peer_of(int i, const struct pbuf *p, const ip_addr_t *addr, u16_t port,
                                u16_t local_port)
{
    ip4_addr_t dest = *ip4_current_dest_addr(), was;
    if (alias_packet_was_for(p, g.iface[i].nif, local_port, &was))
        dest = was;
    struct tftp_peer peer = {
        .iface = i,
        .addr = host_u32(ip_2_ip4(addr)),
        .port = port,
        .local = host_u32(&dest),
    };
    return peer;
}

static bool serves(const struct served *s, u32_t local_host)
{
    for (unsigned k = 0; k < s->n_addrs; k++)
        if (host_u32(&s->addrs[k]) == local_host)
            return true;
    return false;
}

/* udp_recv of port 69 on every address: requests from guests of served netifs, to
 * an address served there. Frees p. */
static void listen_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    int i = iface_of(ip_current_input_netif());
    if (i < 0) {
        g.count.not_served++;
        pbuf_free(p);
        return;
    }
    struct tftp_peer peer = peer_of(i, p, addr, port, TFTP_PORT);
    if (!serves(&g.iface[i], peer.local)) {
        g.count.wrong_address++;
    } else if (!source_on_link(g.iface[i].nif, ip_2_ip4(addr))) {
        g.count.foreign_source++;
    } else {
        u16_t len = pbuf_copy_partial(p, rx, sizeof rx, 0);
        pbuf_free(p);
        tftp_request(g.srv, sys_now(), &peer, g.iface[i].root, g.iface[i].max_payload, rx, len);
        timer_rearm();
        return;
    }
    pbuf_free(p);
}

/* udp_recv of a transfer's PCB (bound to its netif): the server checks the client
 * and answers strangers. Frees p. */
static void xfer_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port)
{
    int sid = (int)(intptr_t)arg;
    int i = iface_of(ip_current_input_netif());
    if (i < 0 || !source_on_link(g.iface[i].nif, ip_2_ip4(addr))) {
        g.count.foreign_source++;
        pbuf_free(p);
        return;
    }
    struct tftp_peer peer = peer_of(i, p, addr, port, pcb->local_port);
    u16_t len = pbuf_copy_partial(p, rx, sizeof rx, 0);
    pbuf_free(p);
    tftp_transfer_input(g.srv, sys_now(), sid, &peer, rx, len);
    timer_rearm();
}

/* --- attach and detach ------------------------------------------------------------- */

static const struct tftp_io glue_io = {
    .open = io_open,
    .send = io_send,
    .close = io_close,
};

/* The server, port 69 and fresh counters, for the first netif served. */
static int glue_open(void)
{
    memset(&g.count, 0, sizeof g.count);
    if (tftp_create(&g.srv, &glue_io) != 0)
        return -ENOMEM;
    g.listen = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!g.listen)
        goto err_server;
    if (udp_bind(g.listen, IP4_ADDR_ANY, TFTP_PORT) != ERR_OK) {
        udp_remove(g.listen);
        g.listen = NULL;
        tftp_destroy(g.srv);
        g.srv = NULL;
        return -EADDRINUSE;
    }
    udp_recv(g.listen, listen_recv, NULL);
    return 0;

err_server:
    tftp_destroy(g.srv);
    g.srv = NULL;
    return -ENOMEM;
}

static void glue_close(void)
{
    tftp_destroy(g.srv);                /* ends what is left, closing transfer PCBs */
    g.srv = NULL;
    udp_remove(g.listen);
    g.listen = NULL;
    timer_rearm();
}

int tftp_glue_attach(struct netif *nif, const ip4_addr_t *addrs, unsigned n,
                     const struct fileroot *root, u16_t max_payload)
{
    if (!nif || !addrs || n == 0 || n > TFTP_GLUE_MAX_ADDRS || !root || !root->ops)
        return -EINVAL;
    if (iface_of(nif) >= 0)
        return -EEXIST;
    int i;
    for (i = 0; i < TFTP_GLUE_MAX_IFACES && g.iface[i].nif; i++)
        ;
    if (i == TFTP_GLUE_MAX_IFACES)
        return -ENOSPC;
    if (!g.srv) {
        int rc = glue_open();
        if (rc)
            return rc;
    }
    struct served *s = &g.iface[i];
    s->nif = nif;
    memcpy(s->addrs, addrs, n * sizeof addrs[0]);
    s->n_addrs = n;
    s->root = root;
    if (!max_payload)
        max_payload = nif->mtu > 32 ? (u16_t)(nif->mtu - 32) : 1468;
    s->max_payload = max_payload;
    g.n_served++;

    kprintf("tftp: %c%c%u serves %s at", nif->name[0], nif->name[1], nif->num,
            root->name ? root->name : "a file root");
    for (unsigned k = 0; k < n; k++)
        kprintf(" %s", ip4addr_ntoa(&addrs[k]));
    kprintf(", blocks up to %u bytes\n", max_payload);
    return 0;
}

void tftp_glue_detach(struct netif *nif)
{
    int i = iface_of(nif);
    if (i < 0)
        return;
    tftp_end_iface(g.srv, i);
    memset(&g.iface[i], 0, sizeof g.iface[i]);
    if (--g.n_served == 0)
        glue_close();
    else
        timer_rearm();
}

const struct tftp_stats *tftp_glue_stats(void)
{
    return g.srv ? tftp_get_stats(g.srv) : NULL;
}

const struct tftp_glue_counters *tftp_glue_counters(void)
{
    return &g.count;
}

/* --- the console ------------------------------------------------------------------- */

#define LIST_MAX 64                     /* files listed per root */

struct lister {
    unsigned n;
    unsigned long long bytes;
};

static int list_file(void *arg, const char *path, uint64_t size)
{
    struct lister *l = arg;
    if (l->n < LIST_MAX)
        kprintf("    %-40s %llu\n", path, (unsigned long long)size);
    l->n++;
    l->bytes += size;
    return 0;
}

/* Lists a root's files, once however many netifs serve it. */
static void list_root(int i)
{
    const struct fileroot *r = g.iface[i].root;
    for (int k = 0; k < i; k++)
        if (g.iface[k].nif && g.iface[k].root == r)
            return;
    kprintf("  files of %s:\n", r->name ? r->name : "the root");
    if (!r->ops->list) {
        kprintf("    (this root cannot list its files)\n");
        return;
    }
    struct lister l = {0};
    int rc = r->ops->list(r->ctx, list_file, &l);
    if (l.n > LIST_MAX)
        kprintf("    ... and %u more\n", l.n - LIST_MAX);
    kprintf("    %u file(s), %llu bytes%s\n", l.n, l.bytes, rc ? " (listing failed)" : "");
}

void tftp_glue_print(bool files_only)
{
    if (!g.srv) {
        kprintf("tftp: not serving\n");
        return;
    }
    for (int i = 0; i < TFTP_GLUE_MAX_IFACES; i++) {
        const struct served *s = &g.iface[i];
        if (!s->nif)
            continue;
        kprintf("%c%c%u:", s->nif->name[0], s->nif->name[1], s->nif->num);
        for (unsigned k = 0; k < s->n_addrs; k++)
            kprintf(" %s", ip4addr_ntoa(&s->addrs[k]));
        kprintf(", blocks up to %u bytes, from %s\n", s->max_payload,
                s->root->name ? s->root->name : "the root");
        list_root(i);
    }
    if (files_only)
        return;
    tftp_print(g.srv, sys_now(), kprintf);
    kprintf("  glue: not served %lu, wrong address %lu, foreign source %lu, no PCB %lu, "
            "no pbuf %lu, send errors %lu\n",
            g.count.not_served, g.count.wrong_address, g.count.foreign_source, g.count.no_pcb,
            g.count.no_pbuf, g.count.send_errors);
}

static void cmd_tftp(int argc, char **argv)
{
    tftp_glue_print(argc > 1 && strcmp(argv[1], "files") == 0);
}
SHELL_COMMAND("tftp", "TFTP server: files, transfers, counters ('tftp files': files only)", cmd_tftp);
