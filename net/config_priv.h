/* Internals shared by the configuration's parser (config.c), its scanners
 * (config_lex.c), config_finalize.c and config_format.c. Not for other modules. */
#ifndef VMGATE_CONFIG_PRIV_H
#define VMGATE_CONFIG_PRIV_H

#include "config.h"
#include "ip4.h"

/* Room for a reason ("bad address '...'"): tokens quoted in reasons are cut to
 * CFG_QUOTE_MAX characters so that the reason itself always fits. */
#define CFG_WHY_MAX    192
#define CFG_QUOTE_MAX  48
/* No valid statement has more words than this (`pxe OWNER bios F efi F ipxe F http F`). */
#define CFG_MAX_WORDS  16

/* A statement being parsed: its text for reports, its words, and why it failed. */
struct cfg_stmt {
    char text[CFG_STMT_MAX];
    char buf[CFG_STMT_MAX];          /* the words, NUL-separated, pointed to by w[] */
    const char *w[CFG_MAX_WORDS];
    unsigned n;
    char why[CFG_WHY_MAX];
};

/* Records a reason in s->why (printf-style) and returns false, so that a check
 * reads `if (bad) return cfg_fail(s, ...);`. */
bool cfg_fail(struct cfg_stmt *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- scanners (config_lex.c): each takes a NUL-terminated word and accepts exactly
 * the documented form, nothing more (no signs, no spaces, no leading zeros). --- */

/* A decimal number in min..max, without sign or leading zeros. */
bool cfg_scan_uint(const char *w, uint32_t min, uint32_t max, uint32_t *out);
/* A dotted quad: exactly four decimal parts, each 0..255, no leading zeros (which
 * some parsers read as octal). */
bool cfg_scan_ip4(const char *w, uint32_t *out);
/* ADDR/PREFIX; on failure writes the reason through s. */
bool cfg_scan_cidr(struct cfg_stmt *s, const char *w, uint32_t *addr, uint8_t *prefix);
/* Six two-digit hex octets separated all by ':' or all by '-'. */
bool cfg_scan_mac(const char *w, uint8_t mac[6]);
/* A name for a network or a rule: 1..CFG_NAME_MAX-1 of [A-Za-z0-9._-]. Copies it,
 * zero-padded, into out; on failure writes the reason (naming `what`) through s. */
bool cfg_scan_name(struct cfg_stmt *s, const char *w, const char *what, char out[CFG_NAME_MAX]);
/* A host name: like cfg_scan_name, of [A-Za-z0-9.-], beginning and ending with a
 * letter or digit, no empty label. */
bool cfg_scan_hostname(struct cfg_stmt *s, const char *w, char out[CFG_NAME_MAX]);
/* A DNS domain: a host name's form, up to CFG_DOMAIN_MAX - 1 characters, labels of
 * at most 63. */
bool cfg_scan_domain(struct cfg_stmt *s, const char *w, char out[CFG_DOMAIN_MAX]);
/* A time: decimal seconds, or a number followed by one of s, m, h, d (at most 10
 * digits, so no overflow); the result in seconds, in min..max. */
bool cfg_scan_duration(const char *w, uint32_t min, uint32_t max, uint32_t *out);
/* "nicN" with N a NIC number; on failure writes the reason through s. */
bool cfg_scan_nic(struct cfg_stmt *s, const char *w, int *nic);
/* True if w has the shape of a NIC name ("nic" and digits), valid or not. */
bool cfg_is_nic_word(const char *w);

/* A boot file for `pxe` and `dhcp ... boot`: 1..CFG_FILE_MAX-1 characters; a
 * relative path in the clean form the TFTP and HTTP servers take (no leading '/',
 * no '.', '..' or empty component, no '\\'), or, where url_ok, an http:// or
 * https:// URL. Copies it, zero-padded, into out; on failure writes the reason
 * (naming `what`) through s. */
bool cfg_scan_bootfile(struct cfg_stmt *s, const char *w, const char *what, bool url_ok,
                       char out[CFG_FILE_MAX]);

/* --- address arithmetic (config_lex.c) --- */

bool cfg_in_net(uint32_t a, uint32_t net, uint8_t prefix);
bool cfg_nets_overlap(uint32_t n1, uint8_t p1, uint32_t n2, uint8_t p2);
/* An address a host may have: not in 0/8, 127/8, or 224/3 (multicast, reserved,
 * broadcast). */
bool cfg_is_host_addr(uint32_t a);

/* True when every DHCP setting is the default; true when two sets are the same
 * (config_format.c). */
bool cfg_dhcp_opts_default(const struct cfg_dhcp_opts *d);
bool cfg_dhcp_opts_equal(const struct cfg_dhcp_opts *a, const struct cfg_dhcp_opts *b);

/* True when the PXE settings are the default (on, every file its default); true
 * when two are the same (config_format.c). */
bool cfg_pxe_default(const struct cfg_pxe *p);
bool cfg_pxe_equal(const struct cfg_pxe *a, const struct cfg_pxe *b);

/* --- canonical single statements (config_format.c), for finalize's reports --- */

/* Each writes one statement without newline into buf (CFG_STMT_MAX bytes). */
void cfg_format_nic_role(const struct cfg_nic *n, int i, char *buf);
void cfg_format_nic_mtu(const struct cfg_nic *n, int i, char *buf);
/* `nicN vlan ...` ("" when the NIC's VLANs are the default). */
void cfg_format_nic_vlan(const struct cfg_nic *n, int i, char *buf);
/* `switch NAME ...` with the settings that are not defaults. */
void cfg_format_switch(const struct cfg_switch *w, char *buf);
/* `tunnel NAME udp ...` and `NAME intnet|natnet NET` ("" when unattached). */
void cfg_format_tunnel(const struct cfg_tunnel *t, char *buf);
void cfg_format_tunnel_role(const struct cfg_tunnel *t, char *buf);
/* `NAME vlan ...` ("" when the tunnel's VLANs are the default). */
void cfg_format_tunnel_vlan(const struct cfg_tunnel *t, char *buf);
void cfg_format_natpf(const struct cfg_natpf *r, char *buf);
void cfg_format_host(const struct cfg_dhcp_host *h, char *buf);
/* `dhcp OWNER ...` with the settings of d that are not defaults, OWNER being "nicN"
 * or a natnetwork's name; writes "" when all are defaults. */
void cfg_format_dhcp_opts(const struct cfg_dhcp_opts *d, const char *owner, char *buf);
/* The `pxe OWNER ...` statements that give p: none when it is the default, else
 * `pxe OWNER off`, or the files in one statement when it fits CFG_STMT_MAX and one
 * statement per file when not (a statement keeps the files it does not name, so
 * they add up to the same). Calls emit once per statement. */
void cfg_format_pxe(const struct cfg_pxe *p, const char *owner,
                    void (*emit)(void *ctx, const char *stmt), void *ctx);

#endif
