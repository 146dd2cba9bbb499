/* The fuzz targets' host port (host_port.c): lwIP's platform functions, plus the
 * two knobs a target may turn to make runs reproducible. */
#ifndef VMGATE_FUZZ_PORT_H
#define VMGATE_FUZZ_PORT_H

#include <stdint.h>

/* lwIP's sys_now() in milliseconds; starts at 0 and moves only when set. */
void fuzz_clock_set_ms(uint32_t ms);
/* Restarts vmgate_random32() (LWIP_RAND) at the sequence for this seed. */
void fuzz_random_seed(uint64_t seed);

#endif
