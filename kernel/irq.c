/* 8259 PIC pair, remapped to vectors 32-47. Both boot paths leave the PICs in
 * virtual-wire mode (the LAPIC passes ExtINT through), and the firmware programs
 * each PCI function's Interrupt Line register with its 8259 line, so the PIC is the
 * one interrupt controller that works unchanged under SeaBIOS and OVMF. */
#include "irq.h"

#include <errno.h>
#include "io.h"
#include "cpu.h"

#include <stddef.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ELCR1 0x4d0                   /* edge/level control (PIIX and ICH) */
#define ELCR2 0x4d1
#define PIC_EOI 0x20
#define OCW3_READ_ISR 0x0b

/* PCI INTx lines are shared (four PIRQs for every slot), so a line has a chain. */
#define IRQ_CHAIN_MAX 8

struct irq_line {
    struct { irq_handler_fn fn; void *arg; } chain[IRQ_CHAIN_MAX];
    int n;
    bool level;
    unsigned long count;
};

static struct irq_line lines[16];
static volatile uint16_t mask = 0xffff;         /* 1 = masked */
static volatile uint16_t rearm;                 /* level lines masked awaiting service */
static volatile bool pending;

static void pic_write_mask(void)
{
    outb(PIC1_DATA, mask & 0xff);
    outb(PIC2_DATA, mask >> 8);
}

void irq_init(void)
{
    /* ICW1-4: cascade, vector bases 32 and 40, slave on line 2, 8086 mode. */
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 0x04);
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);
    outb(PIC2_DATA, 0x01);
    mask = 0xffff & ~(1u << 2);                 /* cascade line always open */
    pic_write_mask();
}

int irq_register(int irq, irq_handler_fn fn, void *arg, bool level)
{
    if (irq < 0 || irq > 15 || irq == 2)
        return -EINVAL;
    if (lines[irq].n == IRQ_CHAIN_MAX)
        return -ENOSPC;
    uint64_t flags = irq_save();
    if (fn) {
        lines[irq].chain[lines[irq].n].fn = fn;
        lines[irq].chain[lines[irq].n].arg = arg;
        lines[irq].n++;
    }
    lines[irq].level |= level;
    if (level) {
        /* PCI INTx lines are level-triggered: say so in the ELCR, or the PIC
         * latches one edge and misses the rest while the line stays high. */
        uint16_t elcr = inb(ELCR1) | (inb(ELCR2) << 8);
        elcr |= 1u << irq;
        outb(ELCR1, elcr & 0xff);
        outb(ELCR2, elcr >> 8);
    }
    mask &= ~(1u << irq);
    pic_write_mask();
    irq_restore(flags);
    return 0;
}

static bool spurious(int irq)
{
    /* Lines 7 and 15 fire spuriously when a request vanishes before the CPU
     * acknowledges it; the in-service register tells. */
    if (irq == 7) {
        outb(PIC1_CMD, OCW3_READ_ISR);
        return !(inb(PIC1_CMD) & 0x80);
    }
    if (irq == 15) {
        outb(PIC2_CMD, OCW3_READ_ISR);
        if (!(inb(PIC2_CMD) & 0x80)) {
            outb(PIC1_CMD, PIC_EOI);            /* the master did see line 2 */
            return true;
        }
    }
    return false;
}

void irq_handle(int irq)
{
    if (spurious(irq))
        return;
    struct irq_line *l = &lines[irq];
    l->count++;
    if (l->level) {
        mask |= 1u << irq;
        rearm |= 1u << irq;
        pic_write_mask();
    }
    for (int i = 0; i < l->n; i++)
        l->chain[i].fn(irq, l->chain[i].arg);
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
    pending = true;
}

bool irq_take_pending(void)
{
    bool p = pending;
    pending = false;
    return p;
}

void irq_rearm_pending(void)
{
    if (!rearm)
        return;
    uint64_t flags = irq_save();
    mask &= ~rearm;
    rearm = 0;
    pic_write_mask();
    irq_restore(flags);
}

unsigned long irq_count(int irq)
{
    return irq >= 0 && irq < 16 ? lines[irq].count : 0;
}
