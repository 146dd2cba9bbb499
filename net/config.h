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
#define CFG_NAME_MAX     32

enum cfg_nic_role {
    CFG_NIC_UNSET = 0,      /* no statement: config_finalize() applies the default */
    CFG_NIC_WAN,            /* uplink: DHCP client or static address */
    CFG_NIC_NAT,            /* a NAT network of its own (VirtualBox "NAT") */
    CFG_NIC_NATNET,         /* a port of a named NAT Network shared by several NICs */
    CFG_NIC_HOSTONLY,       /* routed to the WAN without NAT */
    CFG_NIC_INTNET,         /* a port of a named internal network (L2 only) */
    CFG_NIC_OFF,            /* cable pulled: the guest sees no carrier */
};

struct cfg_nic {
    enum cfg_nic_role role;
    /* WAN: dhcp, or addr/prefix with gw and optional DNS servers.
     * NAT: addr/prefix is the network (10.0.2.0/24); vmgate is .2, DNS .3.
     * HOSTONLY: addr/prefix is vmgate's own address on it (192.168.56.1/24). */
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
};

/* A port-forwarding rule in VBoxManage's syntax:
 *   name,proto,hostip,hostport,guestip,guestport
 * host_ip 0 means any WAN address; guest_ip 0 means "the guest that leased an
 * address on that network" (the first lease). */
struct cfg_natpf {
    char name[CFG_NAME_MAX];
    uint8_t proto;                  /* 6 (tcp) or 17 (udp) */
    int nic;                        /* the NAT/NATNET NIC whose guest receives */
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
};

/* A NAT Network shared by the NICs that name it (`nicN natnet NAME`). */
struct cfg_natnet {
    char name[CFG_NAME_MAX];
    uint32_t net;
    uint8_t prefix;
    bool dhcp_server;
};

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
};

/* Called once per rejected statement: `statement` is the statement's text (trimmed),
 * `why` a short reason. The rest of the configuration still applies. */
typedef void (*cfg_error_fn)(void *ctx, const char *statement, const char *why);

void config_init(struct vmgate_config *c);
/* Parses statements separated by ';' or newlines ('#' starts a comment) and applies
 * each valid one to c in order (a later statement about the same thing wins).
 * Returns the number of rejected statements. */
int config_parse(struct vmgate_config *c, const char *text, size_t len,
                 cfg_error_fn err, void *ctx);
/* Fills in defaults for n_nics present NICs: an unset nic0 becomes `wan dhcp`, every
 * other unset NIC a NAT network; NAT NICs without an explicit network get
 * 10.0.(2+k).0/24 for the k-th NAT NIC (VirtualBox's numbering). Reports (through
 * err) statements that refer to NICs that do not exist. */
void config_finalize(struct vmgate_config *c, unsigned n_nics, cfg_error_fn err, void *ctx);

/* Prints the effective configuration in the same language, one statement a line;
 * returns the length written (truncated to len - 1). */
int config_format(const struct vmgate_config *c, unsigned n_nics, char *buf, size_t len);

/* Formats an address as dotted quad into buf (at least 16 bytes); returns buf. */
char *cfg_ip4_str(uint32_t addr, char *buf);

#endif
