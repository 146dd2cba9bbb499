/* Poll the NICs, run lwIP's timers, read the console; halt when there is nothing
 * to do until an interrupt (a NIC or the 100 Hz tick) says there may be. */
#include "loop.h"
#include "io.h"
#include "irq.h"
#include "console.h"

void loop_init(struct boot_info *bi)
{
    (void)bi;
}

void loop_run(void)
{
    for (;;) {
        int work = 0;
        int c = console_getc();
        if (c >= 0) {
            work = 1;
        }
        irq_rearm_pending();
        irq_disable();
        if (!work && !irq_take_pending())
            irq_enable_and_halt();
        else
            irq_enable();
    }
}
