/* The DHCP server's lease table: creation, the clock, finding entries, choosing
 * addresses, state changes, expiry, and the queries other modules use. The
 * policies are stated in dhcps.h; this file is where they are carried out. */
#include "dhcps_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- creation ------------------------------------------------------------------- */

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* True for the addresses that are never a client's: the network and broadcast
 * addresses and the server's own (server id, router, DNS, TFTP). */
static bool is_own_address(const struct dhcps *s, uint32_t ip)
{
    if (ip == s->cfg.net || ip == s->bcast || ip == s->cfg.server_ip || ip == s->cfg.router ||
        (s->cfg.tftp_ip && ip == s->cfg.tftp_ip))
        return true;
    for (unsigned i = 0; i < s->cfg.n_dns; i++)
        if (ip == s->cfg.dns[i])
            return true;
    return false;
}

bool table_in_net(const struct dhcps *s, uint32_t ip)
{
    return (ip & s->mask) == s->cfg.net;
}

/* Copies the reservations that make sense, counting the others. */
static void accept_hosts(struct dhcps *s, const struct dhcps_config *cfg)
{
    s->cfg.n_hosts = 0;
    for (unsigned i = 0; i < cfg->n_hosts; i++) {
        const struct dhcps_host *h = &cfg->hosts[i];
        bool ok = table_in_net(s, h->ip) && !is_own_address(s, h->ip);
        for (unsigned j = 0; ok && j < s->cfg.n_hosts; j++)
            if (s->cfg.hosts[j].ip == h->ip || memcmp(s->cfg.hosts[j].mac, h->mac, 6) == 0)
                ok = false;
        if (!ok) {
            s->stats.hosts_ignored++;
            continue;
        }
        struct dhcps_host *d = &s->cfg.hosts[s->cfg.n_hosts++];
        *d = *h;
        d->name[DHCPS_NAME_MAX - 1] = '\0';
    }
}

/* Contract in dhcps.h. */
int dhcps_create(struct dhcps **out, const struct dhcps_config *cfg, uint32_t now_ms)
{
    if (cfg->prefix < 8 || cfg->prefix > 30 || cfg->n_dns > DHCPS_MAX_DNS ||
        cfg->n_hosts > DHCPS_MAX_HOSTS)
        return -EINVAL;
    uint32_t mask = 0xffffffffu << (32 - cfg->prefix);
    uint32_t net = cfg->net & mask, bcast = net | ~mask;
    if ((cfg->server_ip & mask) != net || cfg->server_ip == net || cfg->server_ip == bcast)
        return -EINVAL;
    uint32_t first = cfg->pool_first, last = cfg->pool_last;
    if (first == 0 && last == 0) {
        first = net + DHCPS_POOL_START_HOST;
        last = bcast - 1;
    }
    if ((first & mask) != net || (last & mask) != net || first > last || first == net ||
        last == bcast)
        return -EINVAL;

    struct dhcps *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->cfg = *cfg;
    s->cfg.net = net;
    s->cfg.pool_first = first;
    s->cfg.pool_last = last;
    s->cfg.domain[DHCPS_DOMAIN_MAX - 1] = '\0';
    s->cfg.lease_s = clamp_u32(cfg->lease_s ? cfg->lease_s : DHCPS_DEFAULT_LEASE_S,
                               DHCPS_MIN_LEASE_S, DHCPS_MAX_LEASE_S);
    s->cfg.decline_hold_s = clamp_u32(cfg->decline_hold_s ? cfg->decline_hold_s
                                                          : DHCPS_DEFAULT_DECLINE_S,
                                      1, DHCPS_MAX_DECLINE_S);
    s->mask = mask;
    s->bcast = bcast;
    s->last_ms = now_ms;
    accept_hosts(s, cfg);
    *out = s;
    return 0;
}

void dhcps_destroy(struct dhcps *s)
{
    free(s);
}

/* --- the clock ------------------------------------------------------------------ */

/* How far now_ms is past the last update; a clock seen going backwards counts as
 * standing still. */
static uint64_t clock_delta(const struct dhcps *s, uint32_t now_ms)
{
    int32_t d = (int32_t)(now_ms - s->last_ms);
    return d > 0 ? (uint64_t)d : 0;
}

void table_clock(struct dhcps *s, uint32_t now_ms)
{
    uint64_t d = clock_delta(s, now_ms);
    if (d) {
        s->now += d;
        s->last_ms = now_ms;
    }
}

uint64_t table_now(const struct dhcps *s, uint32_t now_ms)
{
    return s->now + clock_delta(s, now_ms);
}

/* --- entries -------------------------------------------------------------------- */

static void lease_clear(struct lease *l)
{
    memset(l, 0, sizeof *l);
}

static bool lease_has_client(const struct lease *l)
{
    return l->state != DHCPS_FREE && l->state != DHCPS_DECLINED;
}

static bool lease_remembered(const struct lease *l)
{
    return l->state == DHCPS_RELEASED || l->state == DHCPS_EXPIRED;
}

struct lease *table_find_key(struct dhcps *s, const struct client *c)
{
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
        struct lease *l = &s->table[i];
        if (lease_has_client(l) && l->key_len == c->key_len && memcmp(l->key, c->key, c->key_len) == 0)
            return l;
    }
    return NULL;
}

struct lease *table_find_ip(struct dhcps *s, uint32_t ip)
{
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++)
        if (s->table[i].state != DHCPS_FREE && s->table[i].ip == ip)
            return &s->table[i];
    return NULL;
}

static const struct dhcps_host *host_of_ip(const struct dhcps *s, uint32_t ip)
{
    for (unsigned i = 0; i < s->cfg.n_hosts; i++)
        if (s->cfg.hosts[i].ip == ip)
            return &s->cfg.hosts[i];
    return NULL;
}

/* A pool address that may be handed out at all: inside the pool, not one of the
 * server's own, not reserved for some MAC. */
static bool in_pool(const struct dhcps *s, uint32_t ip)
{
    return ip >= s->cfg.pool_first && ip <= s->cfg.pool_last && !is_own_address(s, ip) &&
           !host_of_ip(s, ip);
}

/* Whether pool address ip may go to the client owning `mine` (NULL: a client with
 * no entry): it is a pool address and nobody else's entry holds it. */
bool table_available(struct dhcps *s, uint32_t ip, const struct lease *mine)
{
    if (!in_pool(s, ip))
        return false;
    const struct lease *holder = table_find_ip(s, ip);
    return !holder || holder == mine;
}

static unsigned pool_entries(const struct dhcps *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++)
        if (s->table[i].state != DHCPS_FREE && !s->table[i].reserved)
            n++;
    return n;
}

/* The pool binding released or expired the longest time ago, other than `not`. */
static struct lease *oldest_remembered(struct dhcps *s, const struct lease *not)
{
    struct lease *best = NULL;
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
        struct lease *l = &s->table[i];
        if (l != not && lease_remembered(l) && !l->reserved && (!best || l->since < best->since))
            best = l;
    }
    return best;
}

/* The lowest pool address no entry holds, or 0. The loop ends early whenever the
 * pool is larger than what can be blocked (entries, reservations and the server's
 * own addresses: a few hundred), so it is bounded by that, not by the pool. */
static uint32_t lowest_never_held(struct dhcps *s)
{
    for (uint32_t ip = s->cfg.pool_first;; ip++) {
        if (in_pool(s, ip) && !table_find_ip(s, ip))
            return ip;
        if (ip == s->cfg.pool_last)
            return 0;
    }
}

/* A free slot for a new entry. Pool clients are held to DHCPS_MAX_LEASES entries,
 * beyond which the oldest remembered binding gives up its slot; reservations have
 * slots of their own (one entry per reserved address), so they always find one. */
static struct lease *take_slot(struct dhcps *s, bool reserved)
{
    if (!reserved && pool_entries(s) >= DHCPS_MAX_LEASES) {
        struct lease *victim = oldest_remembered(s, NULL);
        if (!victim)
            return NULL;
        lease_clear(victim);
        s->stats.reclaimed++;
        return victim;
    }
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++)
        if (s->table[i].state == DHCPS_FREE)
            return &s->table[i];
    return NULL;
}

/* Contract in dhcps_priv.h: makes l (or, if NULL, a new entry) hold ip for client
 * c, taking ip from any other entry that held it (the callers only do that for a
 * reservation, whose address belongs to its MAC, and for a reclaimed binding). A
 * new entry starts in the OFFERED state without a deadline; the caller sets the
 * state. Returns the entry (not always l: use the result), or NULL when there is
 * no slot. */
struct lease *table_claim(struct dhcps *s, const struct client *c, struct lease *l, uint32_t ip)
{
    bool reserved = c->host && c->host->ip == ip;
    /* An entry leaving its reservation for a pool address (its client id now
     * comes with another MAC) must count against the pool's bound like a new one. */
    if (l && l->reserved && !reserved) {
        lease_clear(l);
        l = NULL;
    }
    struct lease *other = table_find_ip(s, ip);
    if (other && other != l)
        lease_clear(other);
    if (!l) {
        l = take_slot(s, reserved);
        if (!l)
            return NULL;
        l->state = DHCPS_OFFERED;
        l->since = s->now;
    }
    l->key_len = c->key_len;
    memcpy(l->key, c->key, c->key_len);
    l->has_client_id = c->has_client_id;
    l->ip = ip;
    l->reserved = reserved;
    return l;
}

/* Contract in dhcps_priv.h: the entry client c should be offered, its address
 * chosen by the order in dhcps.h, or NULL when there is none to give. */
struct lease *table_choose(struct dhcps *s, const struct client *c, uint32_t requested)
{
    struct lease *l = table_find_key(s, c);

    if (c->host)
        return table_claim(s, c, l, c->host->ip);
    if (l && table_available(s, l->ip, l))
        return l;
    uint32_t ip = 0;
    if (requested && table_available(s, requested, l))
        ip = requested;
    if (!ip)
        ip = lowest_never_held(s);
    if (!ip) {
        struct lease *victim = oldest_remembered(s, l);
        if (!victim)
            return NULL;
        ip = victim->ip;
        lease_clear(victim);
        s->stats.reclaimed++;
    }
    return table_claim(s, c, l, ip);
}

void table_bind(struct dhcps *s, struct lease *l)
{
    l->state = DHCPS_BOUND;
    l->bound_before = true;
    l->since = s->now;
    l->until = s->now + (uint64_t)s->cfg.lease_s * 1000;
}

/* Ends an offer or a binding: a client that was ever bound is remembered in state
 * st (RELEASED or EXPIRED), one that only had an offer is forgotten. */
void table_release(struct dhcps *s, struct lease *l, enum dhcps_lease_state st)
{
    if (!l->bound_before) {
        lease_clear(l);
        return;
    }
    l->state = (uint8_t)st;
    l->since = s->now;
    l->until = 0;
}

/* Puts l's address on hold from everyone: the entry loses its client. */
void table_decline(struct dhcps *s, struct lease *l)
{
    l->state = DHCPS_DECLINED;
    l->key_len = 0;
    l->has_client_id = false;
    l->bound_before = false;
    l->hostname[0] = '\0';
    l->since = s->now;
    l->until = s->now + (uint64_t)s->cfg.decline_hold_s * 1000;
}

/* Copies what the console shows about the client from the message in hand: its
 * hardware address and its host name (option 12), made printable. */
void table_note_client(struct dhcps *s, struct lease *l, const struct client *c)
{
    const struct dhcp_hdr *h = &s->req.hdr;
    l->htype = h->htype;
    l->hlen = h->hlen;
    memcpy(l->chaddr, h->chaddr, DHCP_CHADDR_LEN);
    size_t n;
    const uint8_t *name = dhcp_msg_opt(&s->req, DHCP_OPT_HOST_NAME, &n);
    if (!name)
        return;
    size_t o = 0;
    for (size_t i = 0; i < n && o < DHCPS_NAME_MAX - 1 && name[i]; i++)
        l->hostname[o++] = name[i] > 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
    l->hostname[o] = '\0';
}

void table_expire(struct dhcps *s)
{
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
        struct lease *l = &s->table[i];
        if (l->until == 0 || l->until > s->now)
            continue;
        switch (l->state) {
        case DHCPS_OFFERED:
            s->stats.offers_expired++;
            table_release(s, l, DHCPS_EXPIRED);
            break;
        case DHCPS_BOUND:
            s->stats.leases_expired++;
            table_release(s, l, DHCPS_EXPIRED);
            break;
        case DHCPS_DECLINED:
            lease_clear(l);
            break;
        default:
            break;
        }
    }
}

void dhcps_tick(struct dhcps *s, uint32_t now_ms)
{
    table_clock(s, now_ms);
    table_expire(s);
}

/* --- queries -------------------------------------------------------------------- */

/* The state l is in at time now, whether or not expiry has run since. */
static enum dhcps_lease_state state_at(const struct lease *l, uint64_t now)
{
    if (l->until && l->until <= now) {
        if (l->state == DHCPS_DECLINED)
            return DHCPS_FREE;
        if (l->state == DHCPS_OFFERED || l->state == DHCPS_BOUND)
            return l->bound_before ? DHCPS_EXPIRED : DHCPS_FREE;
    }
    return (enum dhcps_lease_state)l->state;
}

static void fill_info(const struct lease *l, uint64_t now, struct dhcps_lease_info *out)
{
    memset(out, 0, sizeof *out);
    out->ip = l->ip;
    out->state = state_at(l, now);
    out->htype = l->htype;
    out->hlen = l->hlen;
    memcpy(out->chaddr, l->chaddr, DHCP_CHADDR_LEN);
    if (l->has_client_id) {
        out->client_id_len = l->key_len;
        memcpy(out->client_id, l->key, l->key_len);
    }
    memcpy(out->hostname, l->hostname, DHCPS_NAME_MAX);
    out->reserved = l->reserved;
    if (l->until > now && out->state != DHCPS_RELEASED && out->state != DHCPS_EXPIRED)
        out->expires_in_ms = l->until - now;
}

uint32_t dhcps_first_lease(const struct dhcps *s, uint32_t now_ms)
{
    uint64_t now = table_now(s, now_ms);
    uint32_t best = 0;
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
        const struct lease *l = &s->table[i];
        if (state_at(l, now) == DHCPS_BOUND && (!best || l->ip < best))
            best = l->ip;
    }
    return best;
}

bool dhcps_lookup(const struct dhcps *s, uint32_t ip, uint32_t now_ms, struct dhcps_lease_info *out)
{
    uint64_t now = table_now(s, now_ms);
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
        const struct lease *l = &s->table[i];
        if (l->ip == ip && state_at(l, now) != DHCPS_FREE) {
            fill_info(l, now, out);
            return true;
        }
    }
    return false;
}

/* In address order: walks up from the lowest address, each step finding the next
 * higher one (addresses are unique in the table). Quadratic in the table size,
 * which is fixed and small; this is for the console, not the packet path. */
void dhcps_foreach_lease(const struct dhcps *s, uint32_t now_ms,
                         void (*fn)(void *ctx, const struct dhcps_lease_info *l), void *ctx)
{
    uint64_t now = table_now(s, now_ms);
    struct dhcps_lease_info info;
    bool first = true;
    uint32_t prev = 0;

    for (;;) {
        const struct lease *next = NULL;
        for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++) {
            const struct lease *l = &s->table[i];
            if (state_at(l, now) == DHCPS_FREE || (!first && l->ip <= prev))
                continue;
            if (!next || l->ip < next->ip)
                next = l;
        }
        if (!next)
            return;
        fill_info(next, now, &info);
        fn(ctx, &info);
        prev = next->ip;
        first = false;
    }
}

unsigned dhcps_lease_count(const struct dhcps *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DHCPS_TABLE_SIZE; i++)
        if (s->table[i].state != DHCPS_FREE)
            n++;
    return n;
}

const struct dhcps_stats *dhcps_get_stats(const struct dhcps *s)
{
    return &s->stats;
}

const struct dhcps_config *dhcps_get_config(const struct dhcps *s)
{
    return &s->cfg;
}

void dhcps_set_boot_hook(struct dhcps *s, dhcps_boot_fn fn, void *ctx)
{
    s->boot_fn = fn;
    s->boot_ctx = ctx;
}

const char *dhcps_state_name(enum dhcps_lease_state st)
{
    static const char *const names[] = { "free", "offered", "bound", "released", "expired", "declined" };
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

const char *dhcps_drop_name(enum dhcps_drop d)
{
    static const char *const names[DHCPS_DROP_REASONS] = {
        "malformed", "not a request", "bootp", "bad type", "no client id",
        "foreign network", "incomplete", "no such lease", "no room for reply",
    };
    return (unsigned)d < DHCPS_DROP_REASONS ? names[d] : "?";
}
