/* x86_64 descriptor tables (GDT with TSS, IDT) and the trap frame. */
#ifndef VMGATE_CPU_H
#define VMGATE_CPU_H

#include <stdint.h>

struct trapframe {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};

#define IRQ_BASE 32                          /* 8259 lines 0-15 at vectors 32-47 */

void cpu_init(void);                         /* GDT, TSS, IDT; interrupts stay off */
void trap_dispatch(struct trapframe *tf);
void trap_dump(const struct trapframe *tf);
void backtrace_from(uint64_t rbp, uint64_t rip);

#endif
