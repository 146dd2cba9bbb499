/* The kernel's generator (see random.h). The generator starts from the all-zero key
 * and every source is folded in with rng_mix, which keeps the entropy of each
 * (net/rng.c argues it), so using everything available can only help: a source
 * that is weak or absent costs nothing but its own contribution.
 *
 * Reseeding mixes 32 fresh bytes from each hardware source at once, so that a
 * state an attacker once knew is lost to them in one step (a trickle of a few
 * unknown bits at a time could be followed by guessing them). Jitter is added at
 * reseeds too, in a smaller run, for what it is worth (kernel/entropy.c). */
#include "random.h"
#include "entropy.h"
#include "clock.h"
#include "console.h"
#include "io.h"
#include "shell.h"
#include "../drivers/virtio_rng.h"
#include "../net/chacha20.h"
#include "../net/rng.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SEED_BYTES            32      /* asked of each hardware source: a whole key */
#define BOOT_JITTER_SAMPLES   4096
#define RESEED_JITTER_SAMPLES 256
#define VIRTIO_RNG_BOOT_MS    1000    /* QEMU answers in well under a millisecond */

static struct rng gen;
static bool seeded;

static struct {
    char boot_sources[96];            /* the boot line's list */
    char boot_notes[96];              /* sources that were there and failed */
    unsigned hw_bytes;                /* from hardware sources at boot */
    uint64_t seed_us;                 /* how long seeding took at boot */
    struct entropy_jitter_stats jitter;
    unsigned reseeds;
    uint64_t last_reseed_ms, next_reseed_ms;
    bool vrng_waiting;                /* a reseed's virtio-rng request is out */
    uint64_t vrng_bytes;              /* mixed in from virtio-rng since boot */
} st;

static void append(char *list, size_t size, const char *fmt, const char *name, int n)
{
    size_t used = strlen(list);
    if (used + 3 >= size)
        return;
    if (used)
        list[used++] = ',', list[used++] = ' ', list[used] = 0;
    snprintf(list + used, size - used, fmt, name, n, SEED_BYTES);
}

/* Mixes what a hardware source gave (n bytes, or -errno) and notes it for the boot
 * line: named when it gave everything, named with the count when it gave part, in
 * the notes when it is there but failed, left out when it is absent. */
static void take(const char *name, const uint8_t *buf, int n)
{
    if (n > 0) {
        rng_mix(&gen, buf, (size_t)n);
        st.hw_bytes += (unsigned)n;
        append(st.boot_sources, sizeof st.boot_sources,
               n == SEED_BYTES ? "%s" : "%s (%d of %d bytes)", name, n);
    } else if (n == -EIO) {
        append(st.boot_notes, sizeof st.boot_notes, "%s returns a constant, not used", name, 0);
    } else if (n == -ETIMEDOUT) {
        append(st.boot_notes, sizeof st.boot_notes, "%s did not answer", name, 0);
    } else if (n != -ENODEV) {
        append(st.boot_notes, sizeof st.boot_notes, "%s gave nothing (%d)", name, n);
    }
}

/* Contract in random.h. */
void random_init(void)
{
    static const uint8_t zero[RNG_KEY_LEN];
    uint8_t buf[SEED_BYTES];
    uint64_t now = rdtsc(), t0 = clock_ns();

    rng_init(&gen, zero);
    rng_mix(&gen, &now, sizeof now);  /* no secret, but free: boots differ by it */
    take("rdseed", buf, entropy_rdseed(buf, sizeof buf));
    take("rdrand", buf, entropy_rdrand(buf, sizeof buf));
    int v = virtio_rng_read(buf, sizeof buf, VIRTIO_RNG_BOOT_MS);
    take("virtio-rng", buf, v);
    if (v > 0)
        st.vrng_bytes += (unsigned)v;
    st.vrng_waiting = v == -ETIMEDOUT;      /* the answer may still come */
    chacha20_wipe(buf, sizeof buf);
    entropy_jitter(&gen, BOOT_JITTER_SAMPLES, &st.jitter);
    append(st.boot_sources, sizeof st.boot_sources, "%s", "jitter", 0);
    seeded = true;
    st.seed_us = (clock_ns() - t0) / 1000;
    st.last_reseed_ms = clock_ms();
    st.next_reseed_ms = st.last_reseed_ms + RANDOM_RESEED_MS;

    kprintf("random: seeded from %s%s%s\n", st.boot_sources, st.boot_notes[0] ? "; " : "",
            st.boot_notes);
    if (st.hw_bytes == 0)
        kprintf("random: WARNING: no hardware random source (RDSEED, RDRAND, virtio-rng): "
                "seeded from CPU timing jitter only, which is weak under emulation; give "
                "vmgate -device virtio-rng-pci\n");
    else if (st.hw_bytes < SEED_BYTES)
        kprintf("random: WARNING: only %u of %d bytes from hardware random sources; the "
                "rest is CPU timing jitter\n", st.hw_bytes, SEED_BYTES);
}

/* Takes a reseed's virtio-rng answer if it has come. */
static void collect_virtio(void)
{
    uint8_t buf[SEED_BYTES];
    int n = virtio_rng_collect(buf, sizeof buf);
    if (n == 0)
        return;                       /* not yet */
    st.vrng_waiting = false;
    if (n > 0) {
        rng_mix(&gen, buf, (size_t)n);
        st.vrng_bytes += (unsigned)n;
    }
    chacha20_wipe(buf, sizeof buf);
}

static void reseed(void)
{
    uint8_t buf[SEED_BYTES];
    struct entropy_jitter_stats js;
    int n;

    if ((n = entropy_rdseed(buf, sizeof buf)) > 0)
        rng_mix(&gen, buf, (size_t)n);
    if ((n = entropy_rdrand(buf, sizeof buf)) > 0)
        rng_mix(&gen, buf, (size_t)n);
    chacha20_wipe(buf, sizeof buf);
    entropy_jitter(&gen, RESEED_JITTER_SAMPLES, &js);
    /* virtio-rng answers later: asked now, mixed in by a later random_poll(). */
    if (!st.vrng_waiting && virtio_rng_request(SEED_BYTES) == 0)
        st.vrng_waiting = true;
    st.reseeds++;
}

/* Contract in random.h. */
void random_poll(void)
{
    if (st.vrng_waiting)
        collect_virtio();
    uint64_t now = clock_ms();
    if (now < st.next_reseed_ms)
        return;
    reseed();
    st.last_reseed_ms = now;
    st.next_reseed_ms = now + RANDOM_RESEED_MS;
}

/* Contract in random.h. */
void random_bytes(void *out, size_t len)
{
    if (!seeded)
        panic("random: drawn from before random_init() seeded it (boot order, kernel/main.c)");
    rng_bytes(&gen, out, len);
}

/* Contract in random.h. */
uint32_t random_u32(void)
{
    uint32_t v;
    random_bytes(&v, sizeof v);
    return v;
}

static void cmd_random(int argc, char **argv)
{
    uint64_t now = clock_ms();
    kprintf("seeded at boot from %s%s%s\n", st.boot_sources, st.boot_notes[0] ? "; " : "",
            st.boot_notes);
    kprintf("hardware sources: rdseed %s, rdrand %s, %s\n",
            entropy_has_rdseed() ? "yes" : "no", entropy_has_rdrand() ? "yes" : "no",
            virtio_rng_present() ? virtio_rng_model() : "no virtio-rng");
    kprintf("boot jitter: %u samples, %u changes, deltas %llu..%llu TSC ticks; seeding took %llu us\n",
            st.jitter.samples, st.jitter.changes, (unsigned long long)st.jitter.min,
            (unsigned long long)st.jitter.max, (unsigned long long)st.seed_us);
    kprintf("reseeds: %u, every %u s, last %llu s ago; virtio-rng bytes since boot: %llu\n",
            st.reseeds, RANDOM_RESEED_MS / 1000, (unsigned long long)((now - st.last_reseed_ms) / 1000),
            (unsigned long long)st.vrng_bytes);
}
SHELL_COMMAND("random", "the random generator: its seed sources and reseeds", cmd_random);
