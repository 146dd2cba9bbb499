/* The TFTP server (net/tftp.h) on lwIP: one pure server for every network it
 * serves, fed by one UDP PCB on port 69 and one PCB per transfer.
 *
 * Where guests reach it: on each attached netif, at the addresses given to
 * tftp_glue_attach (vmgate's own address there, and NET+4 where VirtualBox's
 * layout wants TFTP at 10.0.2.4: that address is a service alias, alias.h, whose
 * marked packets the glue recognises). A request to any other address, from an
 * address outside the netif's network, or arriving on a netif not attached (the
 * WAN), is dropped and counted. Replies leave from the address the request was
 * sent to: EDK2 takes packets only from the server it asked. An alias at NET+4
 * must deliver the transfer ports (below) as well as port 69, or a guest that
 * asked at .4 gets its OACK and nothing after: the alias is added with
 * alias_add_udp_range(nif, NET+4, 69, TFTP_GLUE_PORT_MIN, 65535, 0)
 * (lwip-port/pxe_glue.c does).
 *
 * Ports: each transfer gets a PCB of its own on a port drawn at random from the
 * dynamic range (RFC 6335), bound to the transfer's netif: RFC 1350 gives each
 * transfer its own server TID, so a late packet of an old transfer from the same
 * client port cannot be taken for one of a new transfer, and lwIP's own
 * demultiplexing finds the session. This costs one PCB per transfer
 * (lwipopts.h's MEMP_NUM_UDP_PCB counts TFTP_MAX_SESSIONS of them); without a
 * PCB the client is refused "too many transfers". Errors for refused requests
 * leave from port 69.
 *
 * Data: a block the root maps goes out in a PBUF_REF pbuf pointing at the root's
 * bytes; a block read (or converted) into the server's buffer goes out the same
 * way. Both are safe because nothing in lwIP keeps a PBUF_REF pbuf after the send
 * returns without copying it first (etharp's queue and IP fragmentation copy or
 * reference-count what they keep, and vmgate's NIC drivers copy every frame;
 * nic.h), so the payload need only live for the call.
 *
 * Timers: one lwIP timeout, set after every event to the server's next deadline. */
#ifndef VMGATE_TFTP_GLUE_H
#define VMGATE_TFTP_GLUE_H

#include "../net/fileroot.h"
#include "../net/tftp.h"

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#define TFTP_GLUE_MAX_IFACES 8
#define TFTP_GLUE_MAX_ADDRS  4
#define TFTP_GLUE_PORT_MIN   49152          /* transfer ports: RFC 6335's dynamic range */
#define TFTP_GLUE_PORT_DRAWS 16

/* Serves root's files to guests on nif at the n addresses addrs (network byte
 * order, as in ip4_addr_t; copied), with blocks of at most max_payload bytes (the
 * link's UDP payload less TFTP's 4 bytes: MTU - 32; 0 derives it from nif->mtu).
 * root must outlive the attachment. The first call opens port 69 and the server.
 * Returns 0, -EINVAL (no address, more than TFTP_GLUE_MAX_ADDRS, no root), -EEXIST
 * (nif is served already), -ENOSPC (TFTP_GLUE_MAX_IFACES served), -ENOMEM, or
 * -EADDRINUSE (port 69 is taken). */
int tftp_glue_attach(struct netif *nif, const ip4_addr_t *addrs, unsigned n,
                     const struct fileroot *root, u16_t max_payload);

/* Datagrams the glue dropped before the server saw them, and sends that failed. */
struct tftp_glue_counters {
    unsigned long not_served;       /* port 69 on a netif not attached (the WAN) */
    unsigned long wrong_address;    /* to an address the netif does not serve TFTP on */
    unsigned long foreign_source;   /* from outside the netif's network */
    unsigned long no_pcb;           /* no PCB for a transfer */
    unsigned long no_pbuf;
    unsigned long send_errors;      /* lwIP refused a send */
};

/* Stops serving nif: its transfers end (their ports close); the last one out closes
 * port 69, the timer and the server. Nothing happens if nif is not served. Call it
 * before netif_remove(nif): the glue keeps the pointer. */
void tftp_glue_detach(struct netif *nif);

/* The server's counters (NULL while nothing is served) and the glue's, for the
 * console and the control channel. */
const struct tftp_stats *tftp_glue_stats(void);
const struct tftp_glue_counters *tftp_glue_counters(void);

/* The console's `tftp`: where it serves, the roots' files, and unless files_only
 * the transfers and counters. */
void tftp_glue_print(bool files_only);

#endif
