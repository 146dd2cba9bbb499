/* Time: the TSC, calibrated at boot against the PIT, and a 100 Hz PIT tick that
 * wakes the idle loop so timers run on time. */
#ifndef VMGATE_CLOCK_H
#define VMGATE_CLOCK_H

#include <stdint.h>

#define CLOCK_TICK_HZ 100

void clock_init(void);                 /* calibrates the TSC; call before irq setup */
void clock_start_tick(void);           /* starts the PIT tick on IRQ 0 */
uint64_t clock_ns(void);               /* monotonic, since boot */
uint64_t clock_ms(void);
uint64_t clock_tsc_hz(void);
void clock_delay_us(uint64_t us);      /* busy-wait; for device resets only */

#endif
