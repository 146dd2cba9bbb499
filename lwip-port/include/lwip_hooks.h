/* lwIP hooks: where vmgate's NAT and policy plug into lwIP's IPv4 path. Filled in as
 * the modules arrive; empty hooks cost nothing. */
#ifndef VMGATE_LWIP_HOOKS_H
#define VMGATE_LWIP_HOOKS_H
#endif
