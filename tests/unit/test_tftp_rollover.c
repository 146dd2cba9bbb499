/* Block numbers past 65535: they roll over to 0 (what iPXE and EDK2 expect), the
 * ACKs are understood across the rollover, and a file of more than 65536 blocks
 * arrives whole. The file is virtual (its bytes computed), so nothing large is
 * kept. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <string.h>

static struct th h;

/* Checks that p is block index idx of the virtual file at blksize bs. */
static void check_block(const struct th_pkt *p, uint64_t idx, size_t bs, uint64_t size)
{
    REQUIRE_EQ_INT(th_op(p), TFTP_DATA);
    REQUIRE_EQ_INT(th_block(p), (uint16_t)idx);
    uint64_t off = (idx - 1) * bs;
    size_t want = off >= size ? 0 : (size - off < bs ? (size_t)(size - off) : bs);
    REQUIRE_EQ_INT(th_data_len(p), want);
    for (size_t i = 0; i < want; i++)
        if (p->b[4 + i] != th_virtual_byte(off + i))
            REQUIRE(!"the bytes of a block");
}

/* 65549 blocks of 8 bytes in windows of 64, every window ACKed at its end; across
 * the rollover a partial ACK of block 65541 (sent as 5) restarts the window at
 * 65542 (sent as 6). */
TEST(tftp_rollover_a_file_of_more_than_65536_blocks)
{
    const uint64_t size = 65548ull * 8 + 4;
    th_init(&h);
    th_add_virtual(&h, "big", size);
    th_rrq(&h, 1234, "big", NULL, "blksize", "8", "windowsize", "64", "tsize", "0", NULL);
    REQUIRE_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_ack(&h, 0, 1234, 0);
    uint64_t idx = 1, seen_zero = 0;
    bool partial_done = false;
    for (;;) {
        const struct th_pkt *p = th_take(&h);
        REQUIRE(p != NULL);
        check_block(p, idx, 8, size);
        if (th_block(p) == 0)
            seen_zero++;
        bool last = th_data_len(p) < 8;
        if (!partial_done && idx == 65541) {
            /* Pretend 65542 was lost: ACK 65541 at once (as EDK2 does on a gap). */
            th_clear(&h);
            th_ack(&h, 0, 1234, 5);
            partial_done = true;
            p = th_take(&h);
            REQUIRE(p != NULL);
            CHECK_EQ_INT(th_block(p), 6);
            check_block(p, 65542, 8, size);
            idx = 65542;
            last = false;
        }
        if (last || th_pending(&h) == 0)
            th_ack(&h, 0, 1234, (uint16_t)idx);
        if (last)
            break;
        idx++;
    }
    CHECK_EQ_INT(idx, 65549);
    CHECK_EQ_INT(seen_zero, 1);
    CHECK(partial_done);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 1);
    th_done(&h);
}

/* Lockstep over the rollover: 65535 is followed by 0, then 1. After the ACK of 0
 * (block 65536), another 0 is a duplicate and a late 65535 is behind the window:
 * neither sends anything, and neither is taken for a jump back. */
TEST(tftp_rollover_in_lockstep_and_duplicate_acks_around_it)
{
    const uint64_t size = 65537ull * 8;                /* 65538 blocks, the last empty */
    th_init(&h);
    th_add_virtual(&h, "big", size);
    th_rrq(&h, 1235, "big", NULL, "blksize", "8", NULL);
    th_take(&h);
    th_ack(&h, 0, 1235, 0);
    for (uint64_t idx = 1; idx <= 65538; idx++) {
        const struct th_pkt *p = th_take(&h);
        REQUIRE(p != NULL);
        check_block(p, idx, 8, size);
        CHECK_EQ_INT(th_pending(&h), 0);
        th_ack(&h, 0, 1235, (uint16_t)idx);
        if (idx == 65536) {
            th_ack(&h, 0, 1235, 65535);                 /* late duplicates */
            th_ack(&h, 0, 1235, 0);
            CHECK_EQ_INT(th_pending(&h), 1);            /* only block 65537 (sent as 1) */
        }
    }
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->dup_acks, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->stale_acks, 1);
    th_done(&h);
}
