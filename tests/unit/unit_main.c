/* The unit-test runner: runs every registered test (or those whose names contain
 * argv[1]) in file and line order, one output line per test, and after each test
 * checks that lwIP holds exactly what it held before the test: tests clean up what
 * they allocate, so a leak is caught where it happens rather than as a pool that
 * runs dry three tests later. */
#include "unit.h"

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first failure goes on the FAIL line, cut to this; stderr gets it whole. */
#define FIRST_FAILURE_MAX 400
#define MESSAGE_MAX       8192

static struct unit_test *registered;
static unsigned n_registered;

/* The test being run. */
static struct {
    const struct unit_test *test;
    unsigned failures;
    char first[FIRST_FAILURE_MAX];
    jmp_buf end;
    bool lwip_broken;
} cur;

/* lwIP's pool names, in memp_t order, from lwIP's own list of pools. */
static const char *const pool_names[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

/* What lwIP holds at one moment: the in-use count of every pool and the heap. */
struct lwip_usage {
    unsigned pool[MEMP_MAX];
    unsigned long heap;
};

void unit_register(struct unit_test *t)
{
    t->next = registered;
    registered = t;
    n_registered++;
}

/* --- failures ------------------------------------------------------------------- */

/* Contract in unit.h. The message is kept on one line for the FAIL line: anything
 * that would break it (a newline in a compared string) has been escaped by the
 * caller, and is cut here if it is too long. */
bool unit_fail(bool fatal, const char *file, int line, const char *fmt, ...)
{
    static char msg[MESSAGE_MAX];
    va_list ap;
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);

    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "    %s\n", msg);
    if (!cur.test) {
        fprintf(stderr, "unit: failure outside a test; giving up\n");
        abort();
    }
    if (cur.failures++ == 0) {
        size_t len = strlen(msg);
        if (len < sizeof cur.first) {
            memcpy(cur.first, msg, len + 1);
        } else {
            memcpy(cur.first, msg, sizeof cur.first - 4);
            memcpy(cur.first + sizeof cur.first - 4, "...", 4);
        }
    }
    if (fatal)
        longjmp(cur.end, 1);
    return false;
}

/* Writes s into dst (size len) as a C string literal, with quotes, escaping what
 * is not printable so that the message stays on one line. */
static void quote(char *dst, size_t len, const char *s)
{
    size_t o = 0;

    if (!s) {
        snprintf(dst, len, "NULL");
        return;
    }
    dst[o++] = '"';
    for (; *s && o + 8 < len; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\n')
            o += (size_t)snprintf(dst + o, len - o, "\\n");
        else if (ch == '\t')
            o += (size_t)snprintf(dst + o, len - o, "\\t");
        else if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(dst + o, len - o, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            o += (size_t)snprintf(dst + o, len - o, "\\x%02x", ch);
        else
            dst[o++] = (char)ch;
    }
    if (*s)
        o += (size_t)snprintf(dst + o, len - o, "...");
    dst[o++] = '"';
    dst[o] = '\0';
}

bool unit_check_int(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, long long a, long long b)
{
    if (a == b)
        return true;
    return unit_fail(fatal, file, line, "%s_EQ_INT(%s, %s): %lld != %lld (0x%llx != 0x%llx)",
                     fatal ? "REQUIRE" : "CHECK", expr_a, expr_b, a, b,
                     (unsigned long long)a, (unsigned long long)b);
}

bool unit_check_str(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, const char *a, const char *b)
{
    static char qa[MESSAGE_MAX / 2 - 256], qb[MESSAGE_MAX / 2 - 256];
    size_t at = 0;

    if (a == b || (a && b && strcmp(a, b) == 0))
        return true;
    while (a && b && a[at] == b[at])
        at++;
    quote(qa, sizeof qa, a);
    quote(qb, sizeof qb, b);
    return unit_fail(fatal, file, line, "%s_EQ_STR(%s, %s): %s != %s (differ at offset %zu)",
                     fatal ? "REQUIRE" : "CHECK", expr_a, expr_b, qa, qb, at);
}

/* Shows up to 8 bytes of p from offset at, in hex. */
static void hex_window(char *dst, size_t len, const unsigned char *p, size_t at, size_t total)
{
    size_t o = 0;

    dst[0] = '\0';
    for (size_t i = at; i < total && i < at + 8 && o + 4 < len; i++)
        o += (size_t)snprintf(dst + o, len - o, "%s%02x", i > at ? " " : "", p[i]);
}

bool unit_check_mem(bool fatal, const char *file, int line, const char *expr_a,
                    const char *expr_b, const void *a, const void *b, size_t len)
{
    const unsigned char *pa = a, *pb = b;
    char ha[40], hb[40];
    size_t at = 0;

    if (len == 0 || memcmp(a, b, len) == 0)
        return true;
    while (pa[at] == pb[at])
        at++;
    hex_window(ha, sizeof ha, pa, at, len);
    hex_window(hb, sizeof hb, pb, at, len);
    return unit_fail(fatal, file, line, "%s_MEM(%s, %s, %zu): differ at offset %zu: %s != %s",
                     fatal ? "REQUIRE" : "CHECK", expr_a, expr_b, len, at, ha, hb);
}

void unit_lwip_assert_failed(const char *msg, const char *file, int line)
{
    if (!cur.test) {
        fprintf(stderr, "unit: lwIP assertion \"%s\" failed at %s:%d outside a test\n",
                msg, file, line);
        abort();
    }
    cur.lwip_broken = true;
    unit_fail(true, file, line, "lwIP assertion \"%s\" failed", msg);
    abort();                                    /* not reached: unit_fail jumped */
}

/* --- lwIP's bookkeeping ---------------------------------------------------------- */

static void lwip_usage_take(struct lwip_usage *u)
{
    for (int i = 0; i < MEMP_MAX; i++)
        u->pool[i] = lwip_stats.memp[i]->used;
    u->heap = lwip_stats.mem.used;
}

/* Fails the test for every pool and for the heap that hold more (or less) than
 * before the test, and for a netif left in lwIP's list: that one is unlinked, since
 * its memory may have belonged to the test's stack frame. */
static void lwip_usage_check(const struct lwip_usage *before)
{
    struct lwip_usage now;
    const char *file = cur.test->file;
    int line = cur.test->line;

    lwip_usage_take(&now);
    for (int i = 0; i < MEMP_MAX; i++) {
        if (now.pool[i] == before->pool[i])
            continue;
        if (before->pool[i] == 0)
            unit_fail(false, file, line, "leak: pool %s used %u", pool_names[i], now.pool[i]);
        else
            unit_fail(false, file, line, "leak: pool %s used %u (%u before the test)",
                      pool_names[i], now.pool[i], before->pool[i]);
    }
    if (now.heap != before->heap)
        unit_fail(false, file, line, "leak: lwIP heap used %lu bytes (%lu before the test)",
                  now.heap, before->heap);
    if (netif_list) {
        unit_fail(false, file, line, "leak: netif %c%c%u still added", netif_list->name[0],
                  netif_list->name[1], netif_list->num);
        netif_list = NULL;
        netif_default = NULL;
    }
}

/* --- the run -------------------------------------------------------------------- */

static int by_file_and_line(const void *pa, const void *pb)
{
    const struct unit_test *a = *(const struct unit_test *const *)pa;
    const struct unit_test *b = *(const struct unit_test *const *)pb;
    int c = strcmp(a->file, b->file);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* Runs one test from a known state and reports it. Returns true if it passed. */
static bool run_one(const struct unit_test *t)
{
    struct lwip_usage before;

    memset(&cur, 0, sizeof cur);
    cur.test = t;
    unit_clock_set_ms(0);
    sys_restart_timeouts();
    unit_random_seed(1);
    unit_alloc_fail_never();
    lwip_usage_take(&before);
    if (setjmp(cur.end) == 0)
        t->fn();
    unit_alloc_fail_never();
    if (!cur.lwip_broken)
        lwip_usage_check(&before);
    fflush(stderr);
    if (cur.failures == 0)
        printf("PASS unit/%s\n", t->name);
    else
        printf("FAIL unit/%s: %s\n", t->name, cur.first);
    fflush(stdout);
    return cur.failures == 0;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    struct unit_test **list = calloc(n_registered ? n_registered : 1, sizeof *list);
    unsigned n = 0, passed = 0, failed = 0;
    bool stopped = false;

    /* Line-buffered even into a pipe: LeakSanitizer ends the process with _exit(),
     * which would drop a buffered summary. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!list)
        return 2;
    for (struct unit_test *t = registered; t; t = t->next)
        list[n++] = t;
    qsort(list, n, sizeof *list, by_file_and_line);
    if (strcmp(filter, "--list") == 0) {
        for (unsigned i = 0; i < n; i++)
            printf("%s\n", list[i]->name);
        free(list);
        return 0;
    }

    lwip_init();
    for (unsigned i = 0; i < n; i++) {
        if (!strstr(list[i]->name, filter))
            continue;
        if (stopped) {
            failed++;
            printf("FAIL unit/%s: not run (an earlier lwIP assertion)\n", list[i]->name);
            continue;
        }
        if (run_one(list[i]))
            passed++;
        else
            failed++;
        stopped = cur.lwip_broken;
    }
    cur.test = NULL;
    free(list);
    printf("unit: %u passed, %u failed\n", passed, failed);
    if (passed + failed == 0) {
        printf("unit: no test name contains '%s'\n", filter);
        return 1;
    }
    return failed ? 1 : 0;
}
