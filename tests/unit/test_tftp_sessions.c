/* The session table: its bound and the per-client bound, refusals when full or
 * without a port, repeated and replaced requests, strangers on a transfer's port,
 * an interface going away. */
#include "net/tftp.h"
#include "tftp_harness.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

static struct th h;
static uint8_t file[3000];

static void setup(void)
{
    th_init(&h);
    memset(file, 0x42, sizeof file);
    th_add_file(&h, "f", file, sizeof file);
}

static void rrq_from(uint32_t addr, uint16_t port)
{
    uint8_t b[64];
    size_t n = th_build_request(b, TFTP_RRQ, "f", "octet", NULL);
    struct tftp_peer p = th_peer(port);
    p.addr = addr;
    th_to_listen_from(&h, &p, b, n);
}

/* 64 transfers at once from three guests; the 65th is refused with error 3 from
 * port 69; when one ends, a new one fits again. */
TEST(tftp_sessions_table_holds_64_and_refuses_the_next)
{
    setup();
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        rrq_from(TH_CLIENT + i % 3, (uint16_t)(5000 + i));
    CHECK_EQ_INT(tftp_active(h.srv), TFTP_MAX_SESSIONS);
    CHECK_EQ_INT(th_pending(&h), TFTP_MAX_SESSIONS);
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++) {
        const struct th_pkt *p = th_take(&h);
        CHECK_EQ_INT(th_op(p), TFTP_DATA);
        CHECK_EQ_INT(p->sid, (int)i);
    }
    rrq_from(TH_CLIENT + 3, 6000);
    const struct th_pkt *p = th_expect_error(&h, TFTP_ENOSPACE);
    CHECK_EQ_INT(p->sid, TFTP_SID_LISTEN);
    CHECK_EQ_STR((const char *)p->b + 4, "too many transfers");
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_TABLE_FULL], 1);
    CHECK_EQ_INT(h.fr.open_handles, TFTP_MAX_SESSIONS);

    /* Session 17 finishes (6 blocks of 512 bytes: 3000 = 5 * 512 + 440). */
    struct tftp_peer who = th_peer(5017);
    who.addr = TH_CLIENT + 17 % 3;
    uint8_t ack[4];
    for (uint16_t b = 1; b <= 6; b++) {
        tftp_put_header(ack, TFTP_ACK, b);
        tftp_transfer_input(h.srv, h.now, 17, &who, ack, 4);
    }
    th_clear(&h);
    CHECK_EQ_INT(tftp_active(h.srv), TFTP_MAX_SESSIONS - 1);
    rrq_from(TH_CLIENT + 3, 6000);
    p = th_take(&h);
    CHECK_EQ_INT(th_op(p), TFTP_DATA);
    CHECK_EQ_INT(p->sid, 17);                           /* the freed slot */
    th_done(&h);
}

/* One guest may hold half the table. */
TEST(tftp_sessions_one_client_gets_at_most_32)
{
    setup();
    for (unsigned i = 0; i < TFTP_CLIENT_MAX; i++)
        rrq_from(TH_CLIENT, (uint16_t)(7000 + i));
    th_clear(&h);
    rrq_from(TH_CLIENT, 7100);
    th_expect_error(&h, TFTP_ENOSPACE);
    rrq_from(TH_CLIENT + 1, 7100);                      /* another guest still fits */
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_DATA);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_CLIENT_LIMIT], 1);
    CHECK_EQ_INT(tftp_active(h.srv), TFTP_CLIENT_MAX + 1);
    th_done(&h);
}

/* The same address on two interfaces is two clients (two NAT networks may use
 * the same addresses). */
TEST(tftp_sessions_are_keyed_by_interface_too)
{
    setup();
    uint8_t b[64];
    size_t n = th_build_request(b, TFTP_RRQ, "f", "octet", NULL);
    struct tftp_peer p = th_peer(8000);
    th_to_listen_from(&h, &p, b, n);
    p.iface = 1;
    th_to_listen_from(&h, &p, b, n);
    CHECK_EQ_INT(tftp_active(h.srv), 2);
    CHECK_EQ_INT(th_take(&h)->sid, 0);
    const struct th_pkt *q = th_take(&h);
    CHECK_EQ_INT(q->sid, 1);
    CHECK_EQ_INT(q->peer.iface, 1);
    tftp_end_iface(h.srv, 1);
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_SHUTDOWN], 1);
    CHECK(!h.port_open[1]);
    th_done(&h);
}

/* The glue found no port: the client hears "too many transfers", nothing leaks. */
TEST(tftp_sessions_without_a_port_are_refused)
{
    setup();
    h.open_fail = -ENOMEM;
    th_rrq(&h, 8100, "f", NULL, NULL);
    th_expect_error(&h, TFTP_ENOSPACE);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->refused[TFTP_REFUSE_NO_PORT], 1);
    CHECK_EQ_INT(tftp_active(h.srv), 0);
    CHECK_EQ_INT(h.fr.open_handles, 0);
    th_done(&h);
}

/* The same request again before the client acknowledged anything: the OACK goes
 * out again, from the transfer's port; no second session. */
TEST(tftp_sessions_repeated_request_gets_the_oack_again)
{
    setup();
    th_rrq(&h, 8200, "f", NULL, "blksize", "1024", NULL);
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_rrq(&h, 8200, "f", NULL, "blksize", "1024", NULL);
    const struct th_pkt *p = th_take(&h);
    CHECK_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_INT(p->sid, 0);
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->started, 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->dup_requests, 1);
    th_ack(&h, 0, 8200, 0);
    th_expect_data(&h, 0, 1, 1024);
    th_done(&h);
}

/* Without options: DATA 1 again; after the client's first ACK a repeat is late
 * and dropped. */
TEST(tftp_sessions_repeated_request_gets_block_1_again_until_acked)
{
    setup();
    th_rrq(&h, 8300, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    th_rrq(&h, 8300, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    th_ack(&h, 0, 8300, 1);
    th_expect_data(&h, 0, 2, 512);
    th_rrq(&h, 8300, "f", NULL, NULL);
    CHECK_EQ_INT(th_pending(&h), 0);
    const struct tftp_stats *st = tftp_get_stats(h.srv);
    CHECK_EQ_INT(st->dropped[TFTP_DROP_LATE_RRQ], 1);
    CHECK_EQ_INT(st->dup_requests, 1);
    CHECK_EQ_INT(st->started, 1);
    th_done(&h);
}

/* Another request from the same port: the client gave up on the first (OVMF asks
 * for the size, aborts, asks again): the old session is replaced. */
TEST(tftp_sessions_different_request_replaces_the_session)
{
    setup();
    th_rrq(&h, 8400, "f", NULL, "tsize", "0", NULL);
    CHECK_EQ_INT(th_op(th_take(&h)), TFTP_OACK);
    th_rrq(&h, 8400, "f", NULL, "blksize", "1468", NULL);
    const struct th_pkt *p = th_take(&h);
    CHECK_EQ_INT(th_op(p), TFTP_OACK);
    CHECK_EQ_STR(th_oack_value(p, "blksize"), "1468");
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_SUPERSEDED], 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->started, 2);
    th_done(&h);
}

/* A packet to a transfer's port from another port: error 5 to it, the transfer
 * goes on; an ERROR from a stranger is not answered. */
TEST(tftp_sessions_strangers_get_error_5)
{
    setup();
    th_rrq(&h, 8500, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    uint8_t ack[4];
    tftp_put_header(ack, TFTP_ACK, 1);
    CHECK_EQ_INT(th_to_session(&h, 0, 8501, ack, 4), -EPERM);
    const struct th_pkt *p = th_expect_error(&h, TFTP_EBADID);
    CHECK_EQ_INT(p->peer.port, 8501);
    CHECK_EQ_INT(p->sid, 0);
    uint8_t err[] = {0, TFTP_ERROR, 0, 5, 0};
    CHECK_EQ_INT(th_to_session(&h, 0, 8501, err, sizeof err), -EPERM);
    CHECK_EQ_INT(th_pending(&h), 0);
    CHECK_EQ_INT(tftp_active(h.srv), 1);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->foreign_tid, 1);
    th_ack(&h, 0, 8500, 1);
    th_expect_data(&h, 0, 2, 512);
    /* Slots without a session, or out of range. */
    CHECK_EQ_INT(th_to_session(&h, 5, 8500, ack, 4), -ESRCH);
    CHECK_EQ_INT(th_to_session(&h, -1, 8500, ack, 4), -ESRCH);
    CHECK_EQ_INT(th_to_session(&h, TFTP_MAX_SESSIONS, 8500, ack, 4), -ESRCH);
    th_done(&h);
}

/* Destroying the server ends what is active, closing files and ports. */
TEST(tftp_sessions_destroy_closes_everything)
{
    setup();
    th_rrq(&h, 8600, "f", NULL, NULL);
    th_rrq(&h, 8601, "f", NULL, "tsize", "0", NULL);
    CHECK_EQ_INT(h.fr.open_handles, 2);
    th_done(&h);                        /* checks opens == closes and no open handle */
}

/* A file that cannot be read any more: error to the client, the session ends. */
TEST(tftp_sessions_read_errors_end_the_transfer)
{
    setup();
    h.fr.mappable = false;
    h.fr.fail_read_at = 1500;
    th_rrq(&h, 8700, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    th_ack(&h, 0, 8700, 1);
    th_expect_data(&h, 0, 2, 512);
    th_ack(&h, 0, 8700, 2);
    const struct th_pkt *p = th_expect_error(&h, TFTP_EUNDEF);
    CHECK_EQ_INT(p->sid, 0);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_READ_ERROR], 1);
    CHECK_EQ_INT(tftp_active(h.srv), 0);

    /* A file that shrank since it was opened is no short last block: an error. */
    h.fr.fail_read_at = UINT64_MAX;
    h.fr.shrink_to = 700;
    th_rrq(&h, 8701, "f", NULL, NULL);
    th_expect_data(&h, 0, 1, 512);
    th_ack(&h, 0, 8701, 1);
    th_expect_error(&h, TFTP_EUNDEF);
    CHECK_EQ_INT(tftp_get_stats(h.srv)->ends[TFTP_END_READ_ERROR], 2);
    th_done(&h);
}
