/* Tests of the test platform itself: the host lwIP build and the host port's
 * clock, randomness and failing allocations behave as unit.h promises, so that
 * later modules' tests can rely on them. */
#include "unit.h"

#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <string.h>

TEST(host_pbuf_alloc_and_free)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, 100, PBUF_POOL);
    struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, 20, PBUF_RAM);

    REQUIRE(p != NULL);
    REQUIRE(q != NULL);
    CHECK_EQ_INT(p->tot_len, 100);
    CHECK(lwip_stats.memp[MEMP_PBUF_POOL]->used >= 1);
    CHECK(pbuf_take(q, "0123456789abcdefghij", 20) == ERR_OK);
    CHECK_MEM(q->payload, "0123456789abcdefghij", 20);
    pbuf_cat(p, q);
    CHECK_EQ_INT(p->tot_len, 120);
    pbuf_free(p);
}

TEST(host_udp_pcb_is_counted)
{
    struct udp_pcb *pcb = udp_new();

    REQUIRE(pcb != NULL);
    CHECK_EQ_INT(lwip_stats.memp[MEMP_UDP_PCB]->used, 1);
    udp_remove(pcb);
    CHECK_EQ_INT(lwip_stats.memp[MEMP_UDP_PCB]->used, 0);
}

TEST(host_clock_starts_at_zero_and_advances)
{
    CHECK_EQ_INT(sys_now(), 0);
    unit_clock_advance_ms(1500);
    CHECK_EQ_INT(sys_now(), 1500);
    unit_clock_set_ms(0xfffffff0u);
    unit_clock_advance_ms(0x20);
    CHECK_EQ_INT(sys_now(), 0x10);
}

static int timeouts_fired;

static void count_timeout(void *arg)
{
    (void)arg;
    timeouts_fired++;
}

TEST(host_timeouts_follow_the_test_clock)
{
    timeouts_fired = 0;
    sys_timeout(1000, count_timeout, NULL);
    unit_clock_advance_ms(999);
    sys_check_timeouts();
    CHECK_EQ_INT(timeouts_fired, 0);
    unit_clock_advance_ms(1);
    sys_check_timeouts();
    CHECK_EQ_INT(timeouts_fired, 1);
}

TEST(host_random_is_seeded_per_test)
{
    unsigned a = vmgate_random32(), b = vmgate_random32();

    unit_random_seed(1);
    CHECK_EQ_INT(vmgate_random32(), a);
    CHECK_EQ_INT(vmgate_random32(), b);
    CHECK(a != b);
    unit_random_seed(2);
    CHECK(vmgate_random32() != a);
}

TEST(host_allocations_fail_on_demand)
{
    struct pbuf *p, *q;

    unit_alloc_fail_after(1);
    p = pbuf_alloc(PBUF_RAW, 64, PBUF_RAM);
    q = pbuf_alloc(PBUF_RAW, 64, PBUF_RAM);
    CHECK(p != NULL);
    CHECK(q == NULL);
    unit_alloc_fail_never();
    q = pbuf_alloc(PBUF_RAW, 64, PBUF_RAM);
    CHECK(q != NULL);
    if (p)
        pbuf_free(p);
    if (q)
        pbuf_free(q);
}
