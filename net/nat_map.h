/* The NAT engine's mappings: which external port a guest's socket (protocol, guest
 * address, guest port) goes out from, whatever it talks to. RFC 4787 REQ-1 and RFC
 * 5382 REQ-1 (endpoint-independent mapping, a MUST): every flow of one guest socket
 * uses its socket's mapping, so two servers see the same address and port, and a
 * peer-to-peer protocol that learns its public address from one server (STUN) can
 * give it to another.
 *
 * An external port belongs to one mapping at a time (no "port overlapping", RFC
 * 7857 3: sharing a port between two guests towards different remotes would make a
 * mapping change with the destination, which REQ-1 forbids). A mapping lives as
 * long as a flow uses it (RFC 7857 11): the last flow to go takes it along, and
 * its port is free again.
 *
 * Lookups: from the guest side and from the outside ("who owns external port p")
 * by two SipHash-keyed tables of bounded chains, sized to the capacity, so that a
 * small engine stays small.
 *
 * Protocols with mappings: TCP, UDP, and ICMP queries (their identifier is the
 * port). Others (GRE, ESP) have none: they are told apart by address alone. */
#ifndef VMGATE_NAT_MAP_H
#define VMGATE_NAT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "siphash.h"

#define NAT_MAP_CHAIN_MAX 16

struct nat_map {
    uint32_t int_addr;
    uint16_t int_port, ext_port;
    uint8_t proto;                      /* NAT_PROTO_*; 0: free */
    uint8_t iface;                      /* the guest's interface (lwIP's netif->num) */
    uint16_t unanswered_in;             /* flows the outside opened through it, not yet
                                           answered by the guest (a bound against floods) */
    uint32_t refs;                      /* flows using it */
    uint32_t next;                      /* guest-side hash chain, or the free list */
    uint32_t next_ext;                  /* outside hash chain */
};

struct nat_maps {
    struct nat_map *maps;
    uint32_t capacity, count;
    uint32_t free_head;
    uint32_t *buckets, *ext_buckets;
    uint32_t mask;
    struct siphash_key key;
};

/* The index of proto in owner[], or -1 for a protocol without mappings. */
static inline int nat_map_proto_index(uint8_t proto)
{
    return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : -1;
}

/* Room for capacity mappings (as many as flows: each lives in one). 0, -ENOMEM. */
int nat_maps_init(struct nat_maps *m, uint32_t capacity, const struct siphash_key *key);
void nat_maps_free(struct nat_maps *m);
/* Forgets every mapping. */
void nat_maps_flush(struct nat_maps *m);

/* The mapping of a guest socket, or NULL. */
struct nat_map *nat_map_find(struct nat_maps *m, uint8_t proto, uint32_t int_addr,
                             uint16_t int_port);
/* The mapping that owns an external port of proto, or NULL. */
struct nat_map *nat_map_owner(const struct nat_maps *m, uint8_t proto, uint16_t ext_port);
/* A new mapping, with no flows yet (refs 0: the caller takes the first reference
 * or drops it with nat_map_unref). The port must be free (nat_map_owner NULL) and
 * the socket have none. NULL when the table or the socket's chain is full. */
struct nat_map *nat_map_add(struct nat_maps *m, uint8_t proto, uint8_t iface, uint32_t int_addr,
                            uint16_t int_port, uint16_t ext_port);

static inline uint32_t nat_map_index(const struct nat_maps *m, const struct nat_map *map)
{
    return (uint32_t)(map - m->maps);
}

void nat_map_ref(struct nat_map *map);
/* Drops a reference; the last one frees the mapping and its port. */
void nat_map_unref(struct nat_maps *m, struct nat_map *map);

#endif
