/* The IPv4 input hook's own counters (the hook itself: include/lwip_hooks.h). */
#ifndef VMGATE_HOOKS_H
#define VMGATE_HOOKS_H

#include "../net/ip4.h"

struct ip4_in_stats {
    unsigned long long refused[IP4_CHECK_RESULTS];    /* by enum ip4_check_result */
};

extern struct ip4_in_stats ip4_in_stats;

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void hooks_test_reset(void);
#endif

#endif
