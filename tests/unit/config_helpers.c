/* Helpers for the configuration tests (contracts in config_helpers.h). */
#include "config_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture cap;

void capture_reset(void)
{
    memset(&cap, 0, sizeof cap);
}

/* Also checks what every error report must be: two non-empty strings that fit
 * their buffers, whatever the input was. */
void capture_error(void *ctx, const char *statement, const char *why)
{
    (void)ctx;
    CHECK(statement != NULL && why != NULL);
    if (!statement || !why)
        return;
    CHECK(strlen(statement) > 0 && strlen(statement) < CFG_STMT_MAX);
    CHECK(strlen(why) > 0 && strlen(why) < 256);
    if (cap.n < CAPTURE_MAX) {
        snprintf(cap.stmt[cap.n], sizeof cap.stmt[0], "%s", statement);
        snprintf(cap.why[cap.n], sizeof cap.why[0], "%s", why);
    }
    cap.n++;
}

int parse_text(struct vmgate_config *c, const char *text)
{
    config_init(c);
    capture_reset();
    return config_parse(c, text, strlen(text), capture_error, NULL);
}

void finalize(struct vmgate_config *c, unsigned n_nics)
{
    config_finalize(c, n_nics, capture_error, NULL);
}

void check_one_error(const char *file, int line, const char *stmt, const char *why)
{
    unit_check_int(false, file, line, "cap.n", "1", cap.n, 1);
    if (cap.n < 1)
        return;
    unit_check_str(false, file, line, "reported statement", "expected", cap.stmt[0], stmt);
    unit_check_str(false, file, line, "reported reason", "expected", cap.why[0], why);
}

void expect_reject(const char *file, int line, const char *base, const char *text,
                   const char *stmt, const char *why)
{
    static struct vmgate_config c, before;
    int rejected;

    if (parse_text(&c, base) != 0) {
        unit_fail(false, file, line, "base config rejected: %s: %s", cap.stmt[0], cap.why[0]);
        return;
    }
    memcpy(&before, &c, sizeof c);
    /* The text lives in a heap block of exactly its length, not NUL-terminated, so
     * that ASan catches any read past len. */
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    rejected = config_parse(&c, copy, len, capture_error, NULL);
    free(copy);
    unit_check_int(false, file, line, "rejected", "1", rejected, 1);
    check_one_error(file, line, stmt, why);
    unit_check_mem(false, file, line, "config after", "config before", &c, &before, sizeof c);
}


/* The formatted text of the configuration under test and of its reparse. */
static char rt_text[32768], rt_text2[32768];
static struct vmgate_config rt_again;

void check_round_trip(const char *file, int line, const struct vmgate_config *c, unsigned n_nics)
{
    int len = config_format(c, n_nics, rt_text, sizeof rt_text);
    unit_check_int(false, file, line, "len", "strlen(text)", len, (long long)strlen(rt_text));
    config_init(&rt_again);
    capture_reset();
    unit_check_int(false, file, line, "errors parsing the formatted text", "0",
                   config_parse(&rt_again, rt_text, (size_t)len, capture_error, NULL), 0);
    config_finalize(&rt_again, n_nics, capture_error, NULL);
    unit_check_int(false, file, line, "errors reported", "0", cap.n, 0);
    if (cap.n)
        unit_fail(false, file, line, "first: %s: %s", cap.stmt[0], cap.why[0]);
    if (!config_equal(c, &rt_again))
        unit_fail(false, file, line, "config_equal(original, reparsed) is false; text:\n%s", rt_text);
    unit_check_mem(false, file, line, "original", "reparsed", c, &rt_again, sizeof *c);
    config_format(&rt_again, n_nics, rt_text2, sizeof rt_text2);
    unit_check_str(false, file, line, "text", "text2", rt_text, rt_text2);
}
