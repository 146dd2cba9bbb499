/* The test client-message builder; contracts in dhcp_cmsg.h. */
#include "dhcp_cmsg.h"
#include "unit.h"
#include "net/bytes.h"

#include <string.h>

void test_mac(uint8_t mac[6], uint8_t n)
{
    static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x00 };
    memcpy(mac, base, 6);
    mac[5] = n;
}

void cmsg_begin(struct cmsg *m, uint8_t type, uint8_t n, uint32_t xid)
{
    memset(m, 0, sizeof *m);
    m->buf[0] = BOOTREQUEST;
    m->buf[1] = 1;
    m->buf[2] = 6;
    put_be32(m->buf + 4, xid);
    test_mac(m->buf + 28, n);
    put_be32(m->buf + DHCP_FIXED_LEN, DHCP_MAGIC_COOKIE);
    m->len = DHCP_OPTIONS_OFF;
    if (type) {
        uint8_t t = type;
        cmsg_opt(m, DHCP_OPT_MSG_TYPE, &t, 1);
    }
}

void cmsg_ciaddr(struct cmsg *m, uint32_t ip)
{
    put_be32(m->buf + 12, ip);
}

void cmsg_giaddr(struct cmsg *m, uint32_t ip)
{
    put_be32(m->buf + 24, ip);
}

void cmsg_flags(struct cmsg *m, uint16_t flags)
{
    put_be16(m->buf + 10, flags);
}

void cmsg_opt(struct cmsg *m, uint8_t code, const void *val, size_t len)
{
    REQUIRE(len <= 255 && m->len + 2 + len < sizeof m->buf);
    m->buf[m->len++] = code;
    m->buf[m->len++] = (uint8_t)len;
    memcpy(m->buf + m->len, val, len);
    m->len += len;
}

void cmsg_opt_ip(struct cmsg *m, uint8_t code, uint32_t ip)
{
    uint8_t v[4];
    put_be32(v, ip);
    cmsg_opt(m, code, v, 4);
}

void cmsg_opt_u16(struct cmsg *m, uint8_t code, uint16_t v)
{
    uint8_t b[2];
    put_be16(b, v);
    cmsg_opt(m, code, b, 2);
}

void cmsg_end(struct cmsg *m)
{
    REQUIRE(m->len < sizeof m->buf);
    m->buf[m->len++] = DHCP_OPT_END;
}
