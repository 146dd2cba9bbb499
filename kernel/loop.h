/* The main loop: everything after boot runs here, one thing at a time. */
#ifndef VMGATE_LOOP_H
#define VMGATE_LOOP_H
#include "../boot/bootinfo.h"
void loop_init(struct boot_info *bi);
void loop_run(void) __attribute__((noreturn));
#endif
