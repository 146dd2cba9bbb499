/* A TCP client for host tests of vmgate's TCP services, made of segments built by
 * hand and sent through a fake NIC of the glue fixture (glue_fixture.h): lwIP
 * answers as it would a guest. Lossless and in order, so the peer needs no
 * retransmission; it acknowledges what arrives, keeps the byte stream it
 * received, and notes what would be wrong (a bad checksum, a gap). */
#ifndef VMGATE_TCP_PEER_H
#define VMGATE_TCP_PEER_H

#include "glue_fixture.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_PEERS_MAX 64

struct tcp_peer {
    struct fake_nic *nic;           /* where it is connected */
    const uint8_t *mac;             /* its MAC, as the NIC sees frames from it */
    uint32_t ip, server_ip;         /* host byte order */
    uint16_t port, server_port;
    uint16_t window;                /* what it advertises */
    uint32_t snd_nxt, rcv_nxt;
    bool established, fin_seen, rst_seen, need_ack;
    uint8_t *rx;                    /* the stream received, in order */
    size_t rx_len, rx_cap;
    unsigned segments, bad;         /* segments taken; malformed, out of order or unexpected */
};

/* Sets t up as ip:port (on nic, with mac) talking to server_ip:server_port, and
 * adds it to the peers tp_pump serves (at most TP_PEERS_MAX at once). */
void tp_init(struct tcp_peer *t, struct fake_nic *nic, const uint8_t *mac, uint32_t ip,
             uint16_t port, uint32_t server_ip, uint16_t server_port);
/* Takes t out of the peers served and frees what it received. */
void tp_free(struct tcp_peer *t);

/* Sends a SYN (with MSS 1460) and completes the handshake when lwIP answers.
 * Returns whether it is established. */
bool tp_connect(struct tcp_peer *t);
/* Sends len bytes in segments of at most 1460. */
void tp_send(struct tcp_peer *t, const void *data, size_t len);
void tp_send_str(struct tcp_peer *t, const char *s);
/* Sends len bytes again from back bytes before the next sequence number (a
 * retransmission that overlaps what was sent), then the new ones. */
void tp_send_overlapping(struct tcp_peer *t, size_t back, const void *data, size_t len);
/* Sends a FIN. */
void tp_fin(struct tcp_peer *t);
/* Sends a RST. */
void tp_rst(struct tcp_peer *t);

/* Takes every frame the fake NICs sent, hands each TCP segment to the peer it is
 * for, and acknowledges, until lwIP sends nothing more. Frames for no peer are
 * ignored (ARP, others' traffic). Returns false if a NIC's record overflowed
 * (segments lost). */
bool tp_pump(void);

/* Moves the clock ms forward in steps of 100 ms, running lwIP's timers and
 * pumping after each. */
void tp_advance(uint32_t ms);

#endif
