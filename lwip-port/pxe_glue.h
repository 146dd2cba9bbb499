/* Boot services of one guest network: the PXE policy in its DHCP server
 * (net/pxe.h), the TFTP server (tftp_glue.h) and the HTTP server (http_glue.h),
 * both serving the one boot-file root (bootfiles.h).
 *
 * Where: TFTP and HTTP at vmgate's own address on the network; on a NAT network or
 * a NAT Network also TFTP at NET + 4, VirtualBox's NAT TFTP address, as a service
 * alias (alias.h) that delivers port 69 and the transfer ports. HTTP is not at
 * NET + 4 (nothing asks for it there, and a netif's one TCP alias is the DNS
 * relay's .3). A host-only network has no NET + 4 server: its addresses below the
 * pool are the operator's.
 *
 * `pxe OWNER off` turns the policy off (DHCP replies carry no boot fields); TFTP
 * and HTTP serve the root on every guest network whatever the policy, also where
 * the DHCP server is off (a guest with a static address, or one that iPXE booted
 * elsewhere, fetches by name). With no root (no 9p share, no cpio initrd, no ESP
 * \tftp) there is nothing to serve: the policy still offers the files the
 * configuration names, and the console says so.
 *
 * The console command `pxe` shows each network's policy and its counters. */
#ifndef VMGATE_PXE_GLUE_H
#define VMGATE_PXE_GLUE_H

#include "../net/config.h"

#include "lwip/netif.h"

#include <stdint.h>

/* Starts the boot services on nif, the network of NIC nic_index (for a NAT Network,
 * its first port) whose configuration is nic_cfg, with vmgate at self (host
 * order). Call after the network's DHCP server is attached (dhcps_glue.h): the
 * policy becomes that server's boot hook. Reservations with a name or a boot file
 * are cfg's `dhcp nicN host` entries of this network. Returns 0 or a negative
 * errno (what failed is also said on the console; what could start, did). */
int pxe_glue_attach(struct netif *nif, uint32_t self, const struct cfg_nic *nic_cfg,
                    const struct vmgate_config *cfg, int nic_index);

#endif
