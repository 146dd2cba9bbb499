/* Fuzz target: the configuration language. The input goes through config_parse,
 * then config_finalize for a few NIC counts, then config_format; besides the
 * sanitizers, it checks the invariants the console and the tests rely on, and
 * crashes (abort) when one breaks:
 *  - every error report is two non-empty, bounded strings;
 *  - config_finalize is idempotent;
 *  - the formatted text parses and finalizes with no error back into an equal
 *    configuration (the round trip), and formats to the same text again;
 *  - a cut config_format still returns the full length and a NUL-terminated prefix.
 *
 * An input is either the text itself or, when its first byte is 0, a list of
 * choices from which gen_text() writes statements of the language with values near
 * the edges (prefixes around /27, addresses that collide, names reused). Raw bytes
 * exercise the scanners; generated text gets past them far more often, into
 * finalize's overlap, numbering and dropping rules. */
#include "net/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the longest configuration: every table full, every name at its limit. */
#define TEXT_MAX 49152

static unsigned reports;
/* What is being checked, shown when an invariant breaks, since a generated input
 * says little by itself. */
static const char *input_text;
static size_t input_len;
static const char *formatted_text;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_config: invariant broken: %s\n", what);
    fprintf(stderr, "--- input (%zu bytes) ---\n%.*s\n", input_len, (int)input_len, input_text);
    if (formatted_text)
        fprintf(stderr, "--- formatted ---\n%s\n", formatted_text);
    abort();
}

static void on_error(void *ctx, const char *statement, const char *why)
{
    size_t ls = strnlen(statement, CFG_STMT_MAX), lw = strnlen(why, 256);

    (void)ctx;
    if (ls == 0 || ls >= CFG_STMT_MAX || lw == 0 || lw >= 256)
        fail("error report is empty or unbounded");
    reports++;
}

static void check_round_trip(const struct vmgate_config *c, unsigned n_nics)
{
    static char text[TEXT_MAX], text2[TEXT_MAX], cut[64];
    static struct vmgate_config again, twice;
    int len = config_format(c, n_nics, text, sizeof text);

    formatted_text = NULL;
    if (len < 0 || (size_t)len >= sizeof text || strlen(text) != (size_t)len)
        fail("config_format length");
    formatted_text = text;

    memcpy(&twice, c, sizeof twice);
    reports = 0;
    config_finalize(&twice, n_nics, on_error, NULL);
    if (reports || !config_equal(&twice, c))
        fail("config_finalize is not idempotent");

    config_init(&again);
    reports = 0;
    if (config_parse(&again, text, (size_t)len, on_error, NULL) != 0 || reports)
        fail("formatted text does not parse cleanly");
    config_finalize(&again, n_nics, on_error, NULL);
    if (reports)
        fail("formatted text does not finalize cleanly");
    if (!config_equal(&again, c))
        fail("round trip changed the configuration");
    if (config_format(&again, n_nics, text2, sizeof text2) != len || strcmp(text, text2) != 0)
        fail("round trip changed the text");

    /* A cut buffer: same length returned, the text's prefix, NUL-terminated. */
    size_t room = (size_t)len % sizeof cut;
    memset(cut, 'x', sizeof cut);
    if (config_format(c, n_nics, cut, room) != len)
        fail("cut config_format length");
    if (room > 0 && (strlen(cut) != room - 1 || memcmp(cut, text, room - 1) != 0))
        fail("cut config_format text");
}

/* --- generated text ---------------------------------------------------------------- */

struct choices {
    const unsigned char *p;
    size_t n;
};

/* The next choice among n (0 once the input runs out). */
static unsigned pick(struct choices *ch, unsigned n)
{
    if (ch->n == 0)
        return 0;
    ch->n--;
    return *ch->p++ % n;
}

#define PICK(ch, table) (table[pick((ch), sizeof table / sizeof table[0])])

static const char *const octet_a[] = { "10", "172", "192", "127", "0", "224", "203", "255" };
static const char *const octet_b[] = { "0", "16", "168", "1", "0", "0" };
static const char *const octet_c[] = { "2", "3", "4", "5", "0", "1", "56", "255" };
static const char *const octet_d[] = { "0", "1", "2", "3", "15", "20", "128", "129", "254", "255" };
static const char *const prefixes[] = { "24", "24", "23", "25", "27", "28", "8", "16", "30", "31",
                                        "32", "0", "7", "33" };
static const char *const names[] = { "lab", "shared", "a", "nic1", "x-y.z", "" };
static const char *const ports[] = { "22", "2222", "80", "53", "1", "65535", "0", "65536" };
static const char *const macs[] = { "52:54:00:12:34:56", "52-54-00-12-34-57", "02:00:00:00:00:01",
                                    "01:00:5e:00:00:01", "00:00:00:00:00:00", "52:54:00:12:34" };
static const char *const seps[] = { "\n", ";", "\r\n", " ; ", "\n# comment ; x\n" };

static size_t put(char *buf, size_t len, size_t o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to buf like snprintf, never past len; returns the new end. */
static size_t put(char *buf, size_t len, size_t o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o >= len)
        return o;
    va_start(ap, fmt);
    n = vsnprintf(buf + o, len - o, fmt, ap);
    va_end(ap);
    return n < 0 ? o : (o + (size_t)n < len ? o + (size_t)n : len - 1);
}

static size_t put_ip(char *buf, size_t len, size_t o, struct choices *ch)
{
    return put(buf, len, o, "%s.%s.%s.%s", PICK(ch, octet_a), PICK(ch, octet_b),
               PICK(ch, octet_c), PICK(ch, octet_d));
}

static size_t put_cidr(char *buf, size_t len, size_t o, struct choices *ch)
{
    o = put_ip(buf, len, o, ch);
    return put(buf, len, o, "/%s", PICK(ch, prefixes));
}

static size_t put_owner(char *buf, size_t len, size_t o, struct choices *ch)
{
    unsigned k = pick(ch, 12);
    return k < 10 ? put(buf, len, o, "nic%u", k) : put(buf, len, o, "%s", PICK(ch, names));
}

static size_t put_dhcp_switch(char *buf, size_t len, size_t o, struct choices *ch)
{
    static const char *const sw[] = { "", " dhcp off", " dhcp on" };
    return put(buf, len, o, "%s", PICK(ch, sw));
}

/* Writes up to 40 statements chosen by the input into buf (NUL-terminated). */
static size_t gen_text(struct choices *ch, char *buf, size_t len)
{
    size_t o = 0;

    for (int i = 0; i < 40 && ch->n > 0; i++) {
        unsigned nic = pick(ch, 9);
        switch (pick(ch, 20)) {
        case 0:
            o = put(buf, len, o, "nic%u wan dhcp", nic);
            break;
        case 1:
            o = put(buf, len, o, "nic%u wan ", nic);
            o = put_cidr(buf, len, o, ch);
            o = put(buf, len, o, " gw ");
            o = put_ip(buf, len, o, ch);
            for (unsigned k = 0, n = pick(ch, 5); k < n; k++) {
                o = put(buf, len, o, k ? "," : " dns ");
                o = put_ip(buf, len, o, ch);
            }
            break;
        case 2:
            o = put(buf, len, o, "nic%u nat", nic);
            if (pick(ch, 2)) {
                o = put(buf, len, o, " ");
                o = put_cidr(buf, len, o, ch);
            }
            o = put_dhcp_switch(buf, len, o, ch);
            break;
        case 3:
            o = put(buf, len, o, "nic%u natnet %s", nic, PICK(ch, names));
            break;
        case 4:
            o = put(buf, len, o, "natnetwork %s ", PICK(ch, names));
            o = put_cidr(buf, len, o, ch);
            o = put_dhcp_switch(buf, len, o, ch);
            break;
        case 5:
            o = put(buf, len, o, "nic%u hostonly ", nic);
            o = put_cidr(buf, len, o, ch);
            o = put_dhcp_switch(buf, len, o, ch);
            break;
        case 6:
            o = put(buf, len, o, "nic%u intnet %s", nic, PICK(ch, names));
            break;
        case 7:
            o = put(buf, len, o, "nic%u off", nic);
            break;
        case 8:
            o = put(buf, len, o, "nic%u mtu %u", nic, 60 + pick(ch, 200) * 50);
            break;
        case 9:
        case 10: {
            bool colon = pick(ch, 3) == 0;
            const char *sep = colon ? ":" : ",";
            o = put(buf, len, o, "natpf ");
            o = put_owner(buf, len, o, ch);
            o = put(buf, len, o, " r%u%s%s%s%s", pick(ch, 4), sep, pick(ch, 4) ? "tcp" : "udp",
                    sep, colon ? "[" : "");
            if (pick(ch, 3) == 0)
                o = put_ip(buf, len, o, ch);
            o = put(buf, len, o, "%s%s%s%s%s", colon ? "]" : "", sep, PICK(ch, ports), sep,
                    colon ? "[" : "");
            if (pick(ch, 2))
                o = put_ip(buf, len, o, ch);
            o = put(buf, len, o, "%s%s%s", colon ? "]" : "", sep, PICK(ch, ports));
            break;
        }
        case 11:
            o = put(buf, len, o, "dhcp nic%u host %s ", nic, PICK(ch, macs));
            o = put_ip(buf, len, o, ch);
            if (pick(ch, 2))
                o = put(buf, len, o, " name %s", PICK(ch, names));
            break;
        case 12:
            o = put(buf, len, o, "dns");
            for (unsigned k = 0, n = pick(ch, 5); k < n; k++) {
                o = put(buf, len, o, " ");
                o = put_ip(buf, len, o, ch);
            }
            break;
        case 13:
        case 14: {
            /* DHCP settings of a NIC or a natnetwork, each key at most once, in any
             * order; pools near the network's edges. */
            static const char *const leases[] = { "60", "59", "1h", "90m", "366d", "367d", "7d" };
            static const char *const domains[] = { "lab.test", "a", "-x", "x..y", "lab" };
            unsigned keys = 1 + pick(ch, 7);
            if (pick(ch, 2))
                o = put(buf, len, o, "dhcp nic%u", nic);
            else
                o = put(buf, len, o, "dhcp %s", PICK(ch, names));
            for (unsigned k = 0; k < 3; k++) {
                unsigned key = (k + pick(ch, 3)) % 3;
                if (!(keys & (1u << key)))
                    continue;
                keys &= ~(1u << key);
                if (key == 0)
                    o = put(buf, len, o, " lease %s", PICK(ch, leases));
                else if (key == 1)
                    o = put(buf, len, o, " domain %s", PICK(ch, domains));
                else {
                    o = put(buf, len, o, " pool ");
                    o = put_ip(buf, len, o, ch);
                    o = put(buf, len, o, " ");
                    o = put_ip(buf, len, o, ch);
                }
            }
            break;
        }
        case 15: {
            /* A port's VLANs: IDs near the edges, lists with ranges that may
             * overlap, a native VLAN that may be in the list. */
            static const char *const vids[] = { "1", "2", "10", "20", "4094", "4095", "0" };
            if (pick(ch, 3) == 0) {
                o = put(buf, len, o, "nic%u vlan access %s", nic, PICK(ch, vids));
                break;
            }
            o = put(buf, len, o, "nic%u vlan trunk ", nic);
            for (unsigned k = 0, n = 1 + pick(ch, 4); k < n; k++) {
                o = put(buf, len, o, "%s%s", k ? "," : "", PICK(ch, vids));
                if (pick(ch, 3) == 0)
                    o = put(buf, len, o, "-%s", PICK(ch, vids));
            }
            if (pick(ch, 2))
                o = put(buf, len, o, " native %s", PICK(ch, vids));
            break;
        }
        case 16: {
            static const char *const agings[] = { "1", "0", "30", "5m", "1d", "2d" };
            static const char *const sizes[] = { "16", "15", "64", "1024", "65536", "65537", "1" };
            o = put(buf, len, o, "switch %s", PICK(ch, names));
            unsigned keys = 1 + pick(ch, 7);
            if (keys & 1)
                o = put(buf, len, o, " aging %s", PICK(ch, agings));
            if (keys & 2)
                o = put(buf, len, o, " fdb %s", PICK(ch, sizes));
            if (keys & 4)
                o = put(buf, len, o, " port-fdb %s", PICK(ch, sizes));
            break;
        }
        case 17: {
            /* A tunnel: names that collide with keywords and NICs, ports at the
             * edges, dest addresses a host cannot have, keys twice. */
            static const char *const tnames[] = { "t0", "t1", "far", "nic1", "switch", "lab" };
            static const char *const ports[] = { "1", "0", "4444", "4445", "65535", "65536" };
            static const char *const dests[] = { "127.0.0.1", "10.0.2.2", "0.0.0.0", "224.0.0.1",
                                                 "255.255.255.255", "1.2.3" };
            static const char *const vnis[] = { "1", "0", "42", "16777215", "16777216", "x" };
            static const char *const remotes[] = { "10.0.2.2", "10.0.2.2,10.0.2.3", "1.1.1.1,1.1.1.1",
                                                   "224.0.0.1", "1.2.3.4,", "",
                                                   ("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,"
                                                    "6.6.6.6,7.7.7.7,8.8.8.8,9.9.9.9") };
            if (pick(ch, 2)) {
                o = put(buf, len, o, "tunnel %s vxlan", PICK(ch, tnames));
                for (unsigned k = 0, n = pick(ch, 5); k < n; k++) {
                    switch (pick(ch, 4)) {
                    case 0: o = put(buf, len, o, " vni=%s", PICK(ch, vnis)); break;
                    case 1: o = put(buf, len, o, " remote=%s", PICK(ch, remotes)); break;
                    case 2: o = put(buf, len, o, " sport=%s", PICK(ch, ports)); break;
                    default: o = put(buf, len, o, " dport=%s", PICK(ch, ports)); break;
                    }
                }
                break;
            }
            o = put(buf, len, o, "tunnel %s udp", PICK(ch, tnames));
            for (unsigned k = 0, n = pick(ch, 4); k < n; k++) {
                switch (pick(ch, 3)) {
                case 0: o = put(buf, len, o, " sport=%s", PICK(ch, ports)); break;
                case 1: o = put(buf, len, o, " dest=%s", PICK(ch, dests)); break;
                default: o = put(buf, len, o, " dport=%s", PICK(ch, ports)); break;
                }
            }
            break;
        }
        case 18: {
            static const char *const tnames[] = { "t0", "t1", "far", "lab" };
            static const char *const vlans[] = { "access 10", "access 4095", "trunk 10,20-22 native 1",
                                                 "trunk 5", "trunk 7 native 7" };
            if (pick(ch, 3) == 0)
                o = put(buf, len, o, "%s vlan %s", PICK(ch, tnames), PICK(ch, vlans));
            else
                o = put(buf, len, o, "%s %s %s", PICK(ch, tnames), pick(ch, 2) ? "intnet" : "natnet",
                        PICK(ch, names));
            break;
        }
        default:
            o = put(buf, len, o, "hostname %s", PICK(ch, names));
            break;
        }
        o = put(buf, len, o, "%s", PICK(ch, seps));
    }
    return o;
}

/* --- the target ------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned nic_counts[] = { 0, 3, CFG_MAX_NICS };
    static struct vmgate_config parsed, c;
    static char generated[TEXT_MAX];

    config_init(&parsed);
    if (size > 0 && data[0] == 0) {
        struct choices ch = { data + 1, size - 1 };
        input_len = gen_text(&ch, generated, sizeof generated);
        input_text = generated;
    } else {
        input_len = size;
        input_text = (const char *)data;
    }
    config_parse(&parsed, input_text, input_len, on_error, NULL);
    for (size_t i = 0; i < sizeof nic_counts / sizeof nic_counts[0]; i++) {
        memcpy(&c, &parsed, sizeof c);
        config_finalize(&c, nic_counts[i], on_error, NULL);
        check_round_trip(&c, nic_counts[i]);
    }
    return 0;
}
