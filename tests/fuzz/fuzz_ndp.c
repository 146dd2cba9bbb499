/* Fuzz target: router solicitations and their answers (net/ndp_ra.h). An input is
 * two control bytes and a frame. Control byte 0: bit 0 sets the IPv6 payload
 * length to what follows the header, bit 1 stores a right ICMPv6 checksum (so that
 * the fuzzer gets past both checks to the options), bits 2-7 a clock step;
 * byte 1: bits 0-3 how many times the frame is fed to one network's answering
 * state, bits 4-7 the random delay's seed. Besides the sanitizers it checks, and
 * aborts when one breaks:
 *  - the parser returns a known result, and one it takes is an Ethernet IPv6
 *    ICMPv6 type 133 code 0 with hop limit 255, a right checksum and a source
 *    that is :: exactly when it says so;
 *  - every answer is NDP_RA_FRAME_LEN bytes, to the solicitor's MAC or all-nodes,
 *    hop limit 255, router lifetime 0, with a right checksum;
 *  - answers never outnumber solicitations, the next deadline is never more than
 *    MIN_DELAY_BETWEEN_RAS + MAX_RA_DELAY_TIME away, and after it nothing waits. */
#include "net/bytes.h"
#include "net/csum.h"
#include "net/ndp_ra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t SELF[6] = {0x52, 0x54, 0x00, 0xc8, 0xdd, 0x61};

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_ndp: invariant broken: %s\n", what);
    abort();
}

/* The ICMPv6 sum of the message in frame (plen bytes after the IPv6 header),
 * pseudo-header included: 0xffff when the stored checksum is right. */
static uint16_t icmp6_fold(const uint8_t *frame, size_t plen)
{
    uint8_t tail[8] = {0};
    put_be32(tail, (uint32_t)plen);
    tail[7] = 58;
    uint32_t sum = csum_partial(0, frame + 22, 32);
    sum = csum_partial(sum, tail, 8);
    return csum_fold(csum_partial(sum, frame + 54, plen));
}

static void check_answer(const uint8_t *ra, size_t len)
{
    static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    if (len != NDP_RA_FRAME_LEN)
        fail("answer length");
    if (get_be16(ra + 12) != 0x86dd || ra[20] != 58 || ra[21] != 255 || ra[54] != 134 || ra[55] != 0)
        fail("answer header");
    if (get_be16(ra + 60) != 0 || ra[59] != 0)
        fail("answer is a default router or sets M/O");
    if (memcmp(ra + 6, SELF, 6) != 0 || ((ra[0] & 1) && memcmp(ra, all_nodes_mac, 6) != 0))
        fail("answer addresses");
    if (icmp6_fold(ra, get_be16(ra + 18)) != 0xffff)
        fail("answer checksum");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t ctrl = data[0], more = data[1];
    size_t len = size - 2;
    /* An exact-size heap copy, so ASan sees a read one byte past the frame. */
    uint8_t *f = malloc(len ? len : 1);
    memcpy(f, data + 2, len);
    if ((ctrl & 1) && len >= 54 && len - 54 <= 0xffff)
        put_be16(f + 18, (uint16_t)(len - 54));
    if ((ctrl & 2) && len >= 58) {
        size_t plen = get_be16(f + 18);
        if (plen <= len - 54 && plen >= 4) {
            put_be16(f + 56, 0);
            put_be16(f + 56, (uint16_t)~icmp6_fold(f, plen));
        }
    }

    struct ndp_rs rs;
    enum ndp_rs_result r = ndp_rs_parse(f, len, SELF, &rs);
    if ((unsigned)r >= NDP_RS_RESULTS || !ndp_rs_result_name(r))
        fail("unknown result");
    if (r == NDP_RS_OK) {
        size_t plen = get_be16(f + 18);
        if (len < 62 || get_be16(f + 12) != 0x86dd || f[21] != 255 || f[54] != 133 || f[55] != 0 ||
            plen < 8 || plen > len - 54)
            fail("took a frame that is not a solicitation");
        if (icmp6_fold(f, plen) != 0xffff)
            fail("took a bad checksum");
        bool zero = true;
        for (int i = 0; i < 16; i++)
            zero = zero && f[22 + i] == 0;
        if (zero != rs.unspecified || memcmp(rs.src_mac, f + 6, 6) != 0)
            fail("solicitor");
    }

    struct ndp_ra_net n;
    uint32_t now = 0xfffff000u + (uint32_t)ctrl * 37;    /* near the wrap, sometimes past it */
    ndp_ra_init(&n, SELF, now);
    unsigned fed = more & 15, ok = 0, answers = 0;
    uint8_t out[NDP_RA_FRAME_LEN];
    for (unsigned i = 0; i <= fed; i++) {
        uint32_t rnd = (uint32_t)(more >> 4) * 0x9e3779b9u * (i + 1);
        ok += ndp_ra_input(&n, f, len, now, rnd) == NDP_RS_OK;
        int32_t wait = ndp_ra_next_due(&n, now);
        if (wait < -1 || wait > NDP_RA_MCAST_GAP_MS + NDP_RA_MAX_DELAY_MS)
            fail("deadline");
        now += (uint32_t)(ctrl >> 2) * 20;
        size_t got;
        while ((got = ndp_ra_take_due(&n, now, out, sizeof out)) != 0) {
            check_answer(out, got);
            answers++;
        }
    }
    int32_t wait = ndp_ra_next_due(&n, now);
    if (wait >= 0) {
        now += (uint32_t)wait;
        size_t got;
        while ((got = ndp_ra_take_due(&n, now, out, sizeof out)) != 0) {
            check_answer(out, got);
            answers++;
        }
    }
    if (answers > ok || n.stats.answered != answers)
        fail("more answers than solicitations");
    if (ndp_ra_next_due(&n, now) > 0)
        fail("an answer left waiting after its time");
    free(f);
    return 0;
}
