/* Interrupts from the 8259 pair. A handler runs with interrupts off and must only
 * acknowledge and flag: the main loop does the work. */
#ifndef VMGATE_IRQ_H
#define VMGATE_IRQ_H

#include <stdbool.h>

typedef void (*irq_handler_fn)(int irq, void *arg);

void irq_init(void);
/* Installs a handler for a line and unmasks it. Level-triggered lines (PCI INTx)
 * pass level=true: the line is masked when it fires and unmasked by
 * irq_rearm_pending() after the main loop has serviced the device. */
int irq_register(int irq, irq_handler_fn fn, void *arg, bool level);
void irq_handle(int irq);                   /* from trap_dispatch */
/* True (and cleared) if any interrupt has arrived since the last call. */
bool irq_take_pending(void);
void irq_rearm_pending(void);
/* Per-line counts, for the console's `stats`. */
unsigned long irq_count(int irq);

#endif
