/* Netascii transfers: LF as CR LF and CR as CR NUL on the fly, pairs split across
 * blocks, the empty final block after a converted size of whole blocks, and
 * retransmitted windows that come out the same. Checked against a conversion
 * done here byte by byte. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static struct th h;

/* The reference: the whole file converted at once. */
static size_t convert(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\n') {
            out[o++] = '\r';
            out[o++] = '\n';
        } else if (in[i] == '\r') {
            out[o++] = '\r';
            out[o++] = 0;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

/* A text with every case: lines, bare CRs, CR LF pairs, runs of newlines. */
static size_t make_text(uint8_t *b, size_t n)
{
    static const char *const parts[] = {"hello", "\n", "\r\n", "\r", "x", "\n\n\n", "abc\rdef", "\r\r"};
    size_t o = 0;
    unsigned k = 0;
    while (o < n) {
        const char *s = parts[(k * 7 + k / 3) % 8];
        for (size_t i = 0; s[i] && o < n; i++)
            b[o++] = (uint8_t)s[i];
        k++;
    }
    return o;
}

/* Receives a netascii file with blksize and window, ACKing the last block of each
 * window; returns the bytes received. */
static size_t receive(uint16_t port, const char *blksize, const char *window, uint8_t *out,
                      size_t cap)
{
    th_rrq(&h, port, "t.txt", "netascii", "blksize", blksize, "windowsize", window, NULL);
    REQUIRE_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_ack(&h, 0, port, 0);
    size_t got = 0, bs = (size_t)atoi(blksize);
    uint16_t expect = 1;
    for (;;) {
        const struct th_pkt *p = th_take(&h);
        REQUIRE(p != NULL);
        REQUIRE_EQ_INT(th_op(p), TFTP_DATA);
        REQUIRE_EQ_INT(th_block(p), expect);
        size_t n = th_data_len(p);
        REQUIRE(n <= bs && got + n <= cap);
        memcpy(out + got, p->b + 4, n);
        got += n;
        if (n < bs || th_pending(&h) == 0)
            th_ack(&h, 0, port, expect);
        expect++;
        if (n < bs)
            break;
    }
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    return got;
}

static void roundtrip(size_t len, const char *blksize, const char *window, bool mappable)
{
    uint8_t *text = malloc(len + 1), *want = malloc(2 * len + 1), *got = malloc(2 * len + 1);
    make_text(text, len);
    size_t wlen = convert(text, len, want);
    th_init(&h);
    h.fr.mappable = mappable;
    th_add_file(&h, "t.txt", text, len);
    size_t glen = receive(700, blksize, window, got, 2 * len + 1);
    CHECK_EQ_INT(glen, wlen);
    CHECK_MEM(got, want, wlen);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->zero_copy, 0);     /* converted: never the root's bytes */
    th_done(&h);
    free(text);
    free(want);
    free(got);
}

/* Blocks of 8: pairs fall across block boundaries all the time. */
TEST(tftp_netascii_pairs_split_across_small_blocks)
{
    roundtrip(3000, "8", "1", true);
    roundtrip(3001, "9", "3", false);
}

TEST(tftp_netascii_large_blocks_and_windows)
{
    roundtrip(200000, "1468", "4", true);
    roundtrip(100000, "512", "64", false);
}

/* Two lines of 7 bytes convert to 16: with blocks of 8 the transfer ends with an
 * empty third block. */
TEST(tftp_netascii_whole_blocks_end_with_an_empty_one)
{
    static const uint8_t text[] = "abcdef\n" "abcdef\n";     /* 7 + 7 -> 8 + 8 */
    uint8_t got[32];
    th_init(&h);
    th_add_file(&h, "t.txt", text, 14);
    size_t n = receive(701, "8", "4", got, sizeof got);
    CHECK_EQ_INT(n, 16);
    CHECK_MEM(got, "abcdef\r\nabcdef\r\n", 16);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->blocks, 3);
    th_done(&h);
}

/* A window sent again after a timeout, and after an early ACK, is the same bytes
 * as the first time: the conversion restarts from where each block began. */
TEST(tftp_netascii_retransmitted_windows_are_identical)
{
    static uint8_t text[400], want[800];
    make_text(text, sizeof text);
    size_t wlen = convert(text, sizeof text, want);
    th_init(&h);
    h.fr.mappable = false;
    th_add_file(&h, "t.txt", text, sizeof text);
    th_rrq(&h, 702, "t.txt", "netascii", "blksize", "10", "windowsize", "5", NULL);
    th_take(&h);
    th_ack(&h, 0, 702, 0);
    uint8_t first[5][10];
    for (unsigned b = 1; b <= 5; b++)
        memcpy(first[b - 1], th_expect_data(&h, 0, (uint16_t)b, 10)->b + 4, 10);
    th_advance(&h, 1000);
    for (unsigned b = 1; b <= 5; b++)
        CHECK_MEM(th_expect_data(&h, 0, (uint16_t)b, 10)->b + 4, first[b - 1], 10);
    CHECK_MEM(first, want, 50);
    th_ack(&h, 0, 702, 3);                              /* 4 lost */
    for (unsigned b = 4; b <= 8; b++)
        CHECK_MEM(th_expect_data(&h, 0, (uint16_t)b, 10)->b + 4, want + (b - 1) * 10, 10);
    (void)wlen;
    th_done(&h);
}
