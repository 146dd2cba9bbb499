/* Raw entropy sources of the CPU: RDSEED, RDRAND and timing jitter. The generator
 * that conditions and uses them is kernel/random.c; virtio-rng, the hypervisor's
 * source, is a driver (drivers/virtio_rng.h). */
#ifndef VMGATE_ENTROPY_H
#define VMGATE_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng;

/* Whether the CPU says it has the instruction (CPUID.(EAX=7,ECX=0):EBX bit 18 for
 * RDSEED, CPUID.1:ECX bit 30 for RDRAND). */
bool entropy_has_rdseed(void);
bool entropy_has_rdrand(void);

/* Fill out[0, len) from the instruction, retrying each 64-bit word while the CPU
 * reports no data ready (CF=0) a bounded number of times. Return the bytes filled:
 * len, or less if the CPU ran dry; -ENODEV without the instruction; -EIO when its
 * words are all equal (a broken unit that reports success with a constant, as some
 * CPUs' RDRAND did after a suspend). */
int entropy_rdseed(void *out, size_t len);
int entropy_rdrand(void *out, size_t len);

/* What a jitter run saw: samples taken, and how many differed from the one before
 * (zero means a clock without jitter: every sample the same). */
struct entropy_jitter_stats {
    unsigned samples;
    unsigned changes;
    uint64_t min, max;            /* of the TSC deltas */
};

/* Times `samples` runs of a short workload of varying length with the TSC and mixes
 * the deltas into pool (rng_mix), a batch at a time. What this is worth is argued
 * in entropy.c: under emulation, very little. */
void entropy_jitter(struct rng *pool, unsigned samples, struct entropy_jitter_stats *st);

#endif
