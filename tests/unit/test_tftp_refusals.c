/* What the server refuses and drops: write requests, paths out of the root,
 * missing files, modes, malformed packets with every field cut short, packets of
 * the wrong kind on either port. Every refusal counted by its reason. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

static struct th h;
static uint8_t file[1000];

static void setup(void)
{
    th_init(&h);
    memset(file, 0x17, sizeof file);
    th_add_file(&h, "boot/pxelinux.0", file, sizeof file);
    th_add_dir(&h, "boot");
}

static const char *text_of(const struct th_pkt *p)
{
    return (const char *)p->b + 4;
}

TEST(tftp_refuses_write_requests_with_access_violation)
{
    setup();
    uint8_t b[64];
    size_t n = th_build_request(b, TFTP_WRQ, "boot/pxelinux.0", "octet", NULL);
    th_to_listen(&h, 9000, b, n);
    const struct th_pkt *p = th_expect_error(&h, TFTP_EACCESS);
    CHECK_EQ_INT(p->sid, TFTP_SID_LISTEN);
    CHECK_EQ_STR(text_of(p), "read-only server");
    n = th_build_request(b, TFTP_WRQ, "new-file", "netascii", "tsize", "99", NULL);
    th_to_listen(&h, 9001, b, n);
    th_expect_error(&h, TFTP_EACCESS);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_WRQ], 2);
    CHECK_EQ_INT(h.fr.open_handles, 0);
    CHECK_EQ_INT(h.opens, 0);
    th_done(&h);
}

TEST(tftp_refuses_paths_out_of_the_root)
{
    static const char *const bad[] = {
        "/boot/pxelinux.0", "\\boot\\pxelinux.0", "..", "../etc/passwd", "boot/../../x",
        "boot\\..\\..\\x", "boot/..", "a\x01" "b",
    };
    setup();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        th_rrq(&h, (uint16_t)(9100 + i), bad[i], NULL, NULL);
        CHECK_EQ_STR(text_of(th_expect_error(&h, TFTP_EACCESS)), "access violation");
    }
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_PATH], sizeof bad / sizeof bad[0]);
    CHECK_EQ_INT(h.fr.open_handles, 0);
    /* Windows' separators and empty components are fine (fileroot_path_clean). */
    th_rrq(&h, 9200, "boot\\pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_DATA);
    th_rrq(&h, 9201, "./boot//pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_DATA);
    th_done(&h);
}

TEST(tftp_refuses_missing_files_and_directories_with_error_1)
{
    setup();
    th_rrq(&h, 9300, "boot/nothing", NULL, NULL);
    CHECK_EQ_STR(text_of(th_expect_error(&h, TFTP_ENOTFOUND)), "file not found");
    th_rrq(&h, 9301, "boot", NULL, NULL);
    th_expect_error(&h, TFTP_ENOTFOUND);
    th_rrq(&h, 9302, "", NULL, NULL);
    th_expect_error(&h, TFTP_ENOTFOUND);
    th_rrq(&h, 9303, "./", NULL, NULL);
    th_expect_error(&h, TFTP_ENOTFOUND);
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    th_rrq(&h, 9304, longname, NULL, NULL);
    th_expect_error(&h, TFTP_ENOTFOUND);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_NOT_FOUND], 5);

    h.fr.open_error = -EIO;                             /* the backend fails */
    th_rrq(&h, 9305, "boot/pxelinux.0", NULL, NULL);
    th_expect_error(&h, TFTP_EUNDEF);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_OPEN], 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->started, 0);
    th_done(&h);
}

TEST(tftp_refuses_mail_and_unknown_modes_with_error_4)
{
    setup();
    th_rrq(&h, 9400, "boot/pxelinux.0", "mail", NULL);
    CHECK_EQ_STR(text_of(th_expect_error(&h, TFTP_EBADOP)), "mail mode not supported");
    th_rrq(&h, 9401, "boot/pxelinux.0", "binary", NULL);
    CHECK_EQ_STR(text_of(th_expect_error(&h, TFTP_EBADOP)), "unknown mode");
    th_rrq(&h, 9402, "boot/pxelinux.0", "", NULL);
    th_expect_error(&h, TFTP_EBADOP);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_MODE], 3);
    th_done(&h);
}

/* Every prefix of a request with options: under 2 bytes dropped; a prefix that is
 * a whole request (ends after the mode or a value) served; anything else error 4,
 * counted malformed. */
TEST(tftp_refuses_every_truncated_request)
{
    setup();
    uint8_t b[128];
    size_t n = th_build_request(b, TFTP_RRQ, "boot/pxelinux.0", "octet", "blksize", "1024",
                                "tsize", "0", NULL);
    size_t mode_end = 2 + 16 + 6, blk_end = mode_end + 8 + 5;
    unsigned served = 0, malformed = 0;
    for (size_t len = 0; len <= n; len++) {
        th_to_listen(&h, (uint16_t)(10000 + len), b, len);
        const struct th_pkt *p = th_take(&h);
        if (len < 2) {
            CHECK(p == NULL);
        } else if (len == mode_end || len == blk_end || len == n) {
            REQUIRE(p != NULL);
            CHECK_EQ_INT(th_op(p), len == mode_end ? TFTP_DATA : TFTP_OACK);
            served++;
        } else {
            REQUIRE(p != NULL);
            CHECK_EQ_INT(th_op(p), TFTP_ERROR);
            CHECK_EQ_INT(th_block(p), TFTP_EBADOP);
            malformed++;
        }
        CHECK_EQ_INT(th_pending(&h), 0);
    }
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(served, 3);
    CHECK_EQ_INT(st->refused[TFTP_REFUSE_MALFORMED], malformed);
    CHECK_EQ_INT(st->dropped[TFTP_DROP_SHORT], 2);
    CHECK_EQ_INT(st->requests, n + 1);
    th_done(&h);
}

/* Port 69 takes requests only: DATA, ACK, OACK and unknown opcodes get error 4;
 * an ERROR is never answered; a datagram over TFTP_REQUEST_MAX is dropped. */
TEST(tftp_refuses_what_is_no_request_on_port_69)
{
    setup();
    uint8_t data[] = {0, TFTP_DATA, 0, 1, 'x'}, ack[] = {0, TFTP_ACK, 0, 0};
    uint8_t oack[] = {0, TFTP_OACK, 't', 0, '1', 0}, odd[] = {0x12, 0x34, 0};
    uint8_t err[] = {0, TFTP_ERROR, 0, 1, 'x', 0}, zero[] = {0, 0};
    const uint8_t *const refused[] = {data, ack, oack, odd, zero};
    const size_t lens[] = {sizeof data, sizeof ack, sizeof oack, sizeof odd, sizeof zero};
    for (unsigned i = 0; i < 5; i++) {
        th_to_listen(&h, 9500, refused[i], lens[i]);
        th_expect_error(&h, TFTP_EBADOP);
    }
    th_to_listen(&h, 9500, err, sizeof err);
    CHECK_EQ_INT(th_pending(&h), 0);
    static uint8_t big[TFTP_REQUEST_MAX + 1];
    size_t n = th_build_request(big, TFTP_RRQ, "boot/pxelinux.0", "octet", NULL);
    th_to_listen(&h, 9501, big, sizeof big);            /* a request with a long NUL tail */
    CHECK_EQ_INT(th_pending(&h), 0);
    th_to_listen(&h, 9501, big, sizeof big - 1);        /* at the limit it is served */
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_DATA);
    (void)n;
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->refused[TFTP_REFUSE_OPCODE], 5);
    CHECK_EQ_INT(st->dropped[TFTP_DROP_ERROR_TO_LISTEN], 1);
    CHECK_EQ_INT(st->dropped[TFTP_DROP_OVERSIZED], 1);
    th_done(&h);
}

/* On a transfer's port: ACKs and ERRORs cut short are dropped and the transfer
 * goes on; a packet of another kind gets error 4 and ends it. */
TEST(tftp_refuses_malformed_packets_on_the_transfer_port)
{
    setup();
    th_rrq(&h, 9600, "boot/pxelinux.0", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    uint8_t ack[] = {0, TFTP_ACK, 0, 1}, err[] = {0, TFTP_ERROR, 0, 0};
    for (size_t len = 0; len < 4; len++) {
        CHECK_EQ_INT(th_to_session(&h, 0, 9600, ack, len), 0);
        CHECK_EQ_INT(th_to_session(&h, 0, 9600, err, len), 0);
    }
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    /* 0,1 dropped as too short twice; 2 and 3 bytes of each: 4 more. */
    CHECK_EQ_INT(tftp_get_stats(h.srv)->dropped[TFTP_DROP_SHORT], 8);
    th_ack(&h, 0, 9600, 1);
    th_expect_data(&h, 0, 2, 488);

    static const uint8_t wrong[][6] = {
        {0, TFTP_DATA, 0, 1, 'x', 'y'}, {0, TFTP_RRQ, 'f', 0, 'o', 0}, {0, TFTP_OACK, 'a', 0, 'b', 0},
        {0, TFTP_WRQ, 'f', 0, 'o', 0}, {0, 7, 0, 0, 0, 0}, {0, 0, 0, 1, 0, 0},
    };
    for (unsigned i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        uint16_t port = (uint16_t)(9601 + i);
        th_rrq(&h, port, "boot/pxelinux.0", NULL, NULL);
        const struct th_pkt *p = th_take(&h);
        int sid = p->sid;
        CHECK_EQ_INT(th_to_session(&h, sid, port, wrong[i], sizeof wrong[i]), 0);
        p = th_expect_error(&h, TFTP_EBADOP);
        CHECK_EQ_INT(p->sid, sid);
        CHECK(!h.port_open[sid]);
    }
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_PROTOCOL], sizeof wrong / sizeof wrong[0]);
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    th_done(&h);
}
