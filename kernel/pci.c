/* Configuration mechanism #1 (ports 0xcf8/0xcfc), which both i440fx and q35 machines
 * provide. Enumeration probes every bus number rather than following bridges: 8192
 * vendor-ID reads cost little, and no bridge numbering can hide a device. */
#include "pci.h"
#include "io.h"
#include "console.h"

#include <stdio.h>
#include <string.h>

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define MAX_DEVS 64

static struct pci_dev devs[MAX_DEVS];
static int n_devs;

extern const struct pci_driver *const __pci_drivers_start[], *const __pci_drivers_end[];

static void cfg_select(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    outl(CFG_ADDR, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
                   (uint32_t)fn << 8 | (off & 0xfc));
}

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    cfg_select(bus, dev, fn, off);
    return inl(CFG_DATA);
}

uint32_t pci_read32(const struct pci_dev *pd, uint16_t off)
{
    return raw_read32(pd->bus, pd->dev, pd->fn, off);
}

uint16_t pci_read16(const struct pci_dev *pd, uint16_t off)
{
    cfg_select(pd->bus, pd->dev, pd->fn, off);
    return inw(CFG_DATA + (off & 2));
}

uint8_t pci_read8(const struct pci_dev *pd, uint16_t off)
{
    cfg_select(pd->bus, pd->dev, pd->fn, off);
    return inb(CFG_DATA + (off & 3));
}

void pci_write32(const struct pci_dev *pd, uint16_t off, uint32_t v)
{
    cfg_select(pd->bus, pd->dev, pd->fn, off);
    outl(CFG_DATA, v);
}

void pci_write16(const struct pci_dev *pd, uint16_t off, uint16_t v)
{
    cfg_select(pd->bus, pd->dev, pd->fn, off);
    outw(CFG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *pd, uint16_t off, uint8_t v)
{
    cfg_select(pd->bus, pd->dev, pd->fn, off);
    outb(CFG_DATA + (off & 3), v);
}

uint8_t pci_find_cap(const struct pci_dev *pd, uint8_t id, uint8_t after)
{
    if (!(pci_read16(pd, PCI_CFG_STATUS) & PCI_STATUS_CAPS))
        return 0;
    uint8_t off = after ? pci_read8(pd, after + 1) : pci_read8(pd, PCI_CFG_CAPS);
    /* 48 hops at most: a looping list in a broken device must not hang boot. */
    for (int hops = 0; off >= 0x40 && hops < 48; hops++) {
        off &= 0xfc;
        if (pci_read8(pd, off) == id)
            return off;
        off = pci_read8(pd, off + 1);
    }
    return 0;
}

void pci_enable(const struct pci_dev *pd)
{
    uint16_t cmd = pci_read16(pd, PCI_CFG_COMMAND);
    cmd |= PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
    cmd &= ~PCI_CMD_INTX_OFF;
    pci_write16(pd, PCI_CFG_COMMAND, cmd);
}

/* Sizes BARs the standard way: write all ones, read back the mask, restore. Decoding
 * is off meanwhile so the probe value never claims an address range. */
static void read_bars(struct pci_dev *pd)
{
    uint16_t cmd = pci_read16(pd, PCI_CFG_COMMAND);
    pci_write16(pd, PCI_CFG_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
    for (int i = 0; i < 6; i++) {
        uint16_t off = PCI_CFG_BAR0 + 4 * i;
        uint32_t orig = pci_read32(pd, off);
        pci_write32(pd, off, 0xffffffff);
        uint32_t mask = pci_read32(pd, off);
        pci_write32(pd, off, orig);
        struct pci_bar *b = &pd->bar[i];
        if (mask == 0 || mask == 0xffffffff)
            continue;
        if (orig & 1) {
            b->io = true;
            b->addr = orig & ~3u;
            b->size = (~(mask & ~3u) + 1) & 0xffff;
            continue;
        }
        b->prefetch = orig & 8;
        uint64_t addr = orig & ~0xfu;
        uint64_t size_mask = mask & ~0xfu;
        if (((orig >> 1) & 3) == 2 && i < 5) {
            b->is64 = true;
            uint32_t orig_hi = pci_read32(pd, off + 4);
            pci_write32(pd, off + 4, 0xffffffff);
            uint32_t mask_hi = pci_read32(pd, off + 4);
            pci_write32(pd, off + 4, orig_hi);
            addr |= (uint64_t)orig_hi << 32;
            size_mask |= (uint64_t)mask_hi << 32;
            b->addr = addr;
            b->size = ~size_mask + 1;
            i++;                                /* the upper half is not a BAR of its own */
        } else {
            b->addr = addr;
            b->size = (uint32_t)(~(uint32_t)size_mask + 1);
        }
    }
    pci_write16(pd, PCI_CFG_COMMAND, cmd);
}

static void log_dev(const struct pci_dev *pd)
{
    char line[384];
    int n = snprintf(line, sizeof line, "pci %02x:%02x.%x %04x:%04x class %02x.%02x.%02x rev %02x",
                     pd->bus, pd->dev, pd->fn, pd->vendor, pd->device,
                     pd->class, pd->subclass, pd->progif, pd->revision);
    if (pd->irq_pin)
        n += snprintf(line + n, sizeof line - n, " irq %u (INT%c)", pd->irq_line, 'A' + pd->irq_pin - 1);
    for (int i = 0; i < 6 && n < (int)sizeof line - 64; i++) {
        const struct pci_bar *b = &pd->bar[i];
        if (!b->size)
            continue;
        n += snprintf(line + n, sizeof line - n, " bar%d %s%s %#llx/%#llx", i,
                      b->io ? "io" : "mem", b->is64 ? "64" : "",
                      (unsigned long long)b->addr, (unsigned long long)b->size);
    }
    if (pci_read16(pd, PCI_CFG_STATUS) & PCI_STATUS_CAPS) {
        n += snprintf(line + n, sizeof line - n, " caps");
        uint8_t off = pci_read8(pd, PCI_CFG_CAPS);
        for (int hops = 0; off >= 0x40 && hops < 48 && n < (int)sizeof line - 8; hops++) {
            off &= 0xfc;
            n += snprintf(line + n, sizeof line - n, " %02x", pci_read8(pd, off));
            off = pci_read8(pd, off + 1);
        }
    }
    kprintf("%s\n", line);
}

static void probe_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (n_devs == MAX_DEVS) {
        kprintf("pci: more than %d functions, ignoring %02x:%02x.%x\n", MAX_DEVS, bus, dev, fn);
        return;
    }
    struct pci_dev *pd = &devs[n_devs];
    memset(pd, 0, sizeof *pd);
    pd->bus = bus;
    pd->dev = dev;
    pd->fn = fn;
    uint32_t id = pci_read32(pd, PCI_CFG_VENDOR);
    pd->vendor = id & 0xffff;
    pd->device = id >> 16;
    uint32_t cls = pci_read32(pd, PCI_CFG_REVISION);
    pd->revision = cls & 0xff;
    pd->progif = (cls >> 8) & 0xff;
    pd->subclass = (cls >> 16) & 0xff;
    pd->class = cls >> 24;
    uint8_t htype = pci_read8(pd, PCI_CFG_HEADER) & 0x7f;
    if (htype == 0) {
        uint32_t sub = pci_read32(pd, PCI_CFG_SUBVENDOR);
        pd->subvendor = sub & 0xffff;
        pd->subsystem = sub >> 16;
        pd->irq_line = pci_read8(pd, PCI_CFG_INTLINE);
        pd->irq_pin = pci_read8(pd, PCI_CFG_INTPIN);
        read_bars(pd);
    }
    n_devs++;
    log_dev(pd);
}

unsigned pci_count_class(uint8_t class)
{
    unsigned n = 0;
    for (int i = 0; i < n_devs; i++)
        n += devs[i].class == class;
    return n;
}

void pci_probe_drivers(void)
{
    for (int i = 0; i < n_devs; i++) {
        struct pci_dev *pd = &devs[i];
        bool taken = false;
        for (const struct pci_driver *const *d = __pci_drivers_start; d < __pci_drivers_end; d++) {
            const struct pci_id *id;
            for (id = (*d)->ids; id->vendor; id++)
                if (id->vendor == pd->vendor && id->device == pd->device)
                    break;
            if (!id->vendor)
                continue;
            int rc = (*d)->probe(pd, id);
            if (rc == 0) {
                taken = true;
                break;
            }
            kprintf("pci %02x:%02x.%x: %s probe failed (%d)\n", pd->bus, pd->dev, pd->fn, (*d)->name, rc);
        }
        /* A NIC the user gave vmgate and that nothing drives must be named, or a
         * machine with only such NICs would come up serving nothing without a word. */
        if (!taken && pd->class == PCI_CLASS_NETWORK)
            kprintf("pci %02x:%02x.%x: network controller %04x:%04x (rev %02x) has no driver in this "
                    "build: not used\n", pd->bus, pd->dev, pd->fn, pd->vendor, pd->device, pd->revision);
    }
}

void pci_init(void)
{
    for (int bus = 0; bus < 256; bus++) {
        for (int dev = 0; dev < 32; dev++) {
            uint32_t id = raw_read32(bus, dev, 0, PCI_CFG_VENDOR);
            if ((id & 0xffff) == 0xffff)
                continue;
            int nfn = (raw_read32(bus, dev, 0, 0x0c) >> 16) & 0x80 ? 8 : 1;
            for (int fn = 0; fn < nfn; fn++) {
                if (fn && (raw_read32(bus, dev, fn, PCI_CFG_VENDOR) & 0xffff) == 0xffff)
                    continue;
                probe_function(bus, dev, fn);
            }
        }
    }
}
