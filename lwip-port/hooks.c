/* The one IPv4 input hook lwIP calls, dispatching to vmgate's modules in order. */
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "alias.h"
#include "nat_glue.h"
#include "ttl_icmp.h"

int vmgate_ip4_input_hook(struct pbuf *p, struct netif *inp)
{
    if (alias_ip4_input(p, inp))
        return 1;
    if (nat_glue_ip4_input(p, inp))
        return 1;
    /* After NAT, whose policy (isolation, spoofing) has had its say. */
    return ttl_icmp_ip4_input(p, inp);
}
