/* BOOTP/DHCP message parsing and building. Every read of the input is checked
 * against the length the caller gave; lengths inside the message are only trusted
 * after being checked against that. See dhcp_msg.h for the contracts. */
#include "dhcp_msg.h"
#include "bytes.h"

#include <errno.h>
#include <string.h>

/* The three places options can live, in the order RFC 3396 joins split options. */
enum area { AREA_OPTIONS, AREA_FILE, AREA_SNAME };

static void set_present(struct dhcp_msg *m, uint8_t code)
{
    m->present[code >> 3] |= (uint8_t)(1u << (code & 7));
}

bool dhcp_msg_has(const struct dhcp_msg *m, uint8_t code)
{
    return (m->present[code >> 3] >> (code & 7)) & 1;
}

/* Walks the options in buf[start, end). In the counting pass (copy false) it checks
 * the structure, marks codes present and adds each part's length to m->len; in the
 * copying pass it appends each part at m->off[code] + m->len[code] (m->len counting
 * up again from 0). The counting pass has already checked everything the copying
 * pass reads, so the copying pass cannot fail. Returns 0 or -EBADMSG. */
static int walk_area(struct dhcp_msg *m, const uint8_t *buf, size_t start, size_t end,
                     enum area area, bool copy)
{
    size_t i = start;

    while (i < end) {
        uint8_t code = buf[i];
        if (code == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END)
            return 0;
        if (end - i < 2)
            return -EBADMSG;                /* a code without its length byte */
        size_t l = buf[i + 1];
        if (end - i - 2 < l)
            return -EBADMSG;                /* the value runs past the field */
        /* Option 52 says where else to look, so it may only be in the options
         * field itself (RFC 2131 4.1). */
        if (code == DHCP_OPT_OVERLOAD && area != AREA_OPTIONS)
            return -EBADMSG;
        if (copy) {
            memcpy(m->data + m->off[code] + m->len[code], buf + i + 2, l);
            m->len[code] = (uint16_t)(m->len[code] + l);
        } else {
            /* Keep option 52's value as we pass it; if there are several parts,
             * the length check in walk_all refuses the message anyway. */
            if (code == DHCP_OPT_OVERLOAD && l >= 1)
                m->overload = buf[i + 2];
            set_present(m, code);
            m->len[code] = (uint16_t)(m->len[code] + l);
        }
        i += 2 + l;
    }
    return 0;
}

/* Walks every area in use: the options field, then file and sname when option 52
 * says so. */
static int walk_all(struct dhcp_msg *m, const uint8_t *buf, size_t len, bool copy)
{
    int rc = walk_area(m, buf, DHCP_OPTIONS_OFF, len, AREA_OPTIONS, copy);
    if (rc)
        return rc;
    if (!copy) {
        /* Option 52 must be settled before looking further. Its parts are only in
         * the options field, so after this first walk its length is final. */
        if (dhcp_msg_has(m, DHCP_OPT_OVERLOAD) &&
            (m->len[DHCP_OPT_OVERLOAD] != 1 || m->overload < 1 || m->overload > 3))
            return -EBADMSG;
    }
    if (m->overload & DHCP_OVERLOAD_FILE) {
        rc = walk_area(m, buf, DHCP_FILE_OFF, DHCP_FILE_OFF + DHCP_FILE_LEN, AREA_FILE, copy);
        if (rc)
            return rc;
    }
    if (m->overload & DHCP_OVERLOAD_SNAME) {
        rc = walk_area(m, buf, DHCP_SNAME_OFF, DHCP_SNAME_OFF + DHCP_SNAME_LEN, AREA_SNAME, copy);
        if (rc)
            return rc;
    }
    return 0;
}

/* The options a server reads, with the lengths they must have; a message that
 * gets one of them wrong is refused whole, since its sender cannot be trusted to
 * mean what the rest says. exact: the length must be min; else at least min. */
static const struct {
    uint8_t code;
    uint8_t min;
    bool exact;
} checked_options[] = {
    { DHCP_OPT_MSG_TYPE, 1, true },
    { DHCP_OPT_REQUESTED_IP, 4, true },
    { DHCP_OPT_LEASE_TIME, 4, true },
    { DHCP_OPT_SERVER_ID, 4, true },
    { DHCP_OPT_MAX_MSG_SIZE, 2, true },
    { DHCP_OPT_CLIENT_ID, 2, false },
    { DHCP_OPT_HOST_NAME, 1, false },
    { DHCP_OPT_PARAM_REQUEST, 1, false },
    { DHCP_OPT_RELAY_AGENT, 2, false },
};

static int check_lengths(const struct dhcp_msg *m)
{
    for (size_t i = 0; i < sizeof checked_options / sizeof checked_options[0]; i++) {
        uint8_t code = checked_options[i].code;
        if (!dhcp_msg_has(m, code))
            continue;
        size_t l = m->len[code];
        if (checked_options[i].exact ? l != checked_options[i].min : l < checked_options[i].min)
            return -EBADMSG;
    }
    return 0;
}

static void parse_header(struct dhcp_hdr *h, const uint8_t *buf)
{
    h->op = buf[0];
    h->htype = buf[1];
    h->hlen = buf[2];
    h->hops = buf[3];
    h->xid = get_be32(buf + 4);
    h->secs = get_be16(buf + 8);
    h->flags = get_be16(buf + 10);
    h->ciaddr = get_be32(buf + 12);
    h->yiaddr = get_be32(buf + 16);
    h->siaddr = get_be32(buf + 20);
    h->giaddr = get_be32(buf + 24);
    memcpy(h->chaddr, buf + 28, DHCP_CHADDR_LEN);
    memcpy(h->sname, buf + DHCP_SNAME_OFF, DHCP_SNAME_LEN);
    memcpy(h->file, buf + DHCP_FILE_OFF, DHCP_FILE_LEN);
}

/* Contract in dhcp_msg.h. Two walks over the options: the first checks and
 * measures, so that each option's parts can then be copied next to each other
 * into data, whose size the total of all parts can never exceed (they are a
 * subset of the message's own bytes). */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
    if (len < DHCP_OPTIONS_OFF)
        return -EMSGSIZE;
    if (len > DHCP_MSG_MAX)
        return -E2BIG;
    parse_header(&m->hdr, buf);
    if (m->hdr.hlen > DHCP_CHADDR_LEN)
        return -EBADMSG;
    if (get_be32(buf + DHCP_FIXED_LEN) != DHCP_MAGIC_COOKIE)
        return -EPROTO;

    m->type = DHCP_NONE;
    m->overload = 0;
    memset(m->present, 0, sizeof m->present);
    memset(m->len, 0, sizeof m->len);
    int rc = walk_all(m, buf, len, false);
    if (rc)
        return rc;

    unsigned at = 0;
    for (unsigned c = 0; c < 256; c++) {
        m->off[c] = (uint16_t)at;
        at += m->len[c];
        m->len[c] = 0;
    }
    walk_all(m, buf, len, true);

    rc = check_lengths(m);
    if (rc)
        return rc;
    if (dhcp_msg_has(m, DHCP_OPT_MSG_TYPE)) {
        m->type = m->data[m->off[DHCP_OPT_MSG_TYPE]];
        if (m->type == DHCP_NONE)
            return -EBADMSG;
    }
    if (m->overload & DHCP_OVERLOAD_FILE)
        memset(m->hdr.file, 0, DHCP_FILE_LEN);
    if (m->overload & DHCP_OVERLOAD_SNAME)
        memset(m->hdr.sname, 0, DHCP_SNAME_LEN);
    return 0;
}

const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
    if (!dhcp_msg_has(m, code)) {
        *len = 0;
        return NULL;
    }
    *len = m->len[code];
    return m->data + m->off[code];
}

bool dhcp_msg_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *out)
{
    size_t len;
    const uint8_t *v = dhcp_msg_opt(m, code, &len);
    if (!v || len != 4)
        return false;
    *out = get_be32(v);
    return true;
}

/* --- building ------------------------------------------------------------------- */

int dhcp_build_begin(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_hdr *h)
{
    if (cap < DHCP_BOOTP_MIN_LEN)
        return -ENOSPC;
    b->buf = buf;
    b->cap = cap;
    b->reserve = 0;
    memset(buf, 0, DHCP_OPTIONS_OFF);
    buf[0] = h->op;
    buf[1] = h->htype;
    buf[2] = h->hlen;
    buf[3] = h->hops;
    put_be32(buf + 4, h->xid);
    put_be16(buf + 8, h->secs);
    put_be16(buf + 10, h->flags);
    put_be32(buf + 12, h->ciaddr);
    put_be32(buf + 16, h->yiaddr);
    put_be32(buf + 20, h->siaddr);
    put_be32(buf + 24, h->giaddr);
    memcpy(buf + 28, h->chaddr, DHCP_CHADDR_LEN);
    memcpy(buf + DHCP_SNAME_OFF, h->sname, DHCP_SNAME_LEN);
    memcpy(buf + DHCP_FILE_OFF, h->file, DHCP_FILE_LEN);
    put_be32(buf + DHCP_FIXED_LEN, DHCP_MAGIC_COOKIE);
    b->len = DHCP_OPTIONS_OFF;
    return 0;
}

/* True when n more bytes fit, leaving room for the reserve and End. */
static bool fits(const struct dhcp_builder *b, size_t n)
{
    return b->len + n + b->reserve + 1 <= b->cap;
}

int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *val, size_t len)
{
    if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || len > 255)
        return -EINVAL;
    if (!fits(b, 2 + len))
        return -ENOSPC;
    b->buf[b->len] = code;
    b->buf[b->len + 1] = (uint8_t)len;
    if (len)
        memcpy(b->buf + b->len + 2, val, len);
    b->len += 2 + len;
    return 0;
}

int dhcp_build_opt_u8(struct dhcp_builder *b, uint8_t code, uint8_t v)
{
    return dhcp_build_opt(b, code, &v, 1);
}

int dhcp_build_opt_u16(struct dhcp_builder *b, uint8_t code, uint16_t v)
{
    uint8_t be[2];
    put_be16(be, v);
    return dhcp_build_opt(b, code, be, 2);
}

int dhcp_build_opt_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
    uint8_t be[4];
    put_be32(be, v);
    return dhcp_build_opt(b, code, be, 4);
}

int dhcp_build_raw(struct dhcp_builder *b, const uint8_t *opts, size_t len)
{
    for (size_t i = 0; i < len;) {
        if (opts[i] == DHCP_OPT_PAD || opts[i] == DHCP_OPT_END || len - i < 2 ||
            len - i - 2 < opts[i + 1])
            return -EINVAL;
        i += 2 + (size_t)opts[i + 1];
    }
    if (!fits(b, len))
        return -ENOSPC;
    if (len)
        memcpy(b->buf + b->len, opts, len);
    b->len += len;
    return 0;
}

void dhcp_build_reserve(struct dhcp_builder *b, size_t n)
{
    b->reserve = n;
}

size_t dhcp_build_finish(struct dhcp_builder *b)
{
    /* begin() guaranteed cap >= DHCP_BOOTP_MIN_LEN and every option left a byte
     * for End, so both writes stay inside the buffer. */
    b->buf[b->len++] = DHCP_OPT_END;
    if (b->len < DHCP_BOOTP_MIN_LEN) {
        memset(b->buf + b->len, 0, DHCP_BOOTP_MIN_LEN - b->len);
        b->len = DHCP_BOOTP_MIN_LEN;
    }
    return b->len;
}

const char *dhcp_type_name(unsigned type)
{
    static const char *const names[] = {
        "BOOTP", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : "?";
}
