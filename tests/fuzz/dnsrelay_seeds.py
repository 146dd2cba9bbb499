#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_dnsrelay.c into
tests/fuzz/corpus/fuzz_dnsrelay/: a handful of event sequences that reach each of
the relay's paths (forward, answer, retry, SERVFAIL, NOTIMP, truncation, the
refusals), from which the fuzzer mutates. Run from the repository root; the files
are committed, so this only needs running when the event format changes."""
import os
import struct

OUT = "tests/fuzz/corpus/fuzz_dnsrelay"

# Event ops (see fuzz_dnsrelay.c).
QUERY, RESPONSE, STEERED, ECHO, TICK, SERVERS, WRAPPED_QUERY, FLUSH = range(8)


def event(op, arg=0, step=0, data=b""):
    return struct.pack(">BBH", op | arg << 3, step, len(data)) + data


def name(dotted):
    out = b""
    for label in dotted.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, qname, qtype=1, edns=0, opcode=0, qr=0, qdcount=1):
    flags = qr << 15 | opcode << 11 | 0x0100
    msg = struct.pack(">HHHHHH", qid, flags, qdcount, 0, 0, 1 if edns else 0)
    msg += name(qname) + struct.pack(">HH", qtype, 1)
    if edns:
        msg += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    return msg


def echo(k, ancount, step, records):
    """Turns the k-th recorded upstream query around with these answer records."""
    return event(ECHO, k << 2 | ancount, step, records)


def answer_a(addr):
    return struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + bytes(addr)


def answer_txt(size):
    rdata = bytes([255]) + b"x" * 255
    rdata = (rdata * (size // 256 + 1))[:size]
    return struct.pack(">HHHIH", 0xC00C, 16, 1, 60, len(rdata)) + rdata


def seeds():
    q = query(0x1234, "www.lab.test")
    yield "answer", event(QUERY, 0, 0, q) + echo(0, 1, 1, answer_a([192, 168, 88, 1]))
    yield "answer_edns_big", (event(QUERY, 1, 0, query(7, "big.lab.test", 16, edns=1232)) +
                              echo(0, 1, 1, answer_txt(700)))
    yield "answer_cut", (event(QUERY, 2, 0, query(8, "big.lab.test")) +
                         echo(0, 1, 1, answer_txt(700)))
    yield "two_clients_same_id", (event(QUERY, 0, 0, q) + event(QUERY, 2, 0, q) +
                                  echo(1, 1, 1, answer_a([1, 2, 3, 4])) +
                                  echo(0, 1, 1, answer_a([5, 6, 7, 8])))
    yield "retry_servfail", event(QUERY, 0, 0, q) + event(TICK, 0, 75) * 4
    yield "no_server", event(SERVERS, 0, 0) + event(QUERY, 3, 0, q)
    yield "notimp", event(QUERY, 0, 0, query(9, "lab.test", 6, opcode=5))
    yield "wrapped_query", event(WRAPPED_QUERY, 1, 0, struct.pack(">H", 77) + name("a.lab.test") +
                                 struct.pack(">HH", 28, 1))
    yield "steered_wrong_question", (event(QUERY, 0, 0, q) +
                                     event(STEERED, 0, 1, query(0, "www.lab.tesx", qr=1)))
    yield "stranger_and_port", (event(QUERY, 0, 0, q) + event(RESPONSE, 3, 1, query(0, "www.lab.test", qr=1)) +
                                event(RESPONSE, 0 | 4, 1, query(0, "www.lab.test", qr=1)))
    loop = bytearray(query(0x55, "lab.test"))
    loop[12:14] = b"\xc0\x0c"
    yield "compression_loop", event(QUERY, 0, 0, bytes(loop))
    question = name("lab.test") + struct.pack(">HH", 1, 1)
    yield "client_limit", b"".join(event(WRAPPED_QUERY, 2, 0, struct.pack(">H", i) + question)
                                   for i in range(130))
    yield "duplicate_and_flush", event(QUERY, 0, 0, q) + event(QUERY, 0, 10, q) + event(FLUSH)


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, data in seeds():
        with open(os.path.join(OUT, label), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
