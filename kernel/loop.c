/* Poll the NICs, run lwIP's timers, read the console; halt when there is nothing
 * to do until an interrupt (a NIC or the 100 Hz tick) says there may be. */
#include "loop.h"
#include "console.h"
#include "io.h"
#include "irq.h"
#include "random.h"
#include "shell.h"
#include "../lwip-port/appliance.h"
#include "../drivers/nic.h"

void loop_init(struct boot_info *bi)
{
    appliance_init(bi);
    console_rx_irq_init();
}

void loop_run(void)
{
    for (;;) {
        int work = appliance_poll();
        work |= shell_poll();
        random_poll();
        /* Whatever this pass queued (forwarded frames, lwIP's output, refilled
         * receive buffers) is announced to the devices once, before any halt. */
        nic_flush_all();
        irq_rearm_pending();
        /* Check for interrupts that came in while we worked with interrupts off,
         * then halt with sti;hlt so one arriving in between still wakes us. */
        irq_disable();
        if (!work && !irq_take_pending())
            irq_enable_and_halt();
        else
            irq_enable();
    }
}
