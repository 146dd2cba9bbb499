/* Scanners for the words of a configuration statement (numbers, addresses, MACs,
 * names) and the address arithmetic the checks need. Every scanner takes one
 * NUL-terminated word (the parser has already split and bounded the statement) and
 * accepts exactly one spelling of each value, so that what is accepted is what
 * config_format() writes back. */
#include "config_priv.h"
#include "fileroot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool cfg_fail(struct cfg_stmt *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alnum(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int hex_value(char ch)
{
    if (is_digit(ch))
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Reads the decimal digits at *p (at most 10, so the value cannot overflow a
 * uint64_t) and advances *p past them. Returns false for no digits, too many, or a
 * leading zero in front of other digits. */
static bool scan_digits(const char **p, uint64_t *out)
{
    const char *q = *p;
    uint64_t v = 0;
    unsigned n = 0;

    while (is_digit(*q)) {
        if (++n > 10)
            return false;
        v = v * 10 + (uint64_t)(*q - '0');
        q++;
    }
    if (n == 0 || (n > 1 && **p == '0'))
        return false;
    *p = q;
    *out = v;
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_uint(const char *w, uint32_t min, uint32_t max, uint32_t *out)
{
    uint64_t v;

    if (!scan_digits(&w, &v) || *w != '\0' || v < min || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_ip4(const char *w, uint32_t *out)
{
    uint32_t a = 0;

    for (int part = 0; part < 4; part++) {
        uint64_t v;
        if (part > 0 && *w++ != '.')
            return false;
        if (!scan_digits(&w, &v) || v > 255)
            return false;
        a = (a << 8) | (uint32_t)v;
    }
    if (*w != '\0')
        return false;
    *out = a;
    return true;
}

/* Contract in config_priv.h. The reasons name the part that is wrong, since
 * "10.0.2.0/33" and "10.0.2.300/24" deserve different answers. */
bool cfg_scan_cidr(struct cfg_stmt *s, const char *w, uint32_t *addr, uint8_t *prefix)
{
    char ip[16];
    const char *slash = strchr(w, '/');
    uint32_t p;

    if (!slash)
        return cfg_fail(s, "missing /PREFIX in '%.*s'", CFG_QUOTE_MAX, w);
    if ((size_t)(slash - w) >= sizeof ip)
        return cfg_fail(s, "bad address '%.*s'", (int)(slash - w) < CFG_QUOTE_MAX ?
                        (int)(slash - w) : CFG_QUOTE_MAX, w);
    memcpy(ip, w, (size_t)(slash - w));
    ip[slash - w] = '\0';
    if (!cfg_scan_ip4(ip, addr))
        return cfg_fail(s, "bad address '%s'", ip);
    if (!cfg_scan_uint(slash + 1, 0, 32, &p))
        return cfg_fail(s, "prefix must be 0..32");
    *prefix = (uint8_t)p;
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_mac(const char *w, uint8_t mac[6])
{
    char sep;

    if (strlen(w) != 17)
        return false;
    sep = w[2];
    if (sep != ':' && sep != '-')
        return false;
    for (int i = 0; i < 6; i++) {
        const char *o = w + 3 * i;
        int hi = hex_value(o[0]), lo = hex_value(o[1]);
        if (hi < 0 || lo < 0 || (i < 5 && o[2] != sep))
            return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Copies a checked name into its zero-padded slot: zero padding keeps two equal
 * configurations byte-equal, which the round-trip tests rely on. */
static void name_store(char out[CFG_NAME_MAX], const char *w, size_t n)
{
    memset(out, 0, CFG_NAME_MAX);
    memcpy(out, w, n);
}

/* Contract in config_priv.h. */
bool cfg_scan_name(struct cfg_stmt *s, const char *w, const char *what, char out[CFG_NAME_MAX])
{
    size_t n = strlen(w);

    if (n == 0)
        return cfg_fail(s, "missing %s", what);
    if (n >= CFG_NAME_MAX)
        return cfg_fail(s, "%s too long (max %d characters)", what, CFG_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(w[i]) && w[i] != '.' && w[i] != '_' && w[i] != '-')
            return cfg_fail(s, "bad %s '%.*s' (letters, digits, '.', '_', '-')",
                            what, CFG_QUOTE_MAX, w);
    name_store(out, w, n);
    return true;
}

/* Host names end up in DHCP option 12 and in DNS answers, so they follow RFC 1123:
 * labels of letters, digits and inner '-', joined by single dots. Domains too. */
static bool dns_name_ok(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool edge = i == 0 || i == n - 1 || w[i - 1] == '.' || w[i + 1] == '.';
        bool ok = is_alnum(w[i]) || (w[i] == '-' && !edge) || (w[i] == '.' && !edge);
        if (!ok)
            return false;
    }
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_hostname(struct cfg_stmt *s, const char *w, char out[CFG_NAME_MAX])
{
    size_t n = strlen(w);

    if (n == 0)
        return cfg_fail(s, "missing host name");
    if (n >= CFG_NAME_MAX)
        return cfg_fail(s, "host name too long (max %d characters)", CFG_NAME_MAX - 1);
    if (!dns_name_ok(w, n))
        return cfg_fail(s, "bad host name '%.*s'", CFG_QUOTE_MAX, w);
    name_store(out, w, n);
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_domain(struct cfg_stmt *s, const char *w, char out[CFG_DOMAIN_MAX])
{
    size_t n = strlen(w), label = 0;

    if (n == 0)
        return cfg_fail(s, "missing domain");
    if (n >= CFG_DOMAIN_MAX)
        return cfg_fail(s, "domain too long (max %d characters)", CFG_DOMAIN_MAX - 1);
    if (!dns_name_ok(w, n))
        return cfg_fail(s, "bad domain '%.*s'", CFG_QUOTE_MAX, w);
    for (size_t i = 0; i < n; i++) {
        label = w[i] == '.' ? 0 : label + 1;
        if (label > 63)
            return cfg_fail(s, "domain label longer than 63 characters");
    }
    memset(out, 0, CFG_DOMAIN_MAX);
    memcpy(out, w, n);
    return true;
}

/* Contract in config_priv.h. The path check is the servers' own
 * (fileroot_path_clean): a name is accepted only in the form they would look it up
 * in, so what is offered is what is served. */
bool cfg_scan_bootfile(struct cfg_stmt *s, const char *w, const char *what, bool url_ok,
                       char out[CFG_FILE_MAX])
{
    size_t n = strlen(w);
    char clean[FILEROOT_PATH_MAX];
    bool url = strncmp(w, "http://", 7) == 0 || strncmp(w, "https://", 8) == 0;

    if (n == 0)
        return cfg_fail(s, "%s needs a file name", what);
    if (n >= CFG_FILE_MAX)
        return cfg_fail(s, "%s: name too long (max %d characters)", what, CFG_FILE_MAX - 1);
    if (url) {
        if (!url_ok)
            return cfg_fail(s, "%s is fetched by TFTP: give a file name, not a URL", what);
        if (w[w[4] == 's' ? 8 : 7] == '\0')
            return cfg_fail(s, "%s: '%.*s' names no server", what, CFG_QUOTE_MAX, w);
    } else {
        int rc = fileroot_path_clean(w, n, clean);
        if (rc < 0 || (size_t)rc != n || memcmp(clean, w, n) != 0)
            return cfg_fail(s, "%s: '%.*s' is not a relative path of the boot files (no "
                            "leading /, no . or .. parts, no \\)", what, CFG_QUOTE_MAX, w);
    }
    memset(out, 0, CFG_FILE_MAX);
    memcpy(out, w, n);
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_duration(const char *w, uint32_t min, uint32_t max, uint32_t *out)
{
    static const struct { char unit; uint32_t s; } units[] = {
        { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
    };
    uint64_t v, mul = 1;

    if (!scan_digits(&w, &v))
        return false;
    if (*w != '\0') {
        mul = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (*w == units[i].unit)
                mul = units[i].s;
        if (!mul || w[1] != '\0')
            return false;
    }
    if (v * mul < min || v * mul > max)
        return false;
    *out = (uint32_t)(v * mul);
    return true;
}

/* Contract in config_priv.h. */
bool cfg_is_nic_word(const char *w)
{
    if (strncmp(w, "nic", 3) != 0 || w[3] == '\0')
        return false;
    for (w += 3; *w; w++)
        if (!is_digit(*w))
            return false;
    return true;
}

/* Contract in config_priv.h. */
bool cfg_scan_nic(struct cfg_stmt *s, const char *w, int *nic)
{
    uint32_t v;

    if (!cfg_is_nic_word(w))
        return cfg_fail(s, "bad NIC name '%.*s' (nic0..nic%d)", CFG_QUOTE_MAX, w,
                        CFG_MAX_NICS - 1);
    if (!cfg_scan_uint(w + 3, 0, CFG_MAX_NICS - 1, &v))
        return cfg_fail(s, "%.*s: no such NIC (nic0..nic%d)", CFG_QUOTE_MAX, w,
                        CFG_MAX_NICS - 1);
    *nic = (int)v;
    return true;
}

bool cfg_in_net(uint32_t a, uint32_t net, uint8_t prefix)
{
    return ((a ^ net) & ip4_prefix_mask(prefix)) == 0;
}

/* Two prefixes overlap exactly when one contains the other: compare under the
 * shorter mask. */
bool cfg_nets_overlap(uint32_t n1, uint8_t p1, uint32_t n2, uint8_t p2)
{
    return cfg_in_net(n1, n2, p1 < p2 ? p1 : p2);
}

/* Contract in config_priv.h. */
bool cfg_is_host_addr(uint32_t a)
{
    uint32_t first = a >> 24;
    return first != 0 && first != 127 && first < 224;
}

char *cfg_ip4_str(uint32_t addr, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24), (unsigned)(addr >> 16 & 0xff),
             (unsigned)(addr >> 8 & 0xff), (unsigned)(addr & 0xff));
    return buf;
}

const char *cfg_role_name(enum cfg_nic_role role)
{
    switch (role) {
    case CFG_NIC_WAN:      return "wan";
    case CFG_NIC_NAT:      return "nat";
    case CFG_NIC_NATNET:   return "natnet";
    case CFG_NIC_HOSTONLY: return "hostonly";
    case CFG_NIC_INTNET:   return "intnet";
    case CFG_NIC_OFF:      return "off";
    case CFG_NIC_BRIDGED:  return "bridged";
    case CFG_NIC_UNSET:    break;
    }
    return "unset";
}
