/* Kernel symbol table for backtraces (built by tools/ksyms.sh in a second link). */
#ifndef VMGATE_KSYMS_H
#define VMGATE_KSYMS_H
#include <stdint.h>
/* The name of the function containing addr, and the offset into it; NULL if unknown. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
#endif
