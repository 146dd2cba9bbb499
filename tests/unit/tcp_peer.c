/* Contract in tcp_peer.h. */
#include "tcp_peer.h"
#include "ref_csum.h"
#include "unit.h"

#include "net/bytes.h"

#include "lwip/timeouts.h"

#include <stdlib.h>
#include <string.h>

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define PEER_MSS 1460

static struct tcp_peer *peers[TP_PEERS_MAX];

void tp_init(struct tcp_peer *t, struct fake_nic *nic, const uint8_t *mac, uint32_t ip,
             uint16_t port, uint32_t server_ip, uint16_t server_port)
{
    memset(t, 0, sizeof *t);
    t->nic = nic;
    t->mac = mac;
    t->ip = ip;
    t->port = port;
    t->server_ip = server_ip;
    t->server_port = server_port;
    t->window = 65535;
    t->snd_nxt = 0x10000000u + port * 7919u;
    for (unsigned i = 0; i < TP_PEERS_MAX; i++) {
        if (!peers[i]) {
            peers[i] = t;
            return;
        }
    }
    unit_fail(true, __FILE__, __LINE__, "more than %d peers", TP_PEERS_MAX);
}

void tp_free(struct tcp_peer *t)
{
    for (unsigned i = 0; i < TP_PEERS_MAX; i++)
        if (peers[i] == t)
            peers[i] = NULL;
    free(t->rx);
    t->rx = NULL;
}

static void segment(struct tcp_peer *t, uint8_t flags, uint32_t seq, const uint8_t *opts,
                    size_t optlen, const void *data, size_t len)
{
    uint8_t seg[60 + PEER_MSS], pkt[PB_MAX];
    size_t hl = 20 + optlen;
    memset(seg, 0, hl);
    put_be16(seg, t->port);
    put_be16(seg + 2, t->server_port);
    put_be32(seg + 4, seq);
    put_be32(seg + 8, (flags & F_ACK) ? t->rcv_nxt : 0);
    seg[12] = (uint8_t)((hl / 4) << 4);
    seg[13] = flags;
    put_be16(seg + 14, t->window);
    if (optlen)
        memcpy(seg + 20, opts, optlen);
    if (len)
        memcpy(seg + hl, data, len);
    put_be16(seg + 16, ref_csum_pseudo(t->ip, t->server_ip, 6, seg, hl + len));
    size_t n = pb_ip(pkt, 6, t->ip, t->server_ip, 0, seg, hl + len);
    gf_receive(t->nic, t->mac, pkt, n, NULL);
}

bool tp_connect(struct tcp_peer *t)
{
    static const uint8_t mss[4] = { 2, 4, PEER_MSS >> 8, PEER_MSS & 0xff };
    segment(t, F_SYN, t->snd_nxt, mss, sizeof mss, NULL, 0);
    t->snd_nxt++;
    tp_pump();
    return t->established;
}

void tp_send(struct tcp_peer *t, const void *data, size_t len)
{
    const uint8_t *b = data;
    while (len) {
        size_t n = len < PEER_MSS ? len : PEER_MSS;
        segment(t, F_ACK | F_PSH, t->snd_nxt, NULL, 0, b, n);
        t->snd_nxt += (uint32_t)n;
        b += n;
        len -= n;
    }
}

void tp_send_overlapping(struct tcp_peer *t, size_t back, const void *data, size_t len)
{
    segment(t, F_ACK | F_PSH, t->snd_nxt - (uint32_t)back, NULL, 0, data, len);
    t->snd_nxt += (uint32_t)(len - back);
}

void tp_send_str(struct tcp_peer *t, const char *s)
{
    tp_send(t, s, strlen(s));
}

void tp_fin(struct tcp_peer *t)
{
    segment(t, F_FIN | F_ACK, t->snd_nxt, NULL, 0, NULL, 0);
    t->snd_nxt++;
}

void tp_rst(struct tcp_peer *t)
{
    segment(t, F_RST | F_ACK, t->snd_nxt, NULL, 0, NULL, 0);
}

static void take_bytes(struct tcp_peer *t, const uint8_t *b, size_t n)
{
    if (t->rx_len + n > t->rx_cap) {
        t->rx_cap = (t->rx_len + n) * 2 + 4096;
        t->rx = realloc(t->rx, t->rx_cap);
    }
    memcpy(t->rx + t->rx_len, b, n);
    t->rx_len += n;
}

/* One segment from the server (ip: its IPv4 packet, len bytes). */
static void take_segment(struct tcp_peer *t, const uint8_t *ip, size_t len)
{
    const char *what;
    if (!pb_csums_ok(ip, len, &what)) {
        t->bad++;
        return;
    }
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    const uint8_t *tcp = ip + ihl;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    size_t plen = len - ihl - thl;
    uint32_t seq = get_be32(tcp + 4), ack = get_be32(tcp + 8);
    uint8_t flags = tcp[13];
    t->segments++;
    if (flags & F_RST) {
        t->rst_seen = true;
        return;
    }
    if (flags & F_SYN) {
        if (!(flags & F_ACK) || ack != t->snd_nxt) {
            t->bad++;
            return;
        }
        t->rcv_nxt = seq + 1;
        t->established = true;
        t->need_ack = true;
        return;
    }
    if (!t->established)
        return;
    if (plen) {
        if (seq == t->rcv_nxt) {
            take_bytes(t, tcp + thl, plen);
            t->rcv_nxt += (uint32_t)plen;
        } else if ((int32_t)(seq - t->rcv_nxt) > 0) {
            t->bad++;                           /* a gap: nothing is lost here */
        }
        t->need_ack = true;
    }
    if ((flags & F_FIN) && seq + plen == t->rcv_nxt) {
        t->rcv_nxt++;
        t->fin_seen = true;
        t->need_ack = true;
    }
}

bool tp_pump(void)
{
    struct fake_nic *nics[2] = { &gf_lan, &gf_wan };
    bool ok = true;
    for (int round = 0; round < 100000; round++) {
        bool any = false;
        for (unsigned k = 0; k < 2; k++) {
            struct fake_nic *f = nics[k];
            if (f->n_sent == GF_SENT_MAX)
                ok = false;
            for (unsigned i = 0; i < f->n_sent; i++) {
                const uint8_t *fr = f->sent[i].b;
                size_t len = f->sent[i].len;
                if (len < 14 + 40 || get_be16(fr + 12) != 0x0800)
                    continue;
                const uint8_t *ip = fr + 14;
                if (ip[9] != 6)
                    continue;
                size_t tot = get_be16(ip + 2);
                if (tot > len - 14)
                    continue;
                size_t ihl = (size_t)(ip[0] & 15) * 4;
                for (unsigned p = 0; p < TP_PEERS_MAX; p++) {
                    struct tcp_peer *t = peers[p];
                    if (t && t->nic == f && pb_dst(ip) == t->ip && pb_src(ip) == t->server_ip &&
                        get_be16(ip + ihl + 2) == t->port && get_be16(ip + ihl) == t->server_port)
                        take_segment(t, ip, tot);
                }
            }
            any |= f->n_sent > 0;
        }
        gf_clear_sent();
        for (unsigned p = 0; p < TP_PEERS_MAX; p++) {
            struct tcp_peer *t = peers[p];
            if (t && t->need_ack && !t->rst_seen) {
                t->need_ack = false;
                segment(t, F_ACK, t->snd_nxt, NULL, 0, NULL, 0);
            }
        }
        if (!any)
            break;
    }
    return ok;
}

void tp_advance(uint32_t ms)
{
    for (uint32_t done = 0; done < ms; done += 100) {
        unit_clock_advance_ms(100);
        sys_check_timeouts();
        tp_pump();
    }
}
