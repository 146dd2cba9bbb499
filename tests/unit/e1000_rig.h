/* The e1000 driver (drivers/e1000_*.c) on the chip model (e1000_model.h), with
 * host memory for its rings and buffers, registered with the NIC core and a
 * layer above that keeps what it receives. For tests/unit/test_e1000*.c. */
#ifndef VMGATE_E1000_RIG_H
#define VMGATE_E1000_RIG_H

#include "e1000_model.h"
#include "drivers/e1000_dev.h"

struct e1k_rig {
    struct e1km m;
    struct e1k e;
    /* What reached the layer above. */
    unsigned up_frames, up_last_more;
    uint8_t up_last[20000];
    uint32_t up_last_len;
    unsigned link_calls;
};

struct e1k_rig_opts {
    uint32_t quirks;                /* E1K_Q_* */
    bool has_eerd;                  /* the model's chip */
    unsigned ee_words;              /* 64 (default) or 256 */
    unsigned rx_size, tx_size;      /* descriptors (default 16 each) */
    unsigned n_rxbufs;              /* default 2 * rx_size */
};

extern const uint8_t rig_mac[6];

/* The model at power-up, the driver's memory, nothing set up yet. */
struct e1k_rig *rig_new(const struct e1k_rig_opts *o);
/* rig_new, e1k_setup, nic_register, nic_attach (open). NULL opts: an 82540. */
struct e1k_rig *rig_open(const struct e1k_rig_opts *o);
void rig_free(struct e1k_rig *r);

/* Runs the interrupt handler if the model's line is up, then polls. */
int rig_poll(struct e1k_rig *r);
/* poll + flush, as one pass of the main loop. */
int rig_pass(struct e1k_rig *r);

/* An Ethernet frame of len bytes to dst (IPv4 ethertype, a pattern after it). */
void rig_frame(uint8_t *buf, uint32_t len, const uint8_t dst[6], uint8_t seed);

#endif
