/* The HTTP server's lwIP glue (lwip-port/http_glue.c) on the host build: a guest
 * on the NAT network opens real TCP connections through lwIP (segments built by
 * tests/unit/tcp_peer.c, through the fake NICs of glue_fixture.c) and fetches
 * files byte-exact; only the attached addresses of the attached network answer;
 * the connection bound; flow control against a small window; resets and time
 * limits; the console. */
#include "console_capture.h"
#include "fake_root.h"
#include "glue_fixture.h"
#include "http_check.h"
#include "tcp_peer.h"
#include "unit.h"

#include "lwip-port/http_glue.h"
#include "net/http_conn.h"

#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define KERNEL_SIZE 300001

static uint8_t kernel[KERNEL_SIZE];
static const char script[] = "#!ipxe\nkernel http://10.0.2.2/vmlinuz\nboot\n";
static const struct fake_file files[] = {
    { "boot.ipxe", (const uint8_t *)script, sizeof script - 1 },
    { "vmlinuz", kernel, sizeof kernel },
};
static struct fake_root fr;

static ip4_addr_t addr(uint32_t host_order)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host_order));
    return a;
}

static void setup(bool mappable)
{
    gf_setup(0, 0, false);
    fake_pattern(kernel, sizeof kernel, 42);
    fake_root_init(&fr, files, sizeof files / sizeof files[0], mappable);
    ip4_addr_t a = addr(GF_NAT_SELF);
    REQUIRE_EQ_INT(http_glue_attach(gf_lan.nif, &a, 1, &fr.root), 0);
}

static unsigned tcp_pcbs(void)
{
    return lwip_stats.memp[MEMP_TCP_PCB]->used;
}

/* Lets lwIP finish what closing connections still do (TIME_WAIT is 2 MSL). */
static void teardown(void)
{
    http_glue_test_reset();
    /* In steps of lwIP's TCP timer, which runs once per call however late. */
    for (int i = 0; i < 4 * 300 && tcp_pcbs() > 0; i++) {
        unit_clock_advance_ms(250);
        sys_check_timeouts();
        gf_clear_sent();
    }
    CHECK_EQ_INT(tcp_pcbs(), 0);
    CHECK_EQ_INT(fr.open_now, 0);
    gf_teardown();
}

static void request(char *buf, size_t cap, const char *path, const char *extra)
{
    snprintf(buf, cap, "GET /%s HTTP/1.1\r\nConnection: keep-alive\r\nHost: 10.0.2.2\r\n"
             "User-Agent: iPXE/1.0.0+\r\n%s\r\n", path, extra);
}

/* The next response in t's received stream from *off. */
static bool next_response(struct tcp_peer *t, size_t *off, bool head, struct http_got *g)
{
    long n = http_got_parse(t->rx + *off, t->rx_len - *off, head, g);
    if (n <= 0)
        return false;
    *off += (size_t)n;
    return true;
}

static void fetch_script_and_kernel(bool mappable)
{
    setup(mappable);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40001, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    char req[200];
    size_t off = 0;
    struct http_got g;

    request(req, sizeof req, "boot.ipxe", "");
    tp_send_str(&t, req);
    REQUIRE(tp_pump());
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_STR(g.content_type, "text/plain");
    CHECK(g.body_len == sizeof script - 1 && memcmp(g.body, script, g.body_len) == 0);

    request(req, sizeof req, "vmlinuz", "");
    tp_send_str(&t, req);
    REQUIRE(tp_pump());
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(g.body_len, KERNEL_SIZE);
    CHECK(memcmp(g.body, kernel, KERNEL_SIZE) == 0);
    CHECK_EQ_STR(g.connection, "keep-alive");
    CHECK_EQ_INT(off, t.rx_len);
    CHECK_EQ_INT(t.bad, 0);
    CHECK(!t.fin_seen);

    unit_console_clear();
    http_glue_print();
    char want[120];
    snprintf(want, sizeof want, "file bytes lent %d, copied %d",
             mappable ? KERNEL_SIZE + (int)sizeof script - 1 : 0,
             mappable ? 0 : KERNEL_SIZE + (int)sizeof script - 1);
    CHECK(strstr(unit_console(), want) != NULL);
    CHECK(strstr(unit_console(), "requests 2: 200 2") != NULL);
    CHECK(strstr(unit_console(), "10.0.2.15:40001 idle, 2 answered") != NULL);

    /* The guest is done: its FIN, ours, and the connection is gone. */
    tp_fin(&t);
    tp_pump();
    CHECK(t.fin_seen);
    CHECK(!t.rst_seen);
    CHECK_EQ_INT(tcp_pcbs(), 0);                        /* the server's side is closed too */
    tp_free(&t);
    teardown();
}

TEST(glue_http_fetches_a_script_and_a_kernel_lent_from_the_root)
{
    fetch_script_and_kernel(true);
}

TEST(glue_http_fetches_from_a_root_that_cannot_map)
{
    fetch_script_and_kernel(false);
}

/* How many pbufs of the server's queued segments point into the file's bytes
 * (lent, not copied), and how many hold data at all. */
static void count_lent(unsigned *lent, unsigned *data)
{
    *lent = *data = 0;
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port != 80)
            continue;
        struct tcp_seg *lists[2] = { pcb->unsent, pcb->unacked };
        for (unsigned k = 0; k < 2; k++) {
            for (struct tcp_seg *seg = lists[k]; seg; seg = seg->next) {
                for (struct pbuf *q = seg->p; q; q = q->next) {
                    const uint8_t *b = q->payload;
                    if (b >= kernel && b < kernel + sizeof kernel)
                        (*lent)++;
                }
                *data += seg->len > 0;
            }
        }
    }
}

static void check_lending(bool mappable)
{
    setup(mappable);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40011, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    /* The request goes in; what the server sends stays unacknowledged. */
    tp_send_str(&t, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n");
    unsigned lent, data;
    count_lent(&lent, &data);
    CHECK(data > 0);
    if (mappable)
        CHECK(lent > 0);
    else
        CHECK_EQ_INT(lent, 0);
    CHECK_EQ_INT(fr.open_now, 1);
    tp_pump();
    struct http_got g;
    REQUIRE(http_got_parse(t.rx, t.rx_len, false, &g) > 0);
    CHECK(memcmp(g.body, kernel, KERNEL_SIZE) == 0);
    CHECK_EQ_INT(fr.open_now, 0);                       /* everything acknowledged */
    tp_fin(&t);
    tp_pump();
    tp_free(&t);
    teardown();
}

TEST(glue_http_lends_a_mapped_file_to_lwip_without_copying)
{
    check_lending(true);
    check_lending(false);
}

TEST(glue_http_closes_after_an_http10_answer)
{
    setup(true);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40002, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    tp_send_str(&t, "GET /vmlinuz HTTP/1.0\r\n\r\n");
    REQUIRE(tp_pump());
    size_t off = 0;
    struct http_got g;
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_STR(g.connection, "close");
    CHECK(memcmp(g.body, kernel, KERNEL_SIZE) == 0);
    CHECK(t.fin_seen);                                  /* the server closed */
    tp_fin(&t);
    tp_pump();
    CHECK(!t.rst_seen);
    tp_free(&t);
    teardown();
}

TEST(glue_http_serves_pipelined_requests_through_a_small_window)
{
    setup(true);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40003, GF_NAT_SELF, 80);
    t.window = 3000;
    REQUIRE(tp_connect(&t));
    char reqs[600];
    size_t n = 0;
    request(reqs, sizeof reqs, "vmlinuz", "Range: bytes=1000-99999\r\n");
    n = strlen(reqs);
    request(reqs + n, sizeof reqs - n, "nope", "");
    n = strlen(reqs);
    request(reqs + n, sizeof reqs - n, "boot.ipxe", "");
    tp_send_str(&t, reqs);
    REQUIRE(tp_pump());
    size_t off = 0;
    struct http_got g;
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 206);
    CHECK_EQ_STR(g.content_range, "bytes 1000-99999/300001");
    CHECK(g.body_len == 99000 && memcmp(g.body, kernel + 1000, 99000) == 0);
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 404);
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK(memcmp(g.body, script, sizeof script - 1) == 0);
    CHECK_EQ_INT(off, t.rx_len);
    CHECK_EQ_INT(t.bad, 0);
    tp_rst(&t);                                         /* and the client goes away rudely */
    CHECK_EQ_INT(tcp_pcbs(), 0);
    tp_free(&t);
    teardown();
}

/* A client retransmitting part of its request with more behind it: lwIP trims
 * the overlap, the server reads the request once. */
TEST(glue_http_a_retransmission_overlapping_the_request_reads_once)
{
    setup(true);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40012, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    static const char req[] = "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n";
    tp_send(&t, req, 10);
    tp_send_overlapping(&t, 6, req + 4, sizeof req - 1 - 4);
    REQUIRE(tp_pump());
    size_t off = 0;
    struct http_got g;
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 200);
    CHECK_EQ_INT(off, t.rx_len);
    tp_fin(&t);
    tp_pump();
    tp_free(&t);
    teardown();
}

TEST(glue_http_a_client_reset_mid_transfer_frees_everything)
{
    setup(true);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40004, GF_NAT_SELF, 80);
    t.window = 2920;
    REQUIRE(tp_connect(&t));
    tp_send_str(&t, "GET /vmlinuz HTTP/1.1\r\nHost: h\r\n\r\n");
    /* Take a little, then reset while the server still has most to send. */
    gf_clear_sent();
    CHECK_EQ_INT(fr.open_now, 1);
    tp_rst(&t);
    CHECK_EQ_INT(fr.open_now, 0);
    unit_console_clear();
    http_glue_print();
    CHECK(strstr(unit_console(), "connections: 0 of") != NULL);
    CHECK(strstr(unit_console(), "by the client 1") != NULL);
    tp_free(&t);
    teardown();
}

TEST(glue_http_idle_connections_close_and_refusals_close_at_once)
{
    setup(true);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40005, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    char req[200];
    request(req, sizeof req, "boot.ipxe", "");
    tp_send_str(&t, req);
    REQUIRE(tp_pump());
    tp_advance(HTTP_CONN_IDLE_MS - 2000);
    CHECK(!t.fin_seen);
    tp_advance(3000);
    CHECK(t.fin_seen);
    tp_fin(&t);
    tp_pump();
    tp_free(&t);

    /* A request the server cannot frame: answered, then closed. */
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40006, GF_NAT_SELF, 80);
    REQUIRE(tp_connect(&t));
    tp_send_str(&t, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    REQUIRE(tp_pump());
    size_t off = 0;
    struct http_got g;
    REQUIRE(next_response(&t, &off, false, &g));
    CHECK_EQ_INT(g.status, 400);
    CHECK(t.fin_seen);
    CHECK(!t.rst_seen);                                 /* the bytes after it were read, not reset */
    tp_fin(&t);
    tp_pump();
    tp_free(&t);
    teardown();
}

TEST(glue_http_answers_only_on_the_attached_addresses)
{
    gf_setup(0, 0, false);
    fake_root_init(&fr, files, sizeof files / sizeof files[0], true);
    /* Served on the WAN address only: the NAT network's .2 is vmgate's too but
     * not served (lwIP answers with a RST), and another port on the WAN address is
     * nobody's (NAT drops the SYN without an answer: RFC 5382 REQ-4). */
    ip4_addr_t a = addr(GF_WAN_ADDR);
    REQUIRE_EQ_INT(http_glue_attach(gf_wan.nif, &a, 1, &fr.root), 0);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40007, GF_NAT_SELF, 80);
    CHECK(!tp_connect(&t));
    CHECK(t.rst_seen);
    tp_free(&t);
    tp_init(&t, &gf_wan, GF_MAC_GW, GF_WAN_GW, 40008, GF_WAN_ADDR, 8080);
    CHECK(!tp_connect(&t));
    CHECK(!t.rst_seen);
    tp_free(&t);
    /* The served one answers. */
    tp_init(&t, &gf_wan, GF_MAC_GW, GF_WAN_GW, 40009, GF_WAN_ADDR, 80);
    CHECK(tp_connect(&t));
    tp_send_str(&t, "HEAD /vmlinuz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    tp_pump();
    struct http_got g;
    CHECK(http_got_parse(t.rx, t.rx_len, true, &g) > 0 && g.status == 200 &&
          g.content_length == KERNEL_SIZE);
    CHECK(t.fin_seen);
    tp_fin(&t);
    tp_pump();
    tp_free(&t);
    teardown();
}

TEST(glue_http_refuses_a_served_address_reached_through_another_netif)
{
    gf_setup(0, 0, false);
    fake_root_init(&fr, files, sizeof files / sizeof files[0], true);
    /* 10.0.2.2 served for the WAN's netif: a guest of the NAT network reaches
     * that address through its own netif, where lwIP takes it (any of its
     * addresses on any netif) and the listener accepts; the glue refuses. */
    ip4_addr_t a = addr(GF_NAT_SELF);
    REQUIRE_EQ_INT(http_glue_attach(gf_wan.nif, &a, 1, &fr.root), 0);
    struct tcp_peer t;
    tp_init(&t, &gf_lan, GF_MAC_GUEST, GF_GUEST, 40010, GF_NAT_SELF, 80);
    tp_connect(&t);
    tp_send_str(&t, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    tp_pump();
    CHECK(t.rst_seen);
    CHECK_EQ_INT(t.rx_len, 0);
    unit_console_clear();
    http_glue_print();
    CHECK(strstr(unit_console(), "accepted 0, refused: full 0, other network 1") != NULL);
    tp_free(&t);
    teardown();
}

TEST(glue_http_bounds_connections_and_closes_an_idle_one_for_a_new_one)
{
    setup(true);
    static struct tcp_peer peers[HTTP_GLUE_MAX_CONNS + 2];
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS + 2; i++) {
        tp_init(&peers[i], &gf_lan, GF_MAC_GUEST, GF_GUEST, (uint16_t)(41000 + i), GF_NAT_SELF, 80);
    }
    /* Every slot busy in the middle of a request's head. */
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS; i++) {
        REQUIRE(tp_connect(&peers[i]));
        tp_send_str(&peers[i], "GET /boot.ipxe HTTP/1.1\r\n");
        REQUIRE(tp_pump());
    }
    struct tcp_peer *extra = &peers[HTTP_GLUE_MAX_CONNS];
    tp_connect(extra);
    tp_pump();
    CHECK(extra->rst_seen);

    /* Peer 3 finishes its request and becomes idle; peer 5 too, later. */
    tp_send_str(&peers[3], "Host: h\r\n\r\n");
    REQUIRE(tp_pump());
    tp_advance(1000);
    tp_send_str(&peers[5], "Host: h\r\n\r\n");
    REQUIRE(tp_pump());
    CHECK(peers[3].rx_len > 0 && peers[5].rx_len > 0);

    /* A new connection closes the one idle longest: peer 3. */
    struct tcp_peer *late = &peers[HTTP_GLUE_MAX_CONNS + 1];
    REQUIRE(tp_connect(late));
    REQUIRE(tp_pump());
    CHECK(peers[3].fin_seen);
    CHECK(!peers[5].fin_seen);
    tp_send_str(late, "GET /boot.ipxe HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(tp_pump());
    size_t off = 0;
    struct http_got g;
    REQUIRE(next_response(late, &off, false, &g));
    CHECK_EQ_INT(g.status, 200);

    unit_console_clear();
    http_glue_print();
    CHECK(strstr(unit_console(), "refused: full 1") != NULL);
    CHECK(strstr(unit_console(), "idle closed for room 1") != NULL);
    CHECK(strstr(unit_console(), "connections: 16 of 16") != NULL);
    for (unsigned i = 0; i < HTTP_GLUE_MAX_CONNS + 2; i++) {
        if (!peers[i].rst_seen && !peers[i].fin_seen)
            tp_rst(&peers[i]);
        else if (peers[i].fin_seen)
            tp_fin(&peers[i]);
        tp_free(&peers[i]);
    }
    tp_pump();
    teardown();
}

TEST(glue_http_attach_checks_its_arguments)
{
    gf_setup(0, 0, false);
    fake_root_init(&fr, files, sizeof files / sizeof files[0], true);
    ip4_addr_t a[HTTP_GLUE_MAX_ADDRS + 1];
    for (unsigned i = 0; i <= HTTP_GLUE_MAX_ADDRS; i++)
        a[i] = addr(GF_NAT_SELF + 2 * i);
    CHECK_EQ_INT(http_glue_attach(NULL, a, 1, &fr.root), -EINVAL);
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, a, 1, NULL), -EINVAL);
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, a, 0, &fr.root), -EINVAL);
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, a, HTTP_GLUE_MAX_ADDRS + 1, &fr.root), -EINVAL);
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, a, 2, &fr.root), 0);      /* .2 and .4 */
    /* An address already served: nothing of the second call stays. */
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, a + 1, 1, &fr.root), -EADDRINUSE);
    CHECK_EQ_INT(tcp_pcbs(), 0);                        /* listeners are not in this pool */
    unit_console_clear();
    http_glue_print();
    CHECK(strstr(unit_console(), "port 80 on 10.0.2.2 10.0.2.4, files from fake") != NULL);
    for (unsigned i = 1; i < HTTP_GLUE_MAX_SITES; i++) {
        ip4_addr_t b = addr(IP4(10, 9, (uint8_t)i, 1));
        CHECK_EQ_INT(http_glue_attach(gf_lan.nif, &b, 1, &fr.root), 0);
    }
    ip4_addr_t b = addr(IP4(10, 9, 99, 1));
    CHECK_EQ_INT(http_glue_attach(gf_lan.nif, &b, 1, &fr.root), -ENOSPC);
    teardown();
}
