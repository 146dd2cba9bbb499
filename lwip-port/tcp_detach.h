/* Unhooks a TCP pcb from its owner: after this lwIP calls nothing of ours for it,
 * so a connection the owner freed (or is freeing) cannot be reached through a late
 * callback. Used before tcp_close or tcp_abort by every TCP server in lwip-port. */
#ifndef VMGATE_TCP_DETACH_H
#define VMGATE_TCP_DETACH_H

#include "lwip/tcp.h"

static inline void tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

#endif
