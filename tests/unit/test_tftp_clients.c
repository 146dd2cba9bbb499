/* End to end against simulated PXE clients (tftp_clients.h): iPXE (blksize 1432,
 * tsize, no windowsize) and OVMF (a size query, then blksize 1468, windowsize 4,
 * tsize), each file checked byte for byte; with loss both ways, sixteen at once,
 * and files of more than 65536 blocks. */
#include "net/tftp.h"
#include "tftp_clients.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static struct th h;
static struct tc_client cl[TC_MAX_CLIENTS];
static struct tc_net net;

static uint8_t *kernel_image(size_t n)
{
    uint8_t *b = malloc(n);
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
    return b;
}

static void setup(const uint8_t *file, size_t len)
{
    th_init(&h);
    th_add_file(&h, "vmlinuz", file, len);
    memset(&net, 0, sizeof net);
    net.h = &h;
}

static void add_client(enum tc_kind kind, uint16_t port, uint64_t cap, bool virtual_file,
                       const char *name)
{
    REQUIRE(net.n < TC_MAX_CLIENTS);
    struct tc_client *c = &cl[net.n];
    tc_client_init(c, kind, port, name, cap, virtual_file);
    net.c[net.n++] = c;
}

static void check_client(const struct tc_client *c, const uint8_t *file, size_t len)
{
    if (!c->done)
        unit_fail(false, __FILE__, __LINE__, "client on port %u: %s", c->port,
                  c->why ? c->why : "not done");
    CHECK(c->have_tsize);
    CHECK_EQ_INT(c->tsize, len);
    CHECK_EQ_INT(c->received, len);
    if (file)
        CHECK_MEM(c->buf, file, len);
}

static void free_clients(void)
{
    for (unsigned i = 0; i < net.n; i++)
        tc_client_free(&cl[i]);
}

TEST(tftp_clients_ipxe_boots_byte_exact)
{
    size_t len = 1000000;
    uint8_t *f = kernel_image(len);
    setup(f, len);
    add_client(TC_IPXE, 2070, len, false, "vmlinuz");
    CHECK_EQ_INT(tc_run(&net, 60000), 1);
    check_client(&cl[0], f, len);
    CHECK_EQ_INT(cl[0].blksize, 1432);
    CHECK_EQ_INT(cl[0].foreign, 0);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->completed, 1);
    CHECK_EQ_INT(st->retransmits, 0);
    CHECK_EQ_INT(st->blocks, len / 1432 + 1);
    CHECK_EQ_INT(st->zero_copy, len / 1432 + 1);
    CHECK_EQ_INT(h.now, 0);                             /* no timer ever ran out */
    free_clients();
    th_done(&h);
    free(f);
}

/* OVMF: the size query is answered and aborted by the client (an ERROR, counted
 * as such), then the download goes in windows of 4 with one ACK per window. */
TEST(tftp_clients_ovmf_boots_byte_exact)
{
    size_t len = 1000000;
    uint8_t *f = kernel_image(len);
    setup(f, len);
    add_client(TC_OVMF, 2080, len, false, "vmlinuz");
    CHECK_EQ_INT(tc_run(&net, 60000), 1);
    check_client(&cl[0], f, len);
    CHECK_EQ_INT(cl[0].blksize, 1468);
    CHECK_EQ_INT(cl[0].window, 4);
    unsigned blocks = (unsigned)(len / 1468 + 1);
    CHECK_EQ_INT(cl[0].acks, 1 + (blocks + 3) / 4);     /* ACK 0, then one per window */
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->completed, 1);
    CHECK_EQ_INT(st->ends[TFTP_END_CLIENT_ERROR], 1);   /* the size query */
    CHECK_EQ_INT(st->retransmits, 0);
    CHECK_EQ_INT(st->blocks, blocks);
    CHECK_EQ_INT(h.now, 0);
    free_clients();
    th_done(&h);
    free(f);
}

struct every {
    unsigned data_n, ack_n;     /* lose every n-th DATA to clients, every n-th packet to the server */
    unsigned data_seen, ack_seen;
};

static bool lose_every(void *arg, bool to_server, const uint8_t *msg, size_t len, unsigned seq)
{
    struct every *e = arg;
    if (to_server)
        return e->ack_n && ++e->ack_seen % e->ack_n == 0;
    if (len < 2 || msg[1] != TFTP_DATA)
        return false;
    return e->data_n && ++e->data_seen % e->data_n == 0;
}

TEST(tftp_clients_ipxe_with_loss_both_ways)
{
    size_t len = 300000;
    uint8_t *f = kernel_image(len);
    setup(f, len);
    add_client(TC_IPXE, 2071, len, false, "vmlinuz");
    struct every e = {.data_n = 7, .ack_n = 5};
    net.drop = lose_every;
    net.drop_arg = &e;
    CHECK_EQ_INT(tc_run(&net, 600000), 1);
    check_client(&cl[0], f, len);
    CHECK(net.lost_to_client > 20 && net.lost_to_server > 20);
    CHECK(tftp_get_stats(h.srv)->retransmits > 0);
    free_clients();
    th_done(&h);
    free(f);
}

TEST(tftp_clients_ovmf_with_loss_both_ways)
{
    size_t len = 300000;
    uint8_t *f = kernel_image(len);
    setup(f, len);
    add_client(TC_OVMF, 2081, len, false, "vmlinuz");
    struct every e = {.data_n = 11, .ack_n = 3};
    net.drop = lose_every;
    net.drop_arg = &e;
    CHECK_EQ_INT(tc_run(&net, 600000), 1);
    check_client(&cl[0], f, len);
    CHECK(net.lost_to_client > 10 && net.lost_to_server > 10);
    free_clients();
    th_done(&h);
    free(f);
}

static bool lose_randomly(void *arg, bool to_server, const uint8_t *msg, size_t len, unsigned seq)
{
    uint64_t *x = arg;
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x % 100 < 3;                                /* 3 % both ways */
}

/* Sixteen guests booting at once, half iPXE and half OVMF, with random loss. */
TEST(tftp_clients_sixteen_at_once_with_random_loss)
{
    size_t len = 200000;
    uint8_t *f = kernel_image(len);
    setup(f, len);
    for (unsigned i = 0; i < 16; i++)
        add_client(i % 2 ? TC_OVMF : TC_IPXE, (uint16_t)(3000 + 2 * i), len, false, "vmlinuz");
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    net.drop = lose_randomly;
    net.drop_arg = &seed;
    CHECK_EQ_INT(tc_run(&net, 600000), 16);
    for (unsigned i = 0; i < 16; i++)
        check_client(&cl[i], f, len);
    CHECK(net.lost_to_client > 0 && net.lost_to_server > 0);
    free_clients();
    th_done(&h);
    free(f);
}

/* More than 65536 blocks: iPXE's bitmap arithmetic and EDK2's wrapping counter
 * both take the rollover to 0. Virtual files, checked as they arrive. */
TEST(tftp_clients_both_take_the_rollover)
{
    th_init(&h);
    uint64_t small = 65540ull * 512 + 300, large = 65541ull * 1468 + 1;
    th_add_virtual(&h, "small-mtu.img", small);
    th_add_virtual(&h, "big.img", large);
    memset(&net, 0, sizeof net);
    net.h = &h;
    add_client(TC_IPXE, 4000, small, true, "small-mtu.img");
    cl[0].req_blksize = 512;                            /* what iPXE asks on a small link */
    add_client(TC_OVMF, 4002, large, true, "big.img");
    CHECK_EQ_INT(tc_run(&net, 600000), 2);
    check_client(&cl[0], NULL, small);
    check_client(&cl[1], NULL, large);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->completed, 2);
    free_clients();
    th_done(&h);
}
