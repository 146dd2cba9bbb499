/* AMD PCnet driver (PCnet-PCI II Am79C970A, PCnet-FAST III Am79C973): the NIC as
 * drivers/nic.h describes it, over a small bus interface so that the same code
 * drives a real (or emulated) chip through port I/O in the kernel
 * (drivers/pcnet_pci.c) and a register-level model in host tests
 * (tests/unit/pcnet_model.c). What was verified how: drivers/pcnet.c's header. */
#ifndef VMGATE_PCNET_H
#define VMGATE_PCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nic.h"

/* How the driver reaches its chip. Register offsets are within the chip's 32-byte
 * I/O window; widths are 1, 2 or 4 bytes. Memory from dma_alloc is zeroed, at least
 * 16-byte aligned, contiguous for the device and never given back (a NIC is set up
 * once, at boot); dma_addr gives the address the device uses for any byte the
 * driver hands it (its own buffers or a frame another NIC lent). */
struct pcnet_bus {
    uint32_t (*in)(void *ctx, unsigned off, unsigned width);
    void (*out)(void *ctx, unsigned off, unsigned width, uint32_t value);
    void *(*dma_alloc)(void *ctx, size_t bytes);
    uint64_t (*dma_addr)(void *ctx, const void *p);
    uint32_t (*now_ms)(void *ctx);
    void (*delay_us)(void *ctx, unsigned us);
    void *ctx;
};

/* What the glue chooses. */
struct pcnet_config {
    bool wio;                         /* stay in 16-bit I/O mode (WIO) instead of DWIO */
    uint32_t rx_buf_size;             /* receive buffer bytes; 0: PCNET_RX_BUF */
    uint8_t fallback_mac[ETH_ADDR_LEN];  /* when the address PROM holds none */
};

/* One receive buffer: a frame of 1518 bytes and its FCS. */
#define PCNET_RX_BUF       1536
#define PCNET_RX_RING_MIN  128        /* receive descriptors: at the memory floor */
#define PCNET_RX_RING_MAX  512        /* ... where the NIC's share pays for them (the
                                         most the init block can say) */
#define PCNET_TX_RING      128        /* transmit descriptors */
#define PCNET_LINK_POLL_MS 250        /* how often the link bit is read */

struct pcnet;

/* Resets the chip at the bus, identifies it, sets the 32-bit software style, reads
 * its station address, allocates rings and buffers within the NIC's share of memory
 * (kernel/budget.h) and registers the NIC (CLOSED: the chip stays stopped until
 * the NIC is opened). 0 and *out, or -ENODEV (no PCnet this driver knows answers),
 * -EIO (the chip refused the software style), -ENOMEM, or nic_register's error. */
int pcnet_attach(const struct pcnet_bus *bus, const struct pcnet_config *cfg, struct pcnet **out);

/* From the interrupt handler: only notes that the chip may want attention; the
 * next poll reads and acknowledges CSR0 (no register is touched here, so the
 * handler never disturbs a RAP/RDP sequence the main loop is in). */
void pcnet_irq(struct pcnet *p);

struct nic *pcnet_nic(struct pcnet *p);

#ifdef VMGATE_HOST_TEST
/* Host tests: the spare receive buffers left to lend, and freeing what attach took
 * of the heap (its DMA memory is the bus's). */
unsigned pcnet_test_spares(const struct pcnet *p);
void pcnet_test_free(struct pcnet *p);
#endif

#endif
