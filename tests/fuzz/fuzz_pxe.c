/* Fuzz target: the DHCP PXE policy (net/pxe.h) and its path through the DHCP
 * server. An input picks a policy (which settings, hosts and root files), then a
 * request: either raw message bytes, or one built from choices (options 60, 77,
 * 93 and 175 with fuzzed lengths and values, a MAC of a host or not) followed by
 * raw option bytes. Besides the sanitizers it checks, and aborts when one breaks:
 *  - pxe_decide returns a known rule; without a file the boot block is empty,
 *    and it is empty for a request that is not a boot client or a policy that is off;
 *  - with a file: siaddr is the server, the boot block's options are well formed,
 *    fit DHCPS_BOOT_OPTS_MAX and hold option 67 equal to the file, which is one
 *    the policy could give (a setting, a default, a host's file, NAME.pxe, or one
 *    of them as a URL), and the header's file field holds it or, for a name too
 *    long for it, nothing; option 60 is echoed only to a client whose option 60
 *    starts with what is echoed;
 *  - through a server with the hook, a reply parses, keeps the client's size
 *    limit, and carries the same siaddr, file field and option 67. */
#include "net/bytes.h"
#include "net/dhcp_msg.h"
#include "net/dhcps.h"
#include "net/pxe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pxe: invariant broken: %s\n", what);
    abort();
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t rd8(struct reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

/* The root: which of these files exist is the input's choice. */
static const char *const candidates[] = {
    PXE_DEFAULT_BIOS, PXE_DEFAULT_EFI, PXE_DEFAULT_IPXE, "host0.pxe", "host1.pxe", "x.pxe",
};
#define N_CAND (sizeof candidates / sizeof candidates[0])
static uint8_t present;

static bool fuzz_exists(void *ctx, const char *path)
{
    for (unsigned i = 0; i < N_CAND; i++)
        if ((present >> i & 1) && strcmp(candidates[i], path) == 0)
            return true;
    return false;
}

static const char *const names[] = {
    "", "pxelinux.0", "ipxe.efi", "boot.ipxe", "http://10.0.2.2/x.efi", "https://a/b",
    "debian/installer/amd64/pxelinux.0",
};
#define N_NAMES (sizeof names / sizeof names[0])

static struct pxe_policy pol;
static char long_name[PXE_NAME_MAX];

static void set_name(char *dst, uint8_t v)
{
    if (v % (N_NAMES + 1) == N_NAMES)
        strcpy(dst, long_name);                 /* 127 characters */
    else
        strcpy(dst, names[v % (N_NAMES + 1)]);
}

static void pick_policy(struct reader *r)
{
    memset(&pol, 0, sizeof pol);
    memset(long_name, 'L', PXE_NAME_MAX - 1);
    uint8_t flags = rd8(r);
    pol.off = (flags & 0x0f) == 0x0f;
    pol.server_ip = flags & 0x10 ? IP4(192, 168, 56, 1) : IP4(10, 0, 2, 2);
    pol.exists = flags & 0x20 ? NULL : fuzz_exists;
    present = rd8(r);
    set_name(pol.bios, rd8(r));
    set_name(pol.efi, rd8(r));
    set_name(pol.ipxe, rd8(r));
    set_name(pol.http, rd8(r));
    pol.n_hosts = rd8(r) % 3;
    for (unsigned i = 0; i < pol.n_hosts; i++) {
        static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };
        memcpy(pol.hosts[i].mac, mac, 6);
        pol.hosts[i].mac[5] = (uint8_t)i;
        uint8_t h = rd8(r);
        if (h & 1)
            snprintf(pol.hosts[i].name, sizeof pol.hosts[i].name, "host%u", i);
        if (h & 2)
            set_name(pol.hosts[i].boot, (uint8_t)(h >> 2));
    }
}

static size_t put(uint8_t *buf, size_t len, size_t cap, uint8_t code, struct reader *r,
                  const char *prefix)
{
    uint8_t l = rd8(r);
    size_t plen = prefix ? strlen(prefix) : 0;
    if (len + 2 + l + plen > cap || l + plen > 255)
        return len;
    buf[len++] = code;
    buf[len++] = (uint8_t)(l + plen);
    if (plen)
        memcpy(buf + len, prefix, plen);
    len += plen;
    for (unsigned i = 0; i < l; i++)
        buf[len++] = rd8(r);
    return len;
}

/* A request from choices: DISCOVER or REQUEST, a host's MAC or another, and the
 * options the policy reads, then raw bytes. */
static size_t build_request(struct reader *r, uint8_t *buf, size_t cap)
{
    uint8_t what = rd8(r), client = rd8(r);
    memset(buf, 0, DHCP_OPTIONS_OFF);
    buf[0] = BOOTREQUEST;
    buf[1] = what & 0x80 ? 6 : 1;
    buf[2] = what & 0x40 ? 16 : 6;
    put_be32(buf + 4, 0x4242);
    buf[28] = 0x52;
    buf[29] = 0x54;
    buf[33] = client % 4;
    put_be32(buf + DHCP_FIXED_LEN, DHCP_MAGIC_COOKIE);
    size_t len = DHCP_OPTIONS_OFF;
    buf[len++] = DHCP_OPT_MSG_TYPE;
    buf[len++] = 1;
    buf[len++] = what & 1 ? DHCPINFORM : DHCPDISCOVER;
    if (what & 0x02)
        len = put(buf, len, cap, DHCP_OPT_VENDOR_CLASS, r,
                  what & 0x20 ? "HTTPClient" : what & 0x10 ? "PXEClient" : NULL);
    if (what & 0x04)
        len = put(buf, len, cap, DHCP_OPT_USER_CLASS, r, what & 0x10 ? "iPXE" : NULL);
    if (what & 0x08)
        len = put(buf, len, cap, DHCP_OPT_CLIENT_ARCH, r, NULL);
    if (client & 0x80)
        len = put(buf, len, cap, PXE_OPT_IPXE_ENCAP, r, NULL);
    unsigned tail = rd8(r);
    for (unsigned i = 0; i < tail && len < cap; i++)
        buf[len++] = rd8(r);
    return len;
}

/* Whether f is a file the policy could have given. */
static bool could_give(const char *f)
{
    const char *set[2 * PXE_MAX_HOSTS + 8];
    unsigned n = 0;
    set[n++] = pol.bios;
    set[n++] = pol.efi;
    set[n++] = pol.ipxe;
    set[n++] = pol.http;
    set[n++] = PXE_DEFAULT_BIOS;
    set[n++] = PXE_DEFAULT_EFI;
    set[n++] = PXE_DEFAULT_IPXE;
    for (unsigned i = 0; i < pol.n_hosts; i++)
        set[n++] = pol.hosts[i].boot;
    char url_prefix[32];
    uint32_t a = pol.server_ip;
    int pl = snprintf(url_prefix, sizeof url_prefix, "http://%u.%u.%u.%u/", a >> 24,
                      (a >> 16) & 255, (a >> 8) & 255, a & 255);
    for (unsigned i = 0; i < n; i++) {
        if (!set[i][0])
            continue;
        if (strcmp(f, set[i]) == 0)
            return true;
        if (strncmp(f, url_prefix, (size_t)pl) == 0 && strcmp(f + pl, set[i]) == 0)
            return true;
    }
    for (unsigned i = 0; i < pol.n_hosts; i++) {
        char nm[DHCPS_NAME_MAX + 8];
        snprintf(nm, sizeof nm, "%s.pxe", pol.hosts[i].name);
        if (pol.hosts[i].name[0] && strcmp(f, nm) == 0)
            return true;
    }
    return false;
}

static const uint8_t *block_opt(const struct dhcps_boot *b, uint8_t code, size_t *len)
{
    for (size_t i = 0; i + 2 <= b->opts_len; i += 2 + (size_t)b->opts[i + 1])
        if (b->opts[i] == code) {
            *len = b->opts[i + 1];
            return b->opts + i + 2;
        }
    return NULL;
}

static void check_decision(const struct dhcp_msg *req, enum pxe_choice ch,
                           const struct dhcps_boot *b, const char *name)
{
    static const struct dhcps_boot empty;
    struct pxe_client c;
    pxe_classify(req, &c);
    if ((unsigned)ch >= PXE_CHOICES)
        fail("unknown rule");
    bool gives = ch == PXE_CHOSE_IPXE || ch == PXE_CHOSE_HOST_BOOT || ch == PXE_CHOSE_HOST_NAME ||
                 ch == PXE_CHOSE_KIND;
    if ((pol.off && ch != PXE_CHOSE_OFF) || (!pol.off && c.kind == PXE_KIND_NONE && gives))
        fail("a file for an off policy or a client that is no boot client");
    if (!gives) {
        if (memcmp(b, &empty, sizeof *b) != 0)
            fail("boot fields without a file");
        return;
    }
    if (b->siaddr != pol.server_ip)
        fail("siaddr is not the server");
    if (b->opts_len > DHCPS_BOOT_OPTS_MAX)
        fail("boot options overflow");
    for (size_t i = 0; i < b->opts_len;) {
        if (b->opts[i] == 0 || b->opts[i] == 255 || b->opts_len - i < 2 ||
            b->opts_len - i - 2 < b->opts[i + 1])
            fail("boot options malformed");
        i += 2 + (size_t)b->opts[i + 1];
    }
    size_t len;
    const uint8_t *v = block_opt(b, DHCP_OPT_BOOTFILE, &len);
    size_t nlen = strlen(name);
    if (!v || len != nlen || memcmp(v, name, len) != 0 || nlen == 0)
        fail("option 67 is not the file");
    if (!could_give(name))
        fail("a file the policy could not give");
    if (nlen < DHCP_FILE_LEN ? strcmp((const char *)b->file, name) != 0 : b->file[0] != 0)
        fail("the file field");
    v = block_opt(b, DHCP_OPT_VENDOR_CLASS, &len);
    if (v) {
        size_t rl;
        const uint8_t *rv = dhcp_msg_opt(req, DHCP_OPT_VENDOR_CLASS, &rl);
        if (!rv || rl < len || memcmp(rv, v, len) != 0)
            fail("option 60 echoed to a client that did not send it");
    }
}

static struct dhcp_msg req, reply;
static struct dhcps_reply r;
static uint8_t msg[DHCP_MSG_MAX + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader rd = { data, size };
    pick_policy(&rd);
    size_t len;
    if (rd8(&rd) & 1) {
        len = rd.n < sizeof msg ? rd.n : sizeof msg;
        memcpy(msg, rd.p, len);
    } else {
        len = build_request(&rd, msg, DHCP_MSG_MAX);
    }
    if (dhcp_msg_parse(&req, msg, len) != 0)
        return 0;

    struct dhcps_boot b;
    char name[PXE_URL_MAX] = "";
    memset(&b, 0, sizeof b);
    enum pxe_choice ch = pxe_decide(&pol, &req, &b, name);
    check_decision(&req, ch, &b, name);

    /* The same request through a server with the hook. */
    struct dhcps_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.net = pol.server_ip & 0xffffff00u;
    cfg.prefix = 24;
    cfg.server_ip = cfg.router = cfg.dns[0] = pol.server_ip;
    cfg.n_dns = 1;
    struct dhcps *s;
    if (dhcps_create(&s, &cfg, 0) != 0)
        fail("server");
    dhcps_set_boot_hook(s, pxe_boot_hook, &pol);
    if (dhcps_input(s, msg, len, true, 0, &r) == 1 && r.type != DHCPNAK) {
        if (dhcp_msg_parse(&reply, r.buf, r.len) != 0)
            fail("reply does not parse");
        size_t lim = DHCP_MIN_IP_DATAGRAM - DHCP_IP_UDP_HLEN, n;
        const uint8_t *v = dhcp_msg_opt(&req, DHCP_OPT_MAX_MSG_SIZE, &n);
        if (v && get_be16(v) > DHCP_MIN_IP_DATAGRAM)
            lim = get_be16(v) - DHCP_IP_UDP_HLEN;
        if (r.len > lim || r.len > DHCPS_REPLY_MAX)
            fail("reply over the client's limit");
        if (reply.hdr.siaddr != b.siaddr || memcmp(reply.hdr.file, b.file, DHCP_FILE_LEN) != 0)
            fail("reply's siaddr or file field is not the policy's");
        v = dhcp_msg_opt(&reply, DHCP_OPT_BOOTFILE, &n);
        if (v && (n != strlen(name) || memcmp(v, name, n) != 0))
            fail("reply's option 67 is not the policy's");
    }
    dhcps_destroy(s);
    return 0;
}
