/* The HTTP request parser (net/http_req.h): requests as iPXE, edk2 and others
 * send them, split at every byte; malformed request lines and fields; the limits;
 * %-decoding and the path rules; absolute-form; Connection; Range; pipelining. */
#include "net/http_req.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* What iPXE sends (ipxe src/net/tcp/httpcore.c http_format_headers: the request
 * line, then Host, User-Agent, Connection: keep-alive, and Range only for its
 * block device) and what edk2's HttpBootDxe sends (HttpBootClient.c: Host,
 * Accept: * / *, User-Agent: UefiHttpBoot/1.0; Range when it resumes). */
static const char ipxe_get[] =
    "GET /boot.ipxe HTTP/1.1\r\nConnection: keep-alive\r\nHost: 10.0.2.2\r\n"
    "User-Agent: iPXE/1.0.0+ (36a4c)\r\n\r\n";
static const char edk2_head[] =
    "HEAD /efi/boot/bootx64.efi HTTP/1.1\r\nHost: 10.0.2.2\r\nAccept: */*\r\n"
    "User-Agent: UefiHttpBoot/1.0\r\n\r\n";
static const char edk2_resume[] =
    "GET /efi/boot/bootx64.efi HTTP/1.1\r\nHost: 10.0.2.2\r\nAccept: */*\r\n"
    "User-Agent: UefiHttpBoot/1.0\r\nRange: bytes=1000-99999\r\n\r\n";
static const char curl_abs[] =
    "GET http://10.0.2.2:80/a%20b/c.cfg?x=1 HTTP/1.1\r\nHost: elsewhere\r\n"
    "Connection: close\r\n\r\n";

/* Parses s whole; returns whether it completed, with *used. */
static bool parse_n(const char *s, size_t len, struct http_req *out, size_t *used)
{
    struct http_req_parser p;
    http_req_init(&p);
    bool done = http_req_feed(&p, (const uint8_t *)s, len, used);
    *out = p.req;
    return done;
}

static bool parse(const char *s, struct http_req *out)
{
    size_t used;
    return parse_n(s, strlen(s), out, &used);
}

static int status_of(const char *s)
{
    struct http_req r;
    if (!parse(s, &r))
        return -1;
    return r.status;
}

static bool req_eq(const struct http_req *a, const struct http_req *b)
{
    return a->status == b->status && a->close == b->close && a->method == b->method &&
           a->minor == b->minor && a->absolute_form == b->absolute_form &&
           a->path_err == b->path_err && strcmp(a->path, b->path) == 0 &&
           a->has_host == b->has_host && strcmp(a->host, b->host) == 0 &&
           a->range.kind == b->range.kind && a->range.first == b->range.first &&
           a->range.last == b->range.last;
}

/* Feeds s in pieces cut at the given points; checks each piece is taken whole
 * until the request ends, and the end is where the whole parse ended. */
static bool parse_cut(const char *s, size_t len, const size_t *cuts, unsigned n_cuts,
                      struct http_req *out, size_t *total)
{
    struct http_req_parser p;
    http_req_init(&p);
    size_t pos = 0;
    bool done = false;
    for (unsigned i = 0; i <= n_cuts && !done; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        size_t used;
        done = http_req_feed(&p, (const uint8_t *)s + pos, end - pos, &used);
        if (!done && used != end - pos)
            return false;
        pos += used;
    }
    *out = p.req;
    *total = pos;
    return done;
}

/* Every split into two pieces, every split into three around each byte, and one
 * byte at a time give what the whole gives. */
static void check_all_splits(const char *s)
{
    size_t len = strlen(s), used;
    struct http_req whole, part;
    REQUIRE(parse_n(s, len, &whole, &used));
    for (size_t k = 0; k <= len; k++) {
        size_t t;
        REQUIRE(parse_cut(s, len, &k, 1, &part, &t));
        if (!req_eq(&whole, &part) || t != used) {
            unit_fail(false, __FILE__, __LINE__, "split at %zu of \"%.40s...\" differs", k, s);
            return;
        }
    }
    for (size_t k = 1; k + 1 < len; k++) {
        size_t cuts[2] = { k, k + 1 }, t;
        REQUIRE(parse_cut(s, len, cuts, 2, &part, &t));
        if (!req_eq(&whole, &part) || t != used) {
            unit_fail(false, __FILE__, __LINE__, "byte %zu alone of \"%.40s...\" differs", k, s);
            return;
        }
    }
    size_t cuts[600], n = 0, t;
    for (size_t k = 1; k < len && n < 600; k++)
        cuts[n++] = k;
    REQUIRE(parse_cut(s, len, cuts, (unsigned)n, &part, &t));
    CHECK(req_eq(&whole, &part));
    CHECK_EQ_INT(t, used);
}

TEST(http_req_parses_what_ipxe_sends)
{
    struct http_req r;
    REQUIRE(parse(ipxe_get, &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.method, HTTP_GET);
    CHECK_EQ_INT(r.minor, 1);
    CHECK_EQ_INT(r.path_err, 0);
    CHECK_EQ_STR(r.path, "boot.ipxe");
    CHECK(r.has_host);
    CHECK_EQ_STR(r.host, "10.0.2.2");
    CHECK(!r.close);
    CHECK(!r.absolute_form);
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_NONE);
}

TEST(http_req_parses_what_edk2_sends)
{
    struct http_req r;
    REQUIRE(parse(edk2_head, &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.method, HTTP_HEAD);
    CHECK_EQ_STR(r.path, "efi/boot/bootx64.efi");
    CHECK(!r.close);
    REQUIRE(parse(edk2_resume, &r));
    CHECK_EQ_INT(r.method, HTTP_GET);
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_SPAN);
    CHECK_EQ_INT(r.range.first, 1000);
    CHECK_EQ_INT(r.range.last, 99999);
}

TEST(http_req_every_split_parses_the_same)
{
    check_all_splits(ipxe_get);
    check_all_splits(edk2_head);
    check_all_splits(edk2_resume);
    check_all_splits(curl_abs);
    check_all_splits("\r\n\nGET /x%41 HTTP/1.0\nConnection: Keep-Alive\nRange: bytes=-5\n\n");
    /* Refusals end at the same byte however the bytes come. */
    check_all_splits("GET /a HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n");
    check_all_splits("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\nbody");
    check_all_splits("GET /a HTTP/3.0\r\n\r\n");
    check_all_splits("GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(http_req_takes_lf_line_ends_and_skips_leading_empty_lines)
{
    struct http_req r;
    size_t used;
    const char *s = "\r\n\r\n\nGET /a HTTP/1.1\nHost: h\n\n";
    REQUIRE(parse_n(s, strlen(s), &r, &used));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.path, "a");
    CHECK_EQ_INT(used, strlen(s));
    /* Empty lines alone are not a request yet, nor its start. */
    struct http_req_parser p;
    http_req_init(&p);
    CHECK(!http_req_feed(&p, (const uint8_t *)"\r\n\r\n", 4, &used));
    CHECK(!http_req_started(&p));
    CHECK(!http_req_feed(&p, (const uint8_t *)"G", 1, &used));
    CHECK(http_req_started(&p));
}

TEST(http_req_refuses_malformed_request_lines)
{
    static const struct { const char *s; int status; } cases[] = {
        { "GET\r\n\r\n", 400 },
        { "GET /\r\n\r\n", 400 },                     /* HTTP/0.9 */
        { "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400 },
        { "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET / http/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400 },
        { "GET / HTTP/1\r\nHost: h\r\n\r\n", 400 },
        { "GET / HTTP/x.1\r\nHost: h\r\n\r\n", 400 },
        { "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505 },
        { "GET / HTTP/0.9\r\n\r\n", 505 },
        { "GET / HTTP/1.1\rHost: h\r\n\r\n", 400 },   /* a bare CR */
        { "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET https://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET http:/h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET http://u@h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET http://h h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /%4?x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /a?\x02 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "get / HTTP/1.1\r\nHost: h\r\n\r\n", 501 },  /* methods are case-sensitive */
        { "BREW / HTTP/1.1\r\nHost: h\r\n\r\n", 501 },
        { "ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n", 501 },
        { "POST / HTTP/1.1\r\nHost: h\r\n\r\n", 405 },
        { "PUT / HTTP/1.1\r\nHost: h\r\n\r\n", 405 },
        { "DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", 405 },
        { "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = status_of(cases[i].s);
        if (st != cases[i].status)
            unit_fail(false, __FILE__, __LINE__, "case %zu \"%s\": status %d, want %d", i,
                      cases[i].s, st, cases[i].status);
    }
}

TEST(http_req_405_and_501_keep_the_connection_when_the_head_is_sound)
{
    struct http_req r;
    REQUIRE(parse("POST /x HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_INT(r.method, HTTP_OTHER);
    CHECK(!r.close);
    REQUIRE(parse("BREW /x HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 501);
    CHECK(!r.close);
    /* With a body we will not read, the stream cannot go on. */
    REQUIRE(parse("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", &r));
    CHECK_EQ_INT(r.status, 405);
    CHECK(r.close);
}

TEST(http_req_refuses_malformed_fields)
{
    static const struct { const char *s; int status; } cases[] = {
        { "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\n\tfolded\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\n: h\r\nHost: h\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nhost: a\r\nHOST: a\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\n\r\n", 400 },            /* 1.1 without Host */
        { "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "GET / HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_req r;
        bool done = parse(cases[i].s, &r);
        if (!done || r.status != cases[i].status || !r.close)
            unit_fail(false, __FILE__, __LINE__, "case %zu: done %d status %d close %d, want %d",
                      i, done, r.status, r.close, cases[i].status);
    }
}

TEST(http_req_takes_sound_fields_it_does_not_know)
{
    struct http_req r;
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost:h\r\nX-Empty:\r\nX-Ows: \t v \t\r\n"
                  "Content-Length: 0\r\nIf-None-Match: \"x\"\r\nX-8bit: \xc3\xa9\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.host, "h");
    /* HTTP/1.0 needs no Host. */
    REQUIRE(parse("GET /a HTTP/1.0\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK(!r.has_host);
    /* A later 1.x is answered as 1.1. */
    REQUIRE(parse("GET /a HTTP/1.7\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.minor, 1);
    /* Host values: names, addresses with ports, IPv6 literals, and empty. */
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost: [fe80::1]:8080\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.host, "[fe80::1]:8080");
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost:\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.host, "");
}

TEST(http_req_limits_the_head)
{
    static char s[HTTP_REQ_HEAD_MAX + 200];
    struct http_req r;
    size_t used;

    /* Exactly HTTP_REQ_HEAD_MAX bytes: taken. */
    const char *start = "GET /a HTTP/1.1\r\nHost: h\r\nX: ";
    size_t n = strlen(start);
    memcpy(s, start, n);
    while (n < HTTP_REQ_HEAD_MAX - 4)
        s[n++] = 'v';
    memcpy(s + n, "\r\n\r\n", 4);
    n += 4;
    REQUIRE_EQ_INT(n, HTTP_REQ_HEAD_MAX);
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(used, n);

    /* One more: 431, at the byte that passes the limit. */
    memmove(s + n - 3, s + n - 4, 4);
    s[n - 4] = 'v';
    REQUIRE(parse_n(s, n + 1, &r, &used));
    CHECK_EQ_INT(r.status, 431);
    CHECK(r.close);
    CHECK_EQ_INT(used, HTTP_REQ_HEAD_MAX + 1);

    /* Many short fields add up the same way. */
    n = 0;
    n += (size_t)sprintf(s, "GET /a HTTP/1.1\r\nHost: h\r\n");
    while (n < HTTP_REQ_HEAD_MAX + 50)
        n += (size_t)sprintf(s + n, "A: b\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 431);

    /* Empty lines before anything are bounded too. */
    for (n = 0; n < HTTP_REQ_HEAD_MAX + 2; n += 2)
        memcpy(s + n, "\r\n", 2);
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 400);
}

TEST(http_req_limits_the_target)
{
    static char s[HTTP_REQ_TARGET_MAX + 100];
    struct http_req r;
    size_t used;

    /* A target of HTTP_REQ_TARGET_MAX bytes (its query long) is fine... */
    size_t n = (size_t)sprintf(s, "GET /a?");
    while (n < 4 + HTTP_REQ_TARGET_MAX)
        s[n++] = 'q';
    n += (size_t)sprintf(s + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.path, "a");

    /* ...one more byte is 414. */
    n = (size_t)sprintf(s, "GET /a?");
    while (n < 4 + HTTP_REQ_TARGET_MAX + 1)
        s[n++] = 'q';
    n += (size_t)sprintf(s + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 414);
    CHECK(r.close);

    /* A decoded path longer than HTTP_REQ_PATH_MAX: 414 even within the target limit. */
    n = (size_t)sprintf(s, "GET /");
    while (n < 4 + HTTP_REQ_PATH_MAX + 1)
        s[n++] = 'p';
    n += (size_t)sprintf(s + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 414);

    /* A path that fits the parser but not a file root's: the cleaner says so. */
    n = (size_t)sprintf(s, "GET /");
    while (n < 4 + FILEROOT_PATH_MAX + 10)
        s[n++] = 'p';
    n += (size_t)sprintf(s + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.path_err, -ENAMETOOLONG);

    /* A host longer than a DNS name can be. */
    n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: ");
    for (unsigned i = 0; i < HTTP_REQ_VALUE_MAX + 1; i++)
        s[n++] = 'h';
    n += (size_t)sprintf(s + n, "\r\n\r\n");
    REQUIRE(parse_n(s, n, &r, &used));
    CHECK_EQ_INT(r.status, 400);
}

TEST(http_req_decodes_and_cleans_the_path)
{
    static const struct { const char *target; int err; const char *path; } cases[] = {
        { "/boot.ipxe", 0, "boot.ipxe" },
        { "/a%20b", 0, "a b" },
        { "/%41%62%2d", 0, "Ab-" },
        { "/a%2Fb", 0, "a/b" },                      /* an encoded '/' is a '/' */
        { "/dir//./x", 0, "dir/x" },
        { "/x?y=1&z=/../..", 0, "x" },               /* the query is not the path */
        { "/x?", 0, "x" },
        { "/a+b", 0, "a+b" },                        /* '+' is no space in a path */
        { "/\xc3\xa9t\xc3\xa9", 0, "\xc3\xa9t\xc3\xa9" },
        { "/..", -EACCES, "" },
        { "/a/../b", -EACCES, "" },
        { "/%2e%2e/etc/passwd", -EACCES, "" },
        { "/%2E%2E%2fetc", -EACCES, "" },
        { "/a/%2e%2e", -EACCES, "" },
        { "/..%5c..%5cwin.ini", -EACCES, "" },
        { "/a\\..\\b", -EACCES, "" },
        { "//etc/passwd", -EACCES, "" },             /* absolute once the '/' goes */
        { "/%2fetc/passwd", -EACCES, "" },
        { "/%5cetc", -EACCES, "" },
        { "/a%00b", -EACCES, "" },
        { "/a%0ab", -EACCES, "" },
        { "/", -ENOENT, "" },
        { "/./", -ENOENT, "" },
        { "/?x", -ENOENT, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[300];
        snprintf(s, sizeof s, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].target);
        struct http_req r;
        REQUIRE(parse(s, &r));
        bool ok = r.status == 0 && r.path_err == cases[i].err &&
                  (cases[i].err || strcmp(r.path, cases[i].path) == 0);
        if (!ok)
            unit_fail(false, __FILE__, __LINE__, "case %zu \"%s\": status %d err %d path \"%s\"",
                      i, cases[i].target, r.status, r.path_err, r.path);
    }
}

TEST(http_req_takes_absolute_form)
{
    struct http_req r;
    REQUIRE(parse(curl_abs, &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK(r.absolute_form);
    CHECK_EQ_STR(r.host, "10.0.2.2:80");         /* the target's host wins over Host */
    CHECK_EQ_STR(r.path, "a b/c.cfg");
    CHECK(r.close);

    REQUIRE(parse("GET HTTP://H/x HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.host, "H");
    CHECK_EQ_STR(r.path, "x");
    REQUIRE(parse("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.path_err, -ENOENT);
    REQUIRE(parse("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.path_err, -ENOENT);
    REQUIRE(parse("GET http://h/%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", &r));
    CHECK_EQ_INT(r.path_err, -EACCES);
    /* HTTP/1.1 still needs the Host field (RFC 9112 3.2). */
    REQUIRE(parse("GET http://h/x HTTP/1.1\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 400);
    REQUIRE(parse("GET http://h/x HTTP/1.0\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_STR(r.host, "h");
}

TEST(http_req_connection_decides_keep_alive)
{
    static const struct { const char *s; bool close; } cases[] = {
        { "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", false },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", true },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: CLOSE\r\n\r\n", true },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n", true },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: x\r\nConnection: close\r\n\r\n", true },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Upgrade\r\n\r\n", false },
        { "GET /a HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", false },
        { "GET /a HTTP/1.0\r\n\r\n", true },
        { "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false },
        { "GET /a HTTP/1.0\r\nConnection: ,, Keep-Alive ,\r\n\r\n", false },
        { "GET /a HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_req r;
        REQUIRE(parse(cases[i].s, &r));
        if (r.status != 0 || r.close != cases[i].close)
            unit_fail(false, __FILE__, __LINE__, "case %zu: status %d close %d", i, r.status,
                      r.close);
    }
    /* A Connection value too long to read whole closes, to be safe. */
    char s[600];
    size_t n = (size_t)sprintf(s, "GET /a HTTP/1.1\r\nHost: h\r\nConnection: ");
    for (unsigned i = 0; i < 60; i++)
        n += (size_t)sprintf(s + n, "token, ");
    sprintf(s + n, "\r\n\r\n");
    struct http_req r;
    REQUIRE(parse(s, &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK(r.close);
}

static struct http_range range_of(const char *v)
{
    struct http_range r;
    http_req_parse_range(v, strlen(v), &r);
    return r;
}

TEST(http_req_parses_one_range)
{
    static const struct { const char *v; enum http_range_kind kind; uint64_t first, last; } cases[] = {
        { "bytes=0-99", HTTP_RANGE_SPAN, 0, 99 },
        { "bytes=100-", HTTP_RANGE_SPAN, 100, UINT64_MAX },
        { "bytes=-500", HTTP_RANGE_SUFFIX, 0, 500 },
        { "bytes=-0", HTTP_RANGE_SUFFIX, 0, 0 },
        { "BYTES=1-2", HTTP_RANGE_SPAN, 1, 2 },
        { "bytes=7-7", HTTP_RANGE_SPAN, 7, 7 },
        { "bytes=,0-1,", HTTP_RANGE_SPAN, 0, 1 },     /* empty list elements */
        { "bytes= 0-1 ", HTTP_RANGE_SPAN, 0, 1 },
        { "bytes=99999999999999999999999-", HTTP_RANGE_SPAN, UINT64_MAX, UINT64_MAX },
        { "bytes=0-99999999999999999999999", HTTP_RANGE_SPAN, 0, UINT64_MAX },
        { "bytes=18446744073709551615-", HTTP_RANGE_SPAN, UINT64_MAX, UINT64_MAX },
        { "bytes=5-3", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=0-1,3-4", HTTP_RANGE_IGNORED, 0, 0 },  /* several: the whole file */
        { "bytes=0-1,-5", HTTP_RANGE_IGNORED, 0, 0 },
        { "items=0-1", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes =0-1", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=-", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=a-b", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=0", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=0-1x", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=0 - 1", HTTP_RANGE_IGNORED, 0, 0 },
        { "bytes=1--2", HTTP_RANGE_IGNORED, 0, 0 },
        { "byte", HTTP_RANGE_IGNORED, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_range r = range_of(cases[i].v);
        bool ok = r.kind == cases[i].kind &&
                  (r.kind == HTTP_RANGE_IGNORED || (r.first == cases[i].first && r.last == cases[i].last));
        if (!ok)
            unit_fail(false, __FILE__, __LINE__, "case %zu \"%s\": kind %d %llu-%llu", i,
                      cases[i].v, r.kind, (unsigned long long)r.first, (unsigned long long)r.last);
    }
}

TEST(http_req_ignores_a_range_it_cannot_trust)
{
    struct http_req r;
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", &r));
    CHECK_EQ_INT(r.status, 0);
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_IGNORED);
    /* We send no validators, so an If-Range never matches: the whole file. */
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost: h\r\nIf-Range: \"abc\"\r\nRange: bytes=0-1\r\n\r\n", &r));
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_IGNORED);
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nIf-Range: x\r\n\r\n", &r));
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_IGNORED);
    REQUIRE(parse("GET /a HTTP/1.1\r\nHost: h\r\nrange:bytes=4-\r\n\r\n", &r));
    CHECK_EQ_INT(r.range.kind, HTTP_RANGE_SPAN);
    CHECK_EQ_INT(r.range.first, 4);
}

TEST(http_req_leaves_a_pipelined_request_for_the_next_parse)
{
    char s[400];
    size_t n1 = (size_t)sprintf(s, "%s", ipxe_get);
    size_t n = n1 + (size_t)sprintf(s + n1, "GET /vmlinuz HTTP/1.1\r\nHost: 10.0.2.2\r\n\r\nGET /x");
    struct http_req_parser p;
    size_t used;
    http_req_init(&p);
    REQUIRE(http_req_feed(&p, (const uint8_t *)s, n, &used));
    CHECK_EQ_INT(used, n1);
    CHECK_EQ_STR(p.req.path, "boot.ipxe");
    /* A complete request takes nothing more until reset. */
    CHECK(http_req_feed(&p, (const uint8_t *)s + used, n - used, &used));
    CHECK_EQ_INT(used, 0);

    http_req_init(&p);
    size_t used2;
    REQUIRE(http_req_feed(&p, (const uint8_t *)s + n1, n - n1, &used2));
    CHECK_EQ_STR(p.req.path, "vmlinuz");
    CHECK_EQ_INT(n - n1 - used2, 6);                /* "GET /x" is the third's start */
    http_req_init(&p);
    CHECK(!http_req_feed(&p, (const uint8_t *)s + n1 + used2, 6, &used));
    CHECK_EQ_INT(used, 6);
}
