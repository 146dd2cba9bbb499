/* kernel_main: the boot order, one step per line. */
#include "../boot/bootinfo.h"
#include "console.h"
#include "cpu.h"
#include "mem.h"
#include "budget.h"
#include "clock.h"
#include "irq.h"
#include "io.h"
#include "pci.h"
#include "../drivers/nic.h"
#include "random.h"
#include "loop.h"
#include "../lwip-port/bootfiles.h"

static void banner(const struct boot_info *bi)
{
    kprintf("\nvmgate: booting (%s)\n", bi->boot_path);
    if (bi->magic != BOOT_INFO_MAGIC)
        panic("boot_info magic %#x: the boot path and the kernel disagree", bi->magic);
}

void kernel_main(struct boot_info *bi)
{
    console_init();
    banner(bi);
    cpu_init();
    pmem_init(bi);
    clock_init();
    irq_init();
    clock_start_tick();
    irq_enable();
    pci_init();
    budget_init(pci_count_class(PCI_CLASS_NETWORK));
    pci_probe_drivers();
    random_init();
    bootfiles_init(bi);
    loop_init(bi);
    budget_report();
    if (nic_count() == 0)
        kprintf("vmgate: WARNING: no NIC to serve on (%u network controller(s) found, none with a "
                "driver): give the VM a NIC that vmgate drives (README, NICs)\n",
                pci_count_class(PCI_CLASS_NETWORK));
    kprintf("vmgate: ready\n");
    loop_run();
}
