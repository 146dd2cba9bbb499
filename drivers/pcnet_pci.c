/* The PCnet driver's PCI side (kernel only): the ID table, the I/O BAR as the
 * driver's bus (port I/O), DMA memory from the page allocator (identity-mapped, below
 * 4 GiB), the clock, and the interrupt line. Everything else is drivers/pcnet.c. */
#include "pcnet.h"
#include "pcnet_regs.h"
#include "../kernel/pci.h"
#include "../kernel/irq.h"
#include "../kernel/io.h"
#include "../kernel/mem.h"
#include "../kernel/clock.h"
#include "../kernel/console.h"

#include <errno.h>
#include <stdlib.h>

struct pcnet_port {
    uint16_t base;
};

static uint32_t port_in(void *ctx, unsigned off, unsigned width)
{
    uint16_t port = (uint16_t)(((struct pcnet_port *)ctx)->base + off);
    return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static void port_out(void *ctx, unsigned off, unsigned width, uint32_t v)
{
    uint16_t port = (uint16_t)(((struct pcnet_port *)ctx)->base + off);
    if (width == 1)
        outb(port, (uint8_t)v);
    else if (width == 2)
        outw(port, (uint16_t)v);
    else
        outl(port, v);
}

static void *dma_alloc(void *ctx, size_t bytes)
{
    return page_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

/* Memory is identity-mapped: the CPU's address is the device's. */
static uint64_t dma_addr(void *ctx, const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static uint32_t now_ms(void *ctx) { return (uint32_t)clock_ms(); }
static void delay_us(void *ctx, unsigned us) { clock_delay_us(us); }

static void pcnet_irq_handler(int irq, void *arg)
{
    pcnet_irq(arg);
}

static int pcnet_pci_probe(struct pci_dev *pd, const struct pci_id *id)
{
    const struct pci_bar *bar = &pd->bar[0];
    if (!bar->io || !bar->addr || bar->size < PCNET_IO_SIZE)
        return -ENODEV;
    struct pcnet_port *port = calloc(1, sizeof *port);
    if (!port)
        return -ENOMEM;
    port->base = (uint16_t)bar->addr;
    pci_enable(pd);
    const struct pcnet_bus bus = {port_in, port_out, dma_alloc, dma_addr, now_ms, delay_us, port};
    /* Without an address PROM: a locally administered address made from the PCI
     * slot, the same on every boot (as virtio-net does). */
    struct pcnet_config cfg = {.fallback_mac = {0x02, 'v', 'p', pd->bus, pd->dev, pd->fn}};
    struct pcnet *p;
    int rc = pcnet_attach(&bus, &cfg, &p);
    if (rc) {
        free(port);
        return rc;
    }
    if (pd->irq_pin)
        irq_register(pd->irq_line, pcnet_irq_handler, p, true);
    return 0;
}

/* One PCI ID for the whole family: the chip ID in CSR88/89 tells the parts apart
 * (pcnet_chip.c). */
static const struct pci_id pcnet_ids[] = {
    { 0x1022, 0x2000, 0, "AMD PCnet (79C970A / 79C973)" },
    { 0, 0, 0, NULL },
};

static const struct pci_driver pcnet_driver = {
    .name = "pcnet",
    .ids = pcnet_ids,
    .probe = pcnet_pci_probe,
};
PCI_DRIVER(pcnet_driver);
