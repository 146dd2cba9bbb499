/* The serial console (COM1, 16550 UART): all of vmgate's output, and the
 * operator's command line. */
#ifndef VMGATE_CONSOLE_H
#define VMGATE_CONSOLE_H

#include <stddef.h>
#include <stdarg.h>

void console_init(void);
void console_write(const char *s, size_t len);
/* Returns the next received byte, or -1 when none is waiting. */
int console_getc(void);

/* printf to the console without touching the heap: safe in trap handlers. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
