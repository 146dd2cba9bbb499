/* Exceptions print what a developer needs to find the fault (vector, error code,
 * registers, a symbolized backtrace) and halt: an appliance that has corrupted its
 * state should stop, loudly, rather than forward packets wrongly. Interrupts go to
 * irq_handle(). */
#include "cpu.h"
#include "console.h"
#include "irq.h"
#include "io.h"
#include "ksyms.h"

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
    "SIMD FP exception", "virtualization", "control protection",
};

extern char __kernel_start[], __kernel_end[];

static void print_addr(uint64_t addr)
{
    uint64_t off;
    const char *name = ksyms_lookup(addr, &off);
    if (name)
        kprintf("  %016llx  %s+0x%llx\n", (unsigned long long)addr, name, (unsigned long long)off);
    else
        kprintf("  %016llx\n", (unsigned long long)addr);
}

/* Walks the %rbp chain (the kernel is built with frame pointers). Each frame is
 * checked to lie in mapped kernel memory and to grow upwards, so a corrupt chain
 * ends the walk instead of faulting inside the fault handler. */
void backtrace_from(uint64_t rbp, uint64_t rip)
{
    kprintf("backtrace:\n");
    print_addr(rip);
    for (int depth = 0; depth < 32 && rbp; depth++) {
        if (rbp & 7 || rbp < 0x1000 || rbp >= 0x100000000ULL)
            break;
        uint64_t *frame = (uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < (uint64_t)__kernel_start || ret >= (uint64_t)__kernel_end)
            break;
        print_addr(ret - 1);                 /* -1: the call, not the instruction after it */
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
}

void trap_dump(const struct trapframe *tf)
{
    const char *name = tf->vector < 32 && exception_names[tf->vector] ? exception_names[tf->vector] : "?";
    kprintf("\nvmgate: exception %llu (%s), error code 0x%llx\n",
            (unsigned long long)tf->vector, name, (unsigned long long)tf->error);
    kprintf("RIP %016llx  CS %04llx  RFLAGS %016llx\n",
            (unsigned long long)tf->rip, (unsigned long long)tf->cs, (unsigned long long)tf->rflags);
    if (tf->vector == 14)
        kprintf("CR2 %016llx (faulting address)\n", (unsigned long long)read_cr2());
    kprintf("RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
            (unsigned long long)tf->rax, (unsigned long long)tf->rbx, (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
    kprintf("RSI %016llx RDI %016llx RBP %016llx RSP %016llx\n",
            (unsigned long long)tf->rsi, (unsigned long long)tf->rdi, (unsigned long long)tf->rbp, (unsigned long long)tf->rsp);
    kprintf("R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n",
            (unsigned long long)tf->r8, (unsigned long long)tf->r9, (unsigned long long)tf->r10, (unsigned long long)tf->r11);
    kprintf("R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n",
            (unsigned long long)tf->r12, (unsigned long long)tf->r13, (unsigned long long)tf->r14, (unsigned long long)tf->r15);
    kprintf("CR3 %016llx\n", (unsigned long long)read_cr3());
    backtrace_from(tf->rbp, tf->rip);
}

void trap_dispatch(struct trapframe *tf)
{
    if (tf->vector >= IRQ_BASE && tf->vector < IRQ_BASE + 16) {
        irq_handle((int)(tf->vector - IRQ_BASE));
        return;
    }
    if (tf->vector < 32) {
        trap_dump(tf);
        kprintf("vmgate: halted\n");
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    /* Anything else is a stray vector nobody programmed: note it, carry on. */
    kprintf("vmgate: stray interrupt vector %llu\n", (unsigned long long)tf->vector);
}
