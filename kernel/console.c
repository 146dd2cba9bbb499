/* 16550 UART on COM1 at 115200 8N1, polled. Polling keeps the console usable from
 * trap handlers and before interrupts are set up; output volume is small. */
#include "console.h"
#include "io.h"

#include <stdio.h>

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LCR_DLAB 0x80

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);            /* no UART interrupts: we poll */
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, 1);              /* divisor 1: 115200 baud */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03);            /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);            /* FIFOs on, cleared, 14-byte threshold */
    outb(COM1 + UART_MCR, 0x03);            /* DTR, RTS */
}

static void uart_putc(char c)
{
    /* Bounded wait: a missing UART must not hang the appliance. */
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        cpu_relax();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

int console_getc(void)
{
    if (inb(COM1 + UART_LSR) & LSR_DATA_READY)
        return inb(COM1 + UART_DATA);
    return -1;
}

int kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        return n;
    console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    irq_disable();
    kprintf("\nvmgate: panic: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
