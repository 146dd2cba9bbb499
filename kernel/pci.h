/* PCI configuration space, enumeration, and matching devices to drivers. */
#ifndef VMGATE_PCI_H
#define VMGATE_PCI_H

#include <stdint.h>
#include <stdbool.h>

#define PCI_CFG_VENDOR   0x00
#define PCI_CFG_DEVICE   0x02
#define PCI_CFG_COMMAND  0x04
#define PCI_CFG_STATUS   0x06
#define PCI_CFG_REVISION 0x08
#define PCI_CFG_HEADER   0x0e
#define PCI_CFG_BAR0     0x10
#define PCI_CFG_SUBVENDOR 0x2c
#define PCI_CFG_SUBSYSTEM 0x2e
#define PCI_CFG_CAPS     0x34
#define PCI_CFG_INTLINE  0x3c
#define PCI_CFG_INTPIN   0x3d

#define PCI_CMD_IO       0x0001
#define PCI_CMD_MEM      0x0002
#define PCI_CMD_MASTER   0x0004
#define PCI_CMD_INTX_OFF 0x0400
#define PCI_STATUS_CAPS  0x0010

#define PCI_CAP_MSI      0x05
#define PCI_CAP_VENDOR   0x09
#define PCI_CAP_MSIX     0x11

struct pci_bar {
    uint64_t addr;                 /* port number or physical address; 0 if absent */
    uint64_t size;
    bool io, is64, prefetch;
};

struct pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device, subvendor, subsystem;
    uint8_t class, subclass, progif, revision;
    uint8_t irq_line, irq_pin;     /* line as the firmware programmed it; pin 0 = none */
    struct pci_bar bar[6];
};

/* One entry of a driver's static ID table; quirks are driver-defined flags. */
struct pci_id {
    uint16_t vendor, device;
    uint32_t quirks;
    const char *name;
};

struct pci_driver {
    const char *name;
    const struct pci_id *ids;      /* ends with vendor == 0 */
    /* Returns 0 if it took the device, a negative errno otherwise. */
    int (*probe)(struct pci_dev *pd, const struct pci_id *id);
};

/* Registers a driver: the PCI core finds it in the .pci_drivers section. */
#define PCI_DRIVER(var) \
    static const struct pci_driver *const var##_entry \
    __attribute__((used, section(".pci_drivers"))) = &var

uint32_t pci_read32(const struct pci_dev *pd, uint16_t off);
uint16_t pci_read16(const struct pci_dev *pd, uint16_t off);
uint8_t pci_read8(const struct pci_dev *pd, uint16_t off);
void pci_write32(const struct pci_dev *pd, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *pd, uint16_t off, uint16_t v);
void pci_write8(const struct pci_dev *pd, uint16_t off, uint8_t v);

/* Offset of the first capability with this ID after `after` (0: from the start),
 * or 0 if there is none. */
uint8_t pci_find_cap(const struct pci_dev *pd, uint8_t id, uint8_t after);
/* Turns on I/O and memory decoding and bus mastering, and INTx delivery. */
void pci_enable(const struct pci_dev *pd);

#define PCI_CLASS_NETWORK 0x02

/* Enumerates every bus and logs each function. */
void pci_init(void);
/* How many of the functions found have this class code. */
unsigned pci_count_class(uint8_t class);
/* Offers each function found to the drivers. */
void pci_probe_drivers(void);

#endif
