/* The NAT engine: connection tracking and address/port translation between vmgate's
 * internal networks and its WAN address. Pure: it sees IPv4 packets as bytes, a clock
 * value and a description of the networks; it builds and tests on the host. The lwIP
 * glue (lwip-port/nat_glue.c) calls nat_process() for every IPv4 packet before lwIP
 * routes it, and acts on the verdict.
 *
 * Interfaces are identified by small integers chosen by the glue (lwIP's netif->num).
 * Addresses and ports in this API are in host byte order.
 *
 * Policy (VirtualBox's NAT, without its limits, to the IETF's requirements for a
 * NAT: RFC 4787, 5382, 5508, 7857; docs/NAT.md has the table, requirement by
 * requirement, with the test that shows each):
 *  - A NAT network's guests reach the outside through the WAN address. Each guest
 *    socket (protocol, address, port) has one mapping, one external port whoever
 *    it talks to (endpoint-independent mapping), its own when free; each flow
 *    through it is tracked.
 *  - From the WAN, packets of tracked flows, of port-forwarding rules, of a
 *    mapping's endpoint-independent filter (anyone may reach a guest socket's
 *    external port: TCP by a SYN only) and ICMP errors about tracked flows reach a
 *    guest; what is for vmgate's own sockets is lwIP's (PASS); the rest is dropped
 *    without an answer (FILTERED: the WAN side is silent, RFC 5382 REQ-4), or, when
 *    addressed into a NAT network, as UNSOLICITED.
 *  - NAT networks cannot reach each other, nor host-only networks; a guest cannot send
 *    with a source address outside its network.
 *  - Host-only networks are routed without translation (PASS), but cannot reach NAT
 *    networks either.
 *
 * The details, in the order nat_process() applies them:
 *  - A packet that does not parse (nat_parse.h lists the checks; the IP header
 *    checksum is one, and for an ICMP error its checksum and its quote's header
 *    checksum) or has TTL 0 is dropped as MALFORMED; a fragment as FRAGMENT (the
 *    glue reassembles first); a source routing option, in the packet or an ICMP
 *    error's quote, as SOURCE_ROUTE.
 *  - From a NAT or host-only network: to a broadcast (255.255.255.255, the
 *    network's own broadcast or network address) or multicast address: PASS. A
 *    source outside the network, or its network or broadcast address, or one of
 *    vmgate's own addresses: DROP SPOOFED. To vmgate's own addresses on the
 *    guest's network (a NAT network's NET+2 gateway and NET+3 DNS relay, and
 *    nat_net.self) or another host of that network: PASS. From a NAT network to
 *    the WAN address: an echo request is vmgate's to answer (PASS); a TCP or UDP
 *    packet to a forwarding rule's port or to another guest's mapping is
 *    hairpinned, and so is an ICMP error about a hairpinned packet (below). To
 *    another internal network (NAT<->NAT, NAT<->host-only), to vmgate's
 *    addresses elsewhere (the WAN address, another network's own addresses) or to
 *    0/8 and 127/8: DROP ISOLATION. Then a host-only network's packet: PASS
 *    (routed). A NAT network's packet with TTL <= 1: PASS untranslated (the glue
 *    answers Time Exceeded). No WAN address: DROP NO_WAN. Otherwise it is
 *    translated (a new flow if none, and a new mapping if its socket has none).
 *  - From the WAN: broadcast and multicast: PASS. A source in an internal network
 *    or equal to the WAN address: DROP SPOOFED. To the WAN address: a tracked
 *    flow's packet, a new connection to a forwarding rule's port (DROP NO_GUEST
 *    while the rule has no guest), a packet for a port a socket of vmgate's holds
 *    (PASS), a new TCP connection (SYN) or UDP datagram to a mapping's port, or
 *    an ICMP error quoting a tracked flow's packet is translated; other ICMP
 *    (echo requests) and other protocols PASS; any other TCP or UDP: DROP
 *    FILTERED. To a NAT network: DROP UNSOLICITED. Anything else (host-only
 *    networks): PASS.
 *  - Packets on other interfaces (internal networks, tunnels): PASS.
 *
 * Translation. TCP and UDP map ports; ICMP queries (echo) map their identifier as
 * a port; other protocols (GRE, ESP, ...) map the address only, so one flow per
 * (protocol, remote) can exist: a second guest using the same protocol with the
 * same remote is refused (NO_PORT) rather than misdelivered. A new mapping keeps
 * the guest's port when no mapping owns it, the port filter does not claim it and
 * no forwarding rule uses it; else a port of the same parity is chosen from a
 * random start in 512-1023 for a guest port below 1024 (servers that want a
 * privileged source port, NFS's, keep getting one), 1024-65535 otherwise, 1-65535
 * for identifiers; NO_PORT when none is left. TCP segments that cannot belong to
 * any connection (SYN with RST or FIN; from a guest, a segment that matches no
 * flow and cannot open one) are dropped INVALID, as are ICMP messages from a guest
 * that NAT cannot attribute to a flow; an RST outside the window, RST_WINDOW.
 *
 * Hairpin ("NAT loopback", RFC 4787 REQ-9, RFC 5382 REQ-8, RFC 5508 REQ-7): a
 * guest that sends to the WAN address and a forwarded port or another guest's
 * mapped port reaches that guest, as a host outside would (two guests behind one
 * NAT that learned each other's public address from a server). The packet takes
 * two flows in one pass: out through the sender's own flow (its source becomes the
 * WAN address and its external port), then in through the rule's or the mapping's
 * (its destination becomes that guest), whatever network either guest is on. The
 * other guest sees the WAN address as its peer, so its replies, and its ICMP
 * errors, come back to vmgate (even on the sender's own network) and take the same
 * two flows the other way. Host-only networks are not translated, so they do not
 * hairpin.
 *
 * Flow timeouts (from the last packet that restarts them; nat_table.c; each set by
 * nat_set_timeout(), never below its floor): TCP opening (SYN_SENT, SYN_RECV, a
 * connection picked up mid-stream and not yet answered) 240 s, established and
 * half-closed 7440 s, closing (LAST_ACK, TIME_WAIT, CLOSE after an RST) 240 s, with
 * data after an RST bringing it back; UDP 300 s (to a remote's port 53: 30 s);
 * ICMP queries 60 s; other protocols 30 s until answered, 600 s after. A packet
 * from the guest restarts its flow's timeout, one from outside only once the guest
 * has answered the flow, and an RST never gives more time. A mapping lives as long
 * as a flow uses it.
 *
 * The table holds max_flows flows, shared by the guests' interfaces (nat_table.h,
 * Shares): no interface holds more than 3/4 of it; when it is full, a flow whose
 * time is up is reused, else an interface under its fair share takes the oldest
 * early-drop candidate of the interface holding the most, one at or over it
 * recycles its own; candidates are flows never answered and closing TCP flows,
 * then answered flows other than TCP's. An established or half-closed TCP
 * connection is never pushed out: the new flow is refused (DROP TABLE_FULL).
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
