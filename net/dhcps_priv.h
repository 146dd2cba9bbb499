/* The DHCP server's insides, shared by its files: dhcps.c (messages and states),
 * dhcps_table.c (the lease table, address choice, expiry, queries) and
 * dhcps_reply.c (building replies). Not for other modules. */
#ifndef VMGATE_DHCPS_PRIV_H
#define VMGATE_DHCPS_PRIV_H

#include "dhcps.h"

#define DHCPS_TABLE_SIZE (DHCPS_MAX_LEASES + DHCPS_MAX_HOSTS)

/* One table entry. An entry belongs to one client (its key) and one address, and
 * the table keeps both unique: no two entries in use share a key or an address.
 * A declined entry has no key: its address is held from everyone. */
struct lease {
    uint8_t state;                      /* enum dhcps_lease_state */
    bool bound_before;                  /* was bound once: a lapsed offer is remembered */
    bool reserved;                      /* ip comes from a reservation */
    bool has_client_id;                 /* key is option 61, not htype + chaddr */
    uint8_t key_len;
    uint8_t key[DHCPS_CLIENT_ID_MAX];
    uint8_t htype, hlen;
    uint8_t chaddr[DHCP_CHADDR_LEN];
    uint32_t ip;
    uint64_t until;                     /* offered, bound, declined: when that ends */
    uint64_t since;                     /* when the entry entered its state */
    char hostname[DHCPS_NAME_MAX];
};

/* Who sent the message being handled. */
struct client {
    uint8_t key_len;
    uint8_t key[DHCPS_CLIENT_ID_MAX];
    bool has_client_id;
    const struct dhcps_host *host;      /* its reservation, or NULL */
};

struct dhcps {
    struct dhcps_config cfg;
    uint32_t mask, bcast;
    uint64_t now;                       /* milliseconds since creation */
    uint32_t last_ms;                   /* the caller's clock at the last update */
    struct lease table[DHCPS_TABLE_SIZE];
    struct dhcps_stats stats;
    dhcps_boot_fn boot_fn;
    void *boot_ctx;
    /* Scratch space for the message in hand, here rather than on the stack. */
    struct dhcp_msg req;
    struct dhcps_boot boot;
};

/* dhcps_table.c */
void table_clock(struct dhcps *s, uint32_t now_ms);
uint64_t table_now(const struct dhcps *s, uint32_t now_ms);
void table_expire(struct dhcps *s);
bool table_in_net(const struct dhcps *s, uint32_t ip);
struct lease *table_find_key(struct dhcps *s, const struct client *c);
struct lease *table_find_ip(struct dhcps *s, uint32_t ip);
bool table_available(struct dhcps *s, uint32_t ip, const struct lease *mine);
struct lease *table_choose(struct dhcps *s, const struct client *c, uint32_t requested);
struct lease *table_claim(struct dhcps *s, const struct client *c, struct lease *l, uint32_t ip);
void table_bind(struct dhcps *s, struct lease *l);
void table_release(struct dhcps *s, struct lease *l, enum dhcps_lease_state st);
void table_decline(struct dhcps *s, struct lease *l);
void table_note_client(struct dhcps *s, struct lease *l, const struct client *c);

/* dhcps_reply.c */
enum reply_kind { REPLY_OFFER, REPLY_ACK_LEASE, REPLY_ACK_INFORM, REPLY_NAK };
int reply_build(struct dhcps *s, enum reply_kind kind, uint32_t yiaddr,
                const struct dhcps_host *host, const char *nak_text, struct dhcps_reply *r);

#endif
