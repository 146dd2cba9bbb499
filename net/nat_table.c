/* The bounded flow table (design in nat_table.h). Flows are addressed by index so
 * that links are 4 bytes and the array can be scanned for the console. */
#include "nat_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_parse.h"

#define S(x) ((uint32_t)(x) * 1000u)

/* Timeouts, in ms, per timer class. TCP follows the connection's phase: a handshake
 * gets minutes, an established connection two hours (keepalives are typically sent
 * after two hours), a closing one the time its last segments need. UDP and other
 * protocols keep a short timeout until answered and a longer one after; an echo
 * lives as long as a ping waits. */
const uint32_t nat_timer_ms[NAT_TIMERS] = {
    [NAT_TIMER_TCP_SYN_SENT]    = S(120),
    [NAT_TIMER_TCP_SYN_RECV]    = S(60),
    [NAT_TIMER_TCP_ESTABLISHED] = S(7200),
    [NAT_TIMER_TCP_PICKUP]      = S(60),
    [NAT_TIMER_TCP_FIN_WAIT]    = S(120),
    [NAT_TIMER_TCP_CLOSE_WAIT]  = S(60),
    [NAT_TIMER_TCP_LAST_ACK]    = S(30),
    [NAT_TIMER_TCP_TIME_WAIT]   = S(120),
    [NAT_TIMER_TCP_CLOSE]       = S(10),
    [NAT_TIMER_UDP]             = S(30),
    [NAT_TIMER_UDP_ASSURED]     = S(180),
    [NAT_TIMER_ICMP]            = S(30),
    [NAT_TIMER_OTHER]           = S(30),
    [NAT_TIMER_OTHER_ASSURED]   = S(600),
};

/* --- lists of flow indices ------------------------------------------------------ */

/* The two intrusive doubly linked lists (timer, early drop) differ only in which
 * link fields they use; these take the fields' offsets in struct nat_flow. */
#define LINK(t, i, off) (*(uint32_t *)((char *)&(t)->flows[i] + (off)))

static void list_append(struct nat_table *t, struct nat_list *l, uint32_t i,
                        size_t prev_off, size_t next_off)
{
    LINK(t, i, prev_off) = l->tail;
    LINK(t, i, next_off) = NAT_NONE;
    if (l->tail == NAT_NONE)
        l->head = i;
    else
        LINK(t, l->tail, next_off) = i;
    l->tail = i;
}

static void list_unlink(struct nat_table *t, struct nat_list *l, uint32_t i,
                        size_t prev_off, size_t next_off)
{
    uint32_t prev = LINK(t, i, prev_off), next = LINK(t, i, next_off);

    if (prev == NAT_NONE)
        l->head = next;
    else
        LINK(t, prev, next_off) = next;
    if (next == NAT_NONE)
        l->tail = prev;
    else
        LINK(t, next, prev_off) = prev;
}

#define TIMER_LINKS offsetof(struct nat_flow, timer_prev), offsetof(struct nat_flow, timer_next)
#define EVICT_LINKS offsetof(struct nat_flow, evict_prev), offsetof(struct nat_flow, evict_next)

static void lists_reset(struct nat_table *t)
{
    for (int c = 0; c < NAT_TIMERS; c++)
        t->timers[c] = (struct nat_list){NAT_NONE, NAT_NONE};
    t->evictable = (struct nat_list){NAT_NONE, NAT_NONE};
}

static uint32_t flow_index(const struct nat_table *t, const struct nat_flow *f)
{
    return (uint32_t)(f - t->flows);
}

/* --- hashing --------------------------------------------------------------------- */

static uint32_t key_bucket(const struct nat_table *t, const struct nat_key *k)
{
    uint64_t a = (uint64_t)k->src << 32 | k->dst;
    uint64_t b = (uint64_t)k->sport << 48 | (uint64_t)k->dport << 32 | k->proto;
    return (uint32_t)siphash13_u64x2(&t->key, a, b) & t->mask;
}

/* The key of f on one side (see "Keys" in nat_table.h). */
static struct nat_key flow_key(const struct nat_flow *f, enum nat_side side)
{
    if (side == NAT_OUT)
        return (struct nat_key){f->int_addr, f->rem_addr, f->int_port, f->rem_port, f->proto};
    return (struct nat_key){f->rem_addr, f->ext_addr, f->rem_port, f->ext_port, f->proto};
}

static bool flow_matches(const struct nat_flow *f, enum nat_side side, const struct nat_key *k)
{
    if (f->proto != k->proto)
        return false;
    if (side == NAT_OUT)
        return f->int_addr == k->src && f->rem_addr == k->dst &&
               f->int_port == k->sport && f->rem_port == k->dport;
    return f->rem_addr == k->src && f->ext_addr == k->dst &&
           f->rem_port == k->sport && f->ext_port == k->dport;
}

static uint32_t *bucket_head(struct nat_table *t, enum nat_side side, uint32_t b)
{
    return side == NAT_OUT ? &t->bucket_out[b] : &t->bucket_in[b];
}

static uint32_t *chain_next(struct nat_flow *f, enum nat_side side)
{
    return side == NAT_OUT ? &f->next_out : &f->next_in;
}

/* Walks a bucket's chain: the flow matching k (or NAT_NONE), and the chain's
 * length in *len. */
static uint32_t chain_find(struct nat_table *t, enum nat_side side, const struct nat_key *k,
                           unsigned *len)
{
    uint32_t i = *bucket_head(t, side, key_bucket(t, k));
    unsigned n = 0;

    for (; i != NAT_NONE; i = *chain_next(&t->flows[i], side), n++)
        if (flow_matches(&t->flows[i], side, k))
            break;
    if (len)
        *len = n;
    return i;
}

static void chain_unlink(struct nat_table *t, enum nat_side side, uint32_t i)
{
    struct nat_key k = flow_key(&t->flows[i], side);
    uint32_t *link = bucket_head(t, side, key_bucket(t, &k));

    while (*link != i)
        link = chain_next(&t->flows[*link], side);
    *link = *chain_next(&t->flows[i], side);
}

/* --- creation -------------------------------------------------------------------- */

static void free_all(struct nat_table *t)
{
    t->free_head = NAT_NONE;
    for (uint32_t i = t->capacity; i-- > 0;) {
        t->flows[i].flags = 0;
        t->flows[i].next_out = t->free_head;
        t->free_head = i;
    }
    memset(t->bucket_out, 0xff, sizeof *t->bucket_out * (t->mask + 1));
    memset(t->bucket_in, 0xff, sizeof *t->bucket_in * (t->mask + 1));
    lists_reset(t);
    t->count = 0;
}

/* Contract in nat_table.h. */
int nat_table_init(struct nat_table *t, unsigned capacity, const struct siphash_key *key,
                   struct nat_stats *stats)
{
    uint32_t buckets = 1;

    memset(t, 0, sizeof *t);
    if (capacity == 0 || capacity > NAT_FLOWS_MAX)
        return -EINVAL;
    while (buckets < capacity)
        buckets <<= 1;
    t->flows = calloc(capacity, sizeof *t->flows);
    t->bucket_out = calloc(buckets, sizeof *t->bucket_out);
    t->bucket_in = calloc(buckets, sizeof *t->bucket_in);
    if (!t->flows || !t->bucket_out || !t->bucket_in) {
        nat_table_free(t);
        return -ENOMEM;
    }
    t->mask = buckets - 1;
    t->capacity = capacity;
    t->key = *key;
    t->stats = stats;
    free_all(t);
    return 0;
}

void nat_table_free(struct nat_table *t)
{
    free(t->flows);
    free(t->bucket_out);
    free(t->bucket_in);
    t->flows = NULL;
    t->bucket_out = t->bucket_in = NULL;
}

/* --- removal and expiry ---------------------------------------------------------- */

/* Contract in nat_table.h. */
void nat_table_remove(struct nat_table *t, struct nat_flow *f)
{
    uint32_t i = flow_index(t, f);

    chain_unlink(t, NAT_OUT, i);
    chain_unlink(t, NAT_IN, i);
    list_unlink(t, &t->timers[f->timer], i, TIMER_LINKS);
    if (f->flags & NAT_FLOW_EVICTABLE)
        list_unlink(t, &t->evictable, i, EVICT_LINKS);
    f->flags = 0;
    f->next_out = t->free_head;
    t->free_head = i;
    t->count--;
}

static bool flow_expired(const struct nat_flow *f, uint32_t now)
{
    return nat_time_reached(now, f->expires);
}

static void expire_one(struct nat_table *t, struct nat_flow *f)
{
    nat_table_remove(t, f);
    t->stats->flows_expired++;
}

/* Contract in nat_table.h. */
unsigned nat_table_expire(struct nat_table *t, uint32_t now)
{
    unsigned n = 0;

    for (int c = 0; c < NAT_TIMERS; c++) {
        uint32_t i;
        while ((i = t->timers[c].head) != NAT_NONE && flow_expired(&t->flows[i], now)) {
            expire_one(t, &t->flows[i]);
            n++;
        }
    }
    return n;
}

/* Contract in nat_table.h. */
void nat_table_flush(struct nat_table *t)
{
    free_all(t);
}

/* --- lookup ---------------------------------------------------------------------- */

/* Contract in nat_table.h. */
struct nat_flow *nat_table_find(struct nat_table *t, enum nat_side side,
                                const struct nat_key *k, uint32_t now)
{
    uint32_t i = chain_find(t, side, k, NULL);
    struct nat_flow *f;

    if (i == NAT_NONE)
        return NULL;
    f = &t->flows[i];
    if (flow_expired(f, now)) {
        expire_one(t, f);
        return NULL;
    }
    return f;
}

/* Contract in nat_table.h. */
bool nat_table_in_free(struct nat_table *t, const struct nat_key *k, uint32_t now)
{
    unsigned len;
    uint32_t i = chain_find(t, NAT_IN, k, &len);

    if (i != NAT_NONE) {
        if (!flow_expired(&t->flows[i], now))
            return false;
        expire_one(t, &t->flows[i]);
        len--;
    }
    return len < NAT_CHAIN_MAX;
}

/* --- allocation and insertion ---------------------------------------------------- */

/* The timer-list head that expired longest ago, or NAT_NONE if none has. */
static uint32_t oldest_expired(struct nat_table *t, uint32_t now)
{
    uint32_t best = NAT_NONE;

    for (int c = 0; c < NAT_TIMERS; c++) {
        uint32_t i = t->timers[c].head;
        if (i == NAT_NONE || !flow_expired(&t->flows[i], now))
            continue;
        if (best == NAT_NONE || nat_time_reached(t->flows[best].expires, t->flows[i].expires))
            best = i;
    }
    return best;
}

/* Contract in nat_table.h. */
struct nat_flow *nat_table_get(struct nat_table *t, uint32_t now)
{
    uint32_t i;
    struct nat_flow *f;

    if (t->free_head == NAT_NONE) {
        if ((i = oldest_expired(t, now)) != NAT_NONE) {
            expire_one(t, &t->flows[i]);
        } else if ((i = t->evictable.head) != NAT_NONE) {
            nat_table_remove(t, &t->flows[i]);
            t->stats->flows_evicted++;
        } else {
            return NULL;
        }
    }
    i = t->free_head;
    f = &t->flows[i];
    t->free_head = f->next_out;
    memset(f, 0, sizeof *f);
    return f;
}

/* Contract in nat_table.h. */
void nat_table_release(struct nat_table *t, struct nat_flow *f)
{
    f->flags = 0;
    f->next_out = t->free_head;
    t->free_head = flow_index(t, f);
}

/* Contract in nat_table.h. */
int nat_table_insert(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now)
{
    uint32_t i = flow_index(t, f);
    struct nat_key ko = flow_key(f, NAT_OUT), ki = flow_key(f, NAT_IN);
    unsigned len_out, len_in;
    uint32_t *head;

    chain_find(t, NAT_OUT, &ko, &len_out);
    chain_find(t, NAT_IN, &ki, &len_in);
    if (len_out >= NAT_CHAIN_MAX || len_in >= NAT_CHAIN_MAX) {
        nat_table_release(t, f);
        return -ENOSPC;
    }
    head = bucket_head(t, NAT_OUT, key_bucket(t, &ko));
    f->next_out = *head;
    *head = i;
    head = bucket_head(t, NAT_IN, key_bucket(t, &ki));
    f->next_in = *head;
    *head = i;

    f->flags |= NAT_FLOW_USED;
    f->timer = (uint8_t)timer;
    f->expires = now + nat_timer_ms[timer];
    list_append(t, &t->timers[timer], i, TIMER_LINKS);
    f->flags &= (uint8_t)~NAT_FLOW_EVICTABLE;
    if (!(f->flags & NAT_FLOW_ASSURED))
        nat_table_set_evictable(t, f, true);
    t->count++;
    t->stats->flows_created++;
    return 0;
}

/* --- timers and early drop ------------------------------------------------------- */

/* Contract in nat_table.h. */
void nat_table_touch(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now)
{
    uint32_t i = flow_index(t, f);

    list_unlink(t, &t->timers[f->timer], i, TIMER_LINKS);
    f->timer = (uint8_t)timer;
    f->expires = now + nat_timer_ms[timer];
    list_append(t, &t->timers[timer], i, TIMER_LINKS);
}

/* Contract in nat_table.h. */
void nat_table_set_evictable(struct nat_table *t, struct nat_flow *f, bool evictable)
{
    uint32_t i = flow_index(t, f);

    if (evictable == !!(f->flags & NAT_FLOW_EVICTABLE))
        return;
    if (evictable) {
        list_append(t, &t->evictable, i, EVICT_LINKS);
        f->flags |= NAT_FLOW_EVICTABLE;
    } else {
        list_unlink(t, &t->evictable, i, EVICT_LINKS);
        f->flags &= (uint8_t)~NAT_FLOW_EVICTABLE;
    }
}
