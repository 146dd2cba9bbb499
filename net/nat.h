/* The NAT engine: connection tracking and address/port translation between vmgate's
 * internal networks and its WAN address. Pure: it sees IPv4 packets as bytes, a clock
 * value and a description of the networks; it builds and tests on the host. The lwIP
 * glue (lwip-port/nat_glue.c) calls nat_process() for every IPv4 packet before lwIP
 * routes it, and acts on the verdict.
 *
 * Interfaces are identified by small integers chosen by the glue (lwIP's netif->num).
 * Addresses and ports in this API are in host byte order.
 *
 * Policy (VirtualBox's NAT, without its limits):
 *  - A NAT network's guests reach the outside through the WAN address; each flow is
 *    tracked, its source port preserved when free (else another is allocated).
 *  - From the WAN, only packets of tracked flows, of port-forwarding rules, and ICMP
 *    errors about tracked flows reach a guest; the rest is not for NAT (PASS: lwIP
 *    delivers it to vmgate's own services or drops it) or, when addressed into a NAT
 *    network, dropped as unsolicited.
 *  - NAT networks cannot reach each other, nor host-only networks; a guest cannot send
 *    with a source address outside its network.
 *  - Host-only networks are routed without translation (PASS), but cannot reach NAT
 *    networks either.
 *
 * The details, in the order nat_process() applies them:
 *  - A packet that does not parse (nat_parse.h lists the checks; the IP header
 *    checksum is one, since lwIP's hook runs before lwIP checks it) or has TTL 0 is
 *    dropped as MALFORMED; a fragment as FRAGMENT (the glue reassembles first).
 *  - From a NAT or host-only network: to a broadcast (255.255.255.255, the
 *    network's own broadcast or network address) or multicast address: PASS. A
 *    source outside the network, or its network or broadcast address, or one of
 *    vmgate's own addresses: DROP SPOOFED. To vmgate's own addresses on the
 *    guest's network (a NAT network's NET+2 gateway and NET+3 DNS relay, and
 *    nat_net.self) or another host of that network: PASS. From a NAT network to
 *    the WAN address, a TCP or UDP packet to a forwarding rule's port (or of a
 *    flow one opened) is hairpinned (below). To another internal
 *    network (NAT<->NAT, NAT<->host-only), to vmgate's addresses elsewhere (the
 *    WAN address, another network's own addresses) or to 0/8 and 127/8: DROP
 *    ISOLATION. Then a host-only network's packet: PASS (routed). A NAT network's
 *    packet with TTL <= 1: PASS untranslated (lwIP answers time exceeded). No WAN
 *    address: DROP NO_WAN. Otherwise it is translated (a new flow if none).
 *  - From the WAN: broadcast and multicast: PASS. A source in an internal network
 *    or equal to the WAN address: DROP SPOOFED. To the WAN address: a tracked
 *    flow's packet, or a new connection to a forwarding rule's port, or an ICMP
 *    error quoting a tracked flow's packet is translated; the rest PASS. To a NAT
 *    network: DROP UNSOLICITED. Anything else (host-only networks): PASS.
 *  - Packets on other interfaces (internal networks, tunnels): PASS.
 *
 * Translation. TCP and UDP map ports; an ICMP echo maps its identifier as a port;
 * other protocols (GRE, ESP, ...) map the address only, so one flow per (protocol,
 * remote) can exist: a second guest using the same protocol with the same remote
 * is refused (NO_PORT) rather than misdelivered. An outbound flow keeps the guest's
 * source port when no flow has the same (protocol, external port, remote address,
 * remote port), the port filter does not claim it and no forwarding rule uses it as
 * host port; else a port is chosen from a random start with bounded probing in
 * 512-1023 for a guest port below 1024 (servers that want a privileged source port,
 * NFS's, keep getting one), 1024-65535 otherwise, 1-65535 for echo identifiers.
 * TCP segments that cannot belong to any connection (SYN with RST or FIN; from a
 * guest, a segment that matches no flow and cannot open one) are dropped INVALID,
 * as are ICMP messages from a guest that NAT cannot attribute to a flow.
 *
 * Hairpin ("NAT loopback"): a guest that connects to the WAN address and a
 * forwarded port reaches the rule's guest, as a host outside would, and as under
 * VirtualBox, where such a connection meets the host's socket. The packet takes two
 * flows in one pass: out through the sender's own flow (its source becomes the WAN
 * address and an external port), then in through the rule's flow (its destination
 * becomes the rule's guest), whatever network either guest is on. The rule's guest
 * sees the WAN address as its peer, so its replies come back to vmgate (even on the
 * sender's own network) and take the same two flows the other way. A rule whose
 * guest is unknown drops the packet NO_GUEST; no other packet to the WAN address
 * from a guest is let in (ISOLATION). Host-only networks are not translated, so
 * they do not hairpin.
 *
 * Flow timeouts (from the last packet; nat_table.c): TCP SYN_SENT 120 s, SYN_RECV
 * 60 s, ESTABLISHED 2 h (60 s while a connection picked up mid-stream is not yet
 * answered), FIN_WAIT 120 s, CLOSE_WAIT 60 s, LAST_ACK 30 s, TIME_WAIT 120 s, CLOSE
 * (after RST) 10 s; UDP 30 s until answered, 180 s after; ICMP echo 30 s; other
 * protocols 30 s until answered, 600 s after.
 *
 * The table holds max_flows flows. When a new flow finds it full: (1) a flow whose
 * time is up is reused; else (2) the flow that has been an early-drop candidate
 * longest is evicted, candidates being flows never answered (not assured) and TCP
 * flows in TIME_WAIT or CLOSE; else (3) the new flow is refused (DROP TABLE_FULL):
 * established connections are never pushed out by new ones.
 */
#ifndef VMGATE_NAT_H
#define VMGATE_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define NAT_MAX_NETS   16
#define NAT_MAX_RULES  64
#define NAT_NAME_MAX   32

enum nat_verdict {
    NAT_PASS = 0,       /* untouched: lwIP handles it as usual (local delivery, routing) */
    NAT_FORWARD,        /* translated in place: lwIP forwards it on its new addresses */
    NAT_DROP,           /* drop it; the reason was counted */
};

enum nat_drop_reason {
    NAT_DROP_MALFORMED,     /* truncated or inconsistent headers */
    NAT_DROP_SPOOFED,       /* a guest's source address outside its own network */
    NAT_DROP_ISOLATION,     /* between internal networks that must not meet */
    NAT_DROP_UNSOLICITED,   /* from the WAN, into a NAT network, matching nothing */
    NAT_DROP_TABLE_FULL,    /* no flow could be created (see the eviction policy) */
    NAT_DROP_NO_PORT,       /* no free external port */
    NAT_DROP_NO_WAN,        /* the WAN has no address yet */
    NAT_DROP_FRAGMENT,      /* a fragment the engine cannot attribute to a flow */
    NAT_DROP_INVALID,       /* from a guest: belongs to no flow and cannot open one
                               (a TCP RST, an ICMP error about nothing); a TCP segment
                               with impossible flags */
    NAT_DROP_NO_GUEST,      /* hairpin: the forwarding rule has no guest yet (no lease) */
    NAT_DROP_RST_WINDOW,    /* a TCP RST whose sequence number is outside the window
                               its receiver would accept (RFC 5961 3.2): an off-path
                               guess at cutting a connection */
    NAT_DROP_FILTERED,      /* from the WAN to the WAN address, for no mapping, rule or
                               socket of vmgate's: dropped without an answer (RFC 5382
                               REQ-4: an unsolicited SYN is never answered) */
    NAT_DROP_SOURCE_ROUTE,  /* an IP source routing option, in the packet or in an
                               ICMP error's quote (RFC 5508 7.3, RFC 7126) */
    NAT_DROP_REASONS
};

enum nat_net_kind { NAT_NET_NAT, NAT_NET_HOSTONLY };

/* A network behind vmgate. prefix is 8..30; net has no host bits. A NAT network's
 * own addresses are NET+2 (gateway) and NET+3 (DNS relay), the configuration's
 * fixed layout; self, when not 0, is one more own address: a host-only network's
 * configured address, which the engine cannot otherwise know. Two interfaces may
 * carry the same network (ports of one NAT Network); networks may not otherwise
 * overlap. */
struct nat_net {
    int iface;
    enum nat_net_kind kind;
    uint32_t net;               /* network address */
    uint8_t prefix;
    uint32_t self;              /* vmgate's own address on it (host-only), or 0 */
};

/* A port-forwarding rule (VBoxManage --natpf): WAN host_ip:host_port (host_ip 0 =
 * any) to guest_ip:guest_port on the NAT network of `iface`. guest_ip 0 means "the
 * guest of that network", asked of the guest resolver at the time a connection
 * arrives (the DHCP server's first lease there). */
struct nat_rule {
    char name[NAT_NAME_MAX];
    uint8_t proto;              /* 6 or 17 */
    uint32_t host_ip;
    uint16_t host_port;
    int iface;
    uint32_t guest_ip;
    uint16_t guest_port;
};

enum nat_tcp_state {
    NAT_TCP_NONE = 0, NAT_TCP_SYN_SENT, NAT_TCP_SYN_RECV, NAT_TCP_ESTABLISHED,
    NAT_TCP_FIN_WAIT, NAT_TCP_CLOSE_WAIT, NAT_TCP_LAST_ACK, NAT_TCP_TIME_WAIT, NAT_TCP_CLOSE,
};

/* A tracked flow, as the console shows it. */
struct nat_flow_info {
    uint8_t proto;
    int iface;                  /* the guest's interface */
    uint32_t int_addr;          /* guest side */
    uint16_t int_port;
    uint32_t ext_addr;          /* as seen from the WAN */
    uint16_t ext_port;
    uint32_t rem_addr;          /* the remote peer */
    uint16_t rem_port;
    enum nat_tcp_state tcp_state;
    bool assured;               /* seen traffic in both directions */
    bool from_rule;             /* created by a port-forwarding rule */
    uint32_t expires_in_ms;
    uint64_t packets_out, packets_in;
};

struct nat_stats {
    uint64_t translated_out, translated_in, passed;
    uint64_t flows_created, flows_expired, flows_evicted;
    uint64_t flows_flushed;     /* removed by a WAN address change or a deleted rule */
    uint64_t hairpinned;        /* guest to the WAN address and back in (see Hairpin);
                                   each packet is counted once: translated out or in,
                                   hairpinned, passed, or a drop */
    uint64_t drops[NAT_DROP_REASONS];
};

struct nat;

/* Timeouts a user may set (`nat timeout NAME SECONDS`), with the floors the IETF's
 * NAT requirements set (docs/NAT.md): a value below its floor is refused. */
enum nat_timeout {
    NAT_TIMEOUT_TCP_ESTABLISHED,    /* established and half-closed: >= 7440 s (RFC 5382 REQ-5) */
    NAT_TIMEOUT_TCP_OPENING,        /* handshakes: >= 240 s (RFC 5382 REQ-5, RFC 7857 2.1) */
    NAT_TIMEOUT_TCP_CLOSING,        /* closing, after an RST: >= 240 s (RFC 7857 2.1, 2.2) */
    NAT_TIMEOUT_UDP,                /* >= 120 s, default 300 s (RFC 4787 REQ-5, 5c) */
    NAT_TIMEOUT_UDP_DNS,            /* UDP to a remote's port 53: >= 10 s (RFC 4787 REQ-5a
                                       allows less than UDP's floor for well-known ports) */
    NAT_TIMEOUT_ICMP,               /* ICMP queries: >= 60 s (RFC 5508 REQ-2) */
    NAT_TIMEOUTS
};
#define NAT_TIMEOUT_MAX_S (7u * 24 * 3600)  /* a week: far below the clock's 24-day wrap */

const char *nat_timeout_name(enum nat_timeout t);   /* "tcp-established", ... */
uint32_t nat_timeout_floor(enum nat_timeout t);     /* seconds */
uint32_t nat_timeout_default(enum nat_timeout t);   /* seconds */
/* Sets a timeout for flows whose timer starts from now on. 0, or -EINVAL below the
 * floor or above NAT_TIMEOUT_MAX_S. */
int nat_set_timeout(struct nat *nat, enum nat_timeout t, uint32_t seconds);
uint32_t nat_get_timeout(const struct nat *nat, enum nat_timeout t);

/* Creates an engine with room for max_flows flows (a fixed bound; memory is
 * allocated once, here). random(random_ctx) is its random source, for the table's
 * hash key (drawn here) and the ports it chooses: in the product a cryptographic
 * generator, since whoever predicts it predicts ports and can aim at hash buckets.
 * NULL on allocation failure. */
struct nat *nat_create(unsigned max_flows, rng_u32_fn random,
                       void *random_ctx);     /* 1 .. 4194304 flows; else NULL */
void nat_destroy(struct nat *nat);

/* The WAN: its interface and current address (0 while it has none). A changed
 * address drops every flow: they cannot survive it. */
void nat_set_wan(struct nat *nat, int iface, uint32_t addr);
/* RFC 4787 REQ-7: the network the WAN address is in (net/prefix, host order) must
 * not overlap an internal one, or the guests there cannot reach the WAN's hosts
 * in the overlap (they take them for neighbours). Returns the interface of the
 * first internal network that overlaps, or -1. */
int nat_wan_overlap(const struct nat *nat, uint32_t net, uint8_t prefix);
/* 0 or -errno: -EINVAL (bad prefix, host bits, self outside, overlap), -EEXIST
 * (iface already has a network), -ENOSPC (NAT_MAX_NETS). */
int nat_add_net(struct nat *nat, const struct nat_net *net);
/* 0 or -errno. -EINVAL: name empty or not NUL-terminated, proto not TCP/UDP, a
 * port 0, iface not a NAT network added before, guest_ip outside it or one of its
 * own or special addresses. -EEXIST: the name is taken, or another rule of the
 * same protocol has the same host port and a host_ip that overlaps (equal, or
 * either 0). -ENOSPC: NAT_MAX_RULES. */
int nat_add_rule(struct nat *nat, const struct nat_rule *rule);
int nat_del_rule(struct nat *nat, const char *name);              /* 0 or -ENOENT; its flows go too */

/* For rules with guest_ip 0: returns the guest address on iface, or 0 if none. */
void nat_set_guest_resolver(struct nat *nat, uint32_t (*fn)(void *ctx, int iface), void *ctx);
/* vmgate's own sockets on the WAN address: a port they use is never allocated. */
void nat_set_port_filter(struct nat *nat, bool (*in_use)(void *ctx, uint8_t proto, uint16_t port), void *ctx);

/* Examines, and translates in place, one IPv4 packet that arrived on `iface`.
 * `pkt` points at the IP header; `len` bytes of the packet are contiguous there (the
 * glue guarantees the whole packet). Never reads or writes outside [pkt, pkt+len),
 * whatever the headers claim. Checksums are updated incrementally (RFC 1624).
 * For a packet whose TTL would expire at vmgate it returns NAT_PASS without
 * translating, so that lwIP's ICMP time-exceeded goes to the guest itself. */
enum nat_verdict nat_process(struct nat *nat, uint8_t *pkt, size_t len, int iface, uint32_t now_ms);
/* Offload facts about a packet, for nat_process_ex(). */
#define NAT_CSUM_PARTIAL 0x01   /* its TCP or UDP checksum is partial (virtio NEEDS_CSUM,
                                   csum_start at the transport header): the field holds
                                   the pseudo-header sum, to be completed downstream; NAT
                                   keeps it so (it follows the address change only) */

/* nat_process() for a packet that comes with offload facts (flags above);
 * nat_process() is nat_process_ex() with flags 0. */
enum nat_verdict nat_process_ex(struct nat *nat, uint8_t *pkt, size_t len, int iface,
                                uint32_t now_ms, unsigned flags);

/* The reason of the last NAT_DROP verdict. */
enum nat_drop_reason nat_last_drop(const struct nat *nat);

/* Expires flows whose time has come. Call about once a second. */
void nat_expire(struct nat *nat, uint32_t now_ms);

/* The flows in the table: those expired since the last nat_expire() included
 * (a lookup or nat_expire() removes them; they no longer translate anything). */
unsigned nat_flow_count(const struct nat *nat);
/* The mappings (guest sockets with an external port) in use. */
unsigned nat_mapping_count(const struct nat *nat);
/* Whether a guest's mapping holds external port `port` of proto (TCP, UDP, ICMP):
 * for vmgate's own sockets, which should not take such a port. */
bool nat_port_mapped(const struct nat *nat, uint8_t proto, uint16_t port);
/* Calls fn for each flow; for the console. fn must not call into the engine. */
void nat_foreach_flow(const struct nat *nat, uint32_t now_ms,
                      void (*fn)(void *ctx, const struct nat_flow_info *f), void *ctx);
const struct nat_stats *nat_get_stats(const struct nat *nat);
const char *nat_drop_reason_name(enum nat_drop_reason r);

#endif
