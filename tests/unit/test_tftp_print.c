/* What the console's `tftp` command prints of the server (tftp_print): counters
 * by reason and the active transfers. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct th h;
static char out[8192];
static size_t out_len;

static int capture(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_len += (size_t)n < sizeof out - out_len ? (size_t)n : sizeof out - out_len - 1;
    return n;
}

static bool printed(const char *s)
{
    return strstr(out, s) != NULL;
}

TEST(tftp_print_shows_counters_and_transfers)
{
    static uint8_t file[5000];
    th_init(&h);
    th_add_file(&h, "debian/linux", file, sizeof file);
    th_rrq(&h, 1111, "debian/linux", NULL, "blksize", "1000", "windowsize", "2", NULL);
    th_ack(&h, 0, 1111, 0);
    th_ack(&h, 0, 1111, 2);
    th_rrq(&h, 1112, "../x", NULL, NULL);
    th_rrq(&h, 1113, "nothing", NULL, NULL);
    uint8_t wrq[32];
    th_to_listen(&h, 1114, wrq, th_build_request(wrq, TFTP_WRQ, "x", "octet", NULL));
    th_advance(&h, 1500);
    out_len = 0;
    out[0] = 0;
    tftp_print(h.srv, h.now, capture);
    CHECK(printed("tftp: 1 active (room for 64, 32 per client); 4 requests, 1 started, "
                  "0 completed, 0 failed"));
    CHECK(printed("path outside the root 1"));
    CHECK(printed("not found 1"));
    CHECK(printed("write request 1"));
    CHECK(printed("1 OACKs"));
    CHECK(printed("2 sent again"));                         /* blocks 3 and 4 after 1 s */
    CHECK(printed("debian/linux"));
    CHECK(printed("10.0.2.15:1111"));
    CHECK(printed("blksize 1000 window 2, 2000 of 5000 bytes acked"));
    CHECK(printed("retransmitting"));
    if (!printed("retransmitting"))
        unit_fail(false, __FILE__, __LINE__, "printed:\n%s", out);
    th_done(&h);
}
