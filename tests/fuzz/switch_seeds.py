#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_switch.c into tests/fuzz/corpus/fuzz_switch/:
a few sessions in the target's format ([nports][fdb][portlimit][port bytes][records],
records [ctl][step][len_hi][len_lo][frame]), one idea per file.

    python3 tests/fuzz/switch_seeds.py
"""
import os
import struct

BCAST = b"\xff" * 6
MAP = 0x80          # map the MACs onto the target's stations
LEND = 0x08
FACTS = 0x40


def mac(n):
    return bytes([0x52, 0, 0, 0, 0, n])


def frame(dst, src, tci=None, plen=46, ethertype=0x0800):
    tag = struct.pack("!HH", 0x8100, tci) if tci is not None else b""
    return dst + src + tag + struct.pack("!H", ethertype) + bytes(i & 0xff for i in range(plen))


def rec(ctl, frame, step=0):
    return struct.pack("!BBH", ctl, step, len(frame)) + frame


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp_frame(dst, src, plen):
    """Ethernet + IPv4 + TCP with the pseudo-header sum in the TCP checksum (offload)."""
    tcp_len = 20 + plen
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, 0x1234, 0, 64, 6, 0,
                      bytes([10, 0, 9, 15]), bytes([10, 0, 9, 16]))
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    s = 0x0a00 + 0x090f + 0x0a00 + 0x0910 + 6 + tcp_len
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    tcp = struct.pack("!HHIIBBHHH", 40000, 5001, 1000, 1, 5 << 4, 0x18, 65535, s, 0)
    return dst + src + b"\x08\x00" + iph + tcp + bytes((i * 7 + 3) & 0xff for i in range(plen))


def facts(flags, gso_type, gso_size, start, offset):
    return struct.pack("!BBHHH", flags, gso_type, gso_size, start, offset)


# 4 ports: access 1, access 1, trunk 2,3 native 1, endpoint access 1.
LAB = bytes([4, 32, 8, 0x00, 0x00, 0x61, 0x03])
# 5 ports: access 2, access 3, trunk 2,3,4 without native, trunk 1-4 native 2, access 2.
VLANS = bytes([5, 48, 16, 0x04, 0x08, 0xe2, 0xf5, 0x04])

SEEDS = {
    "learn_and_hit": LAB + rec(MAP, frame(BCAST, mac(1))) + rec(MAP, frame(mac(1), mac(2)) , 1)
    + rec(MAP | 1, frame(mac(1), mac(2))) + rec(MAP, frame(mac(2), mac(1))),
    "move": LAB + rec(MAP, frame(BCAST, mac(1))) + rec(MAP | 1, frame(BCAST, mac(1))),
    "trunk_tagged": LAB + rec(2, frame(BCAST, mac(3), tci=2)) + rec(2, frame(BCAST, mac(3), tci=0xa003))
    + rec(2, frame(BCAST, mac(3))),
    "priority_tag": LAB + rec(0, frame(BCAST, mac(4), tci=0x6000)),
    "bad_tags": LAB + rec(2, frame(BCAST, mac(3), tci=0xfff)) + rec(2, frame(BCAST, mac(3), tci=2)[:16]),
    "vlans": VLANS + rec(0, frame(BCAST, mac(1))) + rec(1, frame(BCAST, mac(2))) + rec(2, frame(BCAST, mac(3), tci=4))
    + rec(3, frame(BCAST, mac(5))) + rec(2, frame(BCAST, mac(3))),
    "endpoint": LAB + rec(MAP, frame(b"\x02\xee\x00\x00\x00\x03", mac(1))) + rec(3, frame(mac(1), b"\x02\xee\x00\x00\x00\x03"))
    + rec(1, frame(BCAST, b"\x02\xee\x00\x00\x00\x03")),
    "gso": LAB + rec(MAP, frame(BCAST, mac(2)))
    + rec(FACTS | LEND, facts(1, 1, 1000, 34, 16) + tcp_frame(mac(2), mac(1), 4000))
    + rec(FACTS | LEND | 1, facts(1, 1, 1000, 34, 16) + tcp_frame(BCAST, mac(2), 3000)),
    "partial_csum": LAB + rec(FACTS, facts(1, 0, 0, 34, 16) + tcp_frame(BCAST, mac(1), 500))
    + rec(FACTS | 0x10, facts(1, 0, 0, 34, 16) + tcp_frame(BCAST, mac(1), 500)),
    "aging": LAB + rec(MAP, frame(BCAST, mac(1))) + rec(MAP | 0x20, frame(mac(1), mac(2)), 8)
    + rec(MAP | 1, frame(mac(1), mac(2))),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_switch")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
