/* The DNS message parser under the relay (net/dns_msg.c): names, compression
 * pointers, questions, record walks, and the messages the relay writes itself. */
#include "unit.h"
#include "dns_helpers.h"
#include "../../net/bytes.h"
#include "../../net/dns_msg.h"

#include <errno.h>
#include <string.h>

static uint8_t msg[DNS_TEST_MSG_MAX];

TEST(dns_msg_parses_a_query)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 0xbeef, "www.lab.test", 1, 0);
    static const uint8_t name[] = "\3www\3lab\4test";

    REQUIRE_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
    CHECK_EQ_INT(info.hdr.id, 0xbeef);
    CHECK_EQ_INT(info.hdr.flags, DNS_FLAG_RD);
    CHECK_EQ_INT(info.q.name_len, sizeof name);
    CHECK_MEM(info.q.name, name, sizeof name);
    CHECK_EQ_INT(info.q.qtype, 1);
    CHECK_EQ_INT(info.q.qclass, 1);
    CHECK_EQ_INT(info.q.off, DNS_HEADER_LEN);
    CHECK_EQ_INT(info.q.end, len);
    CHECK(info.records_walked);
    CHECK(!info.has_opt);
}

TEST(dns_msg_finds_the_opt_record_and_its_udp_size)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 28, 1232);

    REQUIRE_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
    CHECK(info.has_opt);
    CHECK_EQ_INT(info.opt_udp_size, 1232);
    CHECK_EQ_INT(info.q.qtype, 28);
}

TEST(dns_msg_follows_backward_pointers_in_records)
{
    uint8_t q[DNS_TEST_MSG_MAX];
    struct dns_msg_info info;
    size_t qlen = dns_build_query(q, 5, "www.lab.test", 1, 0);
    size_t len = dns_build_response(msg, q, qlen, 5, 3, 0xc0a85801);

    REQUIRE_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
    CHECK(info.records_walked);
    CHECK_EQ_INT(info.hdr.ancount, 3);

    /* The name of the first answer, read through its pointer, is the question's. */
    uint8_t name[DNS_NAME_MAX];
    uint16_t name_len;
    size_t end;
    REQUIRE_EQ_INT(dns_name_parse(msg, len, info.q.end, name, &name_len, &end), 0);
    CHECK_EQ_INT(end, info.q.end + 2);
    CHECK_EQ_INT(name_len, info.q.name_len);
    CHECK_MEM(name, info.q.name, name_len);
}

/* A response to "lab.test" whose one answer is named by the bytes `owner`. */
static size_t response_with_owner(const uint8_t *owner, size_t owner_len)
{
    uint8_t q[DNS_TEST_MSG_MAX];
    size_t qlen = dns_build_query(q, 9, "lab.test", 1, 0);
    size_t len = dns_build_response(msg, q, qlen, 9, 0, 0);
    put_be16(msg + 6, 1);
    memcpy(msg + len, owner, owner_len);
    len += owner_len;
    static const uint8_t rest[] = { 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 88, 1 };
    memcpy(msg + len, rest, sizeof rest);
    return len + sizeof rest;
}

TEST(dns_msg_refuses_pointer_loops_and_forward_pointers)
{
    struct dns_msg_info info;
    /* The question "lab.test" ends at 12 + 10 + 4 = 26; the answer's name at 26. */
    static const uint8_t to_itself[] = { 0xc0, 26 };
    static const uint8_t forward[] = { 0xc0, 40 };
    static const uint8_t into_header[] = { 0xc0, 4 };
    static const uint8_t label_then_back_to_itself[] = { 1, 'a', 0xc0, 26 };
    static const uint8_t past_end[] = { 0xc0 };
    static const uint8_t good[] = { 1, 'a', 0xc0, 12 };
    size_t len;

    len = response_with_owner(to_itself, sizeof to_itself);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
    len = response_with_owner(forward, sizeof forward);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
    len = response_with_owner(into_header, sizeof into_header);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
    len = response_with_owner(label_then_back_to_itself, sizeof label_then_back_to_itself);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
    len = response_with_owner(past_end, sizeof past_end);
    CHECK_EQ_INT(dns_msg_parse(msg, len - 14, true, &info), -EBADMSG);
    len = response_with_owner(good, sizeof good);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
}

TEST(dns_msg_refuses_a_loop_between_two_names)
{
    /* Two records whose names point at each other: a -> b -> a. The second points
     * backwards to the first, which points forwards: refused at the forward one. */
    uint8_t q[DNS_TEST_MSG_MAX];
    struct dns_msg_info info;
    size_t qlen = dns_build_query(q, 9, "lab.test", 1, 0);
    size_t len = dns_build_response(msg, q, qlen, 9, 0, 0);
    static const uint8_t rest[] = { 0, 1, 0, 1, 0, 0, 0, 60, 0, 0 };
    size_t first = len, second = len + 2 + sizeof rest;

    put_be16(msg + 6, 2);
    put_be16(msg + len, (uint16_t)(0xc000 | second));
    memcpy(msg + len + 2, rest, sizeof rest);
    put_be16(msg + second, (uint16_t)(0xc000 | first));
    memcpy(msg + second + 2, rest, sizeof rest);
    len = second + 2 + sizeof rest;
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
}

TEST(dns_msg_refuses_a_pointer_in_the_question)
{
    /* A question cannot point anywhere: before it there is only the header. */
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 0);
    msg[DNS_HEADER_LEN + 4] = 0xc0;
    msg[DNS_HEADER_LEN + 5] = DNS_HEADER_LEN;
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);
}

TEST(dns_msg_caps_pointer_chains)
{
    /* An opaque record holds a root name and 140 pointers, each to the one before;
     * a second record is named by one of them. Every hop points backwards, so only
     * the cap stops a long chain. */
    uint8_t q[DNS_TEST_MSG_MAX];
    struct dns_msg_info info;
    size_t qlen = dns_build_query(q, 9, "lab.test", 1, 0);
    size_t base = dns_build_response(msg, q, qlen, 9, 0, 0);
    static const uint8_t rr[] = { 0, 16, 0, 1, 0, 0, 0, 60 };
    size_t o = base;

    put_be16(msg + 6, 2);
    msg[o++] = 0;                                   /* first record: owner root, TXT */
    memcpy(msg + o, rr, sizeof rr);
    o += sizeof rr;
    put_be16(msg + o, 1 + 2 * 140);
    o += 2;
    size_t root = o;
    msg[o++] = 0;
    for (unsigned i = 0; i < 140; i++, o += 2)
        put_be16(msg + o, (uint16_t)(0xc000 | (i == 0 ? root : o - 2)));
    size_t second = o;
    memcpy(msg + second + 2, rr, sizeof rr);
    put_be16(msg + second + 2 + sizeof rr, 0);
    size_t len = second + 2 + sizeof rr + 2;

    /* Pointer k of the chain (k = 0 points at the root) is at root + 1 + 2k; naming
     * the record by pointer k costs 1 + (k + 1) hops. */
    put_be16(msg + second, (uint16_t)(0xc000 | (root + 1 + 2 * (DNS_POINTERS_MAX - 2))));
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
    put_be16(msg + second, (uint16_t)(0xc000 | (root + 1 + 2 * (DNS_POINTERS_MAX - 1))));
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
}

TEST(dns_msg_refuses_reserved_label_types_and_long_labels)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 0);

    msg[DNS_HEADER_LEN] = 0x43;                     /* 01xxxxxx: extended label */
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);
    msg[DNS_HEADER_LEN] = 0x83;                     /* 10xxxxxx: reserved */
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);

    char label[70];
    memset(label, 'a', 64);
    label[64] = '\0';
    len = dns_build_query(msg, 1, label, 1, 0);     /* 64 octets: too long */
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);
    label[63] = '\0';
    len = dns_build_query(msg, 1, label, 1, 0);
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), 0);
}

TEST(dns_msg_takes_names_up_to_255_octets)
{
    /* Four labels of 63 and one of n: 4 * 64 + (n + 1) + 1 octets in wire form. */
    struct dns_msg_info info;
    char name[300];
    size_t o = 0;
    for (int l = 0; l < 3; l++) {
        memset(name + o, 'x', 63);
        o += 63;
        name[o++] = '.';
    }
    memset(name + o, 'y', 61);                      /* 3 * 64 + 62 + 1 = 255 */
    name[o + 61] = '\0';
    size_t len = dns_build_query(msg, 1, name, 1, 0);
    REQUIRE_EQ_INT(dns_msg_parse(msg, len, true, &info), 0);
    CHECK_EQ_INT(info.q.name_len, 255);

    name[o + 61] = 'y';
    name[o + 62] = '\0';                            /* 256 */
    len = dns_build_query(msg, 1, name, 1, 0);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
}

TEST(dns_msg_wants_exactly_one_question)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 0);

    put_be16(msg + 4, 0);
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);
    put_be16(msg + 4, 2);
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), -EBADMSG);
    put_be16(msg + 4, 1);
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), 0);
}

TEST(dns_msg_wants_every_announced_record)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 4096);

    put_be16(msg + 6, 1);                           /* an answer that is not there */
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
    CHECK_EQ_INT(dns_msg_parse(msg, len, false, &info), 0);
    put_be16(msg + 6, 0);
    put_be16(msg + 10, 0xffff);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);
}

TEST(dns_msg_refuses_misplaced_or_repeated_opt)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 4096);
    size_t opt = len - 11;

    put_be16(msg + 6, 1);                           /* the OPT counted as an answer */
    put_be16(msg + 10, 0);
    CHECK_EQ_INT(dns_msg_parse(msg, len, true, &info), -EBADMSG);

    put_be16(msg + 6, 0);
    put_be16(msg + 10, 2);                          /* two of them */
    memcpy(msg + len, msg + opt, 11);
    CHECK_EQ_INT(dns_msg_parse(msg, len + 11, true, &info), -EBADMSG);

    put_be16(msg + 10, 1);                          /* owned by a name, not the root */
    memmove(msg + opt + 2, msg + opt + 1, 10);
    msg[opt] = 0xc0;
    msg[opt + 1] = DNS_HEADER_LEN;
    CHECK_EQ_INT(dns_msg_parse(msg, len + 1, true, &info), -EBADMSG);
}

TEST(dns_msg_refuses_every_truncation)
{
    uint8_t q[DNS_TEST_MSG_MAX];
    struct dns_msg_info info;
    size_t qlen = dns_build_query(q, 3, "www.lab.test", 1, 1232);
    size_t rlen = dns_build_response(msg, q, qlen, 3, 2, 0x0a000001);

    for (size_t l = 0; l < qlen; l++)
        CHECK_EQ_INT(dns_msg_parse(q, l, true, &info), -EBADMSG);
    for (size_t l = 0; l < rlen; l++)
        CHECK_EQ_INT(dns_msg_parse(msg, l, true, &info), -EBADMSG);
    CHECK_EQ_INT(dns_msg_parse(q, qlen, true, &info), 0);
    CHECK_EQ_INT(dns_msg_parse(msg, rlen, true, &info), 0);
}

TEST(dns_msg_tolerates_bytes_after_the_last_record)
{
    struct dns_msg_info info;
    size_t len = dns_build_query(msg, 1, "lab.test", 1, 0);
    memset(msg + len, 0xee, 7);
    CHECK_EQ_INT(dns_msg_parse(msg, len + 7, true, &info), 0);
}

TEST(dns_msg_compares_questions_without_case)
{
    struct dns_question a, b;
    uint8_t other[DNS_TEST_MSG_MAX];
    size_t la = dns_build_query(msg, 1, "WWW.Lab.test", 1, 0);
    size_t lb = dns_build_query(other, 2, "www.lab.TEST", 1, 0);

    REQUIRE_EQ_INT(dns_question_parse(msg, la, DNS_HEADER_LEN, &a), 0);
    REQUIRE_EQ_INT(dns_question_parse(other, lb, DNS_HEADER_LEN, &b), 0);
    CHECK(dns_question_equal(&a, &b));
    b.qtype = 28;
    CHECK(!dns_question_equal(&a, &b));
    b.qtype = 1;
    b.qclass = 3;
    CHECK(!dns_question_equal(&a, &b));
    lb = dns_build_query(other, 2, "www.lab.tesu", 1, 0);
    REQUIRE_EQ_INT(dns_question_parse(other, lb, DNS_HEADER_LEN, &b), 0);
    CHECK(!dns_question_equal(&a, &b));
    lb = dns_build_query(other, 2, "www.lab.test.x", 1, 0);
    REQUIRE_EQ_INT(dns_question_parse(other, lb, DNS_HEADER_LEN, &b), 0);
    CHECK(!dns_question_equal(&a, &b));
}

TEST(dns_msg_writes_an_error_answer_from_a_query)
{
    struct dns_msg_info q, r;
    uint8_t out[DNS_TEST_MSG_MAX];
    size_t len = dns_build_query(msg, 0x4242, "www.lab.test", 28, 1232);
    put_be16(msg + 2, DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD);

    REQUIRE_EQ_INT(dns_msg_parse(msg, len, true, &q), 0);
    size_t qlen = q.q.end - DNS_HEADER_LEN;
    size_t n = dns_msg_write_error(&q.hdr, msg + DNS_HEADER_LEN, qlen, DNS_RCODE_SERVFAIL,
                                   out, sizeof out);
    REQUIRE_EQ_INT(n, DNS_HEADER_LEN + qlen);
    REQUIRE_EQ_INT(dns_msg_parse(out, n, true, &r), 0);
    CHECK_EQ_INT(r.hdr.id, 0x4242);
    CHECK_EQ_INT(r.hdr.flags, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | DNS_FLAG_CD |
                              DNS_RCODE_SERVFAIL);
    CHECK_EQ_INT(r.hdr.ancount + r.hdr.nscount + r.hdr.arcount, 0);
    CHECK(dns_question_equal(&q.q, &r.q));
    CHECK_EQ_INT(dns_msg_write_error(&q.hdr, msg + DNS_HEADER_LEN, qlen, 2, out, n - 1), 0);
}

TEST(dns_msg_truncates_to_header_and_question)
{
    uint8_t q[DNS_TEST_MSG_MAX];
    struct dns_msg_info info;
    size_t qlen = dns_build_query(q, 3, "www.lab.test", 1, 0);
    size_t rlen = dns_build_response(msg, q, qlen, 3, 40, 0x0a000001);

    REQUIRE_EQ_INT(dns_msg_parse(msg, rlen, true, &info), 0);
    size_t cut = dns_msg_truncate(msg, info.q.end);
    CHECK_EQ_INT(cut, info.q.end);
    REQUIRE_EQ_INT(dns_msg_parse(msg, cut, true, &info), 0);
    CHECK(info.hdr.flags & DNS_FLAG_TC);
    CHECK(info.hdr.flags & DNS_FLAG_QR);
    CHECK_EQ_INT(info.hdr.ancount, 0);
}
