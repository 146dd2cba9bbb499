/* The DHCP server's PXE policy: which boot file (or URL) a network boot client is
 * told to fetch, and the fields and options that make each kind of client take it
 * at once. It is a dhcps_boot_fn (net/dhcps.h): the server calls it before every
 * OFFER and ACK with the client's parsed request. Pure: no I/O; whether a file
 * exists is asked through a callback (the glue asks the boot-file root).
 *
 * Who is a boot client: one whose option 60 starts with "PXEClient" or
 * "HTTPClient", one that sends option 93 (client architecture, RFC 4578), or
 * iPXE (user class "iPXE", option 77, or iPXE's own option 175). Anyone else (an
 * operating system's DHCP client) gets a plain lease: nothing is added.
 *
 * Which file, the first rule that gives one:
 *   1. off: nothing.
 *   2. iPXE, when the policy has an ipxe file: that file. iPXE that is handed a
 *      firmware's boot file would often load itself again (undionly.kpxe,
 *      ipxe.efi) and loop; the ipxe file is the script it is meant to run.
 *   3. the host's own `boot FILE` (by MAC): that file (as a URL for an HTTP
 *      client when it is a file name).
 *   4. a host with a name: NAME.pxe, when that file exists (VirtualBox's NAT
 *      convention); not for HTTP clients.
 *   5. by kind: HTTP clients (option 60 "HTTPClient", UEFI HTTP Boot) get http as
 *      a URL, http://SERVER/FILE when it is a file name; without an http setting,
 *      the efi file. Architecture 0 (BIOS), or a PXEClient without option 93,
 *      gets bios; 6, 7, 9 (EFI IA32, x64 BC, x64) get efi. Other architectures,
 *      and an option 93 that is not a list of 16-bit types, get nothing.
 * A setting left empty means its default name (PXE_DEFAULT_*), which is offered
 * only when that file exists; a name the configuration gives is offered as it is
 * (a guest that then fails to fetch it says which file it missed).
 *
 * What the reply carries when there is a file: siaddr = the server (vmgate's
 * address on the network: its TFTP and HTTP servers), the header's file field
 * (when the name fits its 127 characters) and option 67 (RFC 2132 9.5: both,
 * since firmwares read one or the other), option 66 (the server's address as
 * text), and:
 *  - to a PXEClient: option 60 "PXEClient" and option 43 with PXE_DISCOVERY_CONTROL
 *    (tag 6) = 8. Facts relied on, from edk2's NetworkPkg/UefiPxeBcDxe:
 *    PxeBcDhcp4.c, PxeBcParseDhcp4Packet() classifies an offer with yiaddr and
 *    "PXEClient" in 60 and a discovery tag (6, 7, 8 or 9) in 43 as DhcpPxe10, one
 *    with "PXEClient" but no such tag as DhcpBinl, one without "PXEClient" as
 *    DhcpOnly; PxeBcSelectDhcp4Offer() prefers DhcpPxe10 over everything;
 *    PxeBcHandleDhcp4Offer() answers a DhcpBinl offer with PxeBcRetryBinlOffer(),
 *    a further request to the boot server's port 4011, which nobody answers here,
 *    so "PXEClient" without option 43 would fail the boot; a DhcpOnly offer
 *    needs its boot file and no proxy offer. PxeBcBoot.c, PxeBcSelectBootPrompt()
 *    skips the prompt, the menu and PxeBc->Discover() (boot-server discovery)
 *    when 43's tag 6 has bit 3 set and a boot file is present, and
 *    PxeBcDhcp4BootInfo() then takes the TFTP server from siaddr (after an
 *    option 43.8 list, before option 54) and the file from 67 or the file field.
 *    PxeBcDhcp4CallBack() keeps collecting offers until its retry timeout whatever
 *    they are (EFI_NOT_READY on Dhcp4RcvdOffer), so no choice here shortens that.
 *    From iPXE's src/net/udp/dhcp.c: dhcp_discovery_rx() leaves discovery at once
 *    when an offer also counts as a ProxyDHCP offer (it carries "PXEClient" in
 *    60), else after DHCP_DISC_PROXY_TIMEOUT_SEC; dhcp_request_rx() then uses
 *    that offer's own settings when dhcp_has_pxeopts() sees siaddr and a boot file
 *    in it, and otherwise sends a ProxyDHCPREQUEST to port 4011 and waits: so the
 *    echo always comes with siaddr and the file. src/usr/autoboot.c,
 *    have_pxe_menu(), shows a PXE menu only with option 43.9 (a boot menu), which
 *    is never sent, and skips one anyway when 43.6 has PXEBS_SKIP (8) and a file
 *    is given.
 *  - to an HTTPClient: option 60 "HTTPClient" (edk2's HttpBootDhcp4.c,
 *    HttpBootParseDhcp4Packet(), takes an offer as an HTTP offer by it) and the
 *    URL in 67 and the file field; the URL names the server by address, so no
 *    DNS is needed.
 * The options are handed to the server as one block, which goes in whole or not
 * at all after the standard ones; at most about 190 bytes, so a reply within the
 * 576 bytes every client accepts keeps them.
 */
#ifndef VMGATE_PXE_H
#define VMGATE_PXE_H

#include "dhcp_msg.h"
#include "dhcps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A boot file name or URL, with its NUL: at most 127 characters, so that it fits
 * the header's file field (128 bytes) as well as option 67. */
#define PXE_NAME_MAX      128
#define PXE_MAX_HOSTS     DHCPS_MAX_HOSTS

#define PXE_DEFAULT_BIOS  "pxelinux.0"
#define PXE_DEFAULT_EFI   "bootx64.efi"
#define PXE_DEFAULT_IPXE  "boot.ipxe"

/* Option 93's values this policy knows (RFC 4578 2.1, IANA's registry). */
#define PXE_ARCH_BIOS      0
#define PXE_ARCH_EFI_IA32  6
#define PXE_ARCH_EFI_BC    7
#define PXE_ARCH_EFI_X64   9
#define PXE_OPT_IPXE_ENCAP 175          /* iPXE's own encapsulated options */
#define PXE_OPT_VENDOR     43           /* vendor-specific information */
#define PXE_DISCOVERY_CONTROL 6         /* PXE's option 43 tag */
#define PXE_DISCOVERY_USE_FILE 0x08     /* bit 3: boot the file given, no discovery */

/* What the request says the client is. */
enum pxe_kind {
    PXE_KIND_NONE,          /* not a boot client: nothing is added */
    PXE_KIND_BIOS,          /* architecture 0, or a PXEClient without option 93 */
    PXE_KIND_EFI,           /* architecture 6, 7 or 9 */
    PXE_KIND_HTTP,          /* option 60 starts with "HTTPClient" */
    PXE_KIND_OTHER,         /* a boot client of another (or an unreadable) architecture */
    PXE_KINDS
};

struct pxe_client {
    enum pxe_kind kind;
    bool ipxe;              /* option 77 "iPXE" or option 175 */
    bool pxeclient;         /* option 60 starts with "PXEClient" */
    bool httpclient;        /* option 60 starts with "HTTPClient" */
    int arch;               /* option 93's first type, or -1 (absent or malformed) */
};

/* Which rule gave the file (the header's list), or why there was none. */
enum pxe_choice {
    PXE_CHOSE_NOTHING,      /* a boot client, but no rule gave a file */
    PXE_CHOSE_IPXE,
    PXE_CHOSE_HOST_BOOT,
    PXE_CHOSE_HOST_NAME,    /* NAME.pxe */
    PXE_CHOSE_KIND,         /* bios, efi or http */
    PXE_CHOSE_OFF,          /* the policy is off */
    PXE_CHOSE_NOT_BOOT,     /* not a boot client */
    PXE_CHOICES
};

/* A host of the network with a name (for NAME.pxe) or a boot file of its own. */
struct pxe_host {
    uint8_t mac[6];
    char name[DHCPS_NAME_MAX];          /* "" for none */
    char boot[PXE_NAME_MAX];            /* "" for none */
};

struct pxe_stats {
    uint64_t kind[PXE_KINDS];           /* requests seen, by kind */
    uint64_t ipxe;                      /* of which iPXE */
    uint64_t chose[PXE_CHOICES];        /* replies, by the rule that decided */
};

/* One network's policy. Strings are NUL-terminated; "" for a setting means its
 * default (see above). A file name is relative, as the TFTP and HTTP servers take
 * it; a URL (http:// or https://) is handed out as it is. */
struct pxe_policy {
    bool off;
    char bios[PXE_NAME_MAX];
    char efi[PXE_NAME_MAX];
    char ipxe[PXE_NAME_MAX];
    char http[PXE_NAME_MAX];
    uint32_t server_ip;                 /* host order: siaddr, option 66, URLs */
    struct pxe_host hosts[PXE_MAX_HOSTS];
    unsigned n_hosts;
    /* Whether path (a cleaned relative path) is a file of the root; NULL: there
     * is no root, and nothing exists. */
    bool (*exists)(void *ctx, const char *path);
    void *exists_ctx;
    struct pxe_stats stats;
};

/* Reads what req says of the client into *c. Never fails: malformed values of
 * the options it reads (93 of an odd length or empty) count as absent. */
void pxe_classify(const struct dhcp_msg *req, struct pxe_client *c);

/* Decides for req under p and fills *boot (which the caller zeroed) with what the
 * reply must carry; counts the request in p->stats. Returns the rule that
 * decided. When one gives a file, the file or URL is also written to name
 * (PXE_NAME_MAX + 32 bytes, for a URL built from a file name) if name is not
 * NULL. */
#define PXE_URL_MAX (PXE_NAME_MAX + 32)
enum pxe_choice pxe_decide(struct pxe_policy *p, const struct dhcp_msg *req,
                           struct dhcps_boot *boot, char name[PXE_URL_MAX]);

/* The dhcps_boot_fn: ctx is a struct pxe_policy. */
void pxe_boot_hook(void *ctx, const struct dhcp_msg *req, uint32_t yiaddr, struct dhcps_boot *boot);

/* True when s is a URL the policy hands out as it is (http:// or https:// and
 * something after it). */
bool pxe_is_url(const char *s);

const char *pxe_kind_name(enum pxe_kind k);
const char *pxe_choice_name(enum pxe_choice c);

#endif
