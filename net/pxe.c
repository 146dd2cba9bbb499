/* The DHCP PXE policy: rules and reply contents in pxe.h. */
#include "pxe.h"
#include "bytes.h"

#include <stdio.h>
#include <string.h>

static bool starts_with(const uint8_t *v, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return v && len >= n && memcmp(v, prefix, n) == 0;
}

/* Option 77 (RFC 3004) is a list of length-prefixed classes, but iPXE sends its
 * "iPXE" bare, as most clients do: either form counts. */
static bool user_class_is_ipxe(const uint8_t *v, size_t len)
{
    if (!v)
        return false;
    if (len == 4 && memcmp(v, "iPXE", 4) == 0)
        return true;
    for (size_t i = 0; i < len;) {
        size_t l = v[i];
        if (l == 0 || len - i - 1 < l)
            return false;
        if (l == 4 && memcmp(v + i + 1, "iPXE", 4) == 0)
            return true;
        i += 1 + l;
    }
    return false;
}

/* Contract in pxe.h. */
void pxe_classify(const struct dhcp_msg *req, struct pxe_client *c)
{
    size_t len;
    const uint8_t *v;

    memset(c, 0, sizeof *c);
    c->arch = -1;
    v = dhcp_msg_opt(req, DHCP_OPT_VENDOR_CLASS, &len);
    c->pxeclient = starts_with(v, len, "PXEClient");
    c->httpclient = starts_with(v, len, "HTTPClient");
    v = dhcp_msg_opt(req, DHCP_OPT_USER_CLASS, &len);
    c->ipxe = user_class_is_ipxe(v, len) || dhcp_msg_has(req, PXE_OPT_IPXE_ENCAP);
    /* RFC 4578 2.1: a list of 16-bit types, the client's preferred first. */
    v = dhcp_msg_opt(req, DHCP_OPT_CLIENT_ARCH, &len);
    bool has_arch = dhcp_msg_has(req, DHCP_OPT_CLIENT_ARCH);
    if (v && len >= 2 && len % 2 == 0)
        c->arch = get_be16(v);

    if (c->httpclient)
        c->kind = PXE_KIND_HTTP;
    else if (c->arch == PXE_ARCH_BIOS || (c->arch < 0 && !has_arch && (c->pxeclient || c->ipxe)))
        c->kind = PXE_KIND_BIOS;
    else if (c->arch == PXE_ARCH_EFI_IA32 || c->arch == PXE_ARCH_EFI_BC || c->arch == PXE_ARCH_EFI_X64)
        c->kind = PXE_KIND_EFI;
    else if (has_arch || c->pxeclient || c->ipxe)
        c->kind = PXE_KIND_OTHER;
    else
        c->kind = PXE_KIND_NONE;
}

bool pxe_is_url(const char *s)
{
    return (strncmp(s, "http://", 7) == 0 && s[7]) || (strncmp(s, "https://", 8) == 0 && s[8]);
}

static bool file_exists(const struct pxe_policy *p, const char *path)
{
    return p->exists && p->exists(p->exists_ctx, path);
}

/* A setting in effect: the configured name, else the default when that file
 * exists, else NULL. */
static const char *effective(const struct pxe_policy *p, const char *set, const char *dflt)
{
    if (set[0])
        return set;
    return dflt && file_exists(p, dflt) ? dflt : NULL;
}

static const struct pxe_host *host_of(const struct pxe_policy *p, const struct dhcp_msg *req)
{
    if (req->hdr.htype != 1 || req->hdr.hlen != 6)
        return NULL;
    for (unsigned i = 0; i < p->n_hosts && i < PXE_MAX_HOSTS; i++)
        if (memcmp(p->hosts[i].mac, req->hdr.chaddr, 6) == 0)
            return &p->hosts[i];
    return NULL;
}

/* The file for an HTTP client: a URL as it is, a file name on the server. */
static void as_url(const struct pxe_policy *p, const char *f, char out[PXE_URL_MAX])
{
    uint32_t a = p->server_ip;
    if (pxe_is_url(f))
        snprintf(out, PXE_URL_MAX, "%.*s", PXE_NAME_MAX - 1, f);
    else
        snprintf(out, PXE_URL_MAX, "http://%u.%u.%u.%u/%.*s", a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, PXE_NAME_MAX - 1, f);
}

/* Rules 2-5 of pxe.h: the file in out, and the rule, or PXE_CHOSE_NOTHING. */
static enum pxe_choice choose(const struct pxe_policy *p, const struct pxe_client *c,
                              const struct dhcp_msg *req, char out[PXE_URL_MAX])
{
    const char *f;
    const struct pxe_host *h = host_of(p, req);
    bool http = c->kind == PXE_KIND_HTTP;

    if (c->ipxe && (f = effective(p, p->ipxe, PXE_DEFAULT_IPXE)) != NULL) {
        snprintf(out, PXE_URL_MAX, "%.*s", PXE_NAME_MAX - 1, f);
        return PXE_CHOSE_IPXE;
    }
    if (h && h->boot[0]) {
        if (http)
            as_url(p, h->boot, out);
        else
            snprintf(out, PXE_URL_MAX, "%.*s", PXE_NAME_MAX - 1, h->boot);
        return PXE_CHOSE_HOST_BOOT;
    }
    if (h && h->name[0] && !http) {
        char nm[DHCPS_NAME_MAX + 8];
        snprintf(nm, sizeof nm, "%.*s.pxe", DHCPS_NAME_MAX - 1, h->name);
        if (file_exists(p, nm)) {
            snprintf(out, PXE_URL_MAX, "%s", nm);
            return PXE_CHOSE_HOST_NAME;
        }
    }
    switch (c->kind) {
    case PXE_KIND_HTTP:
        f = p->http[0] ? p->http : effective(p, p->efi, PXE_DEFAULT_EFI);
        if (!f)
            return PXE_CHOSE_NOTHING;
        as_url(p, f, out);
        return PXE_CHOSE_KIND;
    case PXE_KIND_BIOS:
        f = effective(p, p->bios, PXE_DEFAULT_BIOS);
        break;
    case PXE_KIND_EFI:
        f = effective(p, p->efi, PXE_DEFAULT_EFI);
        break;
    default:
        f = NULL;
        break;
    }
    if (!f)
        return PXE_CHOSE_NOTHING;
    snprintf(out, PXE_URL_MAX, "%.*s", PXE_NAME_MAX - 1, f);
    return PXE_CHOSE_KIND;
}

/* Appends one option to the boot block; the block's room (DHCPS_BOOT_OPTS_MAX)
 * holds every option this policy writes at their longest (pxe.h). */
static void put_opt(struct dhcps_boot *b, uint8_t code, const void *v, size_t len)
{
    if (len > 255 || b->opts_len + 2 + len > sizeof b->opts)
        return;
    b->opts[b->opts_len] = code;
    b->opts[b->opts_len + 1] = (uint8_t)len;
    memcpy(b->opts + b->opts_len + 2, v, len);
    b->opts_len += 2 + len;
}

/* Contract in pxe.h. */
enum pxe_choice pxe_decide(struct pxe_policy *p, const struct dhcp_msg *req,
                           struct dhcps_boot *boot, char name[PXE_URL_MAX])
{
    struct pxe_client c;
    char file[PXE_URL_MAX];
    enum pxe_choice ch;

    pxe_classify(req, &c);
    p->stats.kind[c.kind]++;
    if (c.ipxe)
        p->stats.ipxe++;
    if (p->off)
        ch = PXE_CHOSE_OFF;
    else if (c.kind == PXE_KIND_NONE)
        ch = PXE_CHOSE_NOT_BOOT;
    else
        ch = choose(p, &c, req, file);
    p->stats.chose[ch]++;
    if (ch == PXE_CHOSE_OFF || ch == PXE_CHOSE_NOT_BOOT || ch == PXE_CHOSE_NOTHING)
        return ch;

    size_t flen = strlen(file);
    boot->siaddr = p->server_ip;
    if (flen < DHCP_FILE_LEN)
        memcpy(boot->file, file, flen + 1);
    if (c.pxeclient) {
        static const uint8_t vendor[] = { PXE_DISCOVERY_CONTROL, 1, PXE_DISCOVERY_USE_FILE, 255 };
        put_opt(boot, DHCP_OPT_VENDOR_CLASS, "PXEClient", 9);
        put_opt(boot, PXE_OPT_VENDOR, vendor, sizeof vendor);
    } else if (c.httpclient) {
        put_opt(boot, DHCP_OPT_VENDOR_CLASS, "HTTPClient", 10);
    }
    char server[16];
    uint32_t a = p->server_ip;
    int n = snprintf(server, sizeof server, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                     a & 255);
    put_opt(boot, DHCP_OPT_TFTP_SERVER, server, (size_t)n);
    put_opt(boot, DHCP_OPT_BOOTFILE, file, flen);
    if (name)
        memcpy(name, file, flen + 1);
    return ch;
}

void pxe_boot_hook(void *ctx, const struct dhcp_msg *req, uint32_t yiaddr, struct dhcps_boot *boot)
{
    (void)yiaddr;
    pxe_decide(ctx, req, boot, NULL);
}

const char *pxe_kind_name(enum pxe_kind k)
{
    static const char *const names[] = { "none", "bios", "efi", "http", "other" };
    return (unsigned)k < PXE_KINDS ? names[k] : "?";
}

const char *pxe_choice_name(enum pxe_choice c)
{
    static const char *const names[] = {
        "no file", "ipxe", "host boot", "NAME.pxe", "by kind", "off", "not a boot client",
    };
    return (unsigned)c < PXE_CHOICES ? names[c] : "?";
}
