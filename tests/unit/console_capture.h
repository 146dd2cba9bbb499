/* The console for host tests: kprintf() of the glue writes into a buffer that the
 * tests read (the kernel's console is kernel/console.c). */
#ifndef VMGATE_CONSOLE_CAPTURE_H
#define VMGATE_CONSOLE_CAPTURE_H

/* Everything printed since the last unit_console_clear(), NUL-terminated (cut
 * at 64 KiB). */
const char *unit_console(void);
void unit_console_clear(void);

#endif
