/* Contracts in tftp_msg.h. */
#include "tftp_msg.h"
#include "bytes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint16_t tftp_opcode_of(const uint8_t *msg, size_t len)
{
    return len >= 2 ? get_be16(msg) : 0;
}

/* The NUL-terminated string at msg[*at..len): its start and length, *at moved past
 * the NUL. False when no NUL comes before len. */
static bool take_string(const uint8_t *msg, size_t len, size_t *at, const char **s, size_t *slen)
{
    const uint8_t *start = msg + *at;
    const uint8_t *nul = memchr(start, 0, len - *at);
    if (!nul)
        return false;
    *s = (const char *)start;
    *slen = (size_t)(nul - start);
    *at += *slen + 1;
    return true;
}

static bool name_is(const char *s, size_t len, const char *lower)
{
    size_t n = strlen(lower);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

static void note_option(struct tftp_request *req, const char *name, size_t name_len,
                        const char *val, size_t val_len)
{
    struct tftp_optval *slot = NULL;
    if (name_is(name, name_len, "blksize"))
        slot = &req->blksize;
    else if (name_is(name, name_len, "timeout"))
        slot = &req->timeout;
    else if (name_is(name, name_len, "tsize"))
        slot = &req->tsize;
    else if (name_is(name, name_len, "windowsize"))
        slot = &req->windowsize;
    if (!slot) {
        req->n_unknown++;
        return;
    }
    if (slot->present) {
        req->n_duplicate++;
        return;
    }
    slot->present = true;
    slot->val = val;
    slot->len = val_len;
}

int tftp_parse_request(const uint8_t *msg, size_t len, struct tftp_request *req)
{
    memset(req, 0, sizeof *req);
    uint16_t op = tftp_opcode_of(msg, len);
    if (op != TFTP_RRQ && op != TFTP_WRQ)
        return -EBADMSG;
    req->opcode = op;
    size_t at = 2;
    if (!take_string(msg, len, &at, &req->name, &req->name_len))
        return -EBADMSG;
    if (at >= len || !take_string(msg, len, &at, &req->mode, &req->mode_len))
        return -EBADMSG;
    while (at < len) {
        const char *name, *val;
        size_t name_len, val_len;
        if (!take_string(msg, len, &at, &name, &name_len))
            return -EBADMSG;
        if (name_len == 0)
            continue;                       /* NUL padding after the options */
        if (at >= len || !take_string(msg, len, &at, &val, &val_len))
            return -EBADMSG;
        note_option(req, name, name_len, val, val_len);
    }
    return 0;
}

int tftp_parse_mode(const char *mode, size_t len)
{
    if (name_is(mode, len, "octet"))
        return TFTP_MODE_OCTET;
    if (name_is(mode, len, "netascii"))
        return TFTP_MODE_NETASCII;
    if (name_is(mode, len, "mail"))
        return -ENOTSUP;
    return -EINVAL;
}

int tftp_parse_uint(const struct tftp_optval *v, uint64_t max, uint64_t *out)
{
    if (!v->present || v->len == 0)
        return -EINVAL;
    uint64_t n = 0;
    bool above = false;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->val[i];
        if (c < '0' || c > '9')
            return -EINVAL;
        if (!above) {
            n = n * 10 + (uint64_t)(c - '0');
            above = n > max;                /* stops before n can overflow: max < 2^64 / 10 */
        }
    }
    *out = above ? max : n;
    return above ? -ERANGE : 0;
}

int tftp_parse_ack(const uint8_t *msg, size_t len, uint16_t *block)
{
    if (len < TFTP_HDR_LEN || get_be16(msg) != TFTP_ACK)
        return -EBADMSG;
    *block = get_be16(msg + 2);
    return 0;
}

int tftp_parse_error(const uint8_t *msg, size_t len, uint16_t *code)
{
    if (len < TFTP_HDR_LEN || get_be16(msg) != TFTP_ERROR)
        return -EBADMSG;
    *code = get_be16(msg + 2);
    return 0;
}

size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *text)
{
    put_be16(buf, TFTP_ERROR);
    put_be16(buf + 2, code);
    size_t n = strlen(text);
    if (n > cap - TFTP_HDR_LEN - 1)
        n = cap - TFTP_HDR_LEN - 1;
    memcpy(buf + TFTP_HDR_LEN, text, n);
    buf[TFTP_HDR_LEN + n] = 0;
    return TFTP_HDR_LEN + n + 1;
}

void tftp_put_header(uint8_t hdr[TFTP_HDR_LEN], uint16_t opcode, uint16_t block)
{
    put_be16(hdr, opcode);
    put_be16(hdr + 2, block);
}

size_t tftp_oack_start(uint8_t *buf, size_t cap)
{
    put_be16(buf, TFTP_OACK);
    return 2;
}

size_t tftp_oack_add(uint8_t *buf, size_t cap, size_t len, const char *name, uint64_t value)
{
    char num[24];
    int vn = snprintf(num, sizeof num, "%llu", (unsigned long long)value);
    size_t nn = strlen(name);
    size_t need = nn + 1 + (size_t)vn + 1;
    if (len > cap || need > cap - len)
        return 0;
    memcpy(buf + len, name, nn + 1);
    memcpy(buf + len + nn + 1, num, (size_t)vn + 1);
    return len + need;
}

size_t tftp_netascii_encode(const uint8_t *src, size_t src_len, size_t *consumed, uint8_t *dst,
                            size_t room, int *carry)
{
    size_t o = 0, i = 0;
    if (*carry >= 0 && o < room) {
        dst[o++] = (uint8_t)*carry;
        *carry = -1;
    }
    while (o < room && i < src_len) {
        uint8_t c = src[i++];
        if (c == '\n' || c == '\r') {
            dst[o++] = '\r';
            uint8_t second = c == '\n' ? '\n' : '\0';
            if (o < room)
                dst[o++] = second;
            else
                *carry = second;
        } else {
            dst[o++] = c;
        }
    }
    *consumed = i;
    return o;
}

const char *tftp_opcode_name(uint16_t opcode)
{
    static const char *const names[] = {
        [TFTP_RRQ] = "RRQ", [TFTP_WRQ] = "WRQ", [TFTP_DATA] = "DATA",
        [TFTP_ACK] = "ACK", [TFTP_ERROR] = "ERROR", [TFTP_OACK] = "OACK",
    };
    if (opcode < sizeof names / sizeof names[0] && names[opcode])
        return names[opcode];
    return "?";
}
