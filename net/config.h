/* vmgate's configuration: the text language (see README, "Configuration") parsed
 * into one plain structure. Pure: no I/O, builds and tests on the host.
 *
 * Addresses are IPv4 in host byte order (10.0.2.15 == 0x0a00020f). */
#ifndef VMGATE_CONFIG_H
#define VMGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_NICS     8
#define CFG_MAX_NATPF    64
#define CFG_MAX_HOSTS    64
#define CFG_MAX_NATNETS  8
#define CFG_MAX_DNS      3
#define CFG_MAX_SWITCHES 8      /* `switch NAME ...` settings: one per network at most */
#define CFG_MAX_TUNNELS  8
#define CFG_NAME_MAX     32     /* names hold at most CFG_NAME_MAX - 1 characters */
#define CFG_STMT_MAX     512    /* one statement, trimmed, at most CFG_STMT_MAX - 1 bytes */
#define CFG_DOMAIN_MAX   64     /* a DNS domain (option 15): at most 63 characters */
#define CFG_FILE_MAX     128    /* a boot file or URL: at most 127 characters (the DHCP
                                   header's file field holds them) */
#define CFG_LEASE_MIN_S  60u
#define CFG_LEASE_MAX_S  (366u * 86400u)

/* The fixed layout of a NAT network or NAT Network NET/PREFIX (VirtualBox's): vmgate
 * answers as the gateway at NET + 2, its DNS relay at NET + 3, its TFTP server at
 * NET + 4 (where VirtualBox's NAT has its TFTP server), and the DHCP pool starts at
 * NET + 15. These three are never a guest's: config_finalize() refuses reservations
 * and port-forwarding rules that name them, and the DHCP server never leases them.
 * The parser keeps NAT prefixes at most /27 so that the pool has room. */
#define CFG_NAT_HOST_GW    2
#define CFG_NAT_HOST_DNS   3
#define CFG_NAT_HOST_TFTP  4
#define CFG_NAT_HOST_POOL  15

enum cfg_nic_role {
    CFG_NIC_UNSET = 0,      /* no statement: config_finalize() applies the default */
    CFG_NIC_WAN,            /* uplink: DHCP client or static address */
    CFG_NIC_NAT,            /* a NAT network of its own (VirtualBox "NAT") */
    CFG_NIC_NATNET,         /* a port of a named NAT Network shared by several NICs */
    CFG_NIC_HOSTONLY,       /* routed to the WAN without NAT */
    CFG_NIC_INTNET,         /* a port of a named internal network (L2 only) */
    CFG_NIC_OFF,            /* cable pulled: the guest sees no carrier */
    CFG_NIC_BRIDGED,        /* a port on the WAN NIC's own segment (VirtualBox's bridged
                             * adapter): its guests take the WAN's addresses */
};

/* What a network's DHCP server hands out beyond the fixed layout, from
 * `dhcp OWNER [lease T] [domain NAME] [pool FIRST LAST]`. Zero (or "") is the
 * default: a lease of one day, no domain, the pool from NET + 15 to the last host. */
struct cfg_dhcp_opts {
    uint32_t lease_s;
    char domain[CFG_DOMAIN_MAX];
    uint32_t pool_first, pool_last;
};

/* A network's PXE policy (net/pxe.h), from `pxe OWNER [bios FILE] [efi FILE]
 * [ipxe FILE|URL] [http FILE|URL]` and `pxe OWNER off`. PXE is on by default on
 * every network vmgate serves DHCP on; a file left "" is the default name
 * (pxelinux.0, bootx64.efi, boot.ipxe; http: the efi file), offered only when
 * that file is in the boot-file root. A statement sets the files it names and
 * keeps the others, and turns PXE on; `off` forgets the files. */
struct cfg_pxe {
    bool off;
    char bios[CFG_FILE_MAX];
    char efi[CFG_FILE_MAX];
    char ipxe[CFG_FILE_MAX];
    char http[CFG_FILE_MAX];
};

/* A switch port's VLANs (`nicN vlan access VID`, `nicN vlan trunk LIST [native VID]`;
 * net/switch.h has what they mean). mode 0 is the default, access in VLAN 1. */
enum cfg_vlan_mode {
    CFG_VLAN_DEFAULT = 0,
    CFG_VLAN_ACCESS,
    CFG_VLAN_TRUNK,
};
struct cfg_vlan {
    enum cfg_vlan_mode mode;
    uint16_t pvid;                  /* access: the VLAN; trunk: native (0: none) */
    uint64_t tagged[64];            /* trunk: bit v of word v/64 for VLAN v (1..4094) */
};

/* A switch's settings (`switch NAME [aging T] [fdb N] [port-fdb N]`), NAME an
 * internal network or a natnetwork; 0 is the default (300 s, 1024 entries, a
 * quarter of them per port). */
struct cfg_switch {
    char name[CFG_NAME_MAX];
    uint32_t aging_s;
    uint32_t fdb;
    uint32_t port_fdb;
};

/* A UDP tunnel (`tunnel NAME udp [sport=P] [dest=ADDR] [dport=P]`, VirtualBox's
 * UDPTunnel: each Ethernet frame one datagram, no header) and the switch it is a
 * port of (`NAME intnet NET`, `NAME natnet NET`). A tunnel statement replaces the
 * endpoints and keeps the attachment, as a NIC's role statement keeps its MTU. */
#define CFG_TUNNEL_SPORT 4444u      /* VirtualBox's defaults */
#define CFG_TUNNEL_DEST  0x7f000001u
#define CFG_TUNNEL_DPORT 4445u
/* A VXLAN tunnel (`tunnel NAME vxlan vni=N remote=ADDR[,ADDR...] [dport=P] [sport=P]`,
 * RFC 7348, net/vxlan.h): the same attachment, the VNI, and the remote VTEPs that
 * flooded frames are replicated to and the only sources accepted; dest is 0. */
#define CFG_VXLAN_PORT    4789u     /* IANA's, RFC 7348 5 (Linux's own default is 8472) */
#define CFG_VXLAN_REMOTES 8
#define CFG_VXLAN_VNI_MAX 0xffffffu
enum cfg_tunnel_kind { CFG_TUNNEL_UDP, CFG_TUNNEL_VXLAN };
struct cfg_tunnel {
    char name[CFG_NAME_MAX];
    enum cfg_tunnel_kind kind;
    uint16_t sport;                 /* vmgate's port */
    uint32_t dest;                  /* udp: the peer, the only source accepted */
    uint16_t dport;
    uint32_t vni;                   /* vxlan: 1..CFG_VXLAN_VNI_MAX */
    uint32_t remote[CFG_VXLAN_REMOTES];
    unsigned n_remotes;
    enum cfg_nic_role role;         /* CFG_NIC_UNSET (attached nowhere), INTNET or NATNET */
    char net_name[CFG_NAME_MAX];
    struct cfg_vlan vlan;           /* `NAME vlan ...`, as a NIC port's */
    bool mss_off;                   /* mss=off: TCP SYNs cross unchanged (net/tcp_mss.h) */
};

struct cfg_nic {
    enum cfg_nic_role role;
    /* WAN: dhcp, or addr/prefix with gw and optional DNS servers.
     * NAT: addr/prefix is the network (10.0.2.0/24); vmgate is .2, DNS .3.
     * HOSTONLY: addr/prefix is vmgate's own address on it (192.168.56.1/24).
     * NATNET: config_finalize() copies the natnetwork's net/prefix and DHCP setting
     * here, so that every NIC with a network can be read the same way. */
    bool dhcp_client;
    uint32_t addr;
    uint8_t prefix;
    uint32_t gw;
    uint32_t dns[CFG_MAX_DNS];
    unsigned n_dns;
    bool net_explicit;              /* addr/prefix given, not defaulted */
    bool dhcp_server;               /* NAT/HOSTONLY: serve DHCP (default on) */
    char net_name[CFG_NAME_MAX];    /* NATNET/INTNET: the network's name */
    uint16_t mtu;                   /* 0: the driver's default (1500) */
    /* INTNET/NATNET: the port's VLANs. Kept across role statements, like the MTU. */
    struct cfg_vlan vlan;
    /* NAT/HOSTONLY: kept across role statements, like the MTU. NATNET: finalize
     * copies the natnetwork's here. */
    struct cfg_dhcp_opts dhcp;
    struct cfg_pxe pxe;             /* the same, for `pxe nicN ...` */
};

/* A port-forwarding rule in VBoxManage's syntax:
 *   name,proto,hostip,hostport,guestip,guestport
 * host_ip 0 means any WAN address; guest_ip 0 means "the guest that leased an
 * address on that network" (the first lease). A rule belongs either to a NIC
 * (`natpf nic1 ...`: nic >= 0, natnet "") or to a NAT Network (`natpf NAME ...`:
 * nic -1, natnet NAME, guest_ip always set). Rule names are unique per owner. */
struct cfg_natpf {
    char name[CFG_NAME_MAX];
    uint8_t proto;                  /* 6 (tcp) or 17 (udp) */
    int nic;                        /* the NAT/NATNET NIC whose guest receives, or -1 */
    char natnet[CFG_NAME_MAX];      /* the NAT Network whose guest receives, or "" */
    uint32_t host_ip;
    uint16_t host_port;
    uint32_t guest_ip;
    uint16_t guest_port;
};

/* A static DHCP reservation: this MAC always gets this address. */
struct cfg_dhcp_host {
    int nic;
    uint8_t mac[6];
    uint32_t ip;
    char name[CFG_NAME_MAX];        /* optional host name (option 12); "" if none */
    char boot[CFG_FILE_MAX];        /* optional boot file or URL for PXE; "" if none
                                       (then NAME.pxe when that file exists) */
};

/* A NAT Network shared by the NICs that name it (`nicN natnet NAME`). */
struct cfg_natnet {
    char name[CFG_NAME_MAX];
    uint32_t net;
    uint8_t prefix;
    bool dhcp_server;
    struct cfg_dhcp_opts dhcp;      /* `dhcp NAME ...`: kept when it is redefined */
    struct cfg_pxe pxe;             /* `pxe NAME ...`: the same */
};

#define CFG_NAT_TIMEOUTS 6           /* net/nat.h's NAT_TIMEOUTS */
#define CFG_NAT_FLOWS_MIN 1024
#define CFG_NAT_FLOWS_MAX (1u << 22)

struct vmgate_config {
    struct cfg_nic nic[CFG_MAX_NICS];
    struct cfg_natpf natpf[CFG_MAX_NATPF];
    unsigned n_natpf;
    struct cfg_dhcp_host host[CFG_MAX_HOSTS];
    unsigned n_hosts;
    struct cfg_natnet natnet[CFG_MAX_NATNETS];
    unsigned n_natnets;
    uint32_t dns[CFG_MAX_DNS];      /* `dns ADDR...`: upstream resolvers for the relay */
    unsigned n_dns;
    char hostname[CFG_NAME_MAX];
    /* `nat timeout NAME SECONDS` (net/nat.h, enum nat_timeout; 0: the default) and
     * `nat flows N` (0: sized from memory). */
    uint32_t nat_timeout[CFG_NAT_TIMEOUTS];
    uint32_t nat_flows;
    struct cfg_switch sw[CFG_MAX_SWITCHES];
    unsigned n_switches;
    struct cfg_tunnel tunnel[CFG_MAX_TUNNELS];
    unsigned n_tunnels;
};

/* Called once per rejected statement: `statement` is the statement's text (trimmed;
 * bytes that are not printable ASCII shown as '?', an overlong statement cut and
 * ending in "..."), `why` a short reason. Both strings live only during the call.
 * Statements dropped by config_finalize() are reported in their canonical form, as
 * config_format() would write them. The rest of the configuration still applies. */
typedef void (*cfg_error_fn)(void *ctx, const char *statement, const char *why);

/* Empties c: no statements, every NIC unset. */
void config_init(struct vmgate_config *c);
/* Parses statements separated by ';' or newlines ('#' starts a comment that runs to
 * the end of the line, across any ';') and applies each valid one to c in order. A
 * statement applies wholly or not at all; a later statement about the same thing
 * wins (a NIC's role, a natnetwork, a reservation for the same MAC on the same NIC,
 * `dns`, `hostname`), except that a natpf rule name may appear only once per NIC or
 * NAT Network. text need not be NUL-terminated: exactly len bytes are read. Can be
 * called several times on the same c to layer sources (file, then command line).
 * err may be NULL. Uses no heap and about 3 KiB of stack (with newlib's vsnprintf
 * on top). Returns the number of rejected statements. */
int config_parse(struct vmgate_config *c, const char *text, size_t len,
                 cfg_error_fn err, void *ctx);
/* Completes c for n_nics present NICs (at most CFG_MAX_NICS count), in this order:
 *  1. settings for NICs at or beyond n_nics are reported and cleared;
 *  2. a natnetwork's DHCP settings are dropped if it serves no DHCP, its pool if
 *     the pool is not inside its network (without network and broadcast address);
 *     a `nicN natnet NAME` naming no declared natnetwork is reported and dropped;
 *     one that does gets the network's address, DHCP switch and settings (its own
 *     `dhcp nicN ...` settings, if different, are reported and replaced);
 *  3. NIC networks (static WAN subnet, NAT, host-only, NAT Network) must not
 *     overlap: walking the NICs in order, a NIC whose network overlaps an earlier
 *     NIC's is reported and its role statement dropped;
 *  4. an unset (or dropped) nic0 becomes `wan dhcp`, any other unset NIC a NAT
 *     network with DHCP;
 *  5. NAT NICs without an explicit network get, in NIC order, the first free
 *     10.0.(2+k).0/24, k = 0, 1, ... (VirtualBox's numbering), skipping subnets that
 *     overlap a NIC network or a declared natnetwork; if none is free the NIC is
 *     reported and turned off;
 *  6. natpf rules and DHCP reservations naming a missing NIC, a NIC of the wrong
 *     role, an undeclared natnetwork, or an address outside the network (or one of
 *     vmgate's own addresses on it) are reported and dropped;
 *  7. `dhcp nicN ...` settings of a NIC that serves no DHCP are reported and dropped,
 *     and a pool that is not inside the NIC's network as in step 2.
 * `pxe OWNER ...` settings follow their network's DHCP settings through these
 * steps: dropped with a NIC that is absent or serves no DHCP (a natnetwork's with
 * `dhcp off`), a port's own replaced by its natnetwork's. Last, `nicN vlan ...` of a
 * NIC that is no switch port (intnet, natnet) is reported and dropped, and so is
 * `switch NAME ...` naming neither an internal network with a port nor a
 * natnetwork; a tunnel's `natnet NET` naming no natnetwork is reported and the
 * tunnel left unattached. 
 * A dropped statement counts as never written, so the NIC falls back to its
 * default. Finalizing twice gives the same result as finalizing once. err may be
 * NULL. */
void config_finalize(struct vmgate_config *c, unsigned n_nics, cfg_error_fn err, void *ctx);

/* Writes the configuration back in the same language, one statement per line, for
 * the NICs below n_nics (rules and reservations are written whatever NIC they name).
 * A NAT NIC whose network was defaulted is written without it (`nic1 nat`) and the
 * network follows as a comment, so that parsing and finalizing the text gives back
 * the same configuration. snprintf's contract: returns the length of the whole text;
 * if that is >= len the text was cut, and buf is NUL-terminated whenever len > 0. */
int config_format(const struct vmgate_config *c, unsigned n_nics, char *buf, size_t len);

/* True when a and b hold the same configuration: compares what the counts say is in
 * use, field by field, so padding and stale array slots do not matter. */
bool config_equal(const struct vmgate_config *a, const struct vmgate_config *b);

/* The keyword of a role as the language writes it ("wan", "nat", ...; "unset"). */
const char *cfg_role_name(enum cfg_nic_role role);

/* Formats an address as dotted quad into buf (at least 16 bytes); returns buf. */
char *cfg_ip4_str(uint32_t addr, char *buf);

/* The console's name of the network a NIC's configuration is for: "natnet NAME"
 * for a NAT Network (which may have no NIC port at all: nic_index -1), else
 * "nicN". At most CFG_LABEL_MAX bytes with the NUL. */
#define CFG_LABEL_MAX (CFG_NAME_MAX + 8)
void cfg_network_label(const struct cfg_nic *n, int nic_index, char *buf, size_t len);

#endif
