/* virtio entropy device (virtio 1.1, section 5.4; QEMU's `-device virtio-rng-pci`):
 * one request queue of device-writable buffers that the device fills with random
 * bytes from the host. No feature bits, no configuration.
 *
 * The driver serves the kernel's random generator (kernel/random.c) by polling:
 * one request outstanding at a time, no interrupt. */
#ifndef VMGATE_VIRTIO_RNG_H
#define VMGATE_VIRTIO_RNG_H

#include <stdbool.h>
#include <stddef.h>

#define VIRTIO_RNG_Q_REQUEST 0
#define VIRTIO_RNG_MAX_REQUEST 64      /* bytes asked for at once */

/* True once a device was probed and set up. */
bool virtio_rng_present(void);

/* The model as the console names it: "virtio-rng (modern)" or "(legacy)"; NULL
 * without a device. */
const char *virtio_rng_model(void);

/* Asks the device for min(len, VIRTIO_RNG_MAX_REQUEST) bytes. 0, -EBUSY if a
 * request is outstanding already, -ENODEV without a device. */
int virtio_rng_request(size_t len);

/* Takes the answer to the outstanding request: copies at most len of the bytes the
 * device wrote to out and erases the driver's copy. Returns the count, 0 if the
 * device has not answered yet (or answered with nothing), -ENODEV without a
 * device, -EINVAL without a request outstanding. */
int virtio_rng_collect(void *out, size_t len);

/* A request and its answer, waiting up to timeout_ms: the count of bytes, or
 * -ETIMEDOUT (the request stays outstanding; a later collect may take it), or an
 * error as above. */
int virtio_rng_read(void *out, size_t len, unsigned timeout_ms);

#endif
