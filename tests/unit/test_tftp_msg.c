/* TFTP's messages (net/tftp_msg.h): requests with options, every truncation of
 * them, numbers, ACK and ERROR, the builders, netascii conversion. */
#include "net/tftp_msg.h"
#include "tftp_harness.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

TEST(tftp_msg_parses_a_request_with_options_in_any_case)
{
    uint8_t b[256];
    size_t n = th_build_request(b, TFTP_RRQ, "pxelinux.0", "OcTeT", "BLKSIZE", "1432", "tsize", "0",
                                "x-vendor", "7", "WindowSize", "4", "Timeout", "3", "blksize",
                                "512", NULL);
    struct tftp_request r;
    REQUIRE_EQ_INT(tftp_parse_request(b, n, &r), 0);
    CHECK_EQ_INT(r.opcode, TFTP_RRQ);
    CHECK_EQ_INT(r.name_len, 10);
    CHECK_MEM(r.name, "pxelinux.0", 10);
    CHECK_EQ_INT(tftp_parse_mode(r.mode, r.mode_len), TFTP_MODE_OCTET);
    REQUIRE(r.blksize.present && r.tsize.present && r.windowsize.present && r.timeout.present);
    CHECK_MEM(r.blksize.val, "1432", 4);            /* the first blksize counts */
    CHECK_EQ_INT(r.blksize.len, 4);
    CHECK_EQ_INT(r.n_unknown, 1);
    CHECK_EQ_INT(r.n_duplicate, 1);
}

TEST(tftp_msg_accepts_nul_padding_after_the_options)
{
    uint8_t b[64];
    size_t n = th_build_request(b, TFTP_RRQ, "f", "octet", "tsize", "0", NULL);
    memset(b + n, 0, 3);
    struct tftp_request r;
    CHECK_EQ_INT(tftp_parse_request(b, n + 3, &r), 0);
    CHECK(r.tsize.present);
}

/* Every prefix of a request parses exactly when it ends just after the mode or an
 * option's value; a cut anywhere else is malformed. */
TEST(tftp_msg_every_truncation_of_a_request_is_caught)
{
    uint8_t b[128];
    size_t n = th_build_request(b, TFTP_RRQ, "boot/x.efi", "octet", "blksize", "1468",
                                "windowsize", "4", NULL);
    size_t mode_end = 2 + 11 + 6, blk_end = mode_end + 8 + 5;
    for (size_t len = 0; len <= n; len++) {
        struct tftp_request r;
        int rc = tftp_parse_request(b, len, &r);
        bool whole = len == mode_end || len == blk_end || len == n;
        if (whole) {
            CHECK_EQ_INT(rc, 0);
            CHECK_EQ_INT(r.blksize.present, len >= blk_end);
            CHECK_EQ_INT(r.windowsize.present, len == n);
        } else {
            if (rc != -EBADMSG)
                unit_fail(false, __FILE__, __LINE__, "prefix of %zu bytes: %d", len, rc);
        }
    }
}

TEST(tftp_msg_refuses_what_is_no_request)
{
    uint8_t b[16] = {0, TFTP_ACK, 0, 1};
    struct tftp_request r;
    CHECK_EQ_INT(tftp_parse_request(b, 4, &r), -EBADMSG);
    b[1] = 9;
    CHECK_EQ_INT(tftp_parse_request(b, 4, &r), -EBADMSG);
    CHECK_EQ_INT(tftp_parse_request(b, 1, &r), -EBADMSG);
    /* A name, then an empty mode is a mode (that tftp_parse_mode refuses). */
    uint8_t e[] = {0, 1, 'a', 0, 0};
    CHECK_EQ_INT(tftp_parse_request(e, sizeof e, &r), 0);
    CHECK_EQ_INT(tftp_parse_mode(r.mode, r.mode_len), -EINVAL);
    /* An option name without a value. */
    uint8_t o[] = {0, 1, 'a', 0, 'o', 'c', 't', 'e', 't', 0, 't', 's', 'i', 'z', 'e', 0};
    CHECK_EQ_INT(tftp_parse_request(o, sizeof o, &r), -EBADMSG);
}

TEST(tftp_msg_modes)
{
    CHECK_EQ_INT(tftp_parse_mode("octet", 5), TFTP_MODE_OCTET);
    CHECK_EQ_INT(tftp_parse_mode("NETASCII", 8), TFTP_MODE_NETASCII);
    CHECK_EQ_INT(tftp_parse_mode("mail", 4), -ENOTSUP);
    CHECK_EQ_INT(tftp_parse_mode("octets", 6), -EINVAL);
    CHECK_EQ_INT(tftp_parse_mode("octet", 4), -EINVAL);
    CHECK_EQ_INT(tftp_parse_mode("binary", 6), -EINVAL);
}

static int num(const char *s, uint64_t max, uint64_t *out)
{
    struct tftp_optval v = {true, s, strlen(s)};
    return tftp_parse_uint(&v, max, out);
}

TEST(tftp_msg_numbers)
{
    uint64_t v = 99;
    CHECK_EQ_INT(num("1468", 65464, &v), 0);
    CHECK_EQ_INT(v, 1468);
    CHECK_EQ_INT(num("0004", 64, &v), 0);
    CHECK_EQ_INT(v, 4);
    CHECK_EQ_INT(num("65", 64, &v), -ERANGE);
    CHECK_EQ_INT(v, 64);
    CHECK_EQ_INT(num("99999999999999999999999999", 64, &v), -ERANGE);
    CHECK_EQ_INT(v, 64);
    CHECK_EQ_INT(num("18446744073709551616", TFTP_UINT_MAX, &v), -ERANGE);
    CHECK_EQ_INT(num("", 64, &v), -EINVAL);
    CHECK_EQ_INT(num("-1", 64, &v), -EINVAL);
    CHECK_EQ_INT(num("12a", 64, &v), -EINVAL);
    CHECK_EQ_INT(num(" 1", 64, &v), -EINVAL);
    CHECK_EQ_INT(num("99999999999999999999x", 64, &v), -EINVAL);  /* digits past max still checked */
    struct tftp_optval absent = {0};
    CHECK_EQ_INT(tftp_parse_uint(&absent, 64, &v), -EINVAL);
}

TEST(tftp_msg_ack_and_error_need_four_bytes)
{
    uint8_t a[] = {0, TFTP_ACK, 0x12, 0x34, 0xee};
    uint16_t blk = 0, code = 0;
    CHECK_EQ_INT(tftp_parse_ack(a, 5, &blk), 0);           /* a trailing byte is ignored */
    CHECK_EQ_INT(blk, 0x1234);
    for (size_t len = 0; len < 4; len++)
        CHECK_EQ_INT(tftp_parse_ack(a, len, &blk), -EBADMSG);
    uint8_t e[] = {0, TFTP_ERROR, 0, 8};
    CHECK_EQ_INT(tftp_parse_error(e, 4, &code), 0);        /* no text, no NUL: still an error */
    CHECK_EQ_INT(code, 8);
    for (size_t len = 0; len < 4; len++)
        CHECK_EQ_INT(tftp_parse_error(e, len, &code), -EBADMSG);
    CHECK_EQ_INT(tftp_parse_ack(e, 4, &blk), -EBADMSG);
    CHECK_EQ_INT(tftp_opcode_of(e, 1), 0);
}

TEST(tftp_msg_builders)
{
    uint8_t b[16];
    size_t n = tftp_build_error(b, 10, TFTP_ENOTFOUND, "file not found");
    CHECK_EQ_INT(n, 10);
    CHECK_MEM(b, "\0\5\0\1file \0", 10);                 /* cut to fit, NUL kept */

    uint8_t o[24];
    size_t len = tftp_oack_start(o, sizeof o);
    len = tftp_oack_add(o, sizeof o, len, "blksize", 1468);
    CHECK_EQ_INT(len, 2 + 8 + 5);
    CHECK_EQ_INT(tftp_oack_add(o, sizeof o, len, "tsize", 1234567), 0);   /* 14 more do not fit */
    CHECK_EQ_INT(tftp_oack_add(o, sizeof o, len, "tsize", 12), len + 9);
    CHECK_MEM(o, "\0\6blksize\0" "1468\0tsize\0" "12\0", 24);
}

static size_t ascii(const char *in, size_t room, int *carry, size_t *used, uint8_t *out)
{
    return tftp_netascii_encode((const uint8_t *)in, strlen(in), used, out, room, carry);
}

TEST(tftp_msg_netascii_turns_lf_into_cr_lf_and_cr_into_cr_nul)
{
    uint8_t out[32];
    int carry = -1;
    size_t used;
    size_t n = ascii("a\nb\rc\r\n", sizeof out, &carry, &used, out);
    CHECK_EQ_INT(n, 11);
    CHECK_MEM(out, "a\r\nb\r\0c\r\0\r\n", 11);
    CHECK_EQ_INT(used, 7);
    CHECK_EQ_INT(carry, -1);

    /* A pair cut by the end of the room: its second byte is carried over. */
    n = ascii("ab\n", 3, &carry, &used, out);
    CHECK_EQ_INT(n, 3);
    CHECK_MEM(out, "ab\r", 3);
    CHECK_EQ_INT(used, 3);
    CHECK_EQ_INT(carry, '\n');
    n = ascii("\rz", 2, &carry, &used, out);
    CHECK_MEM(out, "\n\r", 2);
    CHECK_EQ_INT(used, 1);
    CHECK_EQ_INT(carry, 0);
    n = tftp_netascii_encode(NULL, 0, &used, out, 4, &carry);   /* the end: only the carry */
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(carry, -1);
}
