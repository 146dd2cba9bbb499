/* The bounded flow table (design in nat_table.h). Flows are addressed by index so
 * that links are 4 bytes and the array can be scanned for the console. */
#include "nat_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_parse.h"

#define S(x) ((uint32_t)(x) * 1000u)

/* The default timeout of each class (nat.h gives the RFCs' floors and the
 * configuration's names): the RFC 5382/4787/5508 defaults, and for protocols the
 * RFCs do not cover a short one until answered and a long one after. */
static const uint32_t default_ms[NAT_TIMERS] = {
    [NAT_TIMER_TCP_OPENING]     = S(240),
    [NAT_TIMER_TCP_ESTABLISHED] = S(7440),
    [NAT_TIMER_TCP_CLOSING]     = S(240),
    [NAT_TIMER_UDP]             = S(300),
    [NAT_TIMER_UDP_DNS]         = S(30),
    [NAT_TIMER_ICMP]            = S(60),
    [NAT_TIMER_OTHER]           = S(30),
    [NAT_TIMER_OTHER_ASSURED]   = S(600),
};

static uint32_t flow_index(const struct nat_table *t, const struct nat_flow *f)
{
    return (uint32_t)(f - t->flows);
}

/* --- the early-drop lists: per interface, oldest first -------------------------- */

static struct nat_acct *acct_of(struct nat_table *t, int iface)
{
    return &t->acct[(unsigned)iface % NAT_IFACES];
}

static struct nat_list *evict_list(struct nat_table *t, const struct nat_flow *f)
{
    struct nat_acct *a = acct_of(t, f->iface);
    return f->evict == NAT_EVICT_CAND ? &a->cand : &a->soft;
}

static void evict_append(struct nat_table *t, uint32_t i)
{
    struct nat_list *l = evict_list(t, &t->flows[i]);

    t->flows[i].evict_prev = l->tail;
    t->flows[i].evict_next = NAT_NONE;
    if (l->tail == NAT_NONE)
        l->head = i;
    else
        t->flows[l->tail].evict_next = i;
    l->tail = i;
}

static void evict_unlink(struct nat_table *t, uint32_t i)
{
    struct nat_list *l = evict_list(t, &t->flows[i]);
    uint32_t prev = t->flows[i].evict_prev, next = t->flows[i].evict_next;

    if (prev == NAT_NONE)
        l->head = next;
    else
        t->flows[prev].evict_next = next;
    if (next == NAT_NONE)
        l->tail = prev;
    else
        t->flows[next].evict_prev = prev;
}

/* --- the timing wheel ------------------------------------------------------------- */

/* Ticks count 1024 ms on the 32-bit millisecond clock: 2^22 of them before it wraps,
 * a multiple of the slot count, so slots follow each other across the wrap too. */
#define TICK_MASK ((1u << (32 - NAT_TICK_SHIFT)) - 1)

static uint32_t tick_of(uint32_t ms)
{
    return ms >> NAT_TICK_SHIFT;
}

static uint32_t slot_of(uint32_t ms)
{
    return tick_of(ms) & (NAT_WHEEL_SLOTS - 1);
}

/* Places flow i in the slot of time `due` (no later than its expiry). */
static void wheel_link(struct nat_table *t, uint32_t i, uint32_t due)
{
    struct nat_flow *f = &t->flows[i];
    uint32_t *head = &t->wheel[slot_of(due)];

    f->due = due;
    f->timer_prev = NAT_NONE;
    f->timer_next = *head;
    if (*head != NAT_NONE)
        t->flows[*head].timer_prev = i;
    *head = i;
}

static void wheel_unlink(struct nat_table *t, uint32_t i)
{
    struct nat_flow *f = &t->flows[i];

    if (f->timer_prev == NAT_NONE)
        t->wheel[slot_of(f->due)] = f->timer_next;
    else
        t->flows[f->timer_prev].timer_next = f->timer_next;
    if (f->timer_next != NAT_NONE)
        t->flows[f->timer_next].timer_prev = f->timer_prev;
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
    memset(t->wheel, 0xff, sizeof *t->wheel * NAT_WHEEL_SLOTS);
    for (unsigned i = 0; i < NAT_IFACES; i++)
        t->acct[i] = (struct nat_acct){0, {NAT_NONE, NAT_NONE}, {NAT_NONE, NAT_NONE}};
    t->active = 0;
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
    t->wheel = calloc(NAT_WHEEL_SLOTS, sizeof *t->wheel);
    if (!t->flows || !t->bucket_out || !t->bucket_in || !t->wheel) {
        nat_table_free(t);
        return -ENOMEM;
    }
    t->mask = buckets - 1;
    t->capacity = capacity;
    t->key = *key;
    t->stats = stats;
    memcpy(t->timer_ms, default_ms, sizeof t->timer_ms);
    free_all(t);
    return 0;
}

void nat_table_free(struct nat_table *t)
{
    free(t->flows);
    free(t->bucket_out);
    free(t->bucket_in);
    free(t->wheel);
    t->flows = NULL;
    t->bucket_out = t->bucket_in = t->wheel = NULL;
}

/* --- removal and expiry ---------------------------------------------------------- */

/* Contract in nat_table.h. */
void nat_table_remove(struct nat_table *t, struct nat_flow *f)
{
    uint32_t i = flow_index(t, f);

    chain_unlink(t, NAT_OUT, i);
    chain_unlink(t, NAT_IN, i);
    wheel_unlink(t, i);
    if (f->evict != NAT_EVICT_NONE)
        evict_unlink(t, i);
    struct nat_acct *a = acct_of(t, f->iface);
    if (--a->flows == 0)
        t->active--;
    if (t->removed)
        t->removed(t->removed_ctx, f);
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

/* Handles one slot at now: removes its expired flows, moves those refreshed since
 * they were placed to the slot of their expiry (which is later: they have not
 * expired), leaves the others (due later within this tick, or, after a long
 * silence, in a later turn of the wheel). Stops after `limit` flows if limit > 0.
 * Returns the number removed. */
static unsigned slot_handle(struct nat_table *t, uint32_t slot, uint32_t now, unsigned limit)
{
    uint32_t i = t->wheel[slot];
    unsigned removed = 0, seen = 0;

    while (i != NAT_NONE && (limit == 0 || seen++ < limit)) {
        struct nat_flow *f = &t->flows[i];
        uint32_t next = f->timer_next;
        if (flow_expired(f, now)) {
            expire_one(t, f);
            removed++;
        } else if (slot_of(f->expires) != slot) {
            wheel_unlink(t, i);
            wheel_link(t, i, f->expires);
        }
        i = next;
    }
    return removed;
}

/* Handles every tick from the cursor to now's (every slot once if that is more
 * than a turn of the wheel); in now's own slot, at most `limit` flows (0: all).
 * A flow moved goes to a slot no earlier than now's, so it is not handled twice
 * in a pass unless it lands in now's slot, where it is left alone. */
static unsigned wheel_advance(struct nat_table *t, uint32_t now, unsigned limit)
{
    uint32_t now_tick = tick_of(now);
    uint32_t gap = (now_tick - t->cursor) & TICK_MASK;
    unsigned removed = 0;

    if (gap >= NAT_WHEEL_SLOTS)
        gap = NAT_WHEEL_SLOTS - 1;
    for (uint32_t k = gap; k > 0; k--)
        removed += slot_handle(t, (now_tick - k) & (NAT_WHEEL_SLOTS - 1), now, 0);
    removed += slot_handle(t, now_tick & (NAT_WHEEL_SLOTS - 1), now, limit);
    t->cursor = now_tick;
    return removed;
}

/* Contract in nat_table.h. */
unsigned nat_table_expire(struct nat_table *t, uint32_t now)
{
    return wheel_advance(t, now, 0);
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

/* Evicts the oldest candidate of a, or else its oldest answered flow other than
 * TCP's. False if it has neither. */
static bool evict_from(struct nat_table *t, struct nat_acct *a)
{
    uint32_t i = a->cand.head != NAT_NONE ? a->cand.head : a->soft.head;

    if (i == NAT_NONE)
        return false;
    nat_table_remove(t, &t->flows[i]);
    t->stats->flows_evicted++;
    return true;
}

/* The interface holding the most flows that has one to give, or NULL. Scanned
 * only when the table is full. */
static struct nat_acct *biggest_giver(struct nat_table *t)
{
    struct nat_acct *best = NULL;

    for (unsigned i = 0; i < NAT_IFACES; i++) {
        struct nat_acct *a = &t->acct[i];
        if ((a->cand.head != NAT_NONE || a->soft.head != NAT_NONE) && (!best || a->flows > best->flows))
            best = a;
    }
    return best;
}

/* Contract in nat_table.h (the policy: "Shares"). */
struct nat_flow *nat_table_get(struct nat_table *t, uint32_t now, int iface)
{
    struct nat_acct *a = acct_of(t, iface);
    uint32_t cap = t->capacity < 4 ? t->capacity : t->capacity - t->capacity / 4;
    uint32_t i;
    struct nat_flow *f;

    if (a->flows >= cap) {
        if (!evict_from(t, a))
            return NULL;
    } else if (t->free_head == NAT_NONE && wheel_advance(t, now, NAT_REUSE_SCAN) == 0) {
        unsigned active = t->active + (a->flows == 0);
        struct nat_acct *victim = a->flows >= t->capacity / active ? a : biggest_giver(t);
        if (!victim || !evict_from(t, victim))
            return NULL;
    }
    i = t->free_head;
    f = &t->flows[i];
    t->free_head = f->next_out;
    memset(f, 0, sizeof *f);
    f->map = NAT_NONE;
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
    f->expires = now + t->timer_ms[timer];
    wheel_link(t, i, f->expires);
    struct nat_acct *a = acct_of(t, f->iface);
    if (a->flows++ == 0)
        t->active++;
    f->evict = NAT_EVICT_NONE;
    nat_table_set_evict(t, f, (f->flags & NAT_FLOW_ASSURED) ? NAT_EVICT_SOFT : NAT_EVICT_CAND);
    t->count++;
    t->stats->flows_created++;
    return 0;
}

/* --- timers and early drop ------------------------------------------------------- */

/* Sets f's expiry, moving it to an earlier slot if its slot would be late. */
static void set_expiry(struct nat_table *t, struct nat_flow *f, uint32_t expires)
{
    f->expires = expires;
    /* The slot may be early (it is found, and the flow moved on, when its tick
     * comes) but never late. */
    if (!nat_time_reached(f->expires, f->due)) {
        uint32_t i = flow_index(t, f);
        wheel_unlink(t, i);
        wheel_link(t, i, f->expires);
    }
}

/* Contract in nat_table.h. */
void nat_table_touch(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now)
{
    f->timer = (uint8_t)timer;
    set_expiry(t, f, now + t->timer_ms[timer]);
}

/* Contract in nat_table.h. */
void nat_table_shorten(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now)
{
    uint32_t when = now + t->timer_ms[timer];

    f->timer = (uint8_t)timer;
    if (!nat_time_reached(when, f->expires))
        set_expiry(t, f, when);
}

/* Contract in nat_table.h. */
void nat_table_set_evict(struct nat_table *t, struct nat_flow *f, enum nat_evict list)
{
    uint32_t i = flow_index(t, f);

    if (list == f->evict)
        return;
    if (f->evict != NAT_EVICT_NONE)
        evict_unlink(t, i);
    f->evict = (uint8_t)list;
    if (list != NAT_EVICT_NONE)
        evict_append(t, i);
}
