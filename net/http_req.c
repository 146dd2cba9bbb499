/* Contract in http_req.h. The parser is a state machine over single bytes, so a
 * request split at any byte parses as the same request whole; it keeps only the
 * method and version tokens, the decoded path, two host names and the value of
 * the field being read, each in a fixed buffer. */
#include "http_req.h"

#include <errno.h>
#include <string.h>

enum state {
    S_START,                        /* before the request line: empty lines skipped */
    S_START_CR,
    S_METHOD,
    S_TARGET,                       /* the target's first byte */
    S_SCHEME,                       /* matching "http://" */
    S_AUTHORITY,
    S_PATH,
    S_QUERY,
    S_VERSION,
    S_VERSION_CR,
    S_LINE,                         /* the start of a field line, or of the empty line */
    S_NAME,
    S_VALUE_OWS,
    S_VALUE,
    S_VALUE_CR,
    S_END_CR,
    S_DONE,
};

enum field {
    F_OTHER,
    F_HOST,
    F_CONNECTION,
    F_CONTENT_LENGTH,
    F_TRANSFER_ENCODING,
    F_RANGE,
    F_IF_RANGE,
};

static const struct { const char *name; enum field f; } fields[] = {
    { "host", F_HOST },
    { "connection", F_CONNECTION },
    { "content-length", F_CONTENT_LENGTH },
    { "transfer-encoding", F_TRANSFER_ENCODING },
    { "range", F_RANGE },
    { "if-range", F_IF_RANGE },
};

/* Methods RFC 9110 section 9 defines (and PATCH, RFC 5789) that we do not serve. */
static const char *const other_methods[] = {
    "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
};

#define METHOD_MAX HTTP_REQ_METHOD_MAX

static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte a target may hold: visible ASCII, or above (raw UTF-8 from lax clients,
 * which the path cleaner takes as name bytes). */
static bool is_target_char(uint8_t c)
{
    return c > 0x20 && c != 0x7f;
}

/* A byte a field value may hold (RFC 9110 5.5: VCHAR, obs-text, SP, HTAB). */
static bool is_value_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower((uint8_t)a[i]) != lower((uint8_t)b[i]))
            return false;
    return true;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

void http_req_init(struct http_req_parser *p)
{
    memset(p, 0, sizeof *p);
    p->state = S_START;
    p->req.path_err = -ENOENT;
}

/* Ends the request with a refusal that also ends the stream. */
static bool fail(struct http_req_parser *p, int status)
{
    p->req.status = status;
    p->req.close = true;
    p->state = S_DONE;
    return true;
}

static void resolve_method(struct http_req_parser *p)
{
    struct http_req *r = &p->req;
    if (p->tok_len == 3 && memcmp(p->tok, "GET", 3) == 0) {
        r->method = HTTP_GET;
        return;
    }
    if (p->tok_len == 4 && memcmp(p->tok, "HEAD", 4) == 0) {
        r->method = HTTP_HEAD;
        return;
    }
    /* Method names are case-sensitive (RFC 9110 9.1): "get" is unknown. */
    r->method = HTTP_UNKNOWN;
    r->status = 501;
    for (size_t i = 0; i < sizeof other_methods / sizeof other_methods[0]; i++) {
        if (strlen(other_methods[i]) == p->tok_len &&
            memcmp(p->tok, other_methods[i], p->tok_len) == 0) {
            r->method = HTTP_OTHER;
            r->status = 405;
        }
    }
}

/* RFC 9112 2.3: "HTTP/" DIGIT "." DIGIT, the name case-sensitive. Returns 0, or
 * the status that refuses it. */
static int resolve_version(struct http_req_parser *p)
{
    const char *t = p->tok;
    if (p->tok_len != 8 || memcmp(t, "HTTP/", 5) != 0 || t[6] != '.' ||
        t[5] < '0' || t[5] > '9' || t[7] < '0' || t[7] > '9')
        return 400;
    if (t[5] != '1')
        return 505;
    p->req.minor = t[7] == '0' ? 0 : 1;         /* 1.2 and later are answered as 1.1 */
    return 0;
}

static bool append_path(struct http_req_parser *p, uint8_t c)
{
    if (p->path_len >= HTTP_REQ_PATH_MAX)
        return false;
    p->raw_path[p->path_len++] = (char)c;
    return true;
}

/* Ends the target's path part: "/" when an absolute-form target had none. */
static void path_end(struct http_req_parser *p)
{
    if (p->path_len == 0)
        p->raw_path[p->path_len++] = '/';
}

static bool host_chars_ok(const char *h, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)h[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  strchr("-._~!$&'()*+,;=:[]%", c) != NULL;
        if (!ok || !c)
            return false;
    }
    return true;
}

static void parse_connection(struct http_req_parser *p, const char *v, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',' && !is_ows(v[i]))
            i++;
        if (ieq(v + start, i - start, "close"))
            p->conn_close = true;
        else if (ieq(v + start, i - start, "keep-alive"))
            p->conn_keep_alive = true;
        while (i < len && v[i] != ',')
            i++;
    }
}

/* A field line is complete: act on the fields we know. Returns 0, or the status
 * that refuses the request. */
static int field_end(struct http_req_parser *p)
{
    size_t len = p->value_len;
    while (len > 0 && is_ows(p->value[len - 1]))
        len--;
    const char *v = p->value;

    switch ((enum field)p->field) {
    case F_HOST:
        /* RFC 9112 3.2: more than one Host, or an invalid one, is a 400. */
        if (p->req.has_host || p->value_long || !host_chars_ok(v, len))
            return 400;
        p->req.has_host = true;
        memcpy(p->header_host, v, len);
        p->host_len = (uint16_t)len;
        break;
    case F_CONNECTION:
        /* A value too long to read whole may hide a "close": honour it anyway. */
        if (p->value_long)
            p->conn_close = true;
        parse_connection(p, v, len);
        break;
    case F_CONTENT_LENGTH:
        if (p->value_long || len == 0)
            return 400;
        for (size_t i = 0; i < len; i++) {
            if (v[i] < '0' || v[i] > '9')
                return 400;
            if (v[i] != '0')
                p->has_body = true;
        }
        break;
    case F_TRANSFER_ENCODING:
        p->has_body = true;
        break;
    case F_RANGE:
        if (p->seen_range || p->value_long)
            p->req.range.kind = HTTP_RANGE_IGNORED;
        else
            http_req_parse_range(v, len, &p->req.range);
        p->seen_range = true;
        break;
    case F_IF_RANGE:
        p->if_range = true;
        break;
    case F_OTHER:
        break;
    }
    return 0;
}

static void name_end(struct http_req_parser *p)
{
    p->field = F_OTHER;
    if (p->name_long)
        return;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (ieq(p->name, p->name_len, fields[i].name))
            p->field = (uint8_t)fields[i].f;
}

/* The empty line: the head is complete. */
static bool head_end(struct http_req_parser *p)
{
    struct http_req *r = &p->req;
    p->state = S_DONE;

    bool host_field = r->has_host;
    if (p->target_host) {
        /* RFC 9112 3.2.2: the target's host wins over the Host field. */
        r->has_host = true;
    } else if (host_field) {
        memcpy(r->host, p->header_host, p->host_len);
        r->host[p->host_len] = 0;
    }
    if (r->minor == 1 && !host_field) {
        r->status = 400;
        r->close = true;
    }
    if (p->has_body) {
        if (!r->status)
            r->status = 400;
        r->close = true;
    }
    if (p->if_range && (r->range.kind == HTTP_RANGE_SPAN || r->range.kind == HTTP_RANGE_SUFFIX))
        r->range.kind = HTTP_RANGE_IGNORED;

    if (p->conn_close || (r->minor == 0 && !p->conn_keep_alive))
        r->close = true;

    /* HTTP targets are absolute paths by nature; the cleaner takes relative ones. */
    int n = fileroot_path_clean(p->raw_path + 1, p->path_len - 1u, r->path);
    r->path_err = n < 0 ? n : 0;
    return true;
}

/* One byte of the head. Returns true when the request is complete with it. */
static bool step(struct http_req_parser *p, uint8_t c)
{
    struct http_req *r = &p->req;
    switch ((enum state)p->state) {
    case S_START:
        /* RFC 9112 2.2: empty lines before the request line are ignored. */
        if (c == '\r') {
            p->state = S_START_CR;
            return false;
        }
        if (c == '\n')
            return false;
        p->started = true;
        p->state = S_METHOD;
        /* fall through */
    case S_METHOD:
        if (c == ' ') {
            if (p->tok_len == 0)
                return fail(p, 400);
            resolve_method(p);
            p->tok_len = 0;
            p->state = S_TARGET;
            return false;
        }
        if (!is_tchar(c))
            return fail(p, 400);
        /* RFC 9112 3: a method longer than any we implement gets 501. */
        if (p->tok_len >= METHOD_MAX)
            return fail(p, 501);
        p->tok[p->tok_len++] = (char)c;
        return false;
    case S_START_CR:
        if (c != '\n')
            return fail(p, 400);
        p->state = S_START;
        return false;
    case S_TARGET:
        if (c == '/') {
            append_path(p, c);
            p->state = S_PATH;
            return false;
        }
        p->state = S_SCHEME;
        /* fall through */
    case S_SCHEME: {
        static const char scheme[] = "http://";
        if (lower(c) != (uint8_t)scheme[p->scheme_pos])
            return fail(p, 400);
        if (++p->scheme_pos == sizeof scheme - 1) {
            r->absolute_form = true;
            p->target_host = true;
            p->state = S_AUTHORITY;
        }
        return false;
    }
    case S_AUTHORITY:
        if (c == '/' || c == '?' || c == ' ') {
            /* RFC 9110 4.2.1: an http URI with an empty host is invalid. */
            if (p->host_len == 0)
                return fail(p, 400);
            r->host[p->host_len] = 0;
            if (c == '/') {
                append_path(p, c);
                p->state = S_PATH;
            } else if (c == '?') {
                path_end(p);
                p->state = S_QUERY;
            } else {
                path_end(p);
                p->state = S_VERSION;
            }
            return false;
        }
        /* User information in an http URI is deprecated and a phishing tool
         * (RFC 9110 4.2.4): refuse it. */
        if (c == '@' || !host_chars_ok((const char *)&c, 1) || p->host_len >= HTTP_REQ_HOST_MAX)
            return fail(p, 400);
        r->host[p->host_len++] = (char)c;
        return false;
    case S_PATH:
        if (c == ' ') {
            if (p->pct)
                return fail(p, 400);
            p->state = S_VERSION;
            return false;
        }
        if (c == '?') {
            if (p->pct)
                return fail(p, 400);
            p->state = S_QUERY;
            return false;
        }
        if (!is_target_char(c) || c == '#')
            return fail(p, 400);
        if (p->pct) {
            int h = hexval(c);
            if (h < 0)
                return fail(p, 400);
            p->pct_val = (uint8_t)(p->pct_val << 4 | h);
            if (++p->pct == 3) {
                p->pct = 0;
                if (!append_path(p, p->pct_val))
                    return fail(p, 414);
            }
            return false;
        }
        if (c == '%') {
            p->pct = 1;
            p->pct_val = 0;
            return false;
        }
        if (!append_path(p, c))
            return fail(p, 414);
        return false;
    case S_QUERY:
        if (c == ' ') {
            p->state = S_VERSION;
            return false;
        }
        if (!is_target_char(c) || c == '#')
            return fail(p, 400);
        return false;
    case S_VERSION:
        if (c == '\r' || c == '\n') {
            int st = resolve_version(p);
            if (st)
                return fail(p, st);
            p->state = c == '\r' ? S_VERSION_CR : S_LINE;
            return false;
        }
        if (p->tok_len >= 8)
            return fail(p, 400);
        p->tok[p->tok_len++] = (char)c;
        return false;
    case S_VERSION_CR:
        if (c != '\n')
            return fail(p, 400);
        p->state = S_LINE;
        return false;
    case S_LINE:
        if (c == '\r') {
            p->state = S_END_CR;
            return false;
        }
        if (c == '\n')
            return head_end(p);
        /* A line starting with whitespace is obsolete folding (RFC 9112 5.2);
         * an empty name or any other byte is no field at all. */
        if (!is_tchar(c))
            return fail(p, 400);
        p->name_len = 0;
        p->name_long = false;
        p->state = S_NAME;
        /* fall through */
    case S_NAME:
        if (c == ':') {
            name_end(p);
            p->value_len = 0;
            p->value_long = false;
            p->state = S_VALUE_OWS;
            return false;
        }
        /* Whitespace before the colon included (RFC 9112 5.1). */
        if (!is_tchar(c))
            return fail(p, 400);
        if (p->name_len < HTTP_REQ_NAME_MAX)
            p->name[p->name_len++] = (char)c;
        else
            p->name_long = true;
        return false;
    case S_VALUE_OWS:
        if (c == ' ' || c == '\t')
            return false;
        p->state = S_VALUE;
        /* fall through */
    case S_VALUE:
        if (c == '\r' || c == '\n') {
            int st = field_end(p);
            if (st)
                return fail(p, st);
            p->state = c == '\r' ? S_VALUE_CR : S_LINE;
            return false;
        }
        if (!is_value_char(c))
            return fail(p, 400);
        if (p->field != F_OTHER && p->field != F_TRANSFER_ENCODING) {
            if (p->value_len < HTTP_REQ_VALUE_MAX)
                p->value[p->value_len++] = (char)c;
            else
                p->value_long = true;
        }
        return false;
    case S_VALUE_CR:
        if (c != '\n')
            return fail(p, 400);            /* a bare CR (RFC 9112 2.2) */
        p->state = S_LINE;
        return false;
    case S_END_CR:
        if (c != '\n')
            return fail(p, 400);
        return head_end(p);
    case S_DONE:
        return true;
    }
    return fail(p, 400);
}

bool http_req_feed(struct http_req_parser *p, const uint8_t *b, size_t len, size_t *used)
{
    *used = 0;
    if (p->state == S_DONE)
        return true;
    for (size_t i = 0; i < len; i++) {
        uint8_t st = p->state;
        /* A space ends the target in these states (or refuses it): not a byte of it. */
        if ((st == S_TARGET || st == S_SCHEME || st == S_AUTHORITY || st == S_PATH ||
             st == S_QUERY) && b[i] != ' ') {
            if (++p->target_len > HTTP_REQ_TARGET_MAX) {
                *used = i + 1;
                return fail(p, 414);
            }
        }
        if (++p->head_len > HTTP_REQ_HEAD_MAX) {
            *used = i + 1;
            /* The request line is bounded by its parts' limits, so what overflows
             * is the header section, or a flood of empty lines before anything. */
            return fail(p, st == S_START || st == S_START_CR ? 400 : 431);
        }
        if (step(p, b[i])) {
            *used = i + 1;
            return true;
        }
    }
    *used = len;
    return false;
}

/* Decimal digits at v[*i..len), at least one, saturating at UINT64_MAX. */
static bool digits(const char *v, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t n = 0;
    while (*i < len && v[*i] >= '0' && v[*i] <= '9') {
        unsigned d = (unsigned)(v[*i] - '0');
        n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
        (*i)++;
    }
    *out = n;
    return *i > start;
}

void http_req_parse_range(const char *v, size_t len, struct http_range *r)
{
    struct http_range one = { HTTP_RANGE_IGNORED, 0, 0 };
    unsigned count = 0;
    size_t i = 6;

    r->kind = HTTP_RANGE_IGNORED;
    r->first = r->last = 0;
    /* RFC 9110 14.1: range-unit "=" range-set; units are case-insensitive. */
    if (len < 6 || !ieq(v, 5, "bytes") || v[5] != '=')
        return;
    while (i < len) {
        /* A list may hold empty elements (RFC 9110 5.6.1). */
        while (i < len && (is_ows(v[i]) || v[i] == ','))
            i++;
        if (i == len)
            break;
        uint64_t a, b;
        if (v[i] == '-') {
            i++;
            if (!digits(v, len, &i, &b))
                return;
            one = (struct http_range){ HTTP_RANGE_SUFFIX, 0, b };
        } else {
            if (!digits(v, len, &i, &a) || i == len || v[i] != '-')
                return;
            i++;
            if (!digits(v, len, &i, &b))
                b = UINT64_MAX;
            else if (b < a)
                return;                 /* an invalid range-spec: ignore the field */
            one = (struct http_range){ HTTP_RANGE_SPAN, a, b };
        }
        while (i < len && is_ows(v[i]))
            i++;
        if (i < len && v[i] != ',')
            return;
        count++;
    }
    if (count == 1)
        *r = one;
}
