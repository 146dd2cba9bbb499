/* Contract in nat_map.h. */
#include "nat_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static uint32_t bucket_of(const struct nat_maps *m, uint8_t proto, uint32_t addr, uint16_t port)
{
    uint64_t a = (uint64_t)addr << 32 | port, b = proto;
    return (uint32_t)siphash13_u64x2(&m->key, a, b) & m->mask;
}

/* The outside table's bucket: a different input (bit 8 set) from the guest side's. */
static uint32_t ext_bucket_of(const struct nat_maps *m, uint8_t proto, uint16_t port)
{
    return (uint32_t)siphash13_u64x2(&m->key, port, 0x100u | proto) & m->mask;
}

void nat_maps_flush(struct nat_maps *m)
{
    m->free_head = NONE;
    for (uint32_t i = m->capacity; i-- > 0;) {
        m->maps[i].proto = 0;
        m->maps[i].next = m->free_head;
        m->free_head = i;
    }
    memset(m->buckets, 0xff, sizeof *m->buckets * (m->mask + 1));
    memset(m->ext_buckets, 0xff, sizeof *m->ext_buckets * (m->mask + 1));
    m->count = 0;
}

int nat_maps_init(struct nat_maps *m, uint32_t capacity, const struct siphash_key *key)
{
    uint32_t buckets = 1;

    memset(m, 0, sizeof *m);
    while (buckets < capacity)
        buckets <<= 1;
    m->maps = calloc(capacity, sizeof *m->maps);
    m->buckets = calloc(buckets, sizeof *m->buckets);
    m->ext_buckets = calloc(buckets, sizeof *m->ext_buckets);
    if (!m->maps || !m->buckets || !m->ext_buckets) {
        nat_maps_free(m);
        return -ENOMEM;
    }
    m->capacity = capacity;
    m->mask = buckets - 1;
    m->key = *key;
    nat_maps_flush(m);
    return 0;
}

void nat_maps_free(struct nat_maps *m)
{
    free(m->maps);
    free(m->buckets);
    free(m->ext_buckets);
    memset(m, 0, sizeof *m);
}

struct nat_map *nat_map_find(struct nat_maps *m, uint8_t proto, uint32_t int_addr,
                             uint16_t int_port)
{
    for (uint32_t i = m->buckets[bucket_of(m, proto, int_addr, int_port)]; i != NONE;
         i = m->maps[i].next) {
        struct nat_map *map = &m->maps[i];
        if (map->proto == proto && map->int_addr == int_addr && map->int_port == int_port)
            return map;
    }
    return NULL;
}

struct nat_map *nat_map_owner(const struct nat_maps *m, uint8_t proto, uint16_t ext_port)
{
    for (uint32_t i = m->ext_buckets[ext_bucket_of(m, proto, ext_port)]; i != NONE;
         i = m->maps[i].next_ext) {
        struct nat_map *map = &m->maps[i];
        if (map->proto == proto && map->ext_port == ext_port)
            return (struct nat_map *)map;
    }
    return NULL;
}

static unsigned chain_len(const struct nat_maps *m, uint32_t i, bool ext)
{
    unsigned n = 0;
    for (; i != NONE; i = ext ? m->maps[i].next_ext : m->maps[i].next)
        n++;
    return n;
}

struct nat_map *nat_map_add(struct nat_maps *m, uint8_t proto, uint8_t iface, uint32_t int_addr,
                            uint16_t int_port, uint16_t ext_port)
{
    uint32_t b = bucket_of(m, proto, int_addr, int_port), e = ext_bucket_of(m, proto, ext_port);

    if (nat_map_proto_index(proto) < 0 || m->free_head == NONE || nat_map_owner(m, proto, ext_port) ||
        chain_len(m, m->buckets[b], false) >= NAT_MAP_CHAIN_MAX ||
        chain_len(m, m->ext_buckets[e], true) >= NAT_MAP_CHAIN_MAX)
        return NULL;
    uint32_t i = m->free_head;
    struct nat_map *map = &m->maps[i];
    m->free_head = map->next;
    *map = (struct nat_map){.int_addr = int_addr, .int_port = int_port, .ext_port = ext_port,
                            .proto = proto, .iface = iface, .next = m->buckets[b],
                            .next_ext = m->ext_buckets[e]};
    m->buckets[b] = i;
    m->ext_buckets[e] = i;
    m->count++;
    return map;
}

void nat_map_ref(struct nat_map *map)
{
    map->refs++;
}

void nat_map_unref(struct nat_maps *m, struct nat_map *map)
{
    if (map->refs > 0 && --map->refs > 0)
        return;
    uint32_t i = nat_map_index(m, map);
    uint32_t *link = &m->buckets[bucket_of(m, map->proto, map->int_addr, map->int_port)];
    while (*link != i)
        link = &m->maps[*link].next;
    *link = map->next;
    link = &m->ext_buckets[ext_bucket_of(m, map->proto, map->ext_port)];
    while (*link != i)
        link = &m->maps[*link].next_ext;
    *link = map->next_ext;
    map->proto = 0;
    map->next = m->free_head;
    m->free_head = i;
    m->count--;
}
