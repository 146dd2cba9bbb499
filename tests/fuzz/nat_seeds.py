#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_nat.c into tests/fuzz/corpus/fuzz_nat/:
a few short sessions, one idea per file, in the target's format (a capacity byte,
then records [ctl][step][len_hi][len_lo][packet]). Packets carry correct checksums, and ctl asks
the target to fix them again after mutation (bits 3 and 4).

    python3 tests/fuzz/nat_seeds.py
"""
import os
import struct

WAN, GA, GB, GC, GH = "203.0.113.2", "10.0.2.15", "10.0.2.16", "10.0.3.15", "192.168.56.101"
R1, R2, HOP = "198.51.100.7", "198.51.100.8", "192.0.2.1"
FIX = 0x18          # fix the IP and transport checksums after mutation
EXPIRE = 0x20
PARTIAL = 0x40      # the TCP/UDP checksum is partial (offload); FIX makes it so


def ip(a):
    return bytes(int(x) for x in a.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, src, dst, payload, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0, ttl, proto, 0,
                    ip(src), ip(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4(proto, src, dst, seg, off):
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, proto, len(seg)) if proto != 1 else b""
    c = csum(pseudo + seg)
    if proto == 17 and c == 0:
        c = 0xffff
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def tcp(src, sp, dst, dp, flags, seq=1, ack=0, data=b""):
    seg = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + data
    return ipv4(6, src, dst, l4(6, src, dst, seg, 16))


def udp(src, sp, dst, dp, data=b"hello"):
    seg = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    return ipv4(17, src, dst, l4(17, src, dst, seg, 6))


def echo(kind, src, dst, ident, seq=1, data=b"ping-data"):
    m = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + data
    return ipv4(1, src, dst, l4(1, src, dst, m, 2))


def icmp_err(kind, code, src, dst, quoted):
    m = struct.pack("!BBHI", kind, code, 0, 0) + quoted
    return ipv4(1, src, dst, l4(1, src, dst, m, 2))


def gre(src, dst):
    return ipv4(47, src, dst, struct.pack("!HH", 0, 0x0800) + b"\x45" + b"\0" * 19)


def rec(iface, pkt, step=1, ctl=FIX):
    return struct.pack("!BBH", ctl | iface, step, len(pkt)) + pkt


def config(what, step=1):
    return struct.pack("!BBH", 0xc0, step, 1) + bytes([what])


S = {}
S["tcp_session"] = b"".join([
    rec(1, tcp(GA, 40000, R1, 80, 0x02, 100)),
    rec(0, tcp(R1, 80, WAN, 40000, 0x12, 500, 101)),
    rec(1, tcp(GA, 40000, R1, 80, 0x10, 101, 501)),
    rec(1, tcp(GA, 40000, R1, 80, 0x18, 101, 501, b"GET / HTTP/1.0\r\n\r\n")),
    rec(0, tcp(R1, 80, WAN, 40000, 0x11, 501, 119)),
    rec(1, tcp(GA, 40000, R1, 80, 0x11, 119, 502)),
    rec(0, tcp(R1, 80, WAN, 40000, 0x10, 502, 120), ctl=FIX | EXPIRE),
    rec(1, tcp(GA, 40000, R1, 80, 0x02, 9000), step=250, ctl=FIX | EXPIRE),
])
S["tcp_collision_rst"] = b"".join([
    rec(1, tcp(GA, 40000, R1, 80, 0x02)),
    rec(1, tcp(GB, 40000, R1, 80, 0x02)),
    rec(2, tcp(GC, 40000, R1, 80, 0x02)),
    rec(0, tcp(R1, 80, WAN, 40000, 0x04)),
    rec(1, tcp(GA, 40000, R1, 80, 0x10, 5, 5), step=200, ctl=FIX | EXPIRE),
])
S["udp_and_port_unreachable"] = b"".join([
    rec(1, udp(GA, 5000, R1, 53)),
    rec(0, udp(R1, 53, WAN, 5000)),
    rec(0, icmp_err(3, 3, R1, WAN, udp(WAN, 5000, R1, 53))),
    rec(1, udp(GA, 5000, R1, 53), step=230, ctl=FIX | EXPIRE),
])
S["echo_and_traceroute"] = b"".join([
    rec(1, echo(8, GA, R1, 77)),
    rec(1, echo(8, GB, R1, 77)),
    rec(0, echo(0, R1, WAN, 77)),
    rec(0, icmp_err(11, 0, HOP, WAN, echo(8, WAN, R1, 77)[:28])),
    rec(1, udp(GA, 33434, R1, 33435, b""), ctl=FIX),
    rec(0, icmp_err(11, 0, HOP, WAN, udp(WAN, 33434, R1, 33435, b"")[:28])),
])
S["gre_two_guests"] = b"".join([
    rec(1, gre(GA, R1)), rec(0, gre(R1, WAN)), rec(1, gre(GB, R1)), rec(2, gre(GC, R2)),
    rec(0, icmp_err(3, 4, HOP, WAN, gre(WAN, R1)[:28])),
])
S["rules"] = b"".join([
    rec(0, tcp(R1, 50000, WAN, 2222, 0x02, 7)),
    rec(1, tcp(GA, 22, R1, 50000, 0x12, 90, 8)),
    rec(0, tcp(R1, 50000, WAN, 2222, 0x10, 8, 91)),
    rec(0, udp(R2, 4444, WAN, 5353)),
    rec(2, udp(GC, 53, R2, 4444)),
    rec(0, tcp(R2, 50001, WAN, 8080, 0x02, 7)),
    rec(2, icmp_err(3, 3, GC, R2, udp(R2, 4444, GC, 53))),
    config(3),
    rec(0, tcp(R1, 50000, WAN, 2222, 0x10, 9, 91)),
])
S["policy"] = b"".join([
    rec(1, udp(GA, 1, GC, 2)), rec(3, udp(GH, 1, R1, 2)), rec(0, udp(R1, 2, GA, 1)),
    rec(0, udp(R1, 2, GH, 1)), rec(1, udp("0.0.0.0", 68, "255.255.255.255", 67)),
    rec(1, udp("8.8.8.8", 1, R1, 2)), rec(1, ipv4(17, GA, R1, udp(GA, 1, R1, 2)[20:], ttl=1)),
    rec(1, udp(GA, 1, WAN, 2)), rec(5, udp(GA, 1, R1, 2)),
])
S["config_changes"] = b"".join([
    rec(1, udp(GA, 5000, R1, 53)), config(0), rec(1, udp(GA, 5000, R1, 53)), config(2),
    rec(1, udp(GA, 5000, R1, 53)), config(1), config(4), rec(1, udp(GA, 53, R1, 53)),
    config(5 + 0x40), rec(0, tcp(R1, 1, WAN, 8080, 0x02)),
])
S["partial_offload"] = b"".join([
    rec(1, tcp(GA, 40000, R1, 80, 0x02, 100), ctl=FIX | PARTIAL),
    rec(1, tcp(GB, 40000, R1, 80, 0x02, 100), ctl=FIX | PARTIAL),
    rec(0, tcp(R1, 80, WAN, 40000, 0x12, 500, 101), ctl=FIX | PARTIAL),
    rec(1, udp(GA, 5000, R1, 53, b"x" * 200), ctl=FIX | PARTIAL),
    rec(0, udp(R1, 53, WAN, 5000, b"y" * 300), ctl=FIX | PARTIAL),
])
S["malformed"] = b"".join([
    rec(1, tcp(GA, 1, R1, 2, 0x02)[:30], ctl=0),
    rec(0, b"\x45\x00\x00\x10" + b"\0" * 16, ctl=0x08),
    rec(1, b"\x46" + udp(GA, 1, R1, 2)[1:], ctl=0),
    rec(0, icmp_err(3, 3, R1, WAN, udp(WAN, 1, R1, 2)[:24])),
])

S["table_full"] = b"".join(
    [rec(1, udp(GA, 6000 + i, R1, 53)) for i in range(3)] +
    [rec(0, udp(R1, 53, WAN, 6000))] +
    [rec(1, udp(GB, 7000 + i, R2, 53)) for i in range(3)] +
    [rec(0, udp(R2, 53, WAN, 7000 + i)) for i in range(3)] +
    [rec(1, tcp(GC, 8000, R1, 80, 0x02))])
S["full_quote"] = b"".join([
    rec(1, tcp(GA, 40000, R1, 80, 0x02, 100)),
    rec(0, icmp_err(11, 0, HOP, WAN, tcp(WAN, 40000, R1, 80, 0x02, 100))),
    rec(1, udp(GA, 5000, R1, 53)),
    rec(0, icmp_err(3, 3, R1, WAN, udp(WAN, 5000, R1, 53))),
    config(4), config(4), rec(1, udp(GB, 5001, R1, 53)),
])
S["hairpin"] = b"".join([
    rec(2, tcp(GC, 40000, WAN, 2222, 0x02, 100)),
    rec(1, tcp(GA, 22, WAN, 40000, 0x12, 500, 101)),
    rec(2, tcp(GC, 40000, WAN, 2222, 0x10, 101, 501)),
    rec(1, tcp(GA, 22, WAN, 40000, 0x18, 501, 101, b"SSH-2.0-x\r\n")),
    rec(1, tcp(GB, 41000, WAN, 8080, 0x02, 7)),
    rec(1, tcp(GB, 80, WAN, 41000, 0x12, 90, 8)),
    rec(1, udp(GA, 5353, WAN, 5353)),
    rec(3, tcp(GH, 1, WAN, 2222, 0x02)),
    config(5 + 0x40), rec(1, tcp(GA, 42000, WAN, 8080, 0x02, 7)),
    config(3 + 6 * 0), rec(2, tcp(GC, 40000, WAN, 2222, 0x10, 101, 501)),
])
# The capacity byte: 4 flows for the table seeds, the most (32) for the others.
CAPACITY = {"table_full": 3}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_nat")
os.makedirs(here, exist_ok=True)
for name, data in S.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(bytes([CAPACITY.get(name, 31)]) + data)
print("wrote %d seeds to %s" % (len(S), here))
