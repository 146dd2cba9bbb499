/* The memory budget's arithmetic (policy in budget.h) and the plan in force. No
 * kernel dependencies: the host tests run it for any machine size, and host builds
 * of the glue get the floor's sizes until a test sets a plan. */
#include "budget.h"
#include "../net/nat_table.h"
#include "../net/nat_map.h"

#include <errno.h>

/* A NAT table: per flow the flow itself and its heads in the two bucket arrays
 * (as many buckets as flows: capacities here are powers of two), and as many
 * mappings with their two bucket arrays (a flow has at most one mapping of its
 * own); whatever the capacity, the timing wheel and the engine's own state (its
 * rules, the rule-port bitmaps, the interfaces' shares: 26 KiB; with malloc's
 * headers, 64 KiB is generous). */
const struct budget_nat_cost budget_nat_cost_vmgate = {
    .flow_bytes = sizeof(struct nat_flow) + 2 * sizeof(uint32_t) + sizeof(struct nat_map) +
                  2 * sizeof(uint32_t),
    .fixed_bytes = NAT_WHEEL_SLOTS * sizeof(uint32_t) + (64 << 10),
    .max_flows = NAT_FLOWS_MAX,
};

uint64_t budget_nat_bytes(const struct budget_nat_cost *nat, unsigned flows)
{
    return nat->fixed_bytes + (uint64_t)flows * nat->flow_bytes;
}

int budget_plan(struct budget *b, uint64_t free_bytes, unsigned nics, const struct budget_nat_cost *nat)
{
    unsigned n = nics ? nics : 1;
    unsigned min_flows = BUDGET_NAT_FLOWS_MIN < nat->max_flows ? BUDGET_NAT_FLOWS_MIN : nat->max_flows;

    b->free_bytes = free_bytes;
    b->nics = nics;
    b->need_bytes = BUDGET_HEAP_MIN + budget_nat_bytes(nat, min_flows) +
                    n * (BUDGET_NIC_MIN + BUDGET_HEAP_PER_NIC);
    b->nic_bytes = BUDGET_NIC_MIN;
    b->nat_flows = min_flows;
    b->nat_bytes = budget_nat_bytes(nat, min_flows);
    if (free_bytes < b->need_bytes)
        return -ENOMEM;

    /* Shares of the spare memory: their sum stays below the spare, so the plan
     * never promises more than there is, and the heap keeps the rest. */
    uint64_t spare = free_bytes - b->need_bytes;
    b->nic_bytes = BUDGET_NIC_MIN + spare / BUDGET_NIC_SHARE_DIV / n;
    uint64_t nat_budget = b->nat_bytes + spare / BUDGET_NAT_SHARE_DIV;
    while (b->nat_flows <= nat->max_flows / 2 && budget_nat_bytes(nat, b->nat_flows * 2) <= nat_budget)
        b->nat_flows *= 2;
    b->nat_bytes = budget_nat_bytes(nat, b->nat_flows);
    return 0;
}

unsigned budget_buffers(uint64_t bytes, uint64_t fixed_bytes, uint64_t buf_size, unsigned min, unsigned max)
{
    if (buf_size == 0 || bytes <= fixed_bytes)
        return 0;
    uint64_t n = (bytes - fixed_bytes) / buf_size;
    if (n > max)
        n = max;
    return n < min ? 0 : (unsigned)n;
}

/* The plan in force: the floor's sizes until budget_set(). A global because the
 * whole appliance shares one memory. */
static struct budget current = {
    .nic_bytes = BUDGET_NIC_MIN,
    .nat_flows = BUDGET_NAT_FLOWS_MIN,
};

void budget_set(const struct budget *b)
{
    current = *b;
}

const struct budget *budget_current(void)
{
    return &current;
}

uint64_t budget_nic_bytes(void)
{
    return current.nic_bytes;
}

unsigned budget_nat_flows(void)
{
    return current.nat_flows;
}
