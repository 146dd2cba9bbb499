/* UDP tunnels (`tunnel NAME udp ...`, net/udptun.h) as ports of the switch of the
 * network they name (`NAME intnet NET`, `NAME natnet NET`): a UDP socket on
 * vmgate's own stack bound to sport, whose datagrams from the peer (dest:dport)
 * enter the switch as frames, and to which the switch's frames for the port go as
 * datagrams to the peer. The underlay is whichever interface lwIP routes dest by
 * (the WAN, usually). A VXLAN tunnel (`tunnel NAME vxlan ...`, net/vxlan.h) is the
 * same socket bound to sport, taking datagrams from its remotes only and sending
 * each frame to the remotes net/vxlan.c names (every one when flooded) at dport. */
#ifndef VMGATE_TUNNEL_GLUE_H
#define VMGATE_TUNNEL_GLUE_H

#include "switch_glue.h"
#include "../net/config.h"

/* Makes the tunnel t a port of g: 0 or a negative errno (said on the console). */
int tunnel_glue_attach(const struct cfg_tunnel *t, struct switch_glue *g);

#ifdef VMGATE_HOST_TEST
void tunnel_glue_test_reset(void);
#endif

#endif
