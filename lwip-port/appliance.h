/* Bring-up of the appliance: lwIP, the configuration, one interface per NIC. */
#ifndef VMGATE_APPLIANCE_H
#define VMGATE_APPLIANCE_H

#include "../boot/bootinfo.h"
#include "../net/config.h"

void appliance_init(const struct boot_info *bi);
/* One pass of the network: poll the NICs, run lwIP's timers. Returns nonzero if
 * there was work (so the caller should not halt). */
int appliance_poll(void);

#endif
