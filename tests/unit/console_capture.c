/* Contract in console_capture.h; kprintf, kvprintf and panic as kernel/console.h
 * declares them. A panic in a host test is a bug in the code under test: it is
 * reported and the run stops, as the kernel stops. */
#include "console_capture.h"
#include "kernel/console.h"

#include <stdio.h>
#include <stdlib.h>

static char text[65536];
static size_t used;

const char *unit_console(void)
{
    return text;
}

void unit_console_clear(void)
{
    used = 0;
    text[0] = 0;
}

int kvprintf(const char *fmt, va_list ap)
{
    int n = vsnprintf(text + used, sizeof text - used, fmt, ap);
    if (n > 0)
        used += (size_t)n < sizeof text - used ? (size_t)n : sizeof text - used - 1;
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
    fprintf(stderr, "unit: panic: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}
