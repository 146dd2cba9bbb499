/* The NAT engine's state, shared by its files: nat.c (the public API and the
 * policy), nat_flow.c (translation through flows), nat_rules.c (forwarding rules
 * and external port choice). Nothing outside net/nat*.c includes this. */
#ifndef VMGATE_NAT_PRIV_H
#define VMGATE_NAT_PRIV_H

#include "nat.h"
#include "nat_parse.h"
#include "nat_table.h"
#include "nat_map.h"


/* At most this many flows that the outside opened through one mapping (its
 * endpoint-independent filter) and the guest has not answered: a host that learns
 * a guest's external port cannot fill the table with flows to it. */
#define NAT_MAP_UNANSWERED_MAX 64

struct nat {
    struct nat_table table;
    struct nat_maps maps;
    struct nat_stats stats;
    enum nat_drop_reason last_drop;
    rng_u32_fn random;                  /* nat_create()'s random source */
    void *random_ctx;

    int wan_iface;                      /* -1 until nat_set_wan() */
    uint32_t wan_addr;

    struct nat_net nets[NAT_MAX_NETS];
    unsigned n_nets;

    struct nat_rule rules[NAT_MAX_RULES];
    bool rule_used[NAT_MAX_RULES];
    /* Bit p of rule_ports[0] (TCP) or [1] (UDP): some rule's host port is p. A new
     * connection's destination port is checked here before the rules are walked,
     * and outbound flows never take these ports. */
    uint8_t rule_ports[2][65536 / 8];

    uint32_t (*resolver)(void *ctx, int iface);
    void *resolver_ctx;
    bool (*port_in_use)(void *ctx, uint8_t proto, uint16_t port);
    void *port_ctx;
};

/* nat.c */
enum nat_verdict nat_drop(struct nat *nat, enum nat_drop_reason r);
const struct nat_net *nat_net_of_iface(const struct nat *nat, int iface);
/* True if addr is a host address of net that a guest may use: inside it, not its
 * network or broadcast address, not one of vmgate's own addresses there. */
bool nat_net_host_ok(const struct nat_net *net, uint32_t addr);

/* nat_flow.c: a packet that policy has cleared for translation. */
/* From a guest on a NAT network, going outside: translate through its flow,
 * creating one. */
enum nat_verdict nat_flow_out(struct nat *nat, const struct nat_net *net, struct nat_pkt *p,
                              uint32_t now);
/* From the WAN, to the WAN address: translate through a flow, or a new one from a
 * forwarding rule; NAT_PASS if neither applies. */
enum nat_verdict nat_flow_in(struct nat *nat, struct nat_pkt *p, uint32_t now);
/* From a guest on a NAT network, to a port on the WAN address that a forwarding
 * rule (in slot `rule`, or -1) or another guest's mapping holds: out through the
 * guest's flow, then in through the rule's or the mapping's (nat.h, Hairpin). */
enum nat_verdict nat_flow_hairpin(struct nat *nat, const struct nat_net *net, struct nat_pkt *p,
                                  int rule, uint32_t now);
/* From a guest on a NAT network, an ICMP error to the WAN address about a packet
 * hairpinned to it: out as the guest's error, then in to the packet's sender
 * (RFC 5508 REQ-7). */
enum nat_verdict nat_flow_hairpin_error(struct nat *nat, const struct nat_net *net,
                                        struct nat_pkt *p, uint32_t now);
/* Translates p if it is a plain packet of an existing flow, one that needs nothing
 * more (no new flow, no ICMP error, TTL above 1, a TCP segment the flow accepts):
 * nat_process_ex()'s first step, the common case. NAT_PASS otherwise, with
 * nothing changed. */
enum nat_verdict nat_flow_existing(struct nat *nat, struct nat_pkt *p, int iface, uint32_t now);

/* nat_rules.c */
/* The slot of the rule that takes a new connection of proto to port on the WAN
 * address, or -1. */
int nat_rule_match(const struct nat *nat, uint8_t proto, uint16_t port);
/* True if some forwarding rule's host port is (proto, port). */
bool nat_rule_port(const struct nat *nat, uint8_t proto, uint16_t port);
/* Chooses the external port of a new mapping of proto (TCP, UDP, ICMP ids): the
 * guest's own (preferred) if free, else one of the same range (RFC 4787 REQ-3a:
 * below 1024 stays below 1024) and parity (REQ-4), from a random start (RFC 6056).
 * Free means: no mapping owns it, no rule uses it, no socket of vmgate's holds it.
 * Returns true with *port set, false if the range is full. */
bool nat_port_choose(struct nat *nat, uint8_t proto, uint16_t preferred, uint16_t *port);

#endif
