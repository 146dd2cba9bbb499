/* The TSC is the clock (cheap to read; under QEMU's TCG it follows the host's
 * clock). Its rate is unknown until measured: we gate PIT channel 2 for 10 ms, count
 * TSC ticks across it, and keep the smallest of several runs, since a run can only be
 * lengthened by an interruption, never shortened. */
#include "clock.h"
#include "io.h"
#include "irq.h"
#include "console.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61                 /* bit 0: channel 2 gate, bit 5: channel 2 output */

static uint64_t tsc_hz;
static uint64_t tsc_boot;

static uint64_t measure_once(uint32_t pit_count)
{
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (b & ~0x02) & ~0x01);          /* gate low, speaker off */
    outb(PIT_CMD, 0xb0);                        /* channel 2, lo/hi, mode 0 */
    outb(PIT_CH2, pit_count & 0xff);
    outb(PIT_CH2, pit_count >> 8);
    uint64_t t0 = rdtsc();
    outb(PORT_B, (b & ~0x02) | 0x01);           /* gate high: count down starts */
    uint64_t spins = 0;
    while (!(inb(PORT_B) & 0x20)) {
        if (++spins > 100000000ULL)
            return 0;                           /* no PIT? caller falls back */
    }
    return rdtsc() - t0;
}

void clock_init(void)
{
    const uint32_t count = PIT_HZ / 100;        /* 10 ms */
    uint64_t best = 0;
    for (int i = 0; i < 5; i++) {
        uint64_t d = measure_once(count);
        if (d && (!best || d < best))
            best = d;
    }
    if (!best) {
        kprintf("clock: PIT did not count; assuming a 1 GHz TSC\n");
        tsc_hz = 1000000000ULL;
    } else {
        tsc_hz = best * PIT_HZ / count;
    }
    tsc_boot = rdtsc();
    kprintf("clock: TSC %llu.%03llu MHz (calibrated against the PIT)\n",
            (unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000));
}

static void tick(int irq, void *arg)
{
    (void)irq;
    (void)arg;                                  /* the wake-up is the point */
}

void clock_start_tick(void)
{
    const uint32_t count = PIT_HZ / CLOCK_TICK_HZ;
    outb(PIT_CMD, 0x34);                        /* channel 0, lo/hi, mode 2 (rate) */
    outb(PIT_CH0, count & 0xff);
    outb(PIT_CH0, count >> 8);
    irq_register(0, tick, 0, false);
}

uint64_t clock_tsc_hz(void) { return tsc_hz; }

uint64_t clock_ns(void)
{
    uint64_t d = rdtsc() - tsc_boot;
    /* Split to avoid overflowing d * 1e9 after a few seconds. */
    return d / tsc_hz * 1000000000ULL + (d % tsc_hz) * 1000000000ULL / tsc_hz;
}

uint64_t clock_ms(void) { return clock_ns() / 1000000ULL; }

void clock_delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_hz / 1000000ULL;
    while ((int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}
