/* Fuzz target: TCP MSS clamping (net/tcp_mss.c) on arbitrary frames, each in a buffer
 * of exactly its length (the sanitizers watch every read). It aborts when:
 *  - a frame left alone (0 returned) has any byte changed;
 *  - a frame clamped has changed anywhere but its MSS value and TCP checksum, or its
 *    MSS is not the limit for its form (4 less when tagged), or the MSS it reports
 *    having found is not above that limit;
 *  - the clamp broke a TCP checksum that was right (the check below sums the
 *    pseudo-header and segment itself, apart from tcp_mss.c).
 * Input: [limit_hi][limit_lo] then the frame. */
#include "net/bytes.h"
#include "net/csum.h"
#include "net/tcp_mss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tcp_mss: %s\n", what);
    abort();
}

/* Where the IPv4 packet starts (untagged or one tag), or 0 when not IPv4/TCP. */
static size_t l3_of(const uint8_t *f, size_t len)
{
    if (len < 14)
        return 0;
    size_t l3 = get_be16(f + 12) == 0x8100 ? 18 : 14;
    if (len < l3 + 20 || get_be16(f + l3 - 2) != 0x0800 || f[l3 + 9] != 6)
        return 0;
    return l3;
}

/* Whether the TCP checksum of the packet at f + l3 verifies (bounds as tcp_mss.c
 * requires them before it changes anything). */
static int tcp_ok(const uint8_t *f, size_t len, size_t l3)
{
    const uint8_t *ip = f + l3;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = get_be16(ip + 2);
    if (ihl < 20 || tot < ihl + 20 || tot > len - l3)
        return -1;
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    put_be16(ph + 10, (uint16_t)(tot - ihl));
    uint32_t sum = csum_partial(0, ph, sizeof ph);
    sum = csum_partial(sum, ip + ihl, tot - ihl);
    return csum_fold(sum) == 0xffff;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 2)
        return 0;
    uint16_t limit = get_be16(d);
    size_t len = n - 2;
    uint8_t *f = malloc(len ? len : 1), *orig = malloc(len ? len : 1);
    memcpy(f, d + 2, len);
    memcpy(orig, d + 2, len);
    size_t l3 = l3_of(f, len);
    int ok_before = l3 ? tcp_ok(f, len, l3) : -1;
    unsigned asked = tcp_mss_clamp(f, len, limit);
    if (!asked) {
        if (len && memcmp(f, orig, len) != 0)
            fail("a frame left alone was changed");
    } else {
        if (!l3)
            fail("clamped a frame that is no IPv4 TCP");
        size_t ihl = (size_t)(f[l3] & 15) * 4, tcp = l3 + ihl;
        unsigned want = l3 == 18 ? (limit > 536 + 4 ? limit - 4u : 536u) : limit;
        size_t changed = 0, mss_at = 0;
        for (size_t i = 0; i < len; i++) {
            if (f[i] == orig[i] || i == tcp + 16 || i == tcp + 17)
                continue;
            if (!mss_at)
                mss_at = i;
            changed++;
            if (i > mss_at + 1)
                fail("bytes changed beyond one 16-bit value");
        }
        if (!changed)
            fail("reported a clamp but changed nothing");
        /* The value is two bytes; only one of them may have changed. */
        size_t v = mss_at;
        if (v >= 1 && get_be16(orig + v - 1) == asked && get_be16(f + v - 1) == want)
            v--;
        if (get_be16(f + v) != want || get_be16(orig + v) != asked || asked <= want)
            fail("the MSS is not the limit, or was not above it");
        if (ok_before == 1 && tcp_ok(f, len, l3) != 1)
            fail("a right checksum made wrong");
    }
    free(f);
    free(orig);
    return 0;
}
