/* vmgate's host unit-test framework. A test file includes this header and writes
 *
 *     TEST(config_parses_wan_dhcp) {
 *         CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
 *     }
 *
 * Test names are C identifiers, unique in the whole binary (the linker enforces it).
 * CHECK* record a failure and let the test go on, so one run shows every broken
 * expectation; REQUIRE* record it and end the test at once, for when going on would
 * only crash (a NULL pbuf). The runner (unit_main.c) prints `PASS unit/<name>` or
 * `FAIL unit/<name>: <first failure>` per test, checks after each test that lwIP
 * holds no more memory than before it, and starts each test with the clock at 0,
 * the random generator seeded with 1 and allocations succeeding.
 *
 * The host port (host_port.c) gives tests control over what lwIP sees of the
 * platform: the clock, randomness and failing allocations. */
#ifndef VMGATE_UNIT_H
#define VMGATE_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
    const char *file;
    int line;
    struct unit_test *next;
};

/* Adds t to the list the runner walks; TEST() calls it before main(). */
void unit_register(struct unit_test *t);

#define TEST(name)                                                                  \
    void unit_test_##name(void);                                                    \
    static struct unit_test unit_reg_##name = {                                     \
        #name, unit_test_##name, __FILE__, __LINE__, NULL };                        \
    __attribute__((constructor)) static void unit_ctor_##name(void)                 \
    {                                                                               \
        unit_register(&unit_reg_##name);                                            \
    }                                                                               \
    void unit_test_##name(void)

/* Records a failure of the running test at file:line (printf-style message) and
 * prints it to stderr. Returns false. If fatal, ends the test (does not return). */
bool unit_fail(bool fatal, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The comparisons behind the macros; each returns true when the check held. */
bool unit_check_int(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, long long a, long long b);
bool unit_check_str(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, const char *a, const char *b);
bool unit_check_mem(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, const void *a, const void *b, size_t len);

#define UNIT_CHECK_(fatal, cond)                                                    \
    ((cond) ? true : unit_fail(fatal, __FILE__, __LINE__, "%s(%s)",                 \
                               (fatal) ? "REQUIRE" : "CHECK", #cond))

#define CHECK(cond)            ((void)UNIT_CHECK_(false, cond))
#define CHECK_EQ_INT(a, b)     ((void)unit_check_int(false, __FILE__, __LINE__, #a, #b, \
                                                     (long long)(a), (long long)(b)))
#define CHECK_EQ_STR(a, b)     ((void)unit_check_str(false, __FILE__, __LINE__, #a, #b, (a), (b)))
#define CHECK_MEM(a, b, len)   ((void)unit_check_mem(false, __FILE__, __LINE__, #a, #b, \
                                                     (a), (b), (len)))

#define REQUIRE(cond)          ((void)UNIT_CHECK_(true, cond))
#define REQUIRE_EQ_INT(a, b)   ((void)unit_check_int(true, __FILE__, __LINE__, #a, #b, \
                                                     (long long)(a), (long long)(b)))
#define REQUIRE_EQ_STR(a, b)   ((void)unit_check_str(true, __FILE__, __LINE__, #a, #b, (a), (b)))
#define REQUIRE_MEM(a, b, len) ((void)unit_check_mem(true, __FILE__, __LINE__, #a, #b, \
                                                     (a), (b), (len)))

/* --- the host port (host_port.c) ----------------------------------------------- */

/* lwIP's sys_now(): milliseconds, set and advanced only by the test. Moving the
 * clock does not run lwIP's timers: call sys_check_timeouts() for that. */
void unit_clock_set_ms(uint32_t ms);
void unit_clock_advance_ms(uint32_t ms);

/* Makes vmgate_random32() (LWIP_RAND) a fixed sequence for this seed: the product's
 * ChaCha20 generator (net/rng.h) keyed by it. */
void unit_random_seed(uint64_t seed);

/* Lets the next n lwIP allocations (pbufs, PCBs, timeouts: everything goes through
 * vmgate_host_malloc in host builds) succeed and every one after them fail, until
 * unit_alloc_fail_never(). For testing what a module does when memory runs out. */
void unit_alloc_fail_after(unsigned n);
void unit_alloc_fail_never(void);

/* Called by the host port when an lwIP assertion fails: fails the running test and
 * stops the run, since lwIP's state can no longer be trusted. */
void unit_lwip_assert_failed(const char *msg, const char *file, int line)
    __attribute__((noreturn));

#endif
