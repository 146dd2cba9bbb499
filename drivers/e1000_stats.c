/* The PRO/1000's statistics registers (8254x SDM 13.7), accumulated to 64 bits.
 *
 * The SDM has them all clear on read. QEMU's model (hw/net/e1000.c) clears only
 * some on read (GPRC, GPTC, RUC, ROC, TSCTC, ...) and keeps others as running
 * totals (CRCERRS up to MPC, RLEC, RNBC, RFC, RJC, COLC, TNCRS, TSCTFC read
 * without clearing). So each register's behaviour is learnt the first time it reads
 * non-zero: an immediate second read gives 0 if it cleared, the same (or more) if
 * it keeps its total. Registers that clear add each value read; those that keep a
 * total add what it grew by (and all of it after a reset set it back). */
#include "e1000_dev.h"

struct counter_def {
    const char *name;
    uint16_t reg;
};

/* The console's names; the order is that of e1k->counters. */
static const struct counter_def defs[E1K_COUNTERS] = {
    {"missed", E1K_MPC},            /* no room for a frame: receive overrun */
    {"no-buffer", E1K_RNBC},        /* no descriptor when a frame came */
    {"crc-errors", E1K_CRCERRS},
    {"symbol-errors", E1K_SYMERRS},
    {"rx-errors", E1K_RXERRC},
    {"length-errors", E1K_RLEC},
    {"undersize", E1K_RUC},
    {"oversize", E1K_ROC},          /* longer than RCTL.LPE allows: dropped */
    {"fragments", E1K_RFC},
    {"jabber", E1K_RJC},
    {"collisions", E1K_COLC},
    {"no-carrier", E1K_TNCRS},
    {"tso-contexts", E1K_TSCTC},
    {"tso-failed", E1K_TSCTFC},
    {"good-rx", E1K_GPRC},
    {"good-tx", E1K_GPTC},
};
#define MPC_INDEX 0

static void update_one(struct e1k *e, unsigned i)
{
    struct e1k_counters *c = &e->counters;
    uint32_t bit = 1u << i;
    uint32_t v = e1k_rd(e, defs[i].reg);
    if (v == E1K_GONE)
        return;                         /* the device is gone; its values mean nothing */
    if (!(c->known & bit)) {
        if (v == 0)
            return;
        uint32_t again = e1k_rd(e, defs[i].reg);
        c->known |= bit;
        if (again >= v) {
            c->sticky |= bit;
            c->total[i] += again;
            c->last[i] = again;
        } else {
            c->total[i] += (uint64_t)v + again;   /* cleared, and counted again since */
        }
        return;
    }
    if (c->sticky & bit) {
        c->total[i] += v >= c->last[i] ? v - c->last[i] : v;
        c->last[i] = v;
    } else {
        c->total[i] += v;
    }
}

uint64_t e1k_counters_update(struct e1k *e)
{
    uint64_t missed = e->counters.total[MPC_INDEX];
    for (unsigned i = 0; i < E1K_COUNTERS; i++)
        update_one(e, i);
    return e->counters.total[MPC_INDEX] - missed;
}

unsigned e1k_hw_counters(struct nic *n, struct nic_hw_counter *out, unsigned max)
{
    struct e1k *e = n->priv;
    uint64_t missed = e1k_counters_update(e);
    for (uint64_t k = 0; k < missed && k < 100000; k++)
        nic_event(n, NIC_EV_RX_OVERRUN);
    unsigned k = 0;
    for (unsigned i = 0; i < E1K_COUNTERS && k < max; i++)
        out[k++] = (struct nic_hw_counter){defs[i].name, e->counters.total[i]};
    return k;
}
