/* Contract in http_check.h. */
#include "http_check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

long http_got_parse(const uint8_t *buf, size_t len, bool head, struct http_got *g)
{
    memset(g, 0, sizeof *g);
    const char *s = (const char *)buf;
    size_t end = 0;
    for (size_t i = 0; i + 3 < len; i++) {
        if (memcmp(s + i, "\r\n\r\n", 4) == 0) {
            end = i + 4;
            break;
        }
    }
    if (!end)
        return len > sizeof g->head ? -1 : 0;
    if (end >= sizeof g->head)
        return -1;
    memcpy(g->head, s, end);
    g->head[end] = 0;
    if (end < 17 || memcmp(s, "HTTP/1.1 ", 9) != 0 || s[12] != ' ')
        return -1;
    for (int i = 9; i < 12; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    g->status = atoi(g->head + 9);

    bool have_cl = false;
    size_t pos = (size_t)(strstr(g->head, "\r\n") - g->head) + 2;
    while (pos + 2 < end) {
        const char *line = g->head + pos;
        const char *eol = strstr(line, "\r\n");
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || colon[1] != ' ')
            return -1;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 2;
        size_t vlen = (size_t)(eol - v);
        if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            if (have_cl)
                return -1;
            have_cl = true;
            char num[32];
            copy_value(num, sizeof num, v, vlen);
            char *e;
            g->content_length = strtoull(num, &e, 10);
            if (*e || !num[0])
                return -1;
        } else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
            copy_value(g->content_type, sizeof g->content_type, v, vlen);
        } else if (nlen == 13 && strncasecmp(line, "Content-Range", 13) == 0) {
            copy_value(g->content_range, sizeof g->content_range, v, vlen);
        } else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
            copy_value(g->connection, sizeof g->connection, v, vlen);
        }
        pos = (size_t)(eol - g->head) + 2;
    }
    if (!have_cl)
        return -1;
    size_t body = head ? 0 : (size_t)g->content_length;
    if (len - end < body)
        return 0;
    g->body = buf + end;
    g->body_len = body;
    return (long)(end + body);
}
