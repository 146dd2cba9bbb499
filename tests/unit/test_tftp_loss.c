/* Loss and repetition: lost DATA, lost ACKs, duplicate ACKs (the Sorcerer's
 * Apprentice), ACKs outside the window, retransmission of windows, backoff and
 * the session timeout, all on a clock the test moves. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <string.h>

static struct th h;
static uint8_t file[40 * 512 + 17];

static void setup(void)
{
    th_init(&h);
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 13 + 5);
    th_add_file(&h, "f", file, sizeof file);
}

/* A window transfer of f at blksize 512 from port, past the OACK. */
static void start_window(uint16_t port, const char *window)
{
    th_rrq(&h, port, "f", NULL, "blksize", "512", "windowsize", window, NULL);
    REQUIRE_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_ack(&h, 0, port, 0);
}

static void expect_blocks(unsigned first, unsigned last)
{
    for (unsigned b = first; b <= last; b++) {
        const struct th_pkt *p = th_expect_data(&h, 0, (uint16_t)b, 512);
        CHECK_MEM(p->b + 4, file + (b - 1) * 512, 512);
    }
    CHECK_EQ_INT(th_pending(&h), 0);
}

/* A lost DATA block: nothing happens until the timeout, then it comes again. */
TEST(tftp_loss_of_data_is_repaired_by_the_timer)
{
    setup();
    th_rrq(&h, 1000, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);                      /* "lost" */
    th_advance(&h, 999);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_advance(&h, 1);
    th_expect_data(&h, 0, 1, 512);
    th_ack(&h, 0, 1000, 1);
    th_expect_data(&h, 0, 2, 512);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->retransmits, 1);
    CHECK_EQ_INT(st->timer_expiries, 1);
    CHECK_EQ_INT(st->blocks, 3);
    th_done(&h);
}

/* A lost ACK, then the ACK the client sends for the repeated block: the first ACK
 * that arrives moves on, the second is a duplicate and must send nothing, or every
 * block from then on goes out twice (RFC 1123 4.2.3.1). */
TEST(tftp_loss_of_an_ack_does_not_start_the_sorcerers_apprentice)
{
    setup();
    th_rrq(&h, 1001, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    th_advance(&h, 1000);                               /* the ACK was lost */
    th_expect_data(&h, 0, 1, 512);
    th_ack(&h, 0, 1001, 1);                             /* the late ACK of the first */
    th_expect_data(&h, 0, 2, 512);
    th_ack(&h, 0, 1001, 1);                             /* the ACK of the repeat */
    CHECK_EQ_INT(th_pending(&h), 0);
    for (unsigned b = 2; b <= 5; b++) {
        th_ack(&h, 0, 1001, (uint16_t)b);
        th_expect_data(&h, 0, (uint16_t)(b + 1), 512);
        CHECK_EQ_INT(th_pending(&h), 0);
    }
    CHECK_EQ_INT(tftp_get_stats(h.srv)->dup_acks, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->retransmits, 1);
    th_done(&h);
}

/* With windows: however many times the ACK that opened the window comes again,
 * the window is not sent again. */
TEST(tftp_loss_duplicate_acks_never_resend_a_window)
{
    setup();
    start_window(1002, "4");
    expect_blocks(1, 4);
    th_ack(&h, 0, 1002, 4);
    expect_blocks(5, 8);
    for (int i = 0; i < 5; i++)
        th_ack(&h, 0, 1002, 4);
    th_ack(&h, 0, 1002, 0);                             /* the ACK of the OACK, late */
    CHECK_EQ_INT(th_pending(&h), 0);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->dup_acks, 5);
    CHECK_EQ_INT(st->stale_acks, 1);
    CHECK_EQ_INT(st->blocks, 8);
    th_done(&h);
}

/* ACKs of blocks not sent yet, or long before the window, are ignored. */
TEST(tftp_loss_acks_outside_the_window_are_ignored)
{
    setup();
    start_window(1003, "4");
    expect_blocks(1, 4);
    th_ack(&h, 0, 1003, 4);
    expect_blocks(5, 8);
    th_ack(&h, 0, 1003, 9);                             /* not sent yet */
    th_ack(&h, 0, 1003, 40);
    th_ack(&h, 0, 1003, 2);                             /* long acknowledged */
    th_ack(&h, 0, 1003, 0xffff);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->stale_acks, 4);
    th_ack(&h, 0, 1003, 8);                             /* the right one still works */
    expect_blocks(9, 12);
    th_done(&h);
}

/* A whole window lost: after the timeout it goes out again from its first block;
 * then the client, missing block 7, ACKs 6 and gets the window from 7. */
TEST(tftp_loss_window_is_retransmitted_from_the_first_unacknowledged_block)
{
    setup();
    start_window(1004, "4");
    expect_blocks(1, 4);
    th_ack(&h, 0, 1004, 4);
    expect_blocks(5, 8);                                /* all lost */
    th_advance(&h, 1000);
    expect_blocks(5, 8);
    th_ack(&h, 0, 1004, 6);
    expect_blocks(7, 10);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->retransmits, 4 + 2);
    th_done(&h);
}

/* Without progress the interval doubles from 1 s up to 8 s; after 5 repeats the
 * session ends, closing its file and port; the client hears nothing more. */
TEST(tftp_loss_backoff_doubles_then_the_session_times_out)
{
    static const uint32_t gaps[] = {1000, 2000, 4000, 8000, 8000};
    setup();
    start_window(1005, "2");
    expect_blocks(1, 2);
    for (unsigned i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), gaps[i]);
        th_advance(&h, gaps[i] - 1);
        CHECK_EQ_INT(th_pending(&h), 0);
        th_advance(&h, 1);
        expect_blocks(1, 2);
    }
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 8000);
    th_advance(&h, 8000);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), -1);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->ends[TFTP_END_TIMEOUT], 1);
    CHECK_EQ_INT(st->failed, 1);
    CHECK_EQ_INT(h.closes, 1);
    CHECK_EQ_INT(h.fr.open_handles, 0);
    CHECK_EQ_INT(h.now, 31000);
    th_ack(&h, 0, 1005, 2);                             /* too late: no session */
    CHECK_EQ_INT(st->dropped[TFTP_DROP_NO_SESSION], 1);
    th_done(&h);
}

/* A negotiated timeout is the first interval; the cap is max(timeout, 8 s). */
TEST(tftp_loss_backoff_starts_at_the_negotiated_timeout)
{
    setup();
    th_rrq(&h, 1006, "f", NULL, "timeout", "3", NULL);
    th_take(&h);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 3000);
    th_advance(&h, 3000);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 6000);
    th_advance(&h, 6000);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 8000);
    th_advance(&h, 8000);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 8000);
    th_done(&h);

    /* Above 8 s the timeout itself is the cap: no doubling. */
    setup();
    th_rrq(&h, 1007, "f", NULL, "timeout", "20", NULL);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 20000);
    th_advance(&h, 20000);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 20000);
    th_done(&h);
}

/* Progress resets the backoff: after two repeats, an ACK, then 1 s again. */
TEST(tftp_loss_progress_resets_the_backoff)
{
    setup();
    th_rrq(&h, 1008, "f", NULL, NULL);
    th_take(&h);
    th_advance(&h, 1000);
    th_advance(&h, 2000);
    th_clear(&h);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 4000);
    th_ack(&h, 0, 1008, 1);
    th_expect_data(&h, 0, 2, 512);
    CHECK_EQ_INT(tftp_next_timeout(h.srv, h.now), 1000);
    th_done(&h);
}

/* A lost OACK comes again; an ACK other than 0 before the data is ignored. */
TEST(tftp_loss_of_the_oack)
{
    setup();
    th_rrq(&h, 1009, "f", NULL, "tsize", "0", NULL);
    REQUIRE_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_advance(&h, 1000);
    const struct th_pkt *p = th_take(&h);
    REQUIRE(p != NULL);
    CHECK_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_INT(p->sid, 0);
    th_ack(&h, 0, 1009, 1);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->stale_acks, 1);
    th_ack(&h, 0, 1009, 0);
    th_expect_data(&h, 0, 1, 512);
    th_done(&h);
}

/* The client's ERROR ends its session at once and is not answered. */
TEST(tftp_loss_client_error_ends_the_session)
{
    setup();
    start_window(1010, "4");
    th_clear(&h);
    uint8_t err[] = {0, TFTP_ERROR, 0, 0, 'n', 'o', 0};
    CHECK_EQ_INT(th_to_session(&h, 0, 1010, err, sizeof err), 0);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_CLIENT_ERROR], 1);
    th_advance(&h, 60000);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_done(&h);
}

/* A send the glue could not do is a lost packet: counted, repaired by the timer. */
TEST(tftp_loss_failed_sends_are_counted_and_repeated)
{
    setup();
    h.send_fail = -12;
    th_rrq(&h, 1011, "f", NULL, NULL);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->send_errors, 1);
    h.send_fail = 0;
    th_advance(&h, 1000);
    th_expect_data(&h, 0, 1, 512);
    th_done(&h);
}
