/* Tests of the DHCP message parser and builder (net/dhcp_msg.c): fields and
 * options come out as sent, split and overloaded options are joined in RFC 3396's
 * order, and every structural error is refused with the documented error. */
#include "unit.h"
#include "dhcp_cmsg.h"
#include "net/bytes.h"

#include <errno.h>
#include <string.h>

static struct dhcp_msg m;
static struct cmsg c;

TEST(dhcp_msg_parses_header_and_options)
{
    uint8_t prl[] = { 1, 3, 6 };
    cmsg_begin(&c, DHCPDISCOVER, 7, 0xdeadbeef);
    cmsg_flags(&c, DHCP_FLAG_BROADCAST);
    cmsg_ciaddr(&c, IP4(10, 0, 2, 99));
    cmsg_opt(&c, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    cmsg_opt_ip(&c, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 20));
    cmsg_end(&c);
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    CHECK_EQ_INT(m.hdr.op, BOOTREQUEST);
    CHECK_EQ_INT(m.hdr.htype, 1);
    CHECK_EQ_INT(m.hdr.hlen, 6);
    CHECK_EQ_INT(m.hdr.xid, 0xdeadbeef);
    CHECK_EQ_INT(m.hdr.flags, DHCP_FLAG_BROADCAST);
    CHECK_EQ_INT(m.hdr.ciaddr, IP4(10, 0, 2, 99));
    CHECK_EQ_INT(m.hdr.chaddr[5], 7);
    CHECK_EQ_INT(m.type, DHCPDISCOVER);
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&m, DHCP_OPT_PARAM_REQUEST, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 3);
    CHECK_MEM(v, prl, 3);
    uint32_t ip;
    CHECK(dhcp_msg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, &ip));
    CHECK_EQ_INT(ip, IP4(10, 0, 2, 20));
    CHECK(!dhcp_msg_has(&m, DHCP_OPT_CLIENT_ID));
    CHECK(dhcp_msg_opt(&m, DHCP_OPT_CLIENT_ID, &n) == NULL);
    CHECK_EQ_INT(n, 0);
    CHECK(!dhcp_msg_opt_ip(&m, DHCP_OPT_SERVER_ID, &ip));
}

TEST(dhcp_msg_refuses_short_and_long_messages)
{
    uint8_t buf[DHCP_MSG_MAX + 1];
    memset(buf, 0, sizeof buf);
    put_be32(buf + DHCP_FIXED_LEN, DHCP_MAGIC_COOKIE);
    for (size_t len = 0; len < DHCP_OPTIONS_OFF; len++)
        CHECK_EQ_INT(dhcp_msg_parse(&m, buf, len), -EMSGSIZE);
    CHECK_EQ_INT(dhcp_msg_parse(&m, buf, DHCP_OPTIONS_OFF), 0);
    CHECK_EQ_INT(m.type, DHCP_NONE);
    CHECK_EQ_INT(dhcp_msg_parse(&m, buf, DHCP_MSG_MAX), 0);   /* all pads */
    CHECK_EQ_INT(dhcp_msg_parse(&m, buf, DHCP_MSG_MAX + 1), -E2BIG);
}

TEST(dhcp_msg_refuses_bad_cookie)
{
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_end(&c);
    c.buf[DHCP_FIXED_LEN + 3] ^= 1;
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EPROTO);
}

TEST(dhcp_msg_refuses_hlen_over_16)
{
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_end(&c);
    c.buf[2] = 17;
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    c.buf[2] = 16;
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
}

TEST(dhcp_msg_refuses_option_past_the_end)
{
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    uint8_t v[10] = { 0 };
    cmsg_opt(&c, 60, v, sizeof v);
    /* Cut inside the value, then right after the code: both run past the end. */
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len - 1), -EBADMSG);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len - 11), -EBADMSG);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len - 12), 0);    /* ends before 60 */
    /* Without End the field simply runs to the end of the message. */
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    CHECK(dhcp_msg_has(&m, 60));
}

TEST(dhcp_msg_skips_pads_and_stops_at_end)
{
    cmsg_begin(&c, 0, 1, 1);
    c.buf[c.len++] = DHCP_OPT_PAD;
    c.buf[c.len++] = DHCP_OPT_PAD;
    uint8_t t = DHCPINFORM;
    cmsg_opt(&c, DHCP_OPT_MSG_TYPE, &t, 1);
    cmsg_end(&c);
    /* After End, garbage (even a broken option) is not looked at. */
    c.buf[c.len++] = 60;
    c.buf[c.len++] = 200;
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    CHECK_EQ_INT(m.type, DHCPINFORM);
    CHECK(!dhcp_msg_has(&m, 60));
    CHECK(!dhcp_msg_has(&m, DHCP_OPT_PAD));
}

TEST(dhcp_msg_checks_lengths_of_options_it_reads)
{
    static const struct {
        uint8_t code;
        uint8_t len;
    } bad[] = {
        { DHCP_OPT_MSG_TYPE, 2 }, { DHCP_OPT_MSG_TYPE, 0 }, { DHCP_OPT_REQUESTED_IP, 3 },
        { DHCP_OPT_REQUESTED_IP, 5 }, { DHCP_OPT_SERVER_ID, 0 }, { DHCP_OPT_LEASE_TIME, 2 },
        { DHCP_OPT_MAX_MSG_SIZE, 1 }, { DHCP_OPT_MAX_MSG_SIZE, 4 }, { DHCP_OPT_CLIENT_ID, 1 },
        { DHCP_OPT_CLIENT_ID, 0 }, { DHCP_OPT_HOST_NAME, 0 }, { DHCP_OPT_PARAM_REQUEST, 0 },
        { DHCP_OPT_RELAY_AGENT, 1 },
    };
    uint8_t v[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cmsg_begin(&c, bad[i].code == DHCP_OPT_MSG_TYPE ? 0 : DHCPDISCOVER, 1, 1);
        cmsg_opt(&c, bad[i].code, v, bad[i].len);
        cmsg_end(&c);
        if (dhcp_msg_parse(&m, c.buf, c.len) != -EBADMSG)
            unit_fail(false, __FILE__, __LINE__, "option %u with length %u was accepted",
                      bad[i].code, bad[i].len);
    }
    /* Message type 0 is no type at all. */
    cmsg_begin(&c, 0, 1, 1);
    uint8_t zero = 0;
    cmsg_opt(&c, DHCP_OPT_MSG_TYPE, &zero, 1);
    cmsg_end(&c);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
}

/* RFC 3396: the parts of an option that appears several times are one value, in
 * the order they came. */
TEST(dhcp_msg_joins_split_options)
{
    uint8_t a[] = { 1, 3 }, b[] = { 6, 15, 28 }, want[] = { 1, 3, 6, 15, 28 };
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_PARAM_REQUEST, a, sizeof a);
    cmsg_opt(&c, 60, "x", 1);
    cmsg_opt(&c, DHCP_OPT_PARAM_REQUEST, b, sizeof b);
    cmsg_end(&c);
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&m, DHCP_OPT_PARAM_REQUEST, &n);
    REQUIRE(v != NULL);
    REQUIRE_EQ_INT(n, 5);
    CHECK_MEM(v, want, 5);
    /* A fixed-size option split into parts is judged by its joined length. */
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_REQUESTED_IP, "\x0a\x00", 2);
    cmsg_opt(&c, DHCP_OPT_REQUESTED_IP, "\x02\x14", 2);
    cmsg_end(&c);
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    uint32_t ip;
    CHECK(dhcp_msg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, &ip));
    CHECK_EQ_INT(ip, IP4(10, 0, 2, 20));
}

/* Option 52: options continue in file, then sname; an option split across the
 * areas is joined options-field first, then file, then sname. */
TEST(dhcp_msg_reads_overloaded_fields)
{
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    uint8_t ov = DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME;
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, &ov, 1);
    cmsg_opt(&c, DHCP_OPT_PARAM_REQUEST, "\x01", 1);
    cmsg_end(&c);
    uint8_t *file = c.buf + DHCP_FILE_OFF, *sname = c.buf + DHCP_SNAME_OFF;
    memcpy(file, "\x37\x01\x03\x0c\x02vm\xff", 8);          /* 55: 3; 12: "vm"; End */
    memcpy(sname, "\x00\x37\x01\x06\xff", 5);                /* pad; 55: 6; End */
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    CHECK_EQ_INT(m.overload, 3);
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&m, DHCP_OPT_PARAM_REQUEST, &n);
    REQUIRE(v != NULL);
    REQUIRE_EQ_INT(n, 3);
    CHECK_MEM(v, "\x01\x03\x06", 3);
    v = dhcp_msg_opt(&m, DHCP_OPT_HOST_NAME, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 2);
    CHECK_MEM(v, "vm", 2);
    /* Fields that carry options are not names: they read as empty. */
    CHECK_EQ_INT(m.hdr.file[0], 0);
    CHECK_EQ_INT(m.hdr.sname[0], 0);

    /* Without option 52 the same bytes are a file name, not options. */
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_end(&c);
    memcpy(c.buf + DHCP_FILE_OFF, "\x37\x01\x03\xff", 4);
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), 0);
    CHECK(!dhcp_msg_has(&m, DHCP_OPT_PARAM_REQUEST));
    CHECK_EQ_INT(m.hdr.file[0], 0x37);
}

TEST(dhcp_msg_refuses_bad_overload)
{
    static const uint8_t values[] = { 0, 4, 255 };
    for (size_t i = 0; i < sizeof values; i++) {
        cmsg_begin(&c, DHCPDISCOVER, 1, 1);
        cmsg_opt(&c, DHCP_OPT_OVERLOAD, &values[i], 1);
        cmsg_end(&c);
        CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    }
    /* Twice, or two bytes long. */
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, "\x01", 1);
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, "\x01", 1);
    cmsg_end(&c);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, "\x01\x01", 2);
    cmsg_end(&c);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    /* Option 52 inside an overloaded field. */
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, "\x01", 1);
    cmsg_end(&c);
    memcpy(c.buf + DHCP_FILE_OFF, "\x34\x01\x02\xff", 4);
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    /* An option in file whose value runs past file's 128 bytes, into the cookie. */
    memset(c.buf + DHCP_FILE_OFF, 0, DHCP_FILE_LEN);
    c.buf[DHCP_FILE_OFF + DHCP_FILE_LEN - 3] = 60;
    c.buf[DHCP_FILE_OFF + DHCP_FILE_LEN - 2] = 4;
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
    /* A code as the last byte of sname, its length byte outside. */
    cmsg_begin(&c, DHCPDISCOVER, 1, 1);
    cmsg_opt(&c, DHCP_OPT_OVERLOAD, "\x02", 1);
    cmsg_end(&c);
    c.buf[DHCP_SNAME_OFF + DHCP_SNAME_LEN - 1] = 60;
    CHECK_EQ_INT(dhcp_msg_parse(&m, c.buf, c.len), -EBADMSG);
}

TEST(dhcp_msg_builds_and_parses_back)
{
    uint8_t buf[1472];
    struct dhcp_hdr h;
    struct dhcp_builder b;
    memset(&h, 0, sizeof h);
    h.op = BOOTREPLY;
    h.htype = 1;
    h.hlen = 6;
    h.xid = 42;
    h.yiaddr = IP4(10, 0, 2, 15);
    h.siaddr = IP4(10, 0, 2, 2);
    memcpy(h.file, "pxelinux.0", 10);
    CHECK_EQ_INT(dhcp_build_begin(&b, buf, 299, &h), -ENOSPC);
    REQUIRE_EQ_INT(dhcp_build_begin(&b, buf, 400, &h), 0);
    CHECK_EQ_INT(dhcp_build_opt_u8(&b, DHCP_OPT_MSG_TYPE, DHCPOFFER), 0);
    CHECK_EQ_INT(dhcp_build_opt_u32(&b, DHCP_OPT_SERVER_ID, IP4(10, 0, 2, 2)), 0);
    CHECK_EQ_INT(dhcp_build_opt_u16(&b, DHCP_OPT_MAX_MSG_SIZE, 1500), 0);
    CHECK_EQ_INT(dhcp_build_opt(&b, DHCP_OPT_PAD, NULL, 0), -EINVAL);
    CHECK_EQ_INT(dhcp_build_opt(&b, DHCP_OPT_END, NULL, 0), -EINVAL);
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, buf, 256), -EINVAL);
    CHECK_EQ_INT(dhcp_build_raw(&b, (const uint8_t *)"\x42\x04tft", 5), -EINVAL);
    CHECK_EQ_INT(dhcp_build_raw(&b, (const uint8_t *)"\x42\x03tf", 4), -EINVAL);
    CHECK_EQ_INT(dhcp_build_raw(&b, (const uint8_t *)"\x00", 1), -EINVAL);
    CHECK_EQ_INT(dhcp_build_raw(&b, (const uint8_t *)"\x42\x03tft\x43\x01x", 8), 0);
    /* 400 - 240 - 3 - 6 - 4 - 8 = 139 bytes left; keep 100 of them for later. */
    dhcp_build_reserve(&b, 100);
    uint8_t big[64] = { 0 };
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, big, 37), -ENOSPC);   /* 39 + 100 + End > 139 */
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, big, 36), 0);
    dhcp_build_reserve(&b, 0);
    CHECK_EQ_INT(dhcp_build_opt(&b, 61, big, 64), 0);
    size_t len = dhcp_build_finish(&b);
    CHECK(len <= 400);
    REQUIRE_EQ_INT(dhcp_msg_parse(&m, buf, len), 0);
    CHECK_EQ_INT(m.hdr.op, BOOTREPLY);
    CHECK_EQ_INT(m.hdr.xid, 42);
    CHECK_EQ_INT(m.hdr.yiaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(m.hdr.siaddr, IP4(10, 0, 2, 2));
    CHECK_MEM(m.hdr.file, "pxelinux.0", 11);
    CHECK_EQ_INT(m.type, DHCPOFFER);
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&m, 66, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 3);
    CHECK_MEM(v, "tft", 3);
    CHECK(dhcp_msg_has(&m, 67));
    CHECK(dhcp_msg_has(&m, 61));
}

TEST(dhcp_msg_pads_short_replies_to_bootp_minimum)
{
    uint8_t buf[DHCP_BOOTP_MIN_LEN];
    struct dhcp_hdr h;
    struct dhcp_builder b;
    memset(&h, 0, sizeof h);
    memset(buf, 0xee, sizeof buf);
    REQUIRE_EQ_INT(dhcp_build_begin(&b, buf, sizeof buf, &h), 0);
    CHECK_EQ_INT(dhcp_build_opt_u8(&b, DHCP_OPT_MSG_TYPE, DHCPNAK), 0);
    size_t len = dhcp_build_finish(&b);
    CHECK_EQ_INT(len, DHCP_BOOTP_MIN_LEN);
    CHECK_EQ_INT(buf[243], DHCP_OPT_END);
    for (size_t i = 244; i < len; i++)
        if (buf[i])
            unit_fail(false, __FILE__, __LINE__, "padding byte %zu is %#x", i, buf[i]);
    /* A full builder still has room for End. */
    REQUIRE_EQ_INT(dhcp_build_begin(&b, buf, sizeof buf, &h), 0);
    uint8_t v[255] = { 0 };
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, v, 58), -ENOSPC);     /* 240 + 60 + End = 301 */
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, v, 57), 0);
    CHECK_EQ_INT(dhcp_build_opt(&b, 60, v, 0), -ENOSPC);
    CHECK_EQ_INT(dhcp_build_finish(&b), DHCP_BOOTP_MIN_LEN);
    CHECK_EQ_INT(buf[DHCP_BOOTP_MIN_LEN - 1], DHCP_OPT_END);
}

TEST(dhcp_msg_names_types)
{
    CHECK_EQ_STR(dhcp_type_name(DHCPDISCOVER), "DISCOVER");
    CHECK_EQ_STR(dhcp_type_name(DHCPINFORM), "INFORM");
    CHECK_EQ_STR(dhcp_type_name(9), "?");
}
