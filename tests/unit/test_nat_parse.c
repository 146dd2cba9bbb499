/* The NAT parser on its own: the fields it finds, every check it makes on
 * untrusted lengths, and the quoted packet of ICMP errors. nat_process() on the
 * same packets is in test_nat_malformed.c. */
#include "net/bytes.h"
#include "net/nat_parse.h"
#include "pkt_builder.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static uint8_t b[PB_MAX], q[PB_MAX];
static struct nat_pkt p;

#define A IP4(10, 0, 2, 15)
#define R IP4(198, 51, 100, 7)

TEST(nat_parse_tcp_fields)
{
    size_t n = pb_tcp(b, A, 40000, R, 80, NAT_TCP_SYN | NAT_TCP_ACK, 1000, 2000, 5);

    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK_EQ_INT(p.ip.src, A);
    CHECK_EQ_INT(p.ip.dst, R);
    CHECK_EQ_INT(p.ip.proto, NAT_PROTO_TCP);
    CHECK_EQ_INT(p.ip.ttl, 64);
    CHECK_EQ_INT(p.l4.sport, 40000);
    CHECK_EQ_INT(p.l4.dport, 80);
    CHECK(p.l4.sport_p == b + 20 && p.l4.dport_p == b + 22 && p.l4.csum_p == b + 36);
    CHECK(p.l4.csum_pseudo && !p.l4.csum_optional && p.l4.tracked);
    CHECK_EQ_INT(p.tcp_flags, NAT_TCP_SYN | NAT_TCP_ACK);
    CHECK_EQ_INT(p.tcp_seq, 1000);
    CHECK_EQ_INT(p.tcp_ack, 2000);
    CHECK_EQ_INT(p.tcp_payload, 5);
    CHECK_EQ_INT(p.tot_len, n);
}

TEST(nat_parse_udp_echo_and_other_protocols)
{
    size_t n = pb_udp(b, A, 5353, R, 53, 10);

    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK_EQ_INT(p.l4.sport, 5353);
    CHECK(p.l4.csum_p == b + 26 && p.l4.csum_optional && p.l4.csum_pseudo);

    /* An echo request's identifier is its source "port", a reply's the destination. */
    n = pb_icmp_echo(b, NAT_ICMP_ECHO_REQUEST, A, R, 0x4242, 1, 56);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.l4.tracked && !p.icmp_error && !p.l4.csum_pseudo);
    CHECK_EQ_INT(p.l4.sport, 0x4242);
    CHECK_EQ_INT(p.l4.dport, 0);
    CHECK(p.l4.sport_p == b + 24 && p.l4.dport_p == NULL);
    n = pb_icmp_echo(b, NAT_ICMP_ECHO_REPLY, R, A, 0x4242, 1, 56);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK_EQ_INT(p.l4.sport, 0);
    CHECK_EQ_INT(p.l4.dport, 0x4242);
    CHECK(p.l4.sport_p == NULL && p.l4.dport_p == b + 24);

    /* Timestamps and the like: parsed, not tracked. */
    b[20] = 13;
    pb_fix_ip_csum(b);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(!p.l4.tracked && !p.icmp_error);

    n = pb_gre(b, A, R, 40);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.l4.tracked);
    CHECK(p.l4.sport_p == NULL && p.l4.dport_p == NULL && p.l4.csum_p == NULL);
    CHECK_EQ_INT(p.ip.proto, 47);
}

TEST(nat_parse_options_and_padding)
{
    uint8_t t[20] = {0x9c, 0x40, 0x00, 0x50};
    size_t n;

    t[12] = 5 << 4;
    n = pb_ip(b, 6, A, R, 12, t, sizeof t);
    REQUIRE_EQ_INT(n, 52);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.l4.sport_p == b + 32);
    CHECK_EQ_INT(p.l4.sport, 40000);
    /* Bytes after the total length (Ethernet padding) are not the packet's. */
    REQUIRE_EQ_INT(nat_parse(&p, b, n + 8), NAT_PARSE_OK);
    CHECK_EQ_INT(p.tot_len, n);
}

TEST(nat_parse_ip_header_checks)
{
    size_t n = pb_udp(b, A, 1, R, 2, 4);

    CHECK_EQ_INT(nat_parse(&p, b, 19), NAT_PARSE_MALFORMED);    /* truncated header */
    b[0] = 0x65;                                                /* version 6 */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    b[0] = 0x44;                                                /* IHL 4 */
    pb_fix_ip_csum(b);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    b[0] = 0x4f;                                                /* IHL 15: past the end */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    b[0] = 0x45;
    put_be16(b + 2, (uint16_t)(n + 1));                         /* total length > len */
    pb_fix_ip_csum(b);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    put_be16(b + 2, 19);                                        /* total length < IHL*4 */
    pb_fix_ip_csum(b);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    put_be16(b + 2, (uint16_t)n);
    pb_fix_ip_csum(b);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    b[10] ^= 1;                                                 /* header checksum */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
}

TEST(nat_parse_fragments)
{
    size_t n = pb_udp(b, A, 1, R, 2, 4);

    pb_set_frag(b, 0x2000);             /* first fragment: MF */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_FRAGMENT);
    pb_set_frag(b, 0x00b9);             /* last fragment: an offset */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_FRAGMENT);
    CHECK_EQ_INT(p.ip.src, A);
    pb_set_frag(b, 0x4000);             /* DF only: whole */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
}

TEST(nat_parse_transport_minimums)
{
    uint8_t t[40] = {0};
    size_t n;

    n = pb_ip(b, 6, A, R, 0, t, 19);                    /* TCP header cut */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    t[12] = 4 << 4;                                     /* data offset 4 */
    n = pb_ip(b, 6, A, R, 0, t, 20);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    t[12] = 6 << 4;                                     /* options past the end */
    n = pb_ip(b, 6, A, R, 0, t, 20);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    n = pb_ip(b, 6, A, R, 0, t, 24);                    /* ... that fit */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK_EQ_INT(p.tcp_payload, 0);

    memset(t, 0, sizeof t);
    n = pb_ip(b, 17, A, R, 0, t, 7);                    /* UDP header cut */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    put_be16(t + 4, 7);                                 /* UDP length < 8 */
    n = pb_ip(b, 17, A, R, 0, t, 8);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    put_be16(t + 4, 13);                                /* UDP length > what is there */
    n = pb_ip(b, 17, A, R, 0, t, 12);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    put_be16(t + 4, 10);                                /* shorter: the rest is padding */
    n = pb_ip(b, 17, A, R, 0, t, 12);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);

    memset(t, 0, sizeof t);
    t[0] = NAT_ICMP_ECHO_REQUEST;
    n = pb_ip(b, 1, A, R, 0, t, 7);                     /* ICMP header cut */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    n = pb_ip(b, 1, A, R, 0, t, 8);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
}

TEST(nat_parse_icmp_error_quote)
{
    size_t qn = pb_udp(q, IP4(203, 0, 113, 2), 5000, R, 53, 20);
    size_t n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, qn);

    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.icmp_error);
    CHECK_EQ_INT(p.icmp_type, 3);
    CHECK(p.l4.csum_p == b + 22 && p.l4.sport_p == NULL && p.l4.dport_p == NULL);
    CHECK(p.inner.hdr == b + 28);
    CHECK_EQ_INT(p.inner.src, IP4(203, 0, 113, 2));
    CHECK_EQ_INT(p.inner.dst, R);
    CHECK_EQ_INT(p.inner_l4.sport, 5000);
    CHECK_EQ_INT(p.inner_l4.dport, 53);
    CHECK(p.inner_l4.csum_p == b + 54 && p.inner_l4.tracked);

    /* The usual 8-byte TCP quote stops before the TCP checksum. */
    qn = pb_tcp(q, IP4(203, 0, 113, 2), 5000, R, 80, NAT_TCP_SYN, 1, 0, 0);
    n = pb_icmp_error(b, 11, 0, IP4(192, 0, 2, 1), IP4(203, 0, 113, 2), q, 28);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.inner_l4.csum_p == NULL && p.inner_l4.sport_p == b + 48);
    n = pb_icmp_error(b, 11, 0, IP4(192, 0, 2, 1), IP4(203, 0, 113, 2), q, 38);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(p.inner_l4.csum_p == b + 64);

    /* An echo request quoted by a time exceeded (traceroute -I). */
    qn = pb_icmp_echo(q, NAT_ICMP_ECHO_REQUEST, IP4(203, 0, 113, 2), R, 77, 1, 32);
    n = pb_icmp_error(b, 11, 0, IP4(192, 0, 2, 1), IP4(203, 0, 113, 2), q, qn);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK_EQ_INT(p.inner_l4.sport, 77);
    CHECK(p.inner_l4.tracked && p.inner_l4.csum_p == b + 50);

    /* An error about an error: parsed, not tracked. */
    memcpy(q, b, n);
    n = pb_icmp_error(b, 3, 1, R, IP4(203, 0, 113, 2), q, 60);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(!p.inner_l4.tracked);
}

TEST(nat_parse_icmp_error_quote_checks)
{
    size_t qn = pb_udp(q, IP4(203, 0, 113, 2), 5000, R, 53, 20);
    size_t n;

    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 27);     /* 7 bytes of UDP */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 19);     /* IP header cut */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 0);      /* nothing quoted */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    q[0] = 0x44;                                                    /* quoted IHL 4 */
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, qn);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    q[0] = 0x46;                                                    /* IHL 6: 24 + 8 > 28 */
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 28);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    q[0] = 0x65;                                                    /* quoted version 6 */
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 28);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    q[0] = 0x45;
    put_be16(q + 6, 0x0010);                                        /* quoted non-first fragment */
    pb_fix_ip_csum(q);
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, 28);
    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    CHECK(!p.inner_l4.tracked && p.inner_l4.sport_p == NULL);
}

/* RFC 5508 REQ-3 and 3a (SHOULD): an error whose ICMP checksum or whose quoted IP
 * header checksum fails is not translated. */
TEST(nat_parse_icmp_error_checksums_checked)
{
    size_t qn = pb_udp(q, IP4(203, 0, 113, 2), 5000, R, 53, 20);
    size_t n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, qn);

    REQUIRE_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_OK);
    b[20 + 2] ^= 1;                                                 /* the ICMP checksum */
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
    q[10] ^= 1;                                                     /* the quote's header */
    n = pb_icmp_error(b, 3, 3, R, IP4(203, 0, 113, 2), q, qn);
    CHECK_EQ_INT(nat_parse(&p, b, n), NAT_PARSE_MALFORMED);
}

/* Every packet kind at every length up to its own, each in a buffer of exactly
 * that many bytes so that AddressSanitizer sees any read past it. */
TEST(nat_parse_never_reads_past_len)
{
    uint8_t pk[8][PB_MAX];
    size_t len[8], qn;
    unsigned k = 0;

    len[k] = pb_tcp(pk[k], A, 1, R, 2, NAT_TCP_SYN, 1, 0, 3), k++;
    len[k] = pb_udp(pk[k], A, 1, R, 2, 3), k++;
    len[k] = pb_icmp_echo(pk[k], 8, A, R, 1, 1, 3), k++;
    len[k] = pb_gre(pk[k], A, R, 3), k++;
    qn = pb_tcp(q, R, 2, A, 1, NAT_TCP_SYN, 1, 0, 0);
    len[k] = pb_icmp_error(pk[k], 3, 3, A, R, q, qn), k++;
    qn = pb_udp(q, R, 2, A, 1, 0);
    len[k] = pb_icmp_error(pk[k], 11, 0, A, R, q, qn), k++;
    qn = pb_icmp_echo(q, 8, R, A, 1, 1, 0);
    len[k] = pb_icmp_error(pk[k], 12, 0, A, R, q, qn), k++;
    len[k] = pb_ip(pk[k], 6, A, R, 40, NULL, 0), k++;

    for (unsigned i = 0; i < k; i++) {
        for (size_t l = 0; l <= len[i]; l++) {
            uint8_t *copy = malloc(l ? l : 1);
            memcpy(copy, pk[i], l);
            /* Shortening the buffer alone is caught by the total length; shortening
             * the total length with it exercises every header check. */
            (void)nat_parse(&p, copy, l);
            if (l >= (size_t)(pk[i][0] & 0x0f) * 4) {
                put_be16(copy + 2, (uint16_t)l);
                pb_fix_ip_csum(copy);
                (void)nat_parse(&p, copy, l);
            }
            free(copy);
        }
    }
    CHECK(k == 8);
}
