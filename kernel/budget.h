/* How vmgate divides the machine's memory among what grows with it.
 *
 * What is fixed (the kernel image with lwIP's static pools, the first MiB) is what
 * it is; the budget divides what is free after it, once, at boot, when the number
 * of network controllers is known and before any driver takes memory:
 *
 *   floor   every NIC gets BUDGET_NIC_MIN for its driver and BUDGET_HEAP_PER_NIC
 *           of heap, the NAT table BUDGET_NAT_FLOWS_MIN flows, the heap besides
 *           BUDGET_HEAP_MIN. Below that sum vmgate does not start.
 *   spare   what is left above the floor: a quarter more for the NICs, shared
 *           evenly (receive buffers: more of them, and big enough for whole GSO
 *           frames), 1/16 more for the NAT table (flows in powers of two:
 *           65536 of them at 256 MiB, what `make run` gives), and the rest stays
 *           free for the heap, which grows on demand (mem.c).
 *
 * A NIC's share is an upper bound: a driver takes what it can use (virtio-net:
 * at most 256 GSO buffers, or one 2 KiB buffer per ring slot) and leaves the rest.
 *
 * budget.c is the arithmetic and the plan in force (host-tested); budget_boot.c
 * plans for this machine and reports on the console. */
#ifndef VMGATE_BUDGET_H
#define VMGATE_BUDGET_H

#include <stdint.h>

/* A driver's floor: virtio-net's rings (32 KiB) and 256 transmit copies (530 KiB),
 * then 2 KiB receive buffers (about 100 at the floor; it needs 16). */
#define BUDGET_NIC_MIN        (768ULL << 10)
/* Each NIC's heap: its network's DHCP server (88 KiB) and the driver's state. */
#define BUDGET_HEAP_PER_NIC   (128ULL << 10)
/* The rest of the heap: what else boot allocates (a few KiB: at the floor the heap
 * held 280 KiB after boot, the NAT table and the NICs' share included; the boot
 * services add the TFTP server's session table, 165 KiB, and 13 KiB per network
 * for its PXE policy) and room for lwIP's packets in RAM, which reassembly (a
 * 64 KiB datagram), TCP send queues and replies take at run time. */
#define BUDGET_HEAP_MIN       (768ULL << 10)
#define BUDGET_NAT_FLOWS_MIN  1024u
#define BUDGET_NIC_SHARE_DIV  4               /* of the spare memory, for all NICs together */
#define BUDGET_NAT_SHARE_DIV  16              /* of the spare memory, for the NAT table */

/* What a NAT table costs: flow_bytes for each flow (the flow and its two bucket
 * heads), fixed_bytes whatever the capacity (the timing wheel, the engine). */
struct budget_nat_cost {
    uint64_t flow_bytes, fixed_bytes;
    unsigned max_flows;                      /* the most the table accepts */
};

/* vmgate's NAT engine's (net/nat_table.h, net/nat_map.h). */
extern const struct budget_nat_cost budget_nat_cost_vmgate;

struct budget {
    /* inputs */
    uint64_t free_bytes;                     /* free after the kernel image and boot data */
    unsigned nics;
    /* the plan */
    uint64_t need_bytes;                     /* the floor: the least free memory that runs */
    uint64_t nic_bytes;                      /* each NIC's upper bound */
    unsigned nat_flows;
    uint64_t nat_bytes;
};

/* Fills b for free_bytes of free memory and nics network controllers (0 counts
 * as 1: the floor of a vmgate that finds its first NIC later is still one NIC's).
 * Returns 0, or -ENOMEM when free_bytes is below the floor (b->need_bytes says
 * how much it would take; the other fields then hold the floor's sizes). */
int budget_plan(struct budget *b, uint64_t free_bytes, unsigned nics, const struct budget_nat_cost *nat);

/* Bytes of a NAT table of `flows` flows. */
uint64_t budget_nat_bytes(const struct budget_nat_cost *nat, unsigned flows);

/* How many buffers of buf_size bytes fit in `bytes` after fixed_bytes, at most
 * max; 0 when fewer than min fit (the caller then chooses a smaller buffer, or
 * fails). */
unsigned budget_buffers(uint64_t bytes, uint64_t fixed_bytes, uint64_t buf_size, unsigned min, unsigned max);

/* The plan in force: the floor's sizes until budget_set() (budget_init() sets it
 * at boot; a host test may set its own). */
void budget_set(const struct budget *b);
const struct budget *budget_current(void);
/* Each NIC's upper bound in bytes for its driver (rings, buffers, its state). */
uint64_t budget_nic_bytes(void);
/* The NAT table's capacity in flows. */
unsigned budget_nat_flows(void);

/* Kernel only (budget_boot.c). */

/* Plans memory for nics network controllers from what pmem_init() left free and
 * sets the plan; when memory is below the floor, says on the console how much
 * vmgate needs and halts. Called once, after PCI enumeration and before any
 * driver's probe. */
void budget_init(unsigned nics);
/* Prints, once every part has taken its memory, how it was divided. */
void budget_report(void);

#endif
