/* Option negotiation (RFC 2347-2349, 7440): what the OACK says, what is clamped,
 * what is refused with error 8, what is ignored. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <string.h>

static struct th h;
static uint8_t file[70000];

static void setup(void)
{
    th_init(&h);
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i ^ (i >> 8));
    th_add_file(&h, "f", file, sizeof file);
}

static const struct th_pkt *oack(void)
{
    const struct th_pkt *p = th_take(&h);
    REQUIRE(p != NULL);
    REQUIRE_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_INT(p->sid, 0);
    return p;
}

/* After the OACK, ACK 0 brings block 1 of the negotiated size. */
static void first_block(int sid, uint16_t port, size_t len)
{
    th_ack(&h, sid, port, 0);
    const struct th_pkt *p = th_expect_data(&h, sid, 1, len);
    CHECK_MEM(p->b + 4, file, len);
}

TEST(tftp_options_blksize_is_clamped_to_the_link)
{
    setup();
    th_rrq(&h, 100, "f", NULL, "blksize", "65464", NULL);
    CHECK_EQ_STR(th_oack_value(oack(), "blksize"), "1468");
    first_block(0, 100, 1468);

    h.max_payload = 8972;                               /* a jumbo-frame link */
    th_rrq(&h, 101, "f", NULL, "blksize", "9000", NULL);
    CHECK_EQ_STR(th_oack_value(th_take(&h), "blksize"), "8972");

    h.max_payload = 0;                                  /* no limit known: RFC 2348's */
    th_rrq(&h, 102, "f", NULL, "blksize", "100000", NULL);
    CHECK_EQ_STR(th_oack_value(th_take(&h), "blksize"), "65464");

    h.max_payload = 1468;
    th_rrq(&h, 103, "f", NULL, "blksize", "8", NULL);   /* the smallest */
    CHECK_EQ_STR(th_oack_value(th_take(&h), "blksize"), "8");
    first_block(3, 103, 8);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_OPTION], 0);
    th_done(&h);
}

/* A value the server may not raise, or that is no number, ends the request with
 * error 8 before any file is opened or slot taken. */
TEST(tftp_options_refused_with_error_8)
{
    static const char *const bad[][2] = {
        {"blksize", "7"}, {"blksize", "0"}, {"blksize", "abc"}, {"blksize", ""},
        {"blksize", "-1432"}, {"windowsize", "0"}, {"windowsize", "4x"},
        {"timeout", "0"}, {"timeout", "256"}, {"timeout", "99999999999999999999"},
        {"timeout", "1.5"}, {"tsize", "x"}, {"TSIZE", ""},
    };
    setup();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        th_rrq(&h, (uint16_t)(200 + i), "f", NULL, bad[i][0], bad[i][1], NULL);
        const struct th_pkt *p = th_expect_error(&h, TFTP_EOPTNEG);
        CHECK_EQ_INT(p->sid, TFTP_SID_LISTEN);
        CHECK_EQ_INT(p->peer.port, 200 + i);
    }
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->refused[TFTP_REFUSE_OPTION], sizeof bad / sizeof bad[0]);
    CHECK_EQ_INT(st->started, 0);
    CHECK_EQ_INT(h.opens, 0);
    CHECK_EQ_INT(h.fr.open_handles, 0);
    th_done(&h);
}

TEST(tftp_options_windowsize_is_clamped_to_64)
{
    setup();
    th_rrq(&h, 300, "f", NULL, "windowsize", "65535", "blksize", "512", NULL);
    const struct th_pkt *p = oack();
    CHECK_EQ_STR(th_oack_value(p, "windowsize"), "64");
    th_ack(&h, 0, 300, 0);
    CHECK_EQ_INT(th_pending(&h), 64);
    th_clear(&h);
    th_rrq(&h, 301, "f", NULL, "windowsize", "0016", NULL);
    CHECK_EQ_STR(th_oack_value(th_take(&h), "windowsize"), "16");
    th_done(&h);
}

/* The timeout is echoed as asked and is the first retransmission interval. */
TEST(tftp_options_timeout_is_echoed_and_used)
{
    setup();
    th_rrq(&h, 400, "f", NULL, "timeout", "5", NULL);
    CHECK_EQ_STR(th_oack_value(oack(), "timeout"), "5");
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 5000);
    th_advance(&h, 4999);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_advance(&h, 1);
    REQUIRE_EQ_INT(th_op(th_take(&h)), TFTP_OACK);      /* sent again */
    th_ack(&h, 0, 400, 0);
    th_expect_data(&h, 0, 1, 512);
    th_advance(&h, 4999);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_advance(&h, 1);
    th_expect_data(&h, 0, 1, 512);
    th_done(&h);
}

/* tsize gets the file's size, whatever the client put there (RFC 2349 says 0). */
TEST(tftp_options_tsize_is_the_files_size)
{
    setup();
    th_rrq(&h, 500, "f", NULL, "tsize", "0", NULL);
    CHECK_EQ_STR(th_oack_value(oack(), "tsize"), "70000");
    th_rrq(&h, 501, "f", NULL, "tsize", "123", NULL);
    CHECK_EQ_STR(th_oack_value(th_take(&h), "tsize"), "70000");
    th_add_virtual(&h, "big.iso", 5000000000ull);       /* larger than 32 bits */
    th_rrq(&h, 502, "big.iso", NULL, "tsize", "0", NULL);
    CHECK_EQ_STR(th_oack_value(th_take(&h), "tsize"), "5000000000");
    th_done(&h);
}

/* Unknown options are not echoed; with nothing else accepted there is no OACK at
 * all, and the transfer starts at once as in RFC 1350. */
TEST(tftp_options_unknown_ones_are_ignored)
{
    setup();
    th_rrq(&h, 600, "f", NULL, "multicast", "", "x-rate", "9", NULL);
    const struct th_pkt *p = th_expect_data(&h, 0, 1, 512);
    CHECK_MEM(p->b + 4, file, 512);
    th_rrq(&h, 601, "f", NULL, "rollover", "0", "BlkSize", "1024", "utimeout", "500", NULL);
    p = th_take(&h);
    REQUIRE_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_INT(th_oack_count(p), 1);
    CHECK_EQ_STR(th_oack_value(p, "blksize"), "1024");     /* lower case, whatever was asked */
    th_done(&h);
}

/* The OACK lists what was accepted in one order: blksize, timeout, tsize, windowsize. */
TEST(tftp_options_oack_holds_all_four)
{
    setup();
    th_rrq(&h, 700, "f", NULL, "windowsize", "4", "tsize", "0", "timeout", "2", "blksize", "1468",
           NULL);
    const struct th_pkt *p = oack();
    static const char want[] = "\0\6blksize\0" "1468\0timeout\0" "2\0tsize\0" "70000\0windowsize\0" "4";
    CHECK_EQ_INT(p->len, sizeof want);
    CHECK_MEM(p->b, want, sizeof want);
    th_done(&h);
}

/* In netascii mode tsize is left out (the size on the wire is not the file's). */
TEST(tftp_options_no_tsize_in_netascii)
{
    static const uint8_t text[] = "line one\nline two\n";
    th_init(&h);
    th_add_file(&h, "t.txt", text, sizeof text - 1);
    th_rrq(&h, 800, "t.txt", "netascii", "tsize", "0", NULL);
    const struct th_pkt *p = th_expect_data(&h, 0, 1, sizeof text - 1 + 2);   /* no OACK */
    CHECK_MEM(p->b + 4, "line one\r\nline two\r\n", 20);
    th_rrq(&h, 801, "t.txt", "netascii", "tsize", "0", "blksize", "8", NULL);
    p = th_take(&h);
    REQUIRE_EQ_INT(th_op(p), TFTP_OACK);
    CHECK(th_oack_value(p, "tsize") == NULL);
    CHECK_EQ_STR(th_oack_value(p, "blksize"), "8");
    th_done(&h);
}
