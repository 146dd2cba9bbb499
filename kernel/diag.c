/* Diagnostic console commands: memory, interrupt and lwIP counters, and a way to
 * provoke an exception so the fault handler's output can be checked (by a test,
 * or by an operator who doubts it). */
#include "shell.h"
#include "console.h"
#include "mem.h"
#include "irq.h"
#include "clock.h"

#include "lwip/stats.h"
#include "lwip/memp.h"

#include <string.h>
#include <stdlib.h>

static void cmd_mem(int argc, char **argv)
{
    struct pmem_stats st;
    pmem_get_stats(&st);
    kprintf("pages: %llu free of %llu (4 KiB), %llu allocated (rings, buffers, tables)\n"
            "heap: %llu KiB used of %llu KiB, can grow %llu KiB\n",
            (unsigned long long)st.free_pages, (unsigned long long)st.total_pages,
            (unsigned long long)st.pages_allocated,
            (unsigned long long)(st.heap_used >> 10), (unsigned long long)(st.heap_size >> 10),
            (unsigned long long)(st.heap_room >> 10));
#if MEM_STATS
    kprintf("lwip heap: used %lu max %lu err %u (bytes, in the heap above)\n",
            (unsigned long)lwip_stats.mem.used, (unsigned long)lwip_stats.mem.max, (unsigned)lwip_stats.mem.err);
#endif
#if MEMP_STATS
    for (int i = 0; i < MEMP_MAX; i++) {
        const struct stats_mem *m = lwip_stats.memp[i];
        if (m)
            kprintf("pool %-16s used %5u max %5u avail %5u err %u\n", m->name,
                    (unsigned)m->used, (unsigned)m->max, (unsigned)m->avail, (unsigned)m->err);
    }
#endif
}
SHELL_COMMAND("mem", "memory and lwIP pool usage", cmd_mem);

static void print_proto(const char *name, const struct stats_proto *p)
{
    kprintf("%-6s xmit %lu recv %lu fw %lu drop %lu chkerr %lu lenerr %lu memerr %lu rterr %lu proterr %lu err %lu\n",
            name, (unsigned long)p->xmit, (unsigned long)p->recv, (unsigned long)p->fw,
            (unsigned long)p->drop, (unsigned long)p->chkerr, (unsigned long)p->lenerr,
            (unsigned long)p->memerr, (unsigned long)p->rterr, (unsigned long)p->proterr,
            (unsigned long)p->err);
}

static void cmd_stats(int argc, char **argv)
{
    kprintf("uptime %llu ms, irq0 %lu (tick)", (unsigned long long)clock_ms(), irq_count(0));
    for (int i = 1; i < 16; i++)
        if (irq_count(i))
            kprintf(", irq%d %lu", i, irq_count(i));
    kprintf("\n");
    print_proto("link", &lwip_stats.link);
    print_proto("etharp", &lwip_stats.etharp);
    print_proto("ip", &lwip_stats.ip);
    print_proto("icmp", &lwip_stats.icmp);
    print_proto("udp", &lwip_stats.udp);
    print_proto("tcp", &lwip_stats.tcp);
}
SHELL_COMMAND("stats", "counters: interrupts, lwIP per protocol", cmd_stats);

/* Deliberately faults, so the exception handler's dump can be seen and tested.
 * `fault page` touches an unmapped address, `fault ud` runs an invalid opcode. */
static void __attribute__((noinline)) fault_page(void)
{
    volatile uint64_t *bad = (volatile uint64_t *)0xdead0000000ULL;
    *bad = 1;
}

static void cmd_fault(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "ud") == 0)
        __asm__ volatile("ud2");
    else if (argc > 1 && strcmp(argv[1], "page") == 0)
        fault_page();
    else
        kprintf("usage: fault page|ud   (halts vmgate with an exception dump)\n");
}
SHELL_COMMAND("fault", "provoke an exception (diagnostics)", cmd_fault);
