/* BOOTP/DHCP messages (RFC 951, RFC 2131, RFC 2132, RFC 3396): parsing untrusted
 * bytes into a checked structure, and building replies. Pure: no I/O, no lwIP, no
 * allocation; builds in the kernel and on the host.
 *
 * Addresses in this API are IPv4 in host byte order (10.0.2.15 == 0x0a00020f), as
 * in net/config.h; on the wire they are big-endian. */
#ifndef VMGATE_DHCP_MSG_H
#define VMGATE_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT     67
#define DHCP_CLIENT_PORT     68

/* The fixed part (op .. file) is 236 bytes, then the 4-byte magic cookie; a DHCP
 * message is never shorter than these 240 bytes. */
#define DHCP_FIXED_LEN       236
#define DHCP_OPTIONS_OFF     240
#define DHCP_MAGIC_COOKIE    0x63825363u
#define DHCP_CHADDR_LEN      16
#define DHCP_SNAME_LEN       64
#define DHCP_FILE_LEN        128
#define DHCP_SNAME_OFF       44
#define DHCP_FILE_OFF        108
/* The largest message accepted: a UDP payload in one 1500-byte Ethernet frame with
 * room to spare. Anything longer is refused rather than cut. */
#define DHCP_MSG_MAX         1500
/* A client must accept 576-byte IP datagrams (RFC 2131 2, RFC 2132 9.10): 548
 * bytes of DHCP message after the IP and UDP headers. */
#define DHCP_IP_UDP_HLEN     28
#define DHCP_MIN_IP_DATAGRAM 576
/* BOOTP's 300-byte minimum (RFC 951 with its 64-byte vendor area): replies are
 * padded to it, since some relays and old clients drop shorter ones. */
#define DHCP_BOOTP_MIN_LEN   300

#define BOOTREQUEST          1
#define BOOTREPLY            2
#define DHCP_FLAG_BROADCAST  0x8000

/* Message types, option 53 (RFC 2132 9.6). */
enum dhcp_type {
    DHCP_NONE = 0,          /* no option 53: plain BOOTP */
    DHCPDISCOVER = 1,
    DHCPOFFER = 2,
    DHCPREQUEST = 3,
    DHCPDECLINE = 4,
    DHCPACK = 5,
    DHCPNAK = 6,
    DHCPRELEASE = 7,
    DHCPINFORM = 8,
    DHCP_TYPE_MAX = 8,
};

/* Option codes this code knows by name (RFC 2132, RFC 3046, RFC 4578). */
enum dhcp_option {
    DHCP_OPT_PAD = 0,
    DHCP_OPT_SUBNET_MASK = 1,
    DHCP_OPT_ROUTER = 3,
    DHCP_OPT_DNS = 6,
    DHCP_OPT_HOST_NAME = 12,
    DHCP_OPT_DOMAIN_NAME = 15,
    DHCP_OPT_MTU = 26,
    DHCP_OPT_BROADCAST = 28,
    DHCP_OPT_REQUESTED_IP = 50,
    DHCP_OPT_LEASE_TIME = 51,
    DHCP_OPT_OVERLOAD = 52,
    DHCP_OPT_MSG_TYPE = 53,
    DHCP_OPT_SERVER_ID = 54,
    DHCP_OPT_PARAM_REQUEST = 55,
    DHCP_OPT_MESSAGE = 56,
    DHCP_OPT_MAX_MSG_SIZE = 57,
    DHCP_OPT_T1 = 58,
    DHCP_OPT_T2 = 59,
    DHCP_OPT_VENDOR_CLASS = 60,
    DHCP_OPT_CLIENT_ID = 61,
    DHCP_OPT_TFTP_SERVER = 66,
    DHCP_OPT_BOOTFILE = 67,
    DHCP_OPT_USER_CLASS = 77,
    DHCP_OPT_RELAY_AGENT = 82,
    DHCP_OPT_CLIENT_ARCH = 93,
    DHCP_OPT_END = 255,
};

/* Option 52's values: which of the header's fields also carry options. */
#define DHCP_OVERLOAD_FILE   1
#define DHCP_OVERLOAD_SNAME  2

/* The fixed fields of a message, addresses in host order. sname and file hold the
 * header's bytes as they were, or zeros where option 52 says they carry options. */
struct dhcp_hdr {
    uint8_t op, htype, hlen, hops;
    uint32_t xid;
    uint16_t secs, flags;
    uint32_t ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[DHCP_CHADDR_LEN];
    uint8_t sname[DHCP_SNAME_LEN];
    uint8_t file[DHCP_FILE_LEN];
};

/* A parsed message. Each option's value is kept whole in data: an option that
 * appears several times is one value, its parts joined in the order RFC 3396 gives
 * (options field, then file, then sname). Lives in the caller's storage (about
 * 3 KB), so that nothing is allocated per packet. */
struct dhcp_msg {
    struct dhcp_hdr hdr;
    uint8_t type;                   /* option 53's value, or DHCP_NONE */
    uint8_t overload;               /* option 52's value, or 0 */
    uint8_t present[256 / 8];       /* bit per option code */
    uint16_t off[256];              /* where each present option's value starts in data */
    uint16_t len[256];              /* and its length (0 is allowed for some options) */
    uint8_t data[DHCP_MSG_MAX];
};

/* Parses len bytes at buf (a UDP payload) into m. Checks, and refuses with a
 * negative errno:
 *  -EMSGSIZE  shorter than the fixed header and cookie;
 *  -E2BIG     longer than DHCP_MSG_MAX;
 *  -EPROTO    no magic cookie (also plain BOOTP with a vendor area of its own);
 *  -EBADMSG   an option running past its field, option 52 anywhere but the
 *             options field or with a bad value, hlen over 16, or a bad length in
 *             one of the options a server reads (53, 50, 51, 54, 57: fixed sizes;
 *             61: at least 2; 12, 55: at least 1; 82: at least 2).
 * Pad options are skipped, End ends a field, and a field that runs to its end
 * without End is accepted (old clients do that). Reads nothing outside
 * [buf, buf + len). On error m's contents are unspecified. Returns 0 on success. */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len);

/* True when option code was present (even with an empty value). */
bool dhcp_msg_has(const struct dhcp_msg *m, uint8_t code);
/* The value of option code and its length in *len, or NULL (and *len 0) if absent.
 * The pointer is into m, valid while m is. */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len);
/* Option code as a 4-byte address (host order) in *out; false if absent. The
 * parser has checked the length of the address options it knows (50, 54); for
 * others a length other than 4 also gives false. */
bool dhcp_msg_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *out);

/* Writes replies into a caller's buffer: the fixed header, the cookie, options in
 * the order added, End, then zeros up to DHCP_BOOTP_MIN_LEN. `cap` is the most the
 * finished message may take (the client's limit); options that would not leave
 * room for End and for `reserve` bytes are refused, so that the caller can keep
 * room for what must come last (option 82). */
struct dhcp_builder {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t reserve;
};

/* Starts a message in buf (cap bytes, at least DHCP_BOOTP_MIN_LEN) from the
 * fixed fields in *h, followed by the cookie. Returns 0, or -ENOSPC if cap is
 * too small. */
int dhcp_build_begin(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_hdr *h);
/* Appends option code with len bytes of value (len <= 255; codes 0 and 255 are
 * refused). Returns 0, -EINVAL, or -ENOSPC when it would not fit (nothing is
 * written then). */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *val, size_t len);
/* Shorthands for 1-, 2- and 4-byte values (big-endian on the wire). */
int dhcp_build_opt_u8(struct dhcp_builder *b, uint8_t code, uint8_t v);
int dhcp_build_opt_u16(struct dhcp_builder *b, uint8_t code, uint16_t v);
int dhcp_build_opt_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);
/* Appends already encoded options (code, length, value ...) as they are, for
 * callers that build their own (the PXE policy). They must be well formed; the
 * builder checks that, and that they fit. Returns 0, -EINVAL or -ENOSPC. */
int dhcp_build_raw(struct dhcp_builder *b, const uint8_t *opts, size_t len);
/* Keeps n bytes free before End from now on (0 to release them). */
void dhcp_build_reserve(struct dhcp_builder *b, size_t n);
/* Writes End and the padding; returns the message's length. */
size_t dhcp_build_finish(struct dhcp_builder *b);

/* The name of a message type ("DISCOVER", ...), or "?" for others. */
const char *dhcp_type_name(unsigned type);

#endif
