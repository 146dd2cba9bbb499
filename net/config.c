/* The configuration language's parser: splits untrusted text into statements, checks
 * each one completely, and only then applies it, so a rejected statement leaves no
 * trace. The checks that need the whole configuration (which NICs exist, which
 * natnetworks are declared, overlaps) are in config_finalize.c.
 *
 * Rules that are ours rather than VirtualBox's, and why:
 *  - NAT networks (`nat`, `natnetwork`) are /8../27 network addresses: /27 is the
 *    smallest that holds the gateway .2, the DNS relay .3 and a DHCP pool from .15;
 *    larger than /8 would hide most of the Internet from the guests behind it.
 *  - A host-only address is /8../30 and neither the network's first nor its last
 *    address (there must be room for a guest).
 *  - A static WAN address is /1../32 and not its subnet's network or broadcast
 *    address (/31 and /32 have neither); the gateway lies in that subnet, except
 *    on a /32, where it is on-link by definition of the setup.
 *  - Every address a host would hold must be outside 0/8, 127/8 and 224/3.
 *  - Names are [A-Za-z0-9._-] and short; "nicN" is not a natnetwork name, because
 *    `natpf nicN` must mean the NIC. Host names (hostname, dhcp host name) follow
 *    RFC 1123 (letters, digits, inner hyphens and dots).
 *  - Numbers and dotted quads have one spelling: decimal, no sign, no leading zero
 *    (which other parsers read as octal), so what is accepted is what is printed.
 *  - Two natpf rules may not listen on the same protocol and host port where their
 *    host addresses overlap (one of them "any", or both equal): the later one could
 *    never receive anything, so it is refused rather than silently shadowed.
 *  - A DHCP reservation for a MAC already reserved on that NIC replaces it (last
 *    wins); one for an address already reserved there for another MAC is refused.
 *  - Boot files (`pxe`, `dhcp ... boot`) are relative paths in the one form the
 *    TFTP and HTTP servers look up, at most 127 characters (the DHCP header's file
 *    field); URLs only where the client fetches them itself (iPXE, HTTP Boot).
 *  - VLAN IDs are 1..4094 (802.1Q: 0 marks a priority tag, 4095 is reserved); a
 *    trunk's list names each VLAN once and never its native VLAN, so that each
 *    VLAN has one meaning on the port (tagged or untagged, not both).
 *  - Keywords are lower case; MAC hex digits may be either case. */
#include "config_priv.h"
#include "nat.h"
#include "switch.h"

#include <stddef.h>
#include <string.h>

#define PROTO_TCP 6
#define PROTO_UDP 17

void config_init(struct vmgate_config *c)
{
    memset(c, 0, sizeof *c);
}

/* --- shared checks ------------------------------------------------------------ */

/* `dhcp on|off` at w[i], w[i+1]; advances *i past it. */
static bool parse_dhcp_switch(struct cfg_stmt *s, unsigned *i, bool *on)
{
    const char *v = *i + 1 < s->n ? s->w[*i + 1] : "";

    if (strcmp(v, "on") == 0)
        *on = true;
    else if (strcmp(v, "off") == 0)
        *on = false;
    else
        return cfg_fail(s, "dhcp must be followed by on or off");
    *i += 2;
    return true;
}

/* A NAT network (for `nat` and `natnetwork`): see the rules at the top. */
static bool check_nat_net(struct cfg_stmt *s, uint32_t net, uint8_t prefix)
{
    char a[16], b[16];

    if (prefix < 8 || prefix > 27)
        return cfg_fail(s, "NAT network prefix must be 8..27");
    if (net & ~ip4_prefix_mask(prefix))
        return cfg_fail(s, "%s/%u is not a network address (%s/%u is)", cfg_ip4_str(net, a),
                        prefix, cfg_ip4_str(net & ip4_prefix_mask(prefix), b), prefix);
    if (!cfg_is_host_addr(net))
        return cfg_fail(s, "%s/%u is not a unicast network", cfg_ip4_str(net, a), prefix);
    return true;
}

/* An address vmgate itself holds on addr/prefix: usable as a host and, where the
 * subnet has them (/30 and larger), not its network or broadcast address. */
static bool check_own_addr(struct cfg_stmt *s, uint32_t addr, uint8_t prefix)
{
    char a[16];
    uint32_t host = addr & ~ip4_prefix_mask(prefix);

    if (!cfg_is_host_addr(addr))
        return cfg_fail(s, "%s is not a unicast host address", cfg_ip4_str(addr, a));
    if (prefix <= 30 && host == 0)
        return cfg_fail(s, "%s is the network address of its /%u", cfg_ip4_str(addr, a), prefix);
    if (prefix <= 30 && host == ~ip4_prefix_mask(prefix))
        return cfg_fail(s, "%s is the broadcast address of its /%u", cfg_ip4_str(addr, a), prefix);
    return true;
}

/* One address word that must be a host's address (gateway, DNS server). */
static bool parse_host_ip(struct cfg_stmt *s, const char *w, uint32_t *out)
{
    char a[16];

    if (!cfg_scan_ip4(w, out))
        return cfg_fail(s, "bad address '%.*s'", CFG_QUOTE_MAX, w);
    if (!cfg_is_host_addr(*out))
        return cfg_fail(s, "%s is not a unicast host address", cfg_ip4_str(*out, a));
    return true;
}

/* --- nicN ... ------------------------------------------------------------------ */

/* The WAN's `dns A[,B[,C]]`: a comma-separated list in one word. An empty item
 * ("a,,b", a trailing comma) is a bad address, not skipped. */
static bool parse_dns_list(struct cfg_stmt *s, const char *list, struct cfg_nic *n)
{
    for (const char *p = list;; ) {
        char one[CFG_STMT_MAX];
        size_t len = strcspn(p, ",");
        if (n->n_dns == CFG_MAX_DNS)
            return cfg_fail(s, "too many dns servers (max %d)", CFG_MAX_DNS);
        memcpy(one, p, len);
        one[len] = '\0';
        if (!parse_host_ip(s, one, &n->dns[n->n_dns++]))
            return false;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

/* `wan dhcp` or `wan ADDR/PREFIX gw GW [dns DNS[,DNS...]]` (gw and dns in any
 * order, each once). */
static bool parse_wan(struct cfg_stmt *s, struct cfg_nic *n)
{
    bool have_gw = false, have_dns = false;
    char a[16], b[16];

    n->role = CFG_NIC_WAN;
    if (s->n < 3)
        return cfg_fail(s, "wan needs dhcp or ADDR/PREFIX gw GW");
    if (strcmp(s->w[2], "dhcp") == 0) {
        if (s->n > 3)
            return cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, s->w[3]);
        n->dhcp_client = true;
        return true;
    }
    if (!cfg_scan_cidr(s, s->w[2], &n->addr, &n->prefix))
        return false;
    if (n->prefix == 0)
        return cfg_fail(s, "WAN prefix must be 1..32");
    if (!check_own_addr(s, n->addr, n->prefix))
        return false;
    for (unsigned i = 3; i < s->n; i += 2) {
        const char *key = s->w[i], *val = i + 1 < s->n ? s->w[i + 1] : NULL;
        if (strcmp(key, "gw") == 0 && !have_gw) {
            if (!val)
                return cfg_fail(s, "gw needs an address");
            if (!parse_host_ip(s, val, &n->gw))
                return false;
            have_gw = true;
        } else if (strcmp(key, "dns") == 0 && !have_dns) {
            if (!val)
                return cfg_fail(s, "dns needs an address");
            if (!parse_dns_list(s, val, n))
                return false;
            have_dns = true;
        } else if (strcmp(key, "gw") == 0 || strcmp(key, "dns") == 0) {
            return cfg_fail(s, "'%s' given twice", key);
        } else {
            return cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, key);
        }
    }
    if (!have_gw)
        return cfg_fail(s, "a static WAN needs gw GW");
    if (n->gw == n->addr)
        return cfg_fail(s, "gateway %s is the WAN address itself", cfg_ip4_str(n->gw, a));
    if (n->prefix < 32 && !cfg_in_net(n->gw, n->addr, n->prefix))
        return cfg_fail(s, "gateway %s is not in %s/%u", cfg_ip4_str(n->gw, a),
                        cfg_ip4_str(n->addr, b), n->prefix);
    if (n->prefix < 32 && !check_own_addr(s, n->gw, n->prefix))
        return cfg_fail(s, "gateway %s is not a host address of %s/%u",
                        cfg_ip4_str(n->gw, a), cfg_ip4_str(n->addr, b), n->prefix);
    return true;
}

/* `nat [NET/PREFIX] [dhcp on|off]` and `hostonly ADDR/PREFIX [dhcp on|off]`. */
static bool parse_nat_or_hostonly(struct cfg_stmt *s, struct cfg_nic *n, bool hostonly)
{
    unsigned i = 2;

    n->role = hostonly ? CFG_NIC_HOSTONLY : CFG_NIC_NAT;
    n->dhcp_server = true;
    if (i < s->n && strcmp(s->w[i], "dhcp") != 0) {
        if (!cfg_scan_cidr(s, s->w[i], &n->addr, &n->prefix))
            return false;
        n->net_explicit = true;
        i++;
    }
    if (hostonly && !n->net_explicit)
        return cfg_fail(s, "hostonly needs ADDR/PREFIX (vmgate's own address)");
    if (i < s->n && strcmp(s->w[i], "dhcp") == 0 && !parse_dhcp_switch(s, &i, &n->dhcp_server))
        return false;
    if (i < s->n)
        return cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, s->w[i]);
    if (!n->net_explicit)
        return true;
    if (!hostonly)
        return check_nat_net(s, n->addr, n->prefix);
    if (n->prefix < 8 || n->prefix > 30)
        return cfg_fail(s, "host-only prefix must be 8..30");
    return check_own_addr(s, n->addr, n->prefix);
}

/* `natnet NAME` and `intnet NAME`: the name is resolved (natnet) at finalize. */
static bool parse_named_port(struct cfg_stmt *s, struct cfg_nic *n, enum cfg_nic_role role)
{
    n->role = role;
    if (s->n > 3)
        return cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, s->w[3]);
    if (role == CFG_NIC_NATNET && s->n == 3 && cfg_is_nic_word(s->w[2]))
        return cfg_fail(s, "'%.*s' is a NIC, not a natnetwork", CFG_QUOTE_MAX, s->w[2]);
    return cfg_scan_name(s, s->n == 3 ? s->w[2] : "", "network name", n->net_name);
}

/* One VLAN ID: 1..4094 (0 is a priority tag's, 4095 reserved: 802.1Q). */
static bool parse_vid(struct cfg_stmt *s, const char *w, uint16_t *out)
{
    uint32_t v;

    if (!cfg_scan_uint(w, 1, SWITCH_VID_MAX, &v))
        return cfg_fail(s, "bad VLAN ID '%.*s' (1..4094)", CFG_QUOTE_MAX, w);
    *out = (uint16_t)v;
    return true;
}

/* A trunk's VLANs: "10", "10,20", "100-199,300": items separated by commas, each a
 * VLAN ID or a range FIRST-LAST (FIRST < LAST), no VLAN twice. */
static bool parse_vid_list(struct cfg_stmt *s, const char *list, uint64_t bits[64])
{
    memset(bits, 0, 64 * sizeof bits[0]);
    for (const char *p = list;; ) {
        char item[CFG_STMT_MAX], *dash;
        size_t len = strcspn(p, ",");
        uint16_t first = 0, last;
        memcpy(item, p, len);
        item[len] = '\0';
        dash = strchr(item, '-');
        if (dash)
            *dash = '\0';
        if (!parse_vid(s, item, &first))
            return false;
        last = first;
        if (dash) {
            if (!parse_vid(s, dash + 1, &last))
                return false;
            if (last <= first)
                return cfg_fail(s, "VLAN range %u-%u does not run upwards", first, last);
        }
        for (unsigned v = first; v <= last; v++) {
            if (switch_vid_test(bits, v))
                return cfg_fail(s, "VLAN %u listed twice", v);
            switch_vid_set(bits, v);
        }
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

/* `vlan access VID` or `vlan trunk LIST [native VID]` (w[1] is "vlan"). Whether the
 * NIC is a switch port is known only at finalize. */
static bool parse_vlan(struct cfg_stmt *s, struct cfg_vlan *out)
{
    struct cfg_vlan v;

    memset(&v, 0, sizeof v);
    if (s->n >= 3 && strcmp(s->w[2], "access") == 0) {
        if (s->n != 4)
            return cfg_fail(s, "vlan access needs one VLAN ID");
        v.mode = CFG_VLAN_ACCESS;
        if (!parse_vid(s, s->w[3], &v.pvid))
            return false;
    } else if (s->n >= 3 && strcmp(s->w[2], "trunk") == 0) {
        if (s->n != 4 && s->n != 6)
            return cfg_fail(s, "vlan trunk needs a list of VLANs (10,20-22) [native VID]");
        v.mode = CFG_VLAN_TRUNK;
        if (!parse_vid_list(s, s->w[3], v.tagged))
            return false;
        if (s->n == 6) {
            if (strcmp(s->w[4], "native") != 0)
                return cfg_fail(s, "unexpected '%.*s' (native)", CFG_QUOTE_MAX, s->w[4]);
            if (!parse_vid(s, s->w[5], &v.pvid))
                return false;
            if (switch_vid_test(v.tagged, v.pvid))
                return cfg_fail(s, "native VLAN %u is also in the tagged list", v.pvid);
        }
    } else {
        return cfg_fail(s, "vlan needs access VID, or trunk LIST [native VID]");
    }
    *out = v;
    return true;
}

/* `nicN ROLE ...`, `nicN mtu N` and `nicN vlan ...`. The new role is built in a
 * blank cfg_nic and copied over the old one only when it is complete: that is what
 * makes a role statement replace the previous one wholly, keeping only the MTU, the
 * VLANs, the DHCP server's and the PXE settings (statements of their own). */
static bool parse_nic_statement(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_nic n;
    const char *what;
    int nic;
    bool ok;

    if (!cfg_scan_nic(s, s->w[0], &nic))
        return false;
    if (s->n < 2)
        return cfg_fail(s, "nic%d: missing setting (wan, nat, natnet, hostonly, intnet, bridged, off, mtu, vlan)", nic);
    what = s->w[1];
    memset(&n, 0, sizeof n);
    n.mtu = c->nic[nic].mtu;
    n.vlan = c->nic[nic].vlan;
    n.dhcp = c->nic[nic].dhcp;
    n.pxe = c->nic[nic].pxe;

    if (strcmp(what, "mtu") == 0) {
        uint32_t mtu;
        if (s->n != 3)
            return cfg_fail(s, "mtu needs one number");
        if (!cfg_scan_uint(s->w[2], 68, 9000, &mtu))
            return cfg_fail(s, "mtu must be 68..9000");
        c->nic[nic].mtu = (uint16_t)mtu;
        return true;
    }
    if (strcmp(what, "vlan") == 0)
        return parse_vlan(s, &c->nic[nic].vlan);
    if (strcmp(what, "wan") == 0)
        ok = parse_wan(s, &n);
    else if (strcmp(what, "nat") == 0)
        ok = parse_nat_or_hostonly(s, &n, false);
    else if (strcmp(what, "hostonly") == 0)
        ok = parse_nat_or_hostonly(s, &n, true);
    else if (strcmp(what, "natnet") == 0)
        ok = parse_named_port(s, &n, CFG_NIC_NATNET);
    else if (strcmp(what, "intnet") == 0)
        ok = parse_named_port(s, &n, CFG_NIC_INTNET);
    else if (strcmp(what, "off") == 0 || strcmp(what, "bridged") == 0) {
        n.role = what[0] == 'o' ? CFG_NIC_OFF : CFG_NIC_BRIDGED;
        ok = s->n == 2 || cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, s->w[2]);
    } else
        return cfg_fail(s, "nic%d: unknown setting '%.*s'", nic, CFG_QUOTE_MAX, what);
    if (ok)
        c->nic[nic] = n;
    return ok;
}

/* --- natnetwork NAME NET/PREFIX [dhcp on|off] ----------------------------------- */

static struct cfg_natnet *natnet_find(struct vmgate_config *c, const char *name)
{
    for (unsigned i = 0; i < c->n_natnets; i++)
        if (strcmp(c->natnet[i].name, name) == 0)
            return &c->natnet[i];
    return NULL;
}

/* Declares a NAT Network, or redefines one of the same name in place. */
static bool parse_natnetwork(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_natnet nn;
    struct cfg_natnet *slot;
    unsigned i = 3;

    memset(&nn, 0, sizeof nn);
    nn.dhcp_server = true;
    if (s->n < 3)
        return cfg_fail(s, "natnetwork needs NAME NET/PREFIX");
    if (cfg_is_nic_word(s->w[1]))
        return cfg_fail(s, "'%.*s' is a NIC name and cannot name a natnetwork",
                        CFG_QUOTE_MAX, s->w[1]);
    if (!cfg_scan_name(s, s->w[1], "natnetwork name", nn.name))
        return false;
    if (!cfg_scan_cidr(s, s->w[2], &nn.net, &nn.prefix) || !check_nat_net(s, nn.net, nn.prefix))
        return false;
    if (i < s->n && strcmp(s->w[i], "dhcp") == 0 && !parse_dhcp_switch(s, &i, &nn.dhcp_server))
        return false;
    if (i < s->n)
        return cfg_fail(s, "unexpected '%.*s'", CFG_QUOTE_MAX, s->w[i]);
    slot = natnet_find(c, nn.name);
    if (!slot) {
        if (c->n_natnets == CFG_MAX_NATNETS)
            return cfg_fail(s, "too many natnetworks (max %d)", CFG_MAX_NATNETS);
        slot = &c->natnet[c->n_natnets++];
    } else {
        nn.dhcp = slot->dhcp;
        nn.pxe = slot->pxe;
    }
    *slot = nn;
    return true;
}

/* --- natpf OWNER RULE ------------------------------------------------------------ */

/* Splits rule into exactly six fields at sep, into field[] (NUL-terminated copies
 * in store, which is as large as a statement). */
static bool split_rule(const char *rule, char sep, char *store, const char *field[6])
{
    unsigned n = 0;

    strcpy(store, rule);
    field[n++] = store;
    for (char *p = store; *p; p++) {
        if (*p != sep)
            continue;
        if (n == 6)
            return false;
        *p = '\0';
        field[n++] = p + 1;
    }
    return n == 6;
}

/* An optional address field of a rule: empty (or 0.0.0.0) means "any"/"unset". In
 * the colon form it is bracketed, as VBoxManage natnetwork writes it. */
static bool parse_rule_ip(struct cfg_stmt *s, const char *f, bool bracketed, const char *what,
                          uint32_t *out)
{
    char a[16], inner[16];
    size_t len = strlen(f);

    if (bracketed && len >= 2 && f[0] == '[' && f[len - 1] == ']') {
        if (len - 2 >= sizeof inner)
            return cfg_fail(s, "bad %s '%.*s'", what, CFG_QUOTE_MAX, f);
        memcpy(inner, f + 1, len - 2);
        inner[len - 2] = '\0';
        f = inner;
    }
    *out = 0;
    if (*f == '\0')
        return true;
    if (!cfg_scan_ip4(f, out))
        return cfg_fail(s, "bad %s '%.*s'", what, CFG_QUOTE_MAX, f);
    if (*out != 0 && !cfg_is_host_addr(*out))
        return cfg_fail(s, "%s %s is not a unicast host address", what, cfg_ip4_str(*out, a));
    return true;
}

static bool same_owner(const struct cfg_natpf *a, const struct cfg_natpf *b)
{
    return a->nic == b->nic && strcmp(a->natnet, b->natnet) == 0;
}

/* `natpf nicN name,proto,hostip,hostport,guestip,guestport` or
 * `natpf NATNET ...` (which also takes name:proto:[hostip]:hostport:[guestip]:guestport).
 * Two rules may not share a name under one owner, nor listen on the same host port
 * and protocol on overlapping host addresses: the second could never receive. */
static bool parse_natpf(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_natpf r;
    char store[CFG_STMT_MAX], a[16];
    const char *f[6];
    const char *rule;
    bool colon;
    uint32_t port;

    memset(&r, 0, sizeof r);
    if (s->n != 3)
        return cfg_fail(s, "natpf needs nicN or a natnetwork, then one rule");
    if (cfg_is_nic_word(s->w[1])) {
        if (!cfg_scan_nic(s, s->w[1], &r.nic))
            return false;
    } else {
        r.nic = -1;
        if (!cfg_scan_name(s, s->w[1], "natnetwork name", r.natnet))
            return false;
    }
    rule = s->w[2];
    colon = strchr(rule, ',') == NULL && strchr(rule, ':') != NULL;
    if (colon && r.nic >= 0)
        return cfg_fail(s, "the name:proto:[hostip]:hostport:[guestip]:guestport form is "
                        "for natnetworks; use name,proto,hostip,hostport,guestip,guestport");
    if (!split_rule(rule, colon ? ':' : ',', store, f))
        return cfg_fail(s, colon ? "bad rule: expected name:proto:[hostip]:hostport:[guestip]:guestport"
                                 : "bad rule: expected name,proto,hostip,hostport,guestip,guestport");
    if (!cfg_scan_name(s, f[0], "rule name", r.name))
        return false;
    if (strcmp(f[1], "tcp") == 0)
        r.proto = PROTO_TCP;
    else if (strcmp(f[1], "udp") == 0)
        r.proto = PROTO_UDP;
    else
        return cfg_fail(s, "bad protocol '%.*s' (tcp or udp)", CFG_QUOTE_MAX, f[1]);
    if (!parse_rule_ip(s, f[2], colon, "host IP", &r.host_ip))
        return false;
    if (!cfg_scan_uint(f[3], 1, 65535, &port))
        return cfg_fail(s, "bad host port '%.*s' (1..65535)", CFG_QUOTE_MAX, f[3]);
    r.host_port = (uint16_t)port;
    if (!parse_rule_ip(s, f[4], colon, "guest IP", &r.guest_ip))
        return false;
    if (!cfg_scan_uint(f[5], 1, 65535, &port))
        return cfg_fail(s, "bad guest port '%.*s' (1..65535)", CFG_QUOTE_MAX, f[5]);
    r.guest_port = (uint16_t)port;
    if (r.nic < 0 && r.guest_ip == 0)
        return cfg_fail(s, "a natnetwork rule needs a guest IP");

    for (unsigned i = 0; i < c->n_natpf; i++) {
        const struct cfg_natpf *o = &c->natpf[i];
        if (same_owner(o, &r) && strcmp(o->name, r.name) == 0)
            return cfg_fail(s, "duplicate natpf rule name '%s'", r.name);
        if (o->proto == r.proto && o->host_port == r.host_port &&
            (o->host_ip == r.host_ip || o->host_ip == 0 || r.host_ip == 0))
            return cfg_fail(s, "%s port %u on %s is already forwarded by rule '%s'",
                            r.proto == PROTO_TCP ? "tcp" : "udp", r.host_port,
                            r.host_ip ? cfg_ip4_str(r.host_ip, a) : "any address", o->name);
    }
    if (c->n_natpf == CFG_MAX_NATPF)
        return cfg_fail(s, "too many natpf rules (max %d)", CFG_MAX_NATPF);
    c->natpf[c->n_natpf++] = r;
    return true;
}

/* --- dhcp nicN host MAC IP [name NAME] [boot FILE] ------------------------------- */

/* A reservation for a MAC already reserved on the same NIC replaces that one in
 * place; an address already reserved there for another MAC is refused. name and
 * boot come in either order, each once. */
static bool parse_dhcp_host(struct vmgate_config *c, struct cfg_stmt *s, int nic)
{
    struct cfg_dhcp_host h;
    struct cfg_dhcp_host *slot = NULL;
    char a[16];
    bool have_name = false, have_boot = false;

    memset(&h, 0, sizeof h);
    h.nic = nic;
    if (s->n != 5 && s->n != 7 && s->n != 9)
        return cfg_fail(s, "dhcp host needs MAC IP [name NAME] [boot FILE]");
    if (!cfg_scan_mac(s->w[3], h.mac))
        return cfg_fail(s, "bad MAC '%.*s' (aa:bb:cc:dd:ee:ff)", CFG_QUOTE_MAX, s->w[3]);
    if (h.mac[0] & 1)
        return cfg_fail(s, "%s is a multicast MAC", s->w[3]);
    if (!(h.mac[0] | h.mac[1] | h.mac[2] | h.mac[3] | h.mac[4] | h.mac[5]))
        return cfg_fail(s, "%s is not a NIC's MAC", s->w[3]);
    if (!parse_host_ip(s, s->w[4], &h.ip))
        return false;
    for (unsigned i = 5; i + 1 < s->n; i += 2) {
        if (strcmp(s->w[i], "name") == 0 && !have_name) {
            if (!cfg_scan_hostname(s, s->w[i + 1], h.name))
                return false;
            have_name = true;
        } else if (strcmp(s->w[i], "boot") == 0 && !have_boot) {
            if (!cfg_scan_bootfile(s, s->w[i + 1], "boot", true, h.boot))
                return false;
            have_boot = true;
        } else if (strcmp(s->w[i], "name") == 0 || strcmp(s->w[i], "boot") == 0) {
            return cfg_fail(s, "'%s' given twice", s->w[i]);
        } else {
            return cfg_fail(s, "unexpected '%.*s' (name, boot)", CFG_QUOTE_MAX, s->w[i]);
        }
    }
    for (unsigned i = 0; i < c->n_hosts; i++) {
        struct cfg_dhcp_host *o = &c->host[i];
        if (o->nic != h.nic)
            continue;
        if (memcmp(o->mac, h.mac, 6) == 0)
            slot = o;
        else if (o->ip == h.ip)
            return cfg_fail(s, "%s is already reserved on nic%d for %02x:%02x:%02x:%02x:%02x:%02x",
                            cfg_ip4_str(h.ip, a), h.nic, o->mac[0], o->mac[1], o->mac[2],
                            o->mac[3], o->mac[4], o->mac[5]);
    }
    if (!slot) {
        if (c->n_hosts == CFG_MAX_HOSTS)
            return cfg_fail(s, "too many dhcp hosts (max %d)", CFG_MAX_HOSTS);
        slot = &c->host[c->n_hosts++];
    }
    *slot = h;
    return true;
}

/* --- dhcp OWNER [lease T] [domain NAME] [pool FIRST LAST] ------------------------- */

/* The settings are checked against the network at finalize (which network a NIC
 * has is only known then); here, each key once, and well-formed values. Settings
 * not named keep their earlier values, so they can be given one at a time. */
static bool parse_dhcp_opts(struct cfg_stmt *s, struct cfg_dhcp_opts *d)
{
    struct cfg_dhcp_opts n = *d;
    unsigned seen = 0;
    char a[16], b[16];

    for (unsigned i = 2; i < s->n; ) {
        const char *key = s->w[i];
        unsigned bit = strcmp(key, "lease") == 0 ? 1 : strcmp(key, "domain") == 0 ? 2
                     : strcmp(key, "pool") == 0 ? 4 : 0;
        unsigned need = bit == 4 ? 2 : 1;
        if (!bit)
            return cfg_fail(s, "unexpected '%.*s' (lease, domain, pool%s)", CFG_QUOTE_MAX, key,
                            i == 2 ? " or host" : "");
        if (seen & bit)
            return cfg_fail(s, "'%s' given twice", key);
        seen |= bit;
        if (i + need >= s->n)
            return cfg_fail(s, "%s needs %s", key, bit == 1 ? "a time (3600, 90m, 12h, 7d)"
                                                : bit == 2 ? "a domain name" : "FIRST LAST");
        if (bit == 1 && !cfg_scan_duration(s->w[i + 1], CFG_LEASE_MIN_S, CFG_LEASE_MAX_S, &n.lease_s))
            return cfg_fail(s, "lease must be 60s..366d ('%.*s')", CFG_QUOTE_MAX, s->w[i + 1]);
        if (bit == 2 && !cfg_scan_domain(s, s->w[i + 1], n.domain))
            return false;
        if (bit == 4) {
            if (!parse_host_ip(s, s->w[i + 1], &n.pool_first) ||
                !parse_host_ip(s, s->w[i + 2], &n.pool_last))
                return false;
            if (n.pool_first > n.pool_last)
                return cfg_fail(s, "pool %s..%s runs backwards", cfg_ip4_str(n.pool_first, a),
                                cfg_ip4_str(n.pool_last, b));
        }
        i += 1 + need;
    }
    *d = n;
    return true;
}

/* `dhcp nicN host ...` or `dhcp OWNER settings...`: OWNER is a NIC or an already
 * declared natnetwork (its settings live in its declaration). */
static bool parse_dhcp(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_natnet *nn;
    int nic;

    if (s->n < 3)
        return cfg_fail(s, "dhcp needs nicN host MAC IP, or OWNER lease|domain|pool ...");
    if (cfg_is_nic_word(s->w[1])) {
        if (!cfg_scan_nic(s, s->w[1], &nic))
            return false;
        if (strcmp(s->w[2], "host") == 0)
            return parse_dhcp_host(c, s, nic);
        return parse_dhcp_opts(s, &c->nic[nic].dhcp);
    }
    if (strcmp(s->w[2], "host") == 0)
        return cfg_fail(s, "dhcp host takes a NIC (a reservation on any port of a NAT Network is the network's)");
    nn = natnet_find(c, s->w[1]);
    if (!nn)
        return cfg_fail(s, "no natnetwork '%.*s' declared before", CFG_QUOTE_MAX, s->w[1]);
    return parse_dhcp_opts(s, &nn->dhcp);
}

/* --- pxe OWNER [bios F] [efi F] [ipxe F] [http F] | pxe OWNER off ---------------- */

/* Each file once; files not named keep their earlier values (as `dhcp OWNER`'s
 * settings do), and the statement turns PXE on. bios and efi are fetched by a
 * firmware's TFTP client, so they are file names; iPXE and HTTP Boot take URLs.
 * Whether OWNER serves DHCP is checked at finalize, where roles are final. */
static bool parse_pxe_opts(struct cfg_stmt *s, struct cfg_pxe *p)
{
    static const struct { const char *key; bool url_ok; size_t off; } keys[] = {
        { "bios", false, offsetof(struct cfg_pxe, bios) },
        { "efi", false, offsetof(struct cfg_pxe, efi) },
        { "ipxe", true, offsetof(struct cfg_pxe, ipxe) },
        { "http", true, offsetof(struct cfg_pxe, http) },
    };
    struct cfg_pxe n = *p;
    unsigned seen = 0;

    if (s->n == 3 && strcmp(s->w[2], "off") == 0) {
        memset(p, 0, sizeof *p);
        p->off = true;
        return true;
    }
    n.off = false;
    for (unsigned i = 2; i < s->n; i += 2) {
        unsigned k = 0;
        while (k < 4 && strcmp(s->w[i], keys[k].key) != 0)
            k++;
        if (k == 4)
            return cfg_fail(s, "unexpected '%.*s' (bios, efi, ipxe, http, or off alone)",
                            CFG_QUOTE_MAX, s->w[i]);
        if (seen & (1u << k))
            return cfg_fail(s, "'%s' given twice", keys[k].key);
        seen |= 1u << k;
        if (i + 1 >= s->n)
            return cfg_fail(s, "%s needs a file name", keys[k].key);
        if (!cfg_scan_bootfile(s, s->w[i + 1], keys[k].key, keys[k].url_ok,
                               (char *)&n + keys[k].off))
            return false;
    }
    *p = n;
    return true;
}

/* `pxe OWNER ...`: OWNER is a NIC or an already declared natnetwork. */
static bool parse_pxe(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_natnet *nn;
    int nic;

    if (s->n < 2)
        return cfg_fail(s, "pxe needs OWNER [bios F] [efi F] [ipxe F] [http F], or OWNER off");
    if (cfg_is_nic_word(s->w[1])) {
        if (!cfg_scan_nic(s, s->w[1], &nic))
            return false;
        return parse_pxe_opts(s, &c->nic[nic].pxe);
    }
    nn = natnet_find(c, s->w[1]);
    if (!nn)
        return cfg_fail(s, "no natnetwork '%.*s' declared before", CFG_QUOTE_MAX, s->w[1]);
    return parse_pxe_opts(s, &nn->pxe);
}

/* --- dns ADDR...; hostname NAME ------------------------------------------------- */

static bool parse_dns(struct vmgate_config *c, struct cfg_stmt *s)
{
    uint32_t dns[CFG_MAX_DNS];

    if (s->n < 2)
        return cfg_fail(s, "dns needs at least one address");
    if (s->n - 1 > CFG_MAX_DNS)
        return cfg_fail(s, "too many dns servers (max %d)", CFG_MAX_DNS);
    for (unsigned i = 1; i < s->n; i++)
        if (!parse_host_ip(s, s->w[i], &dns[i - 1]))
            return false;
    memset(c->dns, 0, sizeof c->dns);
    memcpy(c->dns, dns, (s->n - 1) * sizeof dns[0]);
    c->n_dns = s->n - 1;
    return true;
}

static bool parse_hostname(struct vmgate_config *c, struct cfg_stmt *s)
{
    char name[CFG_NAME_MAX];

    if (s->n != 2)
        return cfg_fail(s, "hostname needs one name");
    if (!cfg_scan_hostname(s, s->w[1], name))
        return false;
    memcpy(c->hostname, name, sizeof name);
    return true;
}

/* --- nat timeout NAME SECONDS; nat flows N ------------------------------------- */

/* `tcp-transitory` sets both of RFC 7857 2.1's transitory timeouts, the opening
 * and the closing one. */
static bool parse_nat(struct vmgate_config *c, struct cfg_stmt *s)
{
    uint32_t v;

    if (s->n == 3 && strcmp(s->w[1], "flows") == 0) {
        if (!cfg_scan_uint(s->w[2], CFG_NAT_FLOWS_MIN, CFG_NAT_FLOWS_MAX, &v))
            return cfg_fail(s, "nat flows must be %u..%u", CFG_NAT_FLOWS_MIN, CFG_NAT_FLOWS_MAX);
        c->nat_flows = v;
        return true;
    }
    if (s->n != 4 || strcmp(s->w[1], "timeout") != 0)
        return cfg_fail(s, "nat takes: timeout NAME SECONDS, or flows N");
    bool transitory = strcmp(s->w[2], "tcp-transitory") == 0;
    int which = -1;
    for (int t = 0; t < NAT_TIMEOUTS && which < 0; t++)
        if (strcmp(s->w[2], nat_timeout_name((enum nat_timeout)t)) == 0)
            which = t;
    if (transitory)
        which = NAT_TIMEOUT_TCP_OPENING;
    if (which < 0)
        return cfg_fail(s, "%.*s: no such timeout (tcp-established, tcp-transitory, tcp-opening, "
                        "tcp-closing, udp, udp-dns, icmp)", CFG_QUOTE_MAX, s->w[2]);
    uint32_t floor = nat_timeout_floor((enum nat_timeout)which);
    if (!cfg_scan_uint(s->w[3], floor, NAT_TIMEOUT_MAX_S, &v))
        return cfg_fail(s, "nat timeout %s must be %u..%u seconds (the IETF's floor: docs/NAT.md)",
                        s->w[2], floor, NAT_TIMEOUT_MAX_S);
    c->nat_timeout[which] = v;
    if (transitory)
        c->nat_timeout[NAT_TIMEOUT_TCP_CLOSING] = v;
    return true;
}

/* --- switch NAME [aging T] [fdb N] [port-fdb N] ----------------------------------- */

/* A switch's settings, for an internal network or a natnetwork (resolved at
 * finalize: intnets are named only by their ports). Keys not named keep their
 * earlier values, as `dhcp OWNER`'s do; the per-port limit may not exceed the
 * table's. */
static bool parse_switch(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_switch n, *slot = NULL;
    unsigned seen = 0;
    char name[CFG_NAME_MAX];

    if (s->n < 4)
        return cfg_fail(s, "switch needs NAME and aging T, fdb N or port-fdb N");
    if (cfg_is_nic_word(s->w[1]))
        return cfg_fail(s, "'%.*s' is a NIC; switch takes a network's name", CFG_QUOTE_MAX, s->w[1]);
    if (!cfg_scan_name(s, s->w[1], "network name", name))
        return false;
    for (unsigned i = 0; i < c->n_switches; i++)
        if (strcmp(c->sw[i].name, name) == 0)
            slot = &c->sw[i];
    if (slot) {
        n = *slot;
    } else {
        memset(&n, 0, sizeof n);
        memcpy(n.name, name, sizeof name);
    }
    for (unsigned i = 2; i < s->n; i += 2) {
        const char *key = s->w[i], *val = i + 1 < s->n ? s->w[i + 1] : NULL;
        unsigned bit = strcmp(key, "aging") == 0 ? 1 : strcmp(key, "fdb") == 0 ? 2
                     : strcmp(key, "port-fdb") == 0 ? 4 : 0;
        if (!bit)
            return cfg_fail(s, "unexpected '%.*s' (aging, fdb, port-fdb)", CFG_QUOTE_MAX, key);
        if (seen & bit)
            return cfg_fail(s, "'%s' given twice", key);
        seen |= bit;
        if (!val)
            return cfg_fail(s, "%s needs %s", key, bit == 1 ? "a time (300, 5m)" : "a number");
        if (bit == 1 && !cfg_scan_duration(val, SWITCH_AGING_MIN_MS / 1000, SWITCH_AGING_MAX_MS / 1000,
                                           &n.aging_s))
            return cfg_fail(s, "aging must be 1s..1d ('%.*s')", CFG_QUOTE_MAX, val);
        if (bit == 2 && !cfg_scan_uint(val, SWITCH_FDB_MIN, SWITCH_FDB_LIMIT, &n.fdb))
            return cfg_fail(s, "fdb must be %u..%u", SWITCH_FDB_MIN, SWITCH_FDB_LIMIT);
        if (bit == 4 && !cfg_scan_uint(val, 1, SWITCH_FDB_LIMIT, &n.port_fdb))
            return cfg_fail(s, "port-fdb must be 1..%u", SWITCH_FDB_LIMIT);
    }
    uint32_t fdb = n.fdb ? n.fdb : SWITCH_FDB_DEFAULT;
    if (n.port_fdb > fdb)
        return cfg_fail(s, "port-fdb %u is more than the table's %u entries", (unsigned)n.port_fdb,
                        (unsigned)fdb);
    if (!slot) {
        if (c->n_switches == CFG_MAX_SWITCHES)
            return cfg_fail(s, "too many switch statements (max %d)", CFG_MAX_SWITCHES);
        slot = &c->sw[c->n_switches++];
    }
    *slot = n;
    return true;
}

/* --- tunnel NAME udp|vxlan KEY=VALUE...; NAME intnet|natnet NET ---------------------- */

static struct cfg_tunnel *tunnel_find(struct vmgate_config *c, const char *name)
{
    for (unsigned i = 0; i < c->n_tunnels; i++)
        if (strcmp(c->tunnel[i].name, name) == 0)
            return &c->tunnel[i];
    return NULL;
}

/* Words that begin statements of their own cannot name a tunnel. */
static bool is_keyword(const char *w)
{
    static const char *const kw[] = {"natnetwork", "natpf", "dhcp", "pxe", "dns", "hostname",
                                     "nat", "switch", "tunnel"};
    for (unsigned i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp(w, kw[i]) == 0)
            return true;
    return cfg_is_nic_word(w) || strncmp(w, "nic", 3) == 0;
}

/* A port for sport= or dport=: 1..65535. */
static bool parse_port(struct cfg_stmt *s, const char *key, const char *val, uint16_t *out)
{
    uint32_t v;
    if (!cfg_scan_uint(val, 1, 65535, &v))
        return cfg_fail(s, "%s must be a port 1..65535 ('%.*s')", key, CFG_QUOTE_MAX, val);
    *out = (uint16_t)v;
    return true;
}

/* One host's address for dest= or remote=: not 0, broadcast or multicast. */
static bool host_addr(uint32_t a)
{
    return a != 0 && a != 0xffffffffu && (a >> 28) != 0xe;
}

/* remote=ADDR[,ADDR...]: up to CFG_VXLAN_REMOTES host addresses, none twice. */
static bool parse_remotes(struct cfg_stmt *s, const char *val, struct cfg_tunnel *t)
{
    const char *p = val;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char one[16];
        uint32_t a;
        if (n == 0 || n >= sizeof one)
            return cfg_fail(s, "remote must be IPv4 addresses joined by ',' ('%.*s')", CFG_QUOTE_MAX, val);
        memcpy(one, p, n);
        one[n] = '\0';
        if (!cfg_scan_ip4(one, &a))
            return cfg_fail(s, "remote must be IPv4 addresses joined by ',' ('%.*s')", CFG_QUOTE_MAX, val);
        if (!host_addr(a))
            return cfg_fail(s, "remote %s is not one host's address", one);
        for (unsigned i = 0; i < t->n_remotes; i++)
            if (t->remote[i] == a)
                return cfg_fail(s, "remote %s given twice", one);
        if (t->n_remotes == CFG_VXLAN_REMOTES)
            return cfg_fail(s, "too many remotes (max %d)", CFG_VXLAN_REMOTES);
        t->remote[t->n_remotes++] = a;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

/* A tunnel's KEY=VALUE words: for udp VirtualBox's UDPTunnel parameters, its
 * defaults for those not given; for vxlan vni= and remote= (both needed) and the
 * ports, 4789 unless given. A tunnel redefined keeps its attachment; two tunnels
 * may not share a local port. */
static bool parse_tunnel(struct vmgate_config *c, struct cfg_stmt *s)
{
    struct cfg_tunnel t, *slot;
    unsigned seen = 0;
    enum { K_SPORT = 1, K_DEST = 2, K_DPORT = 4, K_VNI = 8, K_REMOTE = 16, K_MSS = 32 };

    if (s->n < 3)
        return cfg_fail(s, "tunnel needs NAME udp|vxlan [KEY=VALUE ...]");
    if (is_keyword(s->w[1]))
        return cfg_fail(s, "'%.*s' cannot name a tunnel", CFG_QUOTE_MAX, s->w[1]);
    memset(&t, 0, sizeof t);
    if (!cfg_scan_name(s, s->w[1], "tunnel name", t.name))
        return false;
    if (strcmp(s->w[2], "udp") == 0) {
        t.kind = CFG_TUNNEL_UDP;
        t.sport = CFG_TUNNEL_SPORT;
        t.dest = CFG_TUNNEL_DEST;
        t.dport = CFG_TUNNEL_DPORT;
    } else if (strcmp(s->w[2], "vxlan") == 0) {
        t.kind = CFG_TUNNEL_VXLAN;
        t.sport = CFG_VXLAN_PORT;
        t.dport = CFG_VXLAN_PORT;
    } else {
        return cfg_fail(s, "unknown tunnel type '%.*s' (udp, vxlan)", CFG_QUOTE_MAX, s->w[2]);
    }
    bool vx = t.kind == CFG_TUNNEL_VXLAN;
    const char *keys = vx ? "vni=N, remote=ADDR[,ADDR...], dport=PORT, sport=PORT, mss=clamp|off"
                          : "sport=PORT, dest=ADDR, dport=PORT, mss=clamp|off";
    for (unsigned i = 3; i < s->n; i++) {
        const char *w = s->w[i], *eq = strchr(w, '=');
        size_t klen = eq ? (size_t)(eq - w) : strlen(w);
        unsigned bit = klen == 5 && strncmp(w, "sport", 5) == 0 ? K_SPORT
                     : klen == 5 && strncmp(w, "dport", 5) == 0 ? K_DPORT
                     : !vx && klen == 4 && strncmp(w, "dest", 4) == 0 ? K_DEST
                     : vx && klen == 3 && strncmp(w, "vni", 3) == 0 ? K_VNI
                     : vx && klen == 6 && strncmp(w, "remote", 6) == 0 ? K_REMOTE
                     : klen == 3 && strncmp(w, "mss", 3) == 0 ? K_MSS : 0;
        if (!bit || !eq)
            return cfg_fail(s, "unexpected '%.*s' (%s)", CFG_QUOTE_MAX, w, keys);
        if (seen & bit)
            return cfg_fail(s, "'%.*s' given twice", (int)klen, w);
        seen |= bit;
        if (bit == K_SPORT && !parse_port(s, "sport", eq + 1, &t.sport))
            return false;
        if (bit == K_DPORT && !parse_port(s, "dport", eq + 1, &t.dport))
            return false;
        if (bit == K_DEST && !cfg_scan_ip4(eq + 1, &t.dest))
            return cfg_fail(s, "dest must be an IPv4 address ('%.*s')", CFG_QUOTE_MAX, eq + 1);
        if (bit == K_DEST && !host_addr(t.dest))
            return cfg_fail(s, "dest must be one host's address");
        if (bit == K_VNI && !cfg_scan_uint(eq + 1, 1, CFG_VXLAN_VNI_MAX, &t.vni))
            return cfg_fail(s, "vni must be 1..16777215 ('%.*s')", CFG_QUOTE_MAX, eq + 1);
        if (bit == K_REMOTE && !parse_remotes(s, eq + 1, &t))
            return false;
        if (bit == K_MSS) {
            if (strcmp(eq + 1, "off") != 0 && strcmp(eq + 1, "clamp") != 0)
                return cfg_fail(s, "mss must be clamp or off ('%.*s')", CFG_QUOTE_MAX, eq + 1);
            t.mss_off = eq[1] == 'o';
        }
    }
    if (vx && !(seen & K_VNI))
        return cfg_fail(s, "tunnel %.*s vxlan needs vni=N", CFG_NAME_MAX - 1, t.name);
    if (vx && !(seen & K_REMOTE))
        return cfg_fail(s, "tunnel %.*s vxlan needs remote=ADDR[,ADDR...]", CFG_NAME_MAX - 1, t.name);
    slot = tunnel_find(c, t.name);
    for (unsigned i = 0; i < c->n_tunnels; i++)
        if (&c->tunnel[i] != slot && c->tunnel[i].sport == t.sport)
            return cfg_fail(s, "sport %u is tunnel %.*s's already", t.sport, CFG_NAME_MAX - 1,
                            c->tunnel[i].name);
    if (!slot) {
        if (c->n_tunnels == CFG_MAX_TUNNELS)
            return cfg_fail(s, "too many tunnels (max %d)", CFG_MAX_TUNNELS);
        slot = &c->tunnel[c->n_tunnels++];
    } else {
        t.role = slot->role;
        memcpy(t.net_name, slot->net_name, sizeof t.net_name);
        t.vlan = slot->vlan;
    }
    *slot = t;
    return true;
}

/* `NAME intnet NET` or `NAME natnet NET`, NAME a tunnel declared before. */
static bool parse_tunnel_role(struct cfg_tunnel *t, struct cfg_stmt *s)
{
    enum cfg_nic_role role;
    char net[CFG_NAME_MAX];

    if (s->n < 2)
        return cfg_fail(s, "tunnel %.*s: missing setting (intnet NET, natnet NET, vlan ...)",
                        CFG_NAME_MAX - 1, t->name);
    if (strcmp(s->w[1], "vlan") == 0)
        return parse_vlan(s, &t->vlan);
    if (strcmp(s->w[1], "intnet") == 0)
        role = CFG_NIC_INTNET;
    else if (strcmp(s->w[1], "natnet") == 0)
        role = CFG_NIC_NATNET;
    else
        return cfg_fail(s, "tunnel %.*s: unknown setting '%.*s' (intnet, natnet, vlan)", CFG_NAME_MAX - 1,
                        t->name, CFG_QUOTE_MAX, s->w[1]);
    if (s->n != 3)
        return cfg_fail(s, "%s needs one network name", s->w[1]);
    if (cfg_is_nic_word(s->w[2]))
        return cfg_fail(s, "'%.*s' is a NIC, not a network", CFG_QUOTE_MAX, s->w[2]);
    if (!cfg_scan_name(s, s->w[2], "network name", net))
        return false;
    t->role = role;
    memcpy(t->net_name, net, sizeof net);
    return true;
}

/* --- statements ------------------------------------------------------------------ */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Fills s->text with the statement for reports: printable ASCII as is, anything
 * else as '?', cut with "..." if it does not fit. */
static void stmt_set_text(struct cfg_stmt *s, const char *p, size_t len)
{
    size_t n = len < sizeof s->text ? len : sizeof s->text - 4;

    for (size_t i = 0; i < n; i++)
        s->text[i] = (p[i] == '\t' || (p[i] >= 0x20 && p[i] < 0x7f)) ? p[i] : '?';
    if (n < len)
        memcpy(s->text + n, "...", 4);
    else
        s->text[n] = '\0';
}

/* Splits the statement into words. Returns false (with the reason) for characters
 * the language never uses outside comments, and for too many words. */
static bool stmt_split(struct cfg_stmt *s, const char *p, size_t len)
{
    size_t i = 0;

    if (len >= CFG_STMT_MAX)
        return cfg_fail(s, "statement too long (max %d characters)", CFG_STMT_MAX - 1);
    memcpy(s->buf, p, len);
    s->buf[len] = '\0';
    s->n = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)s->buf[i];
        if (is_blank((char)ch)) {
            s->buf[i++] = '\0';
            continue;
        }
        if (ch < 0x20 || ch >= 0x7f)
            return cfg_fail(s, "invalid character (byte 0x%02x)", ch);
        if (i == 0 || s->buf[i - 1] == '\0') {
            if (s->n == CFG_MAX_WORDS)
                return cfg_fail(s, "too many words");
            s->w[s->n++] = &s->buf[i];
        }
        i++;
    }
    return true;
}

/* Parses and applies one trimmed, non-empty statement. */
static bool stmt_apply(struct vmgate_config *c, struct cfg_stmt *s, const char *p, size_t len)
{
    const char *w0;

    if (!stmt_split(s, p, len))
        return false;
    w0 = s->w[0];
    if (strncmp(w0, "nic", 3) == 0 && w0[3] != '\0')
        return parse_nic_statement(c, s);
    if (strcmp(w0, "natnetwork") == 0)
        return parse_natnetwork(c, s);
    if (strcmp(w0, "natpf") == 0)
        return parse_natpf(c, s);
    if (strcmp(w0, "dhcp") == 0)
        return parse_dhcp(c, s);
    if (strcmp(w0, "pxe") == 0)
        return parse_pxe(c, s);
    if (strcmp(w0, "dns") == 0)
        return parse_dns(c, s);
    if (strcmp(w0, "hostname") == 0)
        return parse_hostname(c, s);
    if (strcmp(w0, "nat") == 0)
        return parse_nat(c, s);
    if (strcmp(w0, "switch") == 0)
        return parse_switch(c, s);
    if (strcmp(w0, "tunnel") == 0)
        return parse_tunnel(c, s);
    struct cfg_tunnel *t = tunnel_find(c, w0);
    if (t)
        return parse_tunnel_role(t, s);
    return cfg_fail(s, "unknown statement");
}

/* Contract in config.h. The scan never looks at text[len] or beyond; each statement
 * is copied into a bounded buffer before anything looks at its words. */
int config_parse(struct vmgate_config *c, const char *text, size_t len,
                 cfg_error_fn err, void *ctx)
{
    struct cfg_stmt s;
    size_t i = 0;
    int rejected = 0;

    while (i < len) {
        size_t start = i, end;
        while (i < len && text[i] != ';' && text[i] != '\n' && text[i] != '#')
            i++;
        end = i;
        if (i < len && text[i] == '#')
            while (i < len && text[i] != '\n')
                i++;
        if (i < len)
            i++;                                /* the ';' or '\n' */
        while (start < end && is_blank(text[start]))
            start++;
        while (end > start && is_blank(text[end - 1]))
            end--;
        if (start == end)
            continue;
        s.why[0] = '\0';
        if (!stmt_apply(c, &s, text + start, end - start)) {
            rejected++;
            if (err) {
                stmt_set_text(&s, text + start, end - start);
                err(ctx, s.text, s.why);
            }
        }
    }
    return rejected;
}
