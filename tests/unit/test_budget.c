/* The memory budget (kernel/budget.c): the plan at the sizes vmgate meets (16 MiB,
 * the 256 MiB `make run` gives), the floor as an exact threshold, and the plan's
 * promises over a sweep of machine sizes and NIC counts. */
#include "kernel/budget.h"
#include "net/nat_table.h"
#include "unit.h"

#include <errno.h>

#define MIB (1ULL << 20)
#define KIB (1ULL << 10)

/* What the kernel charges for a NAT table. */
#define nat budget_nat_cost_vmgate

/* virtio-net with 256 slots (drivers/virtio_net.c): rings and transmit copies
 * before the receive buffers, and a GSO receive buffer with its bookkeeping. */
#define VNET_FIXED   (32 * KIB + 256 * (2048 + 72) + 4 * KIB)
#define VNET_BIG     (17 * 4096 + 8)

static bool is_pow2(unsigned x) { return x && !(x & (x - 1)); }

/* Free memory at boot as measured: 253.1 MiB at -m 256 (kernel 1756 KiB at 1 MiB),
 * 13.1 MiB at -m 16. */
TEST(budget_256_mib_gives_65536_flows_and_full_gso_rings)
{
    struct budget b;
    REQUIRE_EQ_INT(budget_plan(&b, 253 * MIB, 3, &nat), 0);
    CHECK_EQ_INT(b.nat_flows, 65536);           /* what issue 14 counts on at `make run`'s size */
    CHECK_EQ_INT(budget_buffers(b.nic_bytes, VNET_FIXED, VNET_BIG, 8, 256), 256);
    /* Even with eight NICs, each keeps a deep ring of GSO buffers. */
    REQUIRE_EQ_INT(budget_plan(&b, 253 * MIB, 8, &nat), 0);
    CHECK(budget_buffers(b.nic_bytes, VNET_FIXED, VNET_BIG, 8, 256) >= 100);
}

TEST(budget_16_mib_serves_with_gso_buffers_and_room_for_the_heap)
{
    struct budget b;
    REQUIRE_EQ_INT(budget_plan(&b, 13 * MIB, 2, &nat), 0);
    CHECK(is_pow2(b.nat_flows) && b.nat_flows >= BUDGET_NAT_FLOWS_MIN && b.nat_flows < 65536);
    CHECK(budget_buffers(b.nic_bytes, VNET_FIXED, VNET_BIG, 8, 128) >= 8);
    /* At least half the free memory is left to the heap after the NICs and NAT. */
    CHECK(2 * b.nic_bytes + b.nat_bytes <= 13 * MIB / 2);
}

TEST(budget_floor_is_an_exact_threshold)
{
    for (unsigned nics = 0; nics <= 8; nics++) {
        struct budget b;
        CHECK_EQ_INT(budget_plan(&b, 0, nics, &nat), -ENOMEM);
        uint64_t need = b.need_bytes;
        CHECK_EQ_INT(need, BUDGET_HEAP_MIN + budget_nat_bytes(&nat, BUDGET_NAT_FLOWS_MIN) +
                               (nics ? nics : 1) * (BUDGET_NIC_MIN + BUDGET_HEAP_PER_NIC));
        CHECK_EQ_INT(budget_plan(&b, need - 1, nics, &nat), -ENOMEM);
        CHECK_EQ_INT(b.need_bytes, need);
        CHECK_EQ_INT(budget_plan(&b, need, nics, &nat), 0);
        CHECK_EQ_INT(b.nic_bytes, BUDGET_NIC_MIN);
        CHECK_EQ_INT(b.nat_flows, BUDGET_NAT_FLOWS_MIN);
    }
    /* Each NIC raises the floor by its minimum and its heap. */
    struct budget one, two;
    budget_plan(&one, 0, 1, &nat);
    budget_plan(&two, 0, 2, &nat);
    CHECK_EQ_INT(two.need_bytes - one.need_bytes, BUDGET_NIC_MIN + BUDGET_HEAP_PER_NIC);
}

/* Over machine sizes from the floor to 4 GiB: the plan never promises more than is
 * free, keeps the heap's floor, and grows (never shrinks) with memory. */
TEST(budget_plan_fits_and_grows_with_memory)
{
    for (unsigned nics = 1; nics <= 8; nics++) {
        unsigned last_flows = 0;
        uint64_t last_nic = 0;
        for (uint64_t free_bytes = 0; free_bytes <= 4096 * MIB; free_bytes += free_bytes < 64 * MIB ? 256 * KIB : 64 * MIB) {
            struct budget b;
            int rc = budget_plan(&b, free_bytes, nics, &nat);
            if (rc < 0) {
                CHECK(free_bytes < b.need_bytes);
                continue;
            }
            uint64_t promised = nics * b.nic_bytes + b.nat_bytes;
            if (promised + BUDGET_HEAP_MIN + nics * BUDGET_HEAP_PER_NIC > free_bytes) {
                CHECK(!"the plan promises more than is free");
                break;
            }
            CHECK(is_pow2(b.nat_flows) && b.nat_flows >= BUDGET_NAT_FLOWS_MIN && b.nat_flows <= NAT_FLOWS_MAX);
            CHECK_EQ_INT(b.nat_bytes, budget_nat_bytes(&nat, b.nat_flows));
            CHECK(b.nat_flows >= last_flows && b.nic_bytes >= last_nic);
            last_flows = b.nat_flows;
            last_nic = b.nic_bytes;
        }
        CHECK(last_flows > 65536);                  /* 4 GiB grows the table beyond the target */
    }
}

TEST(budget_respects_the_tables_largest_capacity)
{
    struct budget_nat_cost small = nat;
    small.max_flows = 4096;
    struct budget b;
    REQUIRE_EQ_INT(budget_plan(&b, 1024 * MIB, 2, &small), 0);
    CHECK_EQ_INT(b.nat_flows, 4096);
    small.max_flows = 100;                          /* below the usual minimum: that many */
    REQUIRE_EQ_INT(budget_plan(&b, 1024 * MIB, 2, &small), 0);
    CHECK_EQ_INT(b.nat_flows, 100);
}

TEST(budget_buffers_counts_within_bounds)
{
    CHECK_EQ_INT(budget_buffers(100, 100, 10, 1, 10), 0);       /* nothing after the fixed part */
    CHECK_EQ_INT(budget_buffers(50, 100, 10, 1, 10), 0);
    CHECK_EQ_INT(budget_buffers(179, 100, 10, 8, 10), 0);       /* 7 fit, 8 wanted */
    CHECK_EQ_INT(budget_buffers(180, 100, 10, 8, 10), 8);
    CHECK_EQ_INT(budget_buffers(1000000, 100, 10, 8, 256), 256);
    CHECK_EQ_INT(budget_buffers(1000000, 0, 0, 0, 256), 0);      /* no size, no count */
    CHECK_EQ_INT(budget_buffers(UINT64_MAX, 0, 1, 1, 4), 4);
}

TEST(budget_in_force_is_the_floor_until_set)
{
    struct budget saved = *budget_current();
    struct budget b;
    REQUIRE_EQ_INT(budget_plan(&b, 253 * MIB, 3, &nat), 0);
    budget_set(&b);
    CHECK_EQ_INT(budget_nat_flows(), 65536);
    CHECK_EQ_INT(budget_nic_bytes(), b.nic_bytes);
    budget_set(&saved);
    CHECK_EQ_INT(budget_nat_flows(), saved.nat_flows);
}
