/* The memory budget applied to this machine (policy in budget.h): planned once at
 * boot from what pmem_init() found free, asked by the drivers and the NAT glue,
 * and reported on the console. */
#include "budget.h"
#include "mem.h"
#include "console.h"



/* The machine's size as the user set it (-m), in bytes: the end of its RAM below
 * 4 GiB, rounded up to a MiB (firmware keeps the last few KiB for itself). */
static uint64_t machine_bytes(const struct pmem_stats *st)
{
    return (st->ram_end + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
}

void budget_init(unsigned nics)
{
    struct pmem_stats st;
    pmem_get_stats(&st);
    uint64_t free_bytes = st.boot_free_pages * PAGE_SIZE;
    struct budget plan;
    if (budget_plan(&plan, free_bytes, nics, &budget_nat_cost_vmgate) < 0) {
        /* What is not free here (the first MiB, the kernel, firmware areas) comes
         * on top of the floor in a bigger machine too, and so does the part of the
         * kernel that lies beyond the end of RAM in a machine too small to hold it. */
        uint64_t have = machine_bytes(&st);
        uint64_t not_free = have - free_bytes;
        if (st.kernel_end > st.ram_end)
            not_free += st.kernel_end - st.ram_end;
        uint64_t need = not_free + plan.need_bytes;
        kprintf("mem: %llu MiB is too little: vmgate needs at least %llu MiB with %u NIC%s "
                "(%llu KiB free after the kernel, %llu KiB needed)\n",
                (unsigned long long)(have >> 20), (unsigned long long)((need + (1ULL << 20) - 1) >> 20),
                nics, nics == 1 ? "" : "s", (unsigned long long)(free_bytes >> 10),
                (unsigned long long)(plan.need_bytes >> 10));
        kprintf("vmgate: halted\n");
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    budget_set(&plan);
}

void budget_report(void)
{
    const struct budget plan = *budget_current();
    struct pmem_stats st;
    pmem_get_stats(&st);
    kprintf("mem: %u NIC%s: rings and buffers ", plan.nics, plan.nics == 1 ? "" : "s");
    mem_print_mib(st.pages_allocated * PAGE_SIZE);
    kprintf(" (at most ");
    mem_print_mib(plan.nic_bytes);
    kprintf(" each), NAT %u flows (", plan.nat_flows);
    mem_print_mib(plan.nat_bytes);
    kprintf("), heap ");
    mem_print_mib(st.heap_used);
    kprintf(" used (NAT included), ");
    mem_print_mib(st.free_pages * PAGE_SIZE);
    kprintf(" free\n");
}
