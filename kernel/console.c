/* 16550 UART on COM1 at 115200 8N1. Output is polled: that keeps the console
 * usable from trap handlers and before interrupts are set up, and output volume is
 * small. Input raises IRQ 4 once the main loop runs, so that the loop reads the
 * UART only when a byte came: every UART register access is an exit to the
 * hypervisor, and polling the line status on every pass of the loop was a third of
 * vmgate's busy time under load (docs/BENCHMARKS.md, profile). */
#include "console.h"
#include "clock.h"
#include "io.h"
#include "irq.h"

#include <stdbool.h>

#include <stdio.h>

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define IER_RX_DATA    0x01
#define MCR_OUT2       0x08                 /* gates the UART's IRQ line on PCs */
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

static volatile bool rx_signalled = true;  /* look once at the start */
static uint64_t rx_checked_ms;

static void rx_irq(int irq, void *arg)
{
    (void)irq;
    (void)arg;
    rx_signalled = true;
}

void console_rx_irq_init(void)
{
    irq_register(4, rx_irq, NULL, false);
    outb(COM1 + UART_FCR, 0x07);            /* FIFOs on, cleared, interrupt per byte */
    outb(COM1 + UART_MCR, 0x03 | MCR_OUT2);
    outb(COM1 + UART_IER, IER_RX_DATA);
}

/* The line stays raised until the FIFO is drained, and the 8259 sees only its
 * rising edge: the caller drains it after this returns true. A look every 100 ms
 * anyway, should an edge ever be lost. */
bool console_rx_ready(void)
{
    uint64_t now = clock_ms();
    if (!rx_signalled && now - rx_checked_ms < 100)
        return false;
    rx_signalled = false;
    rx_checked_ms = now;
    return true;
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
