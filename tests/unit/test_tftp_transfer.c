/* The TFTP server's transfers without loss (net/tftp.h): RFC 1350 lockstep,
 * the final short or empty block, windows, data from the root's bytes or read
 * into the server's buffer. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static struct th h;

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + seed + (i >> 9));
    return b;
}

/* Runs a lockstep transfer of a file of len bytes at blksize 512 without
 * options and checks every block. */
static void lockstep(size_t len, bool mappable)
{
    uint8_t *f = pattern(len, 3);
    th_init(&h);
    h.fr.mappable = mappable;
    th_add_file(&h, "f.bin", f, len);
    th_rrq(&h, 2000, "f.bin", NULL, NULL);
    size_t blocks = len / 512 + 1;
    for (size_t b = 1; b <= blocks; b++) {
        size_t want = b < blocks ? 512 : len % 512;
        const struct th_pkt *p = th_expect_data(&h, 0, (uint16_t)b, want);
        CHECK_MEM(p->b + 4, f + (b - 1) * 512, want);
        CHECK_EQ_INT(p->mapped, mappable && want > 0);
        CHECK_EQ_INT(p->peer.port, 2000);
        CHECK_EQ_INT(p->peer.local, TH_SERVER);
        CHECK_EQ_INT(th_pending(&h), 0);                  /* one block at a time */
        th_ack(&h, 0, 2000, (uint16_t)b);
    }
    CHECK_EQ_INT(th_pending(&h), 0);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->started, 1);
    CHECK_EQ_INT(st->completed, 1);
    CHECK_EQ_INT(st->failed, 0);
    CHECK_EQ_INT(st->blocks, blocks);
    CHECK_EQ_INT(st->bytes, len);
    CHECK_EQ_INT(st->oacks, 0);
    CHECK_EQ_INT(st->retransmits, 0);
    CHECK_EQ_INT(st->zero_copy, mappable ? len / 512 + (len % 512 != 0) : 0);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    th_done(&h);
    free(f);
}

TEST(tftp_lockstep_transfer_ends_with_a_short_block)
{
    lockstep(1300, true);
}

TEST(tftp_lockstep_file_of_whole_blocks_ends_with_an_empty_block)
{
    lockstep(1024, true);
}

TEST(tftp_lockstep_empty_file_is_one_empty_block)
{
    lockstep(0, true);
}

TEST(tftp_lockstep_without_map_reads_into_the_servers_buffer)
{
    lockstep(5000, false);
}

/* blksize 512, windowsize 4, a file of 10 blocks and 100 bytes: the OACK, then
 * windows of 4, 4 and 3 blocks, each sent when the last one is ACKed. */
TEST(tftp_window_of_four_goes_out_after_each_ack)
{
    size_t len = 10 * 512 + 100;
    uint8_t *f = pattern(len, 9);
    th_init(&h);
    th_add_file(&h, "w", f, len);
    th_rrq(&h, 3000, "w", NULL, "blksize", "512", "windowsize", "4", NULL);
    const struct th_pkt *p = th_take(&h);
    REQUIRE(p != NULL);
    REQUIRE_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_INT(p->sid, 0);
    CHECK_EQ_STR(th_oack_value(p, "blksize"), "512");
    CHECK_EQ_STR(th_oack_value(p, "windowsize"), "4");
    CHECK_EQ_INT(th_oack_count(p), 2);
    th_ack(&h, 0, 3000, 0);
    for (unsigned b = 1; b <= 4; b++)
        CHECK_MEM(th_expect_data(&h, 0, (uint16_t)b, 512)->b + 4, f + (b - 1) * 512, 512);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_ack(&h, 0, 3000, 4);
    for (unsigned b = 5; b <= 8; b++)
        th_expect_data(&h, 0, (uint16_t)b, 512);
    th_ack(&h, 0, 3000, 8);
    th_expect_data(&h, 0, 9, 512);
    th_expect_data(&h, 0, 10, 512);
    CHECK_MEM(th_expect_data(&h, 0, 11, 100)->b + 4, f + 10 * 512, 100);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_ack(&h, 0, 3000, 11);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->retransmits, 0);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_done(&h);
    free(f);
}

/* The window stops at the last block even when it has room for more. */
TEST(tftp_window_larger_than_the_file)
{
    uint8_t f[700];
    memset(f, 0x5a, sizeof f);
    th_init(&h);
    th_add_file(&h, "small", f, sizeof f);
    th_rrq(&h, 3001, "small", NULL, "windowsize", "64", NULL);
    REQUIRE(th_take(&h) != NULL);
    th_ack(&h, 0, 3001, 0);
    th_expect_data(&h, 0, 1, 512);
    th_expect_data(&h, 0, 2, 188);
    CHECK_EQ_INT(th_pending(&h), 0);
    th_ack(&h, 0, 3001, 2);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 1);
    th_done(&h);
}

/* An ACK of a block inside the window (the client lost the one after it) moves
 * the window to start after it: the blocks from there go out again. */
TEST(tftp_window_partial_ack_restarts_the_window_after_it)
{
    size_t len = 20 * 512;
    uint8_t *f = pattern(len, 1);
    th_init(&h);
    th_add_file(&h, "p", f, len);
    th_rrq(&h, 3002, "p", NULL, "blksize", "512", "windowsize", "4", NULL);
    th_take(&h);
    th_ack(&h, 0, 3002, 0);
    for (unsigned b = 1; b <= 4; b++)
        th_expect_data(&h, 0, (uint16_t)b, 512);
    th_ack(&h, 0, 3002, 2);                          /* 3 was lost */
    for (unsigned b = 3; b <= 6; b++)
        th_expect_data(&h, 0, (uint16_t)b, 512);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->retransmits, 2);   /* 3 and 4 again */
    th_done(&h);
    free(f);
}

/* Two clients at once, each from its own port, get their own slots and bytes. */
TEST(tftp_two_sessions_interleave)
{
    uint8_t *a = pattern(1500, 1), *b = pattern(900, 2);
    th_init(&h);
    th_add_file(&h, "a", a, 1500);
    th_add_file(&h, "b", b, 900);
    th_rrq(&h, 4000, "a", NULL, NULL);
    th_rrq(&h, 4001, "b", NULL, NULL);
    CHECK_EQ_INT(tftp_active(h.srv), 2);
    const struct th_pkt *p = th_expect_data(&h, 0, 1, 512);
    CHECK_MEM(p->b + 4, a, 512);
    p = th_expect_data(&h, 1, 1, 512);
    CHECK_EQ_INT(p->peer.port, 4001);
    CHECK_MEM(p->b + 4, b, 512);
    th_ack(&h, 1, 4001, 1);
    CHECK_MEM(th_expect_data(&h, 1, 2, 388)->b + 4, b + 512, 388);
    th_ack(&h, 1, 4001, 2);
    th_ack(&h, 0, 4000, 1);
    th_expect_data(&h, 0, 2, 512);
    th_ack(&h, 0, 4000, 2);
    th_expect_data(&h, 0, 3, 476);
    th_ack(&h, 0, 4000, 3);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 2);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    th_done(&h);
    free(a);
    free(b);
}
