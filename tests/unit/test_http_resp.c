/* The HTTP response logic (net/http_resp.h) over a fake root: every status it
 * sends, the Range forms and 416, HEAD, keep-alive against close, content types. */
#include "fake_root.h"
#include "net/http_req.h"
#include "net/http_resp.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint8_t big[5000];

static const struct fake_file files[] = {
    { "boot.ipxe", (const uint8_t *)"#!ipxe\nchain http://10.0.2.2/menu.ipxe\n", 39 },
    { "efi/boot/bootx64.efi", big, sizeof big },
    { "empty.bin", (const uint8_t *)"", 0 },
    { "one", (const uint8_t *)"x", 1 },
};

static struct fake_root fr;

static void setup(void)
{
    fake_pattern(big, sizeof big, 7);
    fake_root_init(&fr, files, sizeof files / sizeof files[0], true);
}

/* Parses the request s (which must complete) and prepares the answer. */
static void answer(const char *s, struct http_resp *r)
{
    struct http_req_parser p;
    size_t used;
    http_req_init(&p);
    REQUIRE(http_req_feed(&p, (const uint8_t *)s, strlen(s), &used));
    http_resp_prepare(r, &p.req, &fr.root);
}

/* The head as a string (NUL-terminated copy). */
static const char *head_of(const struct http_resp *r)
{
    static char h[HTTP_RESP_HEAD_MAX + 1];
    memcpy(h, r->head, r->head_len);
    h[r->head_len] = 0;
    return h;
}

static bool has_line(const struct http_resp *r, const char *line)
{
    char want[200];
    snprintf(want, sizeof want, "\r\n%s\r\n", line);
    return strstr(head_of(r), want) != NULL;
}

static void check_line(const struct http_resp *r, const char *line, int at)
{
    if (!has_line(r, line))
        unit_fail(false, __FILE__, at, "no \"%s\" in:\n%s", line, head_of(r));
}
#define CHECK_LINE(r, line) check_line(r, line, __LINE__)

TEST(http_resp_serves_a_file_whole)
{
    setup();
    struct http_resp r;
    answer("GET /efi/boot/bootx64.efi HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strncmp(head_of(&r), "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK_LINE(&r, "Content-Type: application/efi");
    CHECK_LINE(&r, "Content-Length: 5000");
    CHECK_LINE(&r, "Accept-Ranges: bytes");
    CHECK_LINE(&r, "Connection: keep-alive");
    CHECK_LINE(&r, "Server: vmgate");
    CHECK(strstr(head_of(&r), "Date:") == NULL);
    CHECK(strcmp(head_of(&r) + r.head_len - 4, "\r\n\r\n") == 0);
    CHECK(!r.close);
    CHECK(r.handle >= 0);
    CHECK_EQ_INT(r.off, 0);
    CHECK_EQ_INT(r.len, 5000);
    CHECK_EQ_INT(r.text_len, 0);
    CHECK_EQ_INT(fr.open_now, 1);
    http_resp_release(&r, &fr.root);
    CHECK_EQ_INT(fr.open_now, 0);
    http_resp_release(&r, &fr.root);                   /* twice is harmless */
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_head_says_what_get_would_and_sends_nothing)
{
    setup();
    struct http_resp g, h;
    answer("GET /efi/boot/bootx64.efi HTTP/1.1\r\nHost: h\r\n\r\n", &g);
    answer("HEAD /efi/boot/bootx64.efi HTTP/1.1\r\nHost: h\r\n\r\n", &h);
    CHECK_EQ_INT(h.status, 200);
    CHECK_EQ_INT(h.head_len, g.head_len);
    CHECK_MEM(h.head, g.head, g.head_len);
    CHECK_EQ_INT(h.len, 0);
    CHECK_EQ_INT(h.text_len, 0);
    CHECK_EQ_INT(h.handle, -1);                         /* opened for its size only */
    http_resp_release(&g, &fr.root);
    CHECK_EQ_INT(fr.open_now, 0);

    /* HEAD ignores Range (only GET defines it, RFC 9110 14.2). */
    answer("HEAD /efi/boot/bootx64.efi HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\n\r\n", &h);
    CHECK_EQ_INT(h.status, 200);
    CHECK_LINE(&h, "Content-Length: 5000");
    /* And a refusal's HEAD keeps the Content-Length of the text it leaves out. */
    answer("HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n", &h);
    CHECK_EQ_INT(h.status, 404);
    CHECK_LINE(&h, "Content-Length: 14");
    CHECK_EQ_INT(h.text_len, 0);
    answer("GET /nope HTTP/1.1\r\nHost: h\r\n\r\n", &g);
    CHECK_EQ_INT(g.text_len, 14);
    CHECK_MEM(g.head + g.head_len, "404 Not Found\n", 14);
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_serves_one_range)
{
    static const struct { const char *range; int status; uint64_t off, len; const char *cr; } cases[] = {
        { "bytes=0-99", 206, 0, 100, "Content-Range: bytes 0-99/5000" },
        { "bytes=1000-", 206, 1000, 4000, "Content-Range: bytes 1000-4999/5000" },
        { "bytes=4999-", 206, 4999, 1, "Content-Range: bytes 4999-4999/5000" },
        { "bytes=4000-999999", 206, 4000, 1000, "Content-Range: bytes 4000-4999/5000" },
        { "bytes=-10", 206, 4990, 10, "Content-Range: bytes 4990-4999/5000" },
        { "bytes=-6000", 206, 0, 5000, "Content-Range: bytes 0-4999/5000" },
        { "bytes=0-", 206, 0, 5000, "Content-Range: bytes 0-4999/5000" },
        { "bytes=5000-", 416, 0, 0, "Content-Range: bytes */5000" },
        { "bytes=99999999999999999999-", 416, 0, 0, "Content-Range: bytes */5000" },
        { "bytes=-0", 416, 0, 0, "Content-Range: bytes */5000" },
        { "bytes=0-1,5-6", 200, 0, 5000, NULL },
        { "bytes=9-1", 200, 0, 5000, NULL },
        { "pages=1-2", 200, 0, 5000, NULL },
    };
    setup();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[200];
        snprintf(s, sizeof s, "GET /efi/boot/bootx64.efi HTTP/1.1\r\nHost: h\r\nRange: %s\r\n\r\n",
                 cases[i].range);
        struct http_resp r;
        answer(s, &r);
        bool ok = r.status == cases[i].status;
        if (cases[i].status != 416)
            ok = ok && r.off == cases[i].off && r.len == cases[i].len && r.handle >= 0;
        else
            ok = ok && r.handle < 0 && r.len == 0 && r.text_len > 0 && !r.close;
        char cl[40];
        snprintf(cl, sizeof cl, "Content-Length: %llu",
                 (unsigned long long)(cases[i].status == 416 ? r.text_len : cases[i].len));
        ok = ok && has_line(&r, cl) && (!cases[i].cr || has_line(&r, cases[i].cr));
        if (cases[i].status == 200)
            ok = ok && strstr(head_of(&r), "Content-Range") == NULL;
        if (!ok)
            unit_fail(false, __FILE__, __LINE__, "case %zu \"%s\": status %d off %llu len %llu\n%s",
                      i, cases[i].range, r.status, (unsigned long long)r.off,
                      (unsigned long long)r.len, head_of(&r));
        http_resp_release(&r, &fr.root);
    }
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_serves_an_empty_file_whole_whatever_the_range)
{
    setup();
    struct http_resp r;
    answer("GET /empty.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=0-\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_LINE(&r, "Content-Length: 0");
    CHECK_EQ_INT(r.len, 0);
    CHECK_EQ_INT(r.handle, -1);                        /* nothing to read */
    answer("GET /empty.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=-5\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_refuses_with_the_right_status)
{
    static const struct { const char *req; int status; bool close; const char *line; } cases[] = {
        { "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n", 404, false, NULL },
        { "GET /efi HTTP/1.1\r\nHost: h\r\n\r\n", 404, false, NULL },        /* a directory */
        { "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 404, false, NULL },
        { "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 403, false, NULL },
        { "GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", 403, false, NULL },
        { "GET //etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 403, false, NULL },
        { "POST /one HTTP/1.1\r\nHost: h\r\n\r\n", 405, false, "Allow: GET, HEAD" },
        { "BREW /one HTTP/1.1\r\nHost: h\r\n\r\n", 501, false, NULL },
        { "GET /one HTTP/1.1\r\n\r\n", 400, true, "Connection: close" },
        { "GET /one HTTP/2.0\r\n\r\n", 505, true, NULL },
        { "GET /one HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx", 400, true, NULL },
    };
    setup();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_resp r;
        answer(cases[i].req, &r);
        char line[80];
        snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", cases[i].status, http_reason(cases[i].status));
        bool ok = r.status == cases[i].status && r.close == cases[i].close && r.handle < 0 &&
                  strncmp(head_of(&r), line, strlen(line)) == 0 &&
                  has_line(&r, "Content-Type: text/plain") &&
                  has_line(&r, r.close ? "Connection: close" : "Connection: keep-alive") &&
                  (!cases[i].line || has_line(&r, cases[i].line)) && r.text_len > 0;
        if (!ok)
            unit_fail(false, __FILE__, __LINE__, "case %zu: status %d close %d\n%s", i, r.status,
                      r.close, head_of(&r));
    }
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_long_and_unreadable_requests)
{
    setup();
    struct http_resp r;
    static char s[HTTP_REQ_HEAD_MAX + 100];
    size_t n = (size_t)sprintf(s, "GET /a HTTP/1.1\r\nHost: h\r\n");
    while (n < HTTP_REQ_HEAD_MAX + 10)
        n += (size_t)sprintf(s + n, "X: y\r\n");
    sprintf(s + n, "\r\n");
    answer(s, &r);
    CHECK_EQ_INT(r.status, 431);
    CHECK(r.close);

    n = (size_t)sprintf(s, "GET /");
    while (n < 600)
        s[n++] = 'a';
    sprintf(s + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    answer(s, &r);
    CHECK_EQ_INT(r.status, 414);                        /* the cleaner's -ENAMETOOLONG */
    CHECK(!r.close);
}

TEST(http_resp_maps_open_failures)
{
    setup();
    struct http_resp r;
    fr.open_error = -EIO;
    answer("GET /one HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 500);
    CHECK(!r.close);
    fr.open_error = -EACCES;
    answer("GET /one HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 403);
    fr.open_error = -EMFILE;
    answer("GET /one HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 503);
    CHECK_LINE(&r, "Retry-After: 1");
    fr.open_error = 0;
    fr.max_open = 1;
    struct http_resp a;
    answer("GET /one HTTP/1.1\r\nHost: h\r\n\r\n", &a);
    CHECK_EQ_INT(a.status, 200);
    answer("GET /one HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 503);
    http_resp_release(&a, &fr.root);
    CHECK_EQ_INT(fr.open_now, 0);
}

TEST(http_resp_keep_alive_follows_version_and_connection)
{
    static const struct { const char *req; bool close; } cases[] = {
        { "GET /one HTTP/1.1\r\nHost: h\r\n\r\n", false },
        { "GET /one HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", true },
        { "GET /one HTTP/1.0\r\n\r\n", true },
        { "GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false },
        { "GET /nope HTTP/1.0\r\n\r\n", true },
    };
    setup();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_resp r;
        answer(cases[i].req, &r);
        bool ok = r.close == cases[i].close &&
                  has_line(&r, cases[i].close ? "Connection: close" : "Connection: keep-alive") &&
                  strncmp(r.head, "HTTP/1.1 ", 9) == 0;
        if (!ok)
            unit_fail(false, __FILE__, __LINE__, "case %zu:\n%s", i, head_of(&r));
        http_resp_release(&r, &fr.root);
    }
}

TEST(http_resp_content_type_from_the_extension)
{
    static const struct { const char *path, *type; } cases[] = {
        { "bootx64.efi", "application/efi" },
        { "EFI/BOOT/BOOTX64.EFI", "application/efi" },
        { "debian.iso", "application/vnd.efi-iso" },
        { "disk.IMG", "application/vnd.efi-img" },
        { "boot.ipxe", "text/plain" },
        { "readme.txt", "text/plain" },
        { "grub/grub.cfg", "text/plain" },
        { "vmgate.conf", "text/plain" },
        { "pxelinux.0", "application/octet-stream" },
        { "vmlinuz", "application/octet-stream" },
        { "initrd.img.gz", "application/octet-stream" },
        { "dir.efi/vmlinuz", "application/octet-stream" },
        { ".efi", "application/octet-stream" },        /* a hidden name, no extension */
        { "a.efix", "application/octet-stream" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(http_content_type(cases[i].path), cases[i].type) != 0)
            unit_fail(false, __FILE__, __LINE__, "%s: %s", cases[i].path,
                      http_content_type(cases[i].path));
    setup();
    struct http_resp r;
    answer("GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n", &r);
    CHECK_LINE(&r, "Content-Type: text/plain");
    CHECK_LINE(&r, "Content-Length: 39");
    http_resp_release(&r, &fr.root);
}

TEST(http_resp_every_status_has_a_reason)
{
    static const int statuses[] = { 200, 206, 400, 403, 404, 405, 414, 416, 431, 500, 501, 503, 505 };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        CHECK(http_reason(statuses[i])[0] != 0);
    CHECK_EQ_STR(http_reason(299), "");
}
