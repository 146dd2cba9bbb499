/* Intel PRO/1000 (8254x) driver: the PCI ID table and the probe.
 *
 * Datasheet: Intel, "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (8254x SDM, 317453): chapter 3 for the descriptors, 5 for the
 * EEPROM, 13 for the registers, 14 for initialization. The chips differ in what
 * the quirks below say; QEMU models the 82540EM (`-device e1000`), 82544GC
 * (`e1000-82544gc`) and 82545EM (`e1000-82545em`), VirtualBox the 82540EM ("PRO/1000
 * MT Desktop"), 82543GC ("T Server") and 82545EM ("MT Server").
 *
 * What the driver does with them (drivers/e1000_dev.h lists the parts): 2 KiB
 * receive buffers with NIC_RX_HEADROOM in front, jumbo frames up to MTU 9000 over
 * chained buffers, checksum insertion and TCP segmentation through context
 * descriptors so that lent 64 KiB frames leave whole, the EEPROM by EERD or by
 * Microwire, link changes by LSC, statistics registers as hardware counters.
 *
 * Memory: the rings, 256 descriptors each, a 2 KiB copy buffer per transmit
 * descriptor, and as many receive buffers as the NIC's share of memory pays for
 * (kernel/budget.h), up to twice the ring so that lent buffers do not empty it.
 * Everything is allocated here, at probe, when memory is planned; the NIC is
 * opened later (nic_attach). */
#include "e1000_dev.h"
#include "../kernel/pci.h"
#include "../kernel/irq.h"
#include "../kernel/mem.h"
#include "../kernel/budget.h"
#include "../kernel/console.h"

#include <errno.h>
#include <stdlib.h>

#define E1K_RX_RING  256
#define E1K_TX_RING  256
#define E1K_RX_MIN   32              /* fewer buffers than this: the probe fails */
#define E1K_RX_MAX   (2 * E1K_RX_RING)
#define E1K_RUN_PAGES 32             /* receive buffers come in 128 KiB runs */

static size_t pages_for(size_t bytes)
{
    return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* What the NIC costs before its receive buffers. */
static uint64_t e1k_fixed_bytes(void)
{
    return PAGE_SIZE * (pages_for(E1K_RX_RING * sizeof(struct e1k_rx_desc)) +
                        pages_for(E1K_TX_RING * sizeof(struct e1k_tx_desc)) +
                        pages_for((size_t)E1K_TX_RING * E1K_TX_COPY) +
                        pages_for(E1K_TX_RING * sizeof(struct e1k_txinfo)) +
                        pages_for(E1K_RX_RING * sizeof(struct e1k_rxbuf *))) +
           sizeof(struct e1k);
}

/* Pages taken stay taken if a later step fails: a probe fails once, at boot. */
static int e1k_alloc(struct e1k *e)
{
    e->rx_size = E1K_RX_RING;
    e->tx_size = E1K_TX_RING;
    e->n_rxbufs = budget_buffers(budget_nic_bytes(), e1k_fixed_bytes(),
                                 E1K_RX_STRIDE + sizeof(struct e1k_rxbuf), E1K_RX_MIN, E1K_RX_MAX);
    if (!e->n_rxbufs)
        return -ENOMEM;
    e->rx_ring = page_alloc(pages_for(e->rx_size * sizeof(struct e1k_rx_desc)));
    e->tx_ring = page_alloc(pages_for(e->tx_size * sizeof(struct e1k_tx_desc)));
    e->tx_copy = page_alloc(pages_for((size_t)e->tx_size * E1K_TX_COPY));
    e->tx_info = page_alloc(pages_for(e->tx_size * sizeof(struct e1k_txinfo)));
    e->rx_slot = page_alloc(pages_for(e->rx_size * sizeof(struct e1k_rxbuf *)));
    e->rxbufs = calloc(e->n_rxbufs, sizeof *e->rxbufs);
    if (!e->rx_ring || !e->tx_ring || !e->tx_copy || !e->tx_info || !e->rx_slot || !e->rxbufs)
        return -ENOMEM;
    unsigned per_run = E1K_RUN_PAGES * PAGE_SIZE / E1K_RX_STRIDE;
    for (unsigned i = 0; i < e->n_rxbufs; i += per_run) {
        unsigned k = e->n_rxbufs - i < per_run ? e->n_rxbufs - i : per_run;
        uint8_t *mem = page_alloc(pages_for((size_t)k * E1K_RX_STRIDE));
        if (!mem)
            return -ENOMEM;
        for (unsigned j = 0; j < k; j++) {
            struct e1k_rxbuf *b = &e->rxbufs[i + j];
            b->mem = mem + (size_t)j * E1K_RX_STRIDE;
            b->next_free = e->rx_free;
            e->rx_free = b;
            e->n_rx_free++;
        }
    }
    return 0;
}

static void e1k_irq(int irq, void *arg)
{
    e1k_interrupt(arg);
}

static int e1k_probe(struct pci_dev *pd, const struct pci_id *id)
{
    const struct pci_bar *bar = &pd->bar[0];
    if (!bar->addr || bar->io || bar->size < 0x10000)
        return -ENODEV;
    struct e1k *e = calloc(1, sizeof *e);
    if (!e)
        return -ENOMEM;
    e->quirks = id->quirks;
    e->pci_slot[0] = pd->bus;
    e->pci_slot[1] = pd->dev;
    e->pci_slot[2] = pd->fn;
    pci_enable(pd);                     /* memory decoding and bus mastering */
    e->regs = (void *)mmio_map(bar->addr, bar->size);
    int rc = e1k_alloc(e);
    if (rc)
        goto err_free;
    rc = e1k_setup(e, id->name);
    if (rc)
        goto err_free;
    if (pd->irq_pin && irq_register(pd->irq_line, e1k_irq, e, true) == 0)
        e->have_irq = true;
    rc = nic_register(&e->nic);
    if (rc)
        return rc;                      /* registered nowhere: never opened or polled */
    e1k_report(e);
    return 0;

err_free:
    free(e->rxbufs);
    free(e);
    return rc;
}

/* VirtualBox's three cards and QEMU's three models, and their copper siblings of
 * the same programming model (8254x SDM table 1-1). */
static const struct pci_id e1k_ids[] = {
    {0x8086, 0x1004, E1K_Q_NO_EERD | E1K_Q_NO_EEREQ | E1K_Q_NO_TSO | E1K_Q_82543, "Intel 82543GC"},
    {0x8086, 0x1008, E1K_Q_NO_EERD | E1K_Q_NO_EEREQ, "Intel 82544EI"},
    {0x8086, 0x100c, E1K_Q_NO_EERD | E1K_Q_NO_EEREQ, "Intel 82544GC"},
    {0x8086, 0x100d, E1K_Q_NO_EERD | E1K_Q_NO_EEREQ, "Intel 82544GC (LOM)"},
    {0x8086, 0x100e, 0, "Intel 82540EM"},
    {0x8086, 0x1015, 0, "Intel 82540EM (LOM)"},
    {0x8086, 0x1016, 0, "Intel 82540EP (LOM)"},
    {0x8086, 0x1017, 0, "Intel 82540EP"},
    {0x8086, 0x100f, 0, "Intel 82545EM"},
    {0x8086, 0x1026, 0, "Intel 82545GM"},
    {0, 0, 0, NULL},
};

static const struct pci_driver e1k_driver = {
    .name = "e1000",
    .ids = e1k_ids,
    .probe = e1k_probe,
};
PCI_DRIVER(e1k_driver);
