/* The CPU's entropy: RDSEED and RDRAND where CPUID announces them, and timing
 * jitter everywhere.
 *
 * RDSEED returns the hardware source's conditioned output, RDRAND a DRBG reseeded
 * from it; either failing is reported by CF=0, which means "try again" (RDSEED
 * runs dry under load far sooner than RDRAND), so each word is retried a bounded
 * number of times and what could not be had is reported short.
 *
 * Timing jitter, and what it is worth: each sample is the TSC delta across a short
 * workload whose length and memory accesses depend on the previous sample. On real
 * hardware the delta moves with cache and TLB state, branch predictors, interrupts,
 * SMIs, frequency changes and the TSC's phase against the core clock; designs built
 * on that credit a fraction of a bit per sample. Under emulation it is worth far
 * less: with QEMU's TCG the guest's TSC follows the host's clock, so the deltas show
 * how the host happened to run the translated code (its scheduler, its interrupts,
 * the translation cache) -- variable, but visible to anyone on the host; and with
 * -icount or record/replay the TSC is a function of the instruction count and the
 * deltas are entirely deterministic. Under KVM the workload runs natively and the
 * TSC is the CPU's, close to real hardware. So jitter is always mixed in, since it
 * costs milliseconds and cannot weaken the pool (net/rng.c), but nothing relies
 * on it: kernel/random.c warns when it is the only source. */
#include "entropy.h"
#include "io.h"
#include "../net/rng.h"
#include "../net/chacha20.h"

#include <errno.h>
#include <string.h>

#define RDSEED_RETRIES 128     /* per 64-bit word */
#define RDRAND_RETRIES 10      /* the count Intel's DRNG guide gives for RDRAND */
#define JITTER_BATCH   32      /* samples mixed at a time: 256 bytes */
#define JITTER_MEM     16384   /* bytes the workload walks: several cache ways, 4 pages */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

bool entropy_has_rdseed(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7)
        return false;                 /* no leaf 7 to ask */
    cpuid(7, 0, r);
    return r[1] & (1u << 18);
}

bool entropy_has_rdrand(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    return r[2] & (1u << 30);
}

static bool rdseed64(uint64_t *v)
{
    uint8_t ok;
    __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) :: "cc");
    return ok;
}

static bool rdrand64(uint64_t *v)
{
    uint8_t ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) :: "cc");
    return ok;
}

/* Fills out with words from `one`, each retried up to `retries` times; the shared
 * body of entropy_rdseed and entropy_rdrand. */
static int fill_words(bool (*one)(uint64_t *), unsigned retries, void *out, size_t len)
{
    uint8_t *o = out;
    size_t done = 0;
    uint64_t first = 0, w = 0;
    bool all_same = true;

    while (done < len) {
        unsigned tries = 0;
        while (!one(&w)) {
            if (++tries == retries)
                goto ran_dry;
            cpu_relax();
        }
        if (done == 0)
            first = w;
        else if (w != first)
            all_same = false;
        size_t n = len - done < sizeof w ? len - done : sizeof w;
        memcpy(o + done, &w, n);
        done += n;
    }
ran_dry:
    chacha20_wipe(&w, sizeof w);
    /* Two or more words and all alike: not randomness, whatever CF said. */
    if (done > sizeof w && all_same) {
        chacha20_wipe(out, done);
        return -EIO;
    }
    return (int)done;
}

int entropy_rdseed(void *out, size_t len)
{
    if (!entropy_has_rdseed())
        return -ENODEV;
    return fill_words(rdseed64, RDSEED_RETRIES, out, len);
}

int entropy_rdrand(void *out, size_t len)
{
    if (!entropy_has_rdrand())
        return -ENODEV;
    return fill_words(rdrand64, RDRAND_RETRIES, out, len);
}

static volatile uint8_t jitter_mem[JITTER_MEM];

/* One sample: the TSC delta across a walk of 8 to 39 steps through jitter_mem, the
 * count and the starting point taken from the previous sample, so that one
 * sample's timing shapes the next one's work. */
static uint64_t jitter_sample(uint64_t prev)
{
    unsigned steps = 8 + (unsigned)(prev & 31);
    uint32_t idx = (uint32_t)((prev * 0x9e3779b97f4a7c15ull) >> 40);
    uint64_t t0 = rdtsc();

    for (unsigned i = 0; i < steps; i++) {
        idx = idx * 1664525u + 1013904223u + jitter_mem[idx % JITTER_MEM];
        jitter_mem[(idx >> 9) % JITTER_MEM] += (uint8_t)i;
    }
    return rdtsc() - t0;
}

/* Contract in entropy.h. */
void entropy_jitter(struct rng *pool, unsigned samples, struct entropy_jitter_stats *st)
{
    uint64_t batch[JITTER_BATCH], prev = rdtsc();
    unsigned n = 0;

    memset(st, 0, sizeof *st);
    st->min = UINT64_MAX;
    for (unsigned i = 0; i < samples; i++) {
        uint64_t d = jitter_sample(prev);
        if (i && d != prev)
            st->changes++;
        if (d < st->min)
            st->min = d;
        if (d > st->max)
            st->max = d;
        prev = d;
        batch[n++] = d;
        if (n == JITTER_BATCH || i + 1 == samples) {
            rng_mix(pool, batch, n * sizeof batch[0]);
            n = 0;
        }
    }
    st->samples = samples;
    if (!samples)
        st->min = 0;
    chacha20_wipe(batch, sizeof batch);
}
