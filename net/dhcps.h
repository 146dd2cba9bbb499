/* The DHCP server of one network (RFC 2131, RFC 2132): a lease table with a fixed
 * bound and the server's state machine. Pure: it sees a DHCP message as bytes and
 * the time as a number, and returns the reply's bytes and where to send them; the
 * lwIP glue (lwip-port/dhcps_glue.c) does the I/O. Builds and tests on the host.
 *
 * Addresses are IPv4 in host byte order. Times: every entry point takes now_ms, a
 * 32-bit millisecond clock that may wrap (lwIP's sys_now()); the server extends it
 * to 64 bits internally, so it must be called at least once every 24 days (the glue
 * calls dhcps_tick() every second). A clock that goes backwards is taken as
 * standing still.
 *
 * Policies:
 *  - Clients are known by their client identifier (option 61) when they send one,
 *    else by htype + chaddr. These are the same bytes for the usual client id
 *    (type 1 followed by the MAC), so a client that starts or stops sending that
 *    form keeps its lease.
 *  - A reservation (MAC -> address) always wins: that MAC gets that address, and
 *    the address is never given to anyone else.
 *  - The server is authoritative for its network (the only server there): a
 *    request for an address it has no record of (after a restart of vmgate, say)
 *    is acknowledged if the address is free for that client, else refused with a
 *    NAK, rather than ignored.
 *  - Address choice for a DISCOVER, first that applies: the reservation; the
 *    address the client holds or held (bound, offered, released or expired: a guest
 *    that reboots gets its address back); the address it asks for (option 50) if
 *    that is free; the lowest pool address nobody has ever held; and only when
 *    there is none, the address of the binding that was released or expired the
 *    longest time ago (another client's, which that client then loses).
 *  - Table slots: at most DHCPS_MAX_LEASES entries for pool addresses (offered,
 *    bound, declined, or remembered after release or expiry) plus one per
 *    reservation. A remembered binding holds no address against anyone (see
 *    above), so it has no timeout; it is dropped only when its slot or its address
 *    is needed, oldest first. Offers are held DHCPS_OFFER_HOLD_MS and are not
 *    taken away before that; bound leases run their time.
 *  - DECLINE (the client found the address in use): the address is held from
 *    everyone for the decline hold time (default 10 minutes) and the client loses
 *    its binding. Only the address offered or bound to that client can be
 *    declined. A reserved address cannot be held away from its owner; its DECLINE
 *    is counted and its binding ends, nothing more.
 *  - Reply destinations (RFC 2131 4.1): through a relay (giaddr set, on this
 *    network: others are refused) to the relay's port 67; a NAK otherwise to
 *    255.255.255.255:68; to ciaddr:68 when the client has an address on this
 *    network (renewing, rebinding, inform); everything else to
 *    255.255.255.255:68, whatever the broadcast flag says (every client accepts a
 *    broadcast; a unicast to an address the client does not have yet would need
 *    the glue to bypass ARP).
 *  - Options: 53, 54 always; 51, 58, 59 with a lease; 1 always (a client without
 *    it guesses a classful mask); 61 echoed (RFC 6842); 82 echoed last (RFC 3046);
 *    the others (3, 6, 12, 15, 28) in the order of the client's parameter request
 *    list (55) when it sends one, else all that are configured. A reply never
 *    exceeds the client's maximum message size (option 57, at least 576 bytes
 *    counting IP and UDP headers) nor DHCPS_REPLY_MAX; optional options that do not
 *    fit are left out.
 */
#ifndef VMGATE_DHCPS_H
#define VMGATE_DHCPS_H

#include "dhcp_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCPS_MAX_LEASES        256     /* pool entries per network */
#define DHCPS_MAX_HOSTS         64      /* reservations per network */
#define DHCPS_MAX_DNS           3
#define DHCPS_NAME_MAX          64      /* host names, with their NUL */
#define DHCPS_DOMAIN_MAX        64      /* option 15, with its NUL */
/* Client identifiers up to RFC 4361's longest (type 255, a 4-byte IAID and a DUID
 * of at most 130 bytes); a client sending a longer one is not served. */
#define DHCPS_CLIENT_ID_MAX     135
/* A reply fits in one Ethernet frame: 1500 bytes less IP and UDP headers. */
#define DHCPS_REPLY_MAX         1472
#define DHCPS_OFFER_HOLD_MS     60000u
#define DHCPS_DEFAULT_LEASE_S   86400u  /* one day, as VirtualBox's NAT */
#define DHCPS_MIN_LEASE_S       60u
#define DHCPS_MAX_LEASE_S       (366u * 86400u)
#define DHCPS_DEFAULT_DECLINE_S 600u
#define DHCPS_MAX_DECLINE_S     86400u
/* The pool of a network without an explicit one: NET + 15 up to the last address
 * below broadcast (VirtualBox's layout). */
#define DHCPS_POOL_START_HOST   15
#define DHCPS_BOOT_OPTS_MAX     256

/* A static reservation: this MAC (Ethernet, htype 1) always gets this address. */
struct dhcps_host {
    uint8_t mac[6];
    uint32_t ip;
    char name[DHCPS_NAME_MAX];          /* option 12 for it; "" for none */
};

struct dhcps_config {
    uint32_t server_ip;                 /* ours on this network: option 54, the source */
    uint32_t net;                       /* network address */
    uint8_t prefix;                     /* 8..30 */
    uint32_t pool_first, pool_last;     /* both 0: the default pool */
    uint32_t router;                    /* option 3; 0: none */
    uint32_t dns[DHCPS_MAX_DNS];        /* option 6 */
    unsigned n_dns;
    uint32_t tftp_ip;                   /* another of ours (a NAT network's NET+4), never
                                           leased or reserved; 0: none */
    char domain[DHCPS_DOMAIN_MAX];      /* option 15; "" for none */
    uint16_t mtu;                       /* option 26, the link's MTU; 0: not sent (1500,
                                           Ethernet's own, needs no saying) */
    uint32_t lease_s;                   /* 0: DHCPS_DEFAULT_LEASE_S */
    uint32_t decline_hold_s;            /* 0: DHCPS_DEFAULT_DECLINE_S */
    struct dhcps_host hosts[DHCPS_MAX_HOSTS];
    unsigned n_hosts;
};

/* What a boot policy (PXE, a later module) adds to an OFFER or ACK: next-server,
 * the header's sname and file fields, and options already encoded (code, length,
 * value ...: 66, 67, 43, ...), placed after the standard ones if they fit. Empty
 * (all zero) means nothing. */
struct dhcps_boot {
    uint32_t siaddr;
    uint8_t sname[DHCP_SNAME_LEN];
    uint8_t file[DHCP_FILE_LEN];
    uint8_t opts[DHCPS_BOOT_OPTS_MAX];
    size_t opts_len;
};

/* Called before an OFFER or ACK (leases and INFORM) is built, with the client's
 * request (options 60, 77, 93 ... are readable with dhcp_msg_opt) and the address
 * the reply gives (0 for INFORM). *boot starts empty; the hook fills what it wants.
 * It must not call back into the server. */
typedef void (*dhcps_boot_fn)(void *ctx, const struct dhcp_msg *req, uint32_t yiaddr,
                              struct dhcps_boot *boot);

enum dhcps_lease_state {
    DHCPS_FREE = 0,         /* slot unused (never reported) */
    DHCPS_OFFERED,          /* offered, held for DHCPS_OFFER_HOLD_MS */
    DHCPS_BOUND,            /* acknowledged, until its lease ends */
    DHCPS_RELEASED,         /* given back by the client; remembered for it */
    DHCPS_EXPIRED,          /* lease ran out; remembered for the client */
    DHCPS_DECLINED,         /* address in use by someone unknown; held from all */
};

/* Why a message got no answer (besides the normal silences: RELEASE, and a REQUEST
 * that selects another server). */
enum dhcps_drop {
    DHCPS_DROP_MALFORMED,   /* dhcp_msg_parse refused it (too short or long, no
                             * cookie, bad option lengths, bad overload) */
    DHCPS_DROP_NOT_REQUEST, /* op is not BOOTREQUEST */
    DHCPS_DROP_BOOTP,       /* no message type: plain BOOTP, not served */
    DHCPS_DROP_BAD_TYPE,    /* a type a server does not take (OFFER, ACK, ...) */
    DHCPS_DROP_NO_CLIENT,   /* no usable identity: no chaddr and no client id, or
                             * a client id longer than DHCPS_CLIENT_ID_MAX */
    DHCPS_DROP_FOREIGN,     /* relayed from, or informing about, another network */
    DHCPS_DROP_INCOMPLETE,  /* a REQUEST or DECLINE without the address it must name */
    DHCPS_DROP_NO_LEASE,    /* RELEASE or DECLINE of an address the client does not hold */
    DHCPS_DROP_NO_ROOM,     /* the reply could not be built in the client's limit */
    DHCPS_DROP_REASONS
};

struct dhcps_stats {
    uint64_t rx[DHCP_TYPE_MAX + 1];     /* well-formed requests received, by type */
    uint64_t tx[DHCP_TYPE_MAX + 1];     /* replies built, by type (OFFER, ACK, NAK) */
    uint64_t drops[DHCPS_DROP_REASONS];
    uint64_t req_selecting, req_init_reboot, req_renewing, req_rebinding;
    uint64_t other_server;              /* REQUEST/DECLINE/RELEASE naming another server */
    uint64_t pool_exhausted;            /* a client that could get no address */
    uint64_t declined;                  /* addresses put on hold after a DECLINE */
    uint64_t offers_expired, leases_expired, reclaimed;
    uint64_t hosts_ignored;             /* reservations refused by dhcps_create */
};

/* One lease, as the console and other modules see it. */
struct dhcps_lease_info {
    uint32_t ip;
    enum dhcps_lease_state state;
    uint8_t htype, hlen;
    uint8_t chaddr[DHCP_CHADDR_LEN];
    uint8_t client_id[DHCPS_CLIENT_ID_MAX];
    uint8_t client_id_len;              /* 0: the client sent none */
    char hostname[DHCPS_NAME_MAX];      /* the client's option 12, made printable */
    bool reserved;                      /* the address comes from a reservation */
    uint64_t expires_in_ms;             /* offered, bound, declined: time left; else 0 */
};

/* A reply and where it goes. dst_ip 0xffffffff means the broadcast address on the
 * network's own link; any other destination is an address on the network, so a
 * reply is always sent on the network's own interface. */
struct dhcps_reply {
    uint8_t buf[DHCPS_REPLY_MAX];
    size_t len;
    uint8_t type;                       /* DHCPOFFER, DHCPACK or DHCPNAK */
    uint32_t dst_ip;
    uint16_t dst_port;                  /* 68, or 67 towards a relay */
    bool broadcast;
};

struct dhcps;

/* Creates the server for one network from *cfg (copied). Checks the network
 * (prefix 8..30, server_ip inside it and not its network or broadcast address),
 * the pool (inside the network, first <= last), the lease and decline times
 * (clamped to their bounds). Reservations outside the network, on one of the
 * server's own addresses (server, router, DNS, TFTP), or repeating an earlier one's MAC
 * or address are left out and counted in hosts_ignored. Memory is allocated once,
 * here. Returns 0 and *out, -EINVAL or -ENOMEM. */
int dhcps_create(struct dhcps **out, const struct dhcps_config *cfg, uint32_t now_ms);
void dhcps_destroy(struct dhcps *s);

/* Sets the boot policy hook (NULL for none). */
void dhcps_set_boot_hook(struct dhcps *s, dhcps_boot_fn fn, void *ctx);

/* Handles one message: len bytes at msg, the UDP payload of a datagram to port 67
 * received on this network; to_broadcast says whether it was sent to a broadcast
 * address (it tells a rebinding client from a renewing one). Returns 1 when *reply
 * holds a reply to send, 0 when there is none (the reason counted if it was a
 * drop). Never reads outside [msg, msg + len). Expires what is due first. */
int dhcps_input(struct dhcps *s, const uint8_t *msg, size_t len, bool to_broadcast,
                uint32_t now_ms, struct dhcps_reply *reply);

/* Expires offers, leases and declines whose time has come. Call about once a
 * second; dhcps_input does it too. */
void dhcps_tick(struct dhcps *s, uint32_t now_ms);

/* The lowest address with a bound, unexpired lease, or 0: the guest of this network
 * for port-forwarding rules that name none. */
uint32_t dhcps_first_lease(const struct dhcps *s, uint32_t now_ms);
/* Fills *out with the lease of address ip (any state but free); false if none. */
bool dhcps_lookup(const struct dhcps *s, uint32_t ip, uint32_t now_ms, struct dhcps_lease_info *out);
/* Calls fn for every entry in use, in address order. */
void dhcps_foreach_lease(const struct dhcps *s, uint32_t now_ms,
                         void (*fn)(void *ctx, const struct dhcps_lease_info *l), void *ctx);
/* Entries in use (any state but free); at most DHCPS_MAX_LEASES + DHCPS_MAX_HOSTS. */
unsigned dhcps_lease_count(const struct dhcps *s);

const struct dhcps_stats *dhcps_get_stats(const struct dhcps *s);
/* The configuration as the server runs it (pool and times filled in). */
const struct dhcps_config *dhcps_get_config(const struct dhcps *s);

const char *dhcps_state_name(enum dhcps_lease_state st);
const char *dhcps_drop_name(enum dhcps_drop d);

#endif
