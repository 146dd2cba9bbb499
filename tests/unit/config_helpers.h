/* Helpers for the configuration tests: parse text into a fresh configuration while
 * capturing every reported error, and check rejections in one line each. */
#ifndef VMGATE_TEST_CONFIG_HELPERS_H
#define VMGATE_TEST_CONFIG_HELPERS_H

#include "net/config.h"
#include "unit.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define CAPTURE_MAX 80

/* Every error reported since the last capture_reset(), in order. */
struct capture {
    unsigned n;
    char stmt[CAPTURE_MAX][CFG_STMT_MAX];
    char why[CAPTURE_MAX][256];
};
extern struct capture cap;

void capture_reset(void);
/* A cfg_error_fn that appends to cap (ctx unused). */
void capture_error(void *ctx, const char *statement, const char *why);

/* config_init + capture_reset + config_parse of a NUL-terminated text; returns the
 * parser's count of rejected statements. */
int parse_text(struct vmgate_config *c, const char *text);
/* config_finalize, capturing its reports (after any already captured). */
void finalize(struct vmgate_config *c, unsigned n_nics);

/* Checks that cap holds exactly one error and that it is (stmt, why). */
#define CHECK_ONE_ERROR(stmt, why) check_one_error(__FILE__, __LINE__, (stmt), (why))
void check_one_error(const char *file, int line, const char *stmt, const char *why);

/* Parses base (which must be clean), then text, and checks that text was rejected
 * with exactly that reason, reported with the statement as `stmt`, and that the
 * configuration is byte-for-byte what base made of it: nothing half-applied. */
#define EXPECT_REJECT(base, text, why) expect_reject(__FILE__, __LINE__, (base), (text), (text), (why))
#define EXPECT_REJECT_AS(base, text, stmt, why) \
    expect_reject(__FILE__, __LINE__, (base), (text), (stmt), (why))
void expect_reject(const char *file, int line, const char *base, const char *text,
                   const char *stmt, const char *why);

/* Formats c for n_nics NICs, parses and finalizes the text into a fresh configuration,
 * and checks that nothing was rejected, that the result equals c byte for byte, and
 * that it formats to the same text. */
#define CONFIG_ROUND_TRIP(c, n) check_round_trip(__FILE__, __LINE__, (c), (n))
void check_round_trip(const char *file, int line, const struct vmgate_config *c, unsigned n_nics);

#endif
