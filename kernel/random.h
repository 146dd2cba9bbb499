/* The kernel's random generator: net/rng.h's ChaCha20 generator, seeded at boot from
 * every source there is (RDSEED, RDRAND, virtio-rng, timing jitter) and reseeded
 * from them every RANDOM_RESEED_MS. Everything random in vmgate comes from here:
 * lwIP's LWIP_RAND (lwip-port/sys.c), and through it the NAT's hash key and ports,
 * the DNS relay's IDs and port, TCP initial sequence numbers, DHCP xids. */
#ifndef VMGATE_RANDOM_H
#define VMGATE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#define RANDOM_RESEED_MS (60 * 1000)

/* Seeds the generator and says on the console which sources did, warning when no
 * hardware source did. After pci_init (virtio-rng is a PCI device), before
 * anything draws: lwIP's init does. */
void random_init(void);

/* For the main loop: reseeds when RANDOM_RESEED_MS have passed, and takes a
 * virtio-rng answer when one has come. Cheap when there is nothing to do. */
void random_poll(void);

/* Random bytes and words. Not for interrupt handlers; panics if called before
 * random_init(), since nothing may draw from an unseeded generator. */
void random_bytes(void *out, size_t len);
uint32_t random_u32(void);

#endif
