/* The serial console (COM1, 16550 UART): all of vmgate's output, and the
 * operator's command line. */
#ifndef VMGATE_CONSOLE_H
#define VMGATE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>

void console_init(void);
void console_write(const char *s, size_t len);
/* Returns the next received byte, or -1 when none is waiting. */
int console_getc(void);
/* Input by interrupt (IRQ 4), once irq_init() has run. */
void console_rx_irq_init(void);
/* Whether input may be waiting: true after the interrupt (or 100 ms without one);
 * the caller then reads with console_getc() until it returns -1. */
bool console_rx_ready(void);

/* printf to the console without touching the heap: safe in trap handlers. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
