/* The HTTP connection machine (net/http_conn.h) driven as the glue drives it, by
 * simulated clients: iPXE chaining a script then fetching a kernel and an initrd
 * over one keep-alive connection, edk2's HttpBootDxe doing HEAD, GET and a
 * resumed GET with Range; pipelining; close and FIN; the time limits; files kept
 * open while their lent bytes are unacknowledged; a file failing mid-body. */
#include "fake_root.h"
#include "http_check.h"
#include "net/http_conn.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_SIZE (1024 * 1024 + 7)
#define INITRD_SIZE 700001
#define EFI_SIZE    300000

static uint8_t kernel[KERNEL_SIZE], initrd[INITRD_SIZE], efi[EFI_SIZE];
static const char script[] =
    "#!ipxe\nkernel http://10.0.2.2/vmlinuz console=ttyS0\ninitrd http://10.0.2.2/initrd.img\nboot\n";

static const struct fake_file files[] = {
    { "boot.ipxe", (const uint8_t *)script, sizeof script - 1 },
    { "vmlinuz", kernel, sizeof kernel },
    { "initrd.img", initrd, sizeof initrd },
    { "efi/boot/bootx64.efi", efi, sizeof efi },
};

/* A client and the transport between it and the machine. */
struct sim {
    struct fake_root fr;
    struct http_stats st;
    struct http_conn c;
    uint32_t now;
    uint32_t rng;
    /* The client's bytes not yet taken. */
    uint8_t in[4096];
    size_t in_len, in_off;
    /* What the machine sent, in order. */
    uint8_t *out;
    size_t out_len, out_cap, out_read;
    size_t unacked;
    bool auto_ack;                  /* acknowledge at once */
    bool random_sizes;              /* input pieces and send room vary */
    size_t room;                    /* the send room when fixed */
    size_t window;                  /* at most this much unacknowledged (0: no limit) */
    int err;                        /* what a peek returned below 0 */
};

static uint8_t scratch[8192];

static uint32_t next_rand(struct sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 17;
    s->rng ^= s->rng << 5;
    return s->rng;
}

static void make_files(void)
{
    fake_pattern(kernel, sizeof kernel, 1);
    fake_pattern(initrd, sizeof initrd, 2);
    fake_pattern(efi, sizeof efi, 3);
}

static struct sim *sim_new(bool mappable, size_t map_piece, uint32_t seed)
{
    make_files();
    struct sim *s = calloc(1, sizeof *s);
    fake_root_init(&s->fr, files, sizeof files / sizeof files[0], mappable);
    s->fr.map_piece = map_piece;
    s->rng = seed | 1;
    s->auto_ack = true;
    s->room = 65536;
    http_conn_open(&s->c, &s->fr.root, &s->st, s->now);
    return s;
}

static void sim_free(struct sim *s)
{
    http_conn_release(&s->c);
    CHECK_EQ_INT(s->fr.open_now, 0);                  /* every file closed */
    free(s->out);
    free(s);
}

static void out_append(struct sim *s, const uint8_t *b, size_t n)
{
    if (s->out_len + n > s->out_cap) {
        s->out_cap = (s->out_len + n) * 2;
        s->out = realloc(s->out, s->out_cap);
    }
    memcpy(s->out + s->out_len, b, n);
    s->out_len += n;
}

static void sim_ack(struct sim *s)
{
    if (s->unacked) {
        http_conn_acked(&s->c, s->unacked, s->now);
        s->unacked = 0;
    }
}

/* Moves bytes both ways until nothing moves. */
static void pump(struct sim *s)
{
    for (;;) {
        bool moved = false;
        if (s->in_off < s->in_len) {
            size_t piece = s->in_len - s->in_off;
            if (s->random_sizes) {
                size_t r = 1 + next_rand(s) % 40;
                if (r < piece)
                    piece = r;
            }
            size_t n = http_conn_input(&s->c, s->in + s->in_off, piece, s->now);
            CHECK(n <= piece);
            s->in_off += n;
            moved |= n > 0;
        }
        size_t room = s->random_sizes ? 1 + next_rand(s) % 20000 : s->room;
        if (s->window) {
            size_t free_room = s->unacked < s->window ? s->window - s->unacked : 0;
            if (room > free_room)
                room = free_room;
        }
        struct http_chunk ch;
        int rc = http_conn_peek(&s->c, room, scratch, sizeof scratch, &ch);
        if (rc < 0) {
            s->err = rc;
            return;
        }
        if (rc == 1) {
            REQUIRE(ch.len > 0 && ch.len <= room);
            out_append(s, ch.data, ch.len);
            http_conn_advance(&s->c, &ch, s->now);
            s->unacked += ch.len;
            moved = true;
        }
        if (s->auto_ack && s->unacked) {
            sim_ack(s);
            moved = true;
        }
        if (!moved)
            return;
    }
}

static void sim_send(struct sim *s, const char *req)
{
    size_t n = strlen(req);
    REQUIRE(s->in_len - s->in_off + n <= sizeof s->in);
    memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
    s->in_len -= s->in_off;
    s->in_off = 0;
    memcpy(s->in + s->in_len, req, n);
    s->in_len += n;
    pump(s);
}

/* The next response the client has received, whole. */
static bool sim_response(struct sim *s, bool head, struct http_got *g)
{
    long n = http_got_parse(s->out + s->out_read, s->out_len - s->out_read, head, g);
    if (n <= 0)
        return false;
    s->out_read += (size_t)n;
    return true;
}

static void check_file(struct sim *s, const char *req, const uint8_t *data, size_t size,
                       const char *type, int line)
{
    struct http_got g;
    sim_send(s, req);
    if (!sim_response(s, false, &g)) {
        unit_fail(false, __FILE__, line, "no whole response to %.30s", req);
        return;
    }
    if (g.status != 200 || g.body_len != size || memcmp(g.body, data, size) != 0 ||
        strcmp(g.content_type, type) != 0 || strcmp(g.connection, "keep-alive") != 0)
        unit_fail(false, __FILE__, line, "status %d, %zu bytes of %zu, %s, %s", g.status,
                  g.body_len, size, g.content_type, g.connection);
}

/* iPXE: `chain http://10.0.2.2/boot.ipxe`, then the script's kernel and initrd,
 * all on the one connection its pool keeps (ipxe src/net/tcp/httpconn.c). */
static void ipxe_boot(bool mappable, size_t piece, bool random_sizes, uint32_t seed)
{
    struct sim *s = sim_new(mappable, piece, seed);
    s->random_sizes = random_sizes;
    static const char fmt[] = "GET /%s HTTP/1.1\r\nConnection: keep-alive\r\nHost: 10.0.2.2\r\n"
                              "User-Agent: iPXE/1.0.0+ (36a4c)\r\n\r\n";
    char req[200];
    snprintf(req, sizeof req, fmt, "boot.ipxe");
    check_file(s, req, (const uint8_t *)script, sizeof script - 1, "text/plain", __LINE__);
    snprintf(req, sizeof req, fmt, "vmlinuz");
    check_file(s, req, kernel, sizeof kernel, "application/octet-stream", __LINE__);
    snprintf(req, sizeof req, fmt, "initrd.img");
    /* Typed as edk2 types an .img (a disk image) by its name anyway; iPXE and the
     * kernel's loader ignore the type. */
    check_file(s, req, initrd, sizeof initrd, "application/vnd.efi-img", __LINE__);
    CHECK_EQ_INT(s->out_read, s->out_len);              /* nothing more than asked for */
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_READ);           /* still open for the next */
    CHECK_EQ_INT(s->c.answered, 3);
    CHECK_EQ_INT(s->st.by_status[http_status_slot(200)], 3);
    CHECK_EQ_INT(s->fr.open_now, 0);
    if (mappable) {
        CHECK_EQ_INT(s->st.bytes_lent, sizeof kernel + sizeof initrd + sizeof script - 1);
        CHECK_EQ_INT(s->st.bytes_copied, 0);
    } else {
        CHECK_EQ_INT(s->st.bytes_lent, 0);
        CHECK_EQ_INT(s->st.bytes_copied, sizeof kernel + sizeof initrd + sizeof script - 1);
    }
    sim_free(s);
}

TEST(http_conn_ipxe_chains_a_script_then_kernel_and_initrd_on_one_connection)
{
    ipxe_boot(true, 0, false, 1);
}

TEST(http_conn_ipxe_boot_from_a_root_that_cannot_map)
{
    ipxe_boot(false, 0, false, 2);
}

TEST(http_conn_ipxe_boot_with_pieces_and_segments_of_every_size)
{
    ipxe_boot(true, 4096, true, 3);
    ipxe_boot(false, 0, true, 4);
    ipxe_boot(true, 1, true, 5);                        /* a mapping of one byte at a time */
}

/* edk2's HttpBootDxe: a HEAD for the size and type (HttpBootImpl.c
 * HttpBootGetBootFileCaller, state GetBootFileHead), then the GET into a buffer of
 * that size, on the same connection (HttpDxe keeps it unless told "close"); when a
 * transfer times out it resumes with Range: bytes=<got>-<size-1> and checks the
 * Content-Range total (HttpBootClient.c). */
TEST(http_conn_edk2_head_then_get_then_resumes_with_range)
{
    struct sim *s = sim_new(true, 0, 6);
    static const char hdrs[] = "Host: 10.0.2.2\r\nAccept: */*\r\nUser-Agent: UefiHttpBoot/1.0\r\n";
    char req[300];
    struct http_got g;

    snprintf(req, sizeof req, "HEAD /efi/boot/bootx64.efi HTTP/1.1\r\n%s\r\n", hdrs);
    sim_send(s, req);
    REQUIRE(sim_response(s, true, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(g.content_length, EFI_SIZE);
    CHECK_EQ_STR(g.content_type, "application/efi");
    CHECK_EQ_INT(s->out_read, s->out_len);              /* no body after a HEAD */

    snprintf(req, sizeof req, "GET /efi/boot/bootx64.efi HTTP/1.1\r\n%s\r\n", hdrs);
    sim_send(s, req);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(g.body_len, EFI_SIZE);
    CHECK(memcmp(g.body, efi, EFI_SIZE) == 0);

    snprintf(req, sizeof req, "GET /efi/boot/bootx64.efi HTTP/1.1\r\n%sRange: bytes=123456-%d\r\n\r\n",
             hdrs, EFI_SIZE - 1);
    sim_send(s, req);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 206);
    char cr[80];
    snprintf(cr, sizeof cr, "bytes 123456-%d/%d", EFI_SIZE - 1, EFI_SIZE);
    CHECK_EQ_STR(g.content_range, cr);
    CHECK_EQ_INT(g.body_len, EFI_SIZE - 123456);
    CHECK(memcmp(g.body, efi + 123456, EFI_SIZE - 123456) == 0);
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_READ);
    sim_free(s);
}

TEST(http_conn_answers_pipelined_requests_in_order)
{
    struct sim *s = sim_new(true, 0, 7);
    sim_send(s, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n"
                "HEAD /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n"
                "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
                "GET /initrd.img HTTP/1.1\r\nHost: h\r\nRange: bytes=-100\r\n\r\n"
                "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    struct http_got g;
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(g.body_len, sizeof script - 1);
    REQUIRE(sim_response(s, true, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(g.content_length, KERNEL_SIZE);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 404);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 206);
    CHECK(g.body_len == 100 && memcmp(g.body, initrd + INITRD_SIZE - 100, 100) == 0);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_STR(g.connection, "close");
    /* Nothing after the request that said close. */
    CHECK_EQ_INT(s->out_read, s->out_len);
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_CLOSING);
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    /* What comes after is taken and thrown away. */
    CHECK_EQ_INT(http_conn_input(&s->c, (const uint8_t *)"GET", 3, s->now), 3);
    sim_free(s);
}

/* A 416 carries its text, not the file: the connection goes on after it. (The
 * fuzzer's first find: the body length stayed the file's after 416.) */
TEST(http_conn_a_416_is_followed_by_the_next_answer)
{
    struct sim *s = sim_new(true, 0, 20);
    struct http_got g;
    sim_send(s, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\nRange: bytes=5000-\r\n\r\n"
                "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 416);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(s->out_read, s->out_len);
    sim_free(s);
}

TEST(http_conn_http10_closes_unless_asked_to_keep_alive)
{
    struct sim *s = sim_new(true, 0, 8);
    struct http_got g;
    sim_send(s, "GET /boot.ipxe HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_STR(g.connection, "keep-alive");
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_READ);
    sim_send(s, "GET /boot.ipxe HTTP/1.0\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_STR(g.connection, "close");
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_CLOSING);
    sim_free(s);
}

TEST(http_conn_a_refusal_that_ends_the_stream_closes)
{
    struct sim *s = sim_new(true, 0, 9);
    struct http_got g;
    sim_send(s, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.status, 400);
    CHECK_EQ_STR(g.connection, "close");
    CHECK_EQ_INT(s->out_read, s->out_len);
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    sim_free(s);
}

TEST(http_conn_fin_after_a_request_finishes_the_answer_then_closes)
{
    struct sim *s = sim_new(true, 0, 10);
    s->room = 1000;
    s->auto_ack = false;
    /* The client sends its request and FIN at once (`printf ... | nc`). */
    static const char req[] = "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n";
    memcpy(s->in, req, sizeof req - 1);
    s->in_len = s->in_off = sizeof req - 1;
    REQUIRE_EQ_INT(http_conn_input(&s->c, s->in, sizeof req - 1, s->now), sizeof req - 1);
    http_conn_input_end(&s->c, s->now);
    pump(s);
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_CLOSING);
    /* Not closed while bytes are in flight. */
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_OK);
    sim_ack(s);
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    struct http_got g;
    REQUIRE(sim_response(s, false, &g));
    CHECK(g.body_len == KERNEL_SIZE && memcmp(g.body, kernel, KERNEL_SIZE) == 0);
    sim_free(s);

    /* A FIN in the middle of a request's head: nothing to answer. */
    s = sim_new(true, 0, 11);
    sim_send(s, "GET /vmlinuz HTTP/1.1\r\nHo");
    http_conn_input_end(&s->c, s->now);
    CHECK_EQ_INT(s->out_len, 0);
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    sim_free(s);
}

TEST(http_conn_idle_keep_alive_connections_close)
{
    struct sim *s = sim_new(true, 0, 12);
    struct http_got g;
    sim_send(s, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK(http_conn_idle(&s->c));
    s->now += HTTP_CONN_IDLE_MS - 1;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_OK);
    /* Empty lines are not a request: they do not keep it alive. */
    sim_send(s, "\r\n");
    s->now += 1;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    CHECK_EQ_INT(s->st.idle_closes, 1);
    sim_free(s);
}

TEST(http_conn_a_head_dripping_in_is_cut_off)
{
    struct sim *s = sim_new(true, 0, 13);
    const char *req = "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n";
    for (const char *p = req; *p; p++) {
        char one[2] = { *p, 0 };
        sim_send(s, one);
        s->now += 200;                                  /* each byte in good time */
    }
    CHECK(!http_conn_idle(&s->c));
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_OK);
    s->now += HTTP_CONN_HEAD_MS;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_CLOSE);
    CHECK_EQ_INT(s->st.head_timeouts, 1);
    CHECK_EQ_INT(s->out_len, 0);
    sim_free(s);
}

TEST(http_conn_a_client_that_stops_reading_is_reset)
{
    struct sim *s = sim_new(true, 0, 14);
    s->auto_ack = false;
    s->window = 4000;
    sim_send(s, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n");
    /* The transport took a window's worth and will take no more. */
    CHECK_EQ_INT(s->out_len, 4000);
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_SEND);
    s->now += HTTP_CONN_STALL_MS - 1;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_OK);
    /* An acknowledgement is progress, even when the window stays shut. */
    sim_ack(s);
    s->window = 1;
    s->unacked = 1;
    s->now += HTTP_CONN_STALL_MS - 1;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_OK);
    s->now += 1;
    CHECK_EQ_INT(http_conn_poll(&s->c, s->now), HTTP_CONN_ABORT);
    CHECK_EQ_INT(s->st.stalls, 1);
    sim_free(s);
}

TEST(http_conn_keeps_a_file_open_until_its_lent_bytes_are_acknowledged)
{
    struct sim *s = sim_new(true, 0, 15);
    s->auto_ack = false;
    struct http_got g;
    sim_send(s, "GET /initrd.img HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(s->c.phase, HTTP_CONN_READ);
    CHECK_EQ_INT(s->fr.open_now, 1);                    /* lent, unacknowledged */
    CHECK(!http_conn_idle(&s->c));

    /* A second and a third: two files may wait; the third request waits for them. */
    sim_send(s, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\nGET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.body_len, KERNEL_SIZE);
    CHECK_EQ_INT(s->fr.open_now, 2);
    CHECK(!http_conn_wants_input(&s->c));
    CHECK(!sim_response(s, false, &g));
    CHECK(s->in_off < s->in_len);                       /* the third is still the client's */

    /* Part of the first file's bytes acknowledged: still open. */
    http_conn_acked(&s->c, 1000, s->now);
    s->unacked -= 1000;
    CHECK_EQ_INT(s->fr.open_now, 2);
    sim_ack(s);
    CHECK_EQ_INT(s->fr.open_now, 0);
    pump(s);
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(g.body_len, sizeof script - 1);
    sim_ack(s);
    CHECK(http_conn_idle(&s->c));
    sim_free(s);
}

TEST(http_conn_copied_files_close_at_once)
{
    struct sim *s = sim_new(false, 0, 16);
    s->auto_ack = false;
    struct http_got g;
    sim_send(s, "GET /initrd.img HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(sim_response(s, false, &g));
    CHECK_EQ_INT(s->fr.open_now, 0);                    /* nothing lent */
    sim_free(s);
}

TEST(http_conn_a_file_failing_mid_body_is_an_abort)
{
    struct sim *s = sim_new(false, 0, 17);
    s->fr.fail_read_at = 100000;
    sim_send(s, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_EQ_INT(s->err, -EIO);
    CHECK_EQ_INT(s->st.read_errors, 1);
    CHECK(s->out_len < 100000 + sizeof scratch + 300);     /* nothing past the failure */
    sim_free(s);                                        /* release closes it */

    /* A file that shrinks under us (a live host folder) cannot keep its length. */
    s = sim_new(false, 0, 18);
    s->fr.shrink_to = 5000;
    sim_send(s, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_EQ_INT(s->err, -EIO);
    sim_free(s);
}

TEST(http_conn_peek_gives_the_same_bytes_until_advanced)
{
    struct sim *s = sim_new(true, 0, 19);
    static const char req[] = "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n";
    REQUIRE_EQ_INT(http_conn_input(&s->c, (const uint8_t *)req, sizeof req - 1, s->now),
                   sizeof req - 1);
    struct http_chunk a, b;
    REQUIRE_EQ_INT(http_conn_peek(&s->c, 10, scratch, sizeof scratch, &a), 1);
    REQUIRE_EQ_INT(http_conn_peek(&s->c, 10, scratch, sizeof scratch, &b), 1);
    CHECK(a.data == b.data && a.len == 10 && b.len == 10 && a.copy && a.more);
    CHECK_EQ_INT(http_conn_peek(&s->c, 0, scratch, sizeof scratch, &a), 0);
    sim_free(s);
}

TEST(http_conn_status_slots_round_trip)
{
    for (unsigned i = 0; i + 1 < HTTP_STATUS_SLOTS; i++)
        CHECK_EQ_INT(http_status_slot(http_slot_status(i)), i);
    CHECK_EQ_INT(http_status_slot(299), HTTP_STATUS_SLOTS - 1);
}
