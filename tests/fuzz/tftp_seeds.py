#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_tftp.c into tests/fuzz/corpus/fuzz_tftp/:
short scripts, one idea per file, in the target's format: a configuration byte
(bit 0: the root maps its bytes; bits 1-3: the link's payload), then steps, each an
opcode byte (its value mod 9) and its arguments (see the target's script reader).

    python3 tests/fuzz/tftp_seeds.py
"""
import os

OUT = os.path.join(os.path.dirname(__file__), "corpus", "fuzz_tftp")

# Indexes into the target's tables.
NAME = {"a": 0, "b": 1, "t.txt": 2, "e": 3, "boot/big": 4, "boot": 5, "../a": 6, "/a": 7}
MODE = {"octet": 0, "netascii": 1, "mail": 2}
OPT = {"blksize": 0, "windowsize": 1, "timeout": 2, "tsize": 3, "x-other": 4}
VAL = {"0": 0, "8": 1, "512": 3, "1432": 4, "1468": 5, "65464": 6, "1": 8, "4": 9, "64": 10,
       "65": 11, "256": 13, "abc": 14}


def request(peer, name, mode="octet", opts=(), wrq=False):
    what = NAME[name] | MODE[mode] << 4 | (0x80 if wrq else 0)
    b = bytes([1, peer, 0, what, len(opts)])
    for o, v in opts:
        b += bytes([OPT[o], VAL[v]])
    return b


def ack(sid, back=0):
    """An ACK from the session's client of the last block sent, less back."""
    return bytes([3, sid, back & 7])


def ack0(sid):
    return bytes([3, sid, 0])


def wait(t):
    return bytes([6, t])


def raw(peer, payload):
    return bytes([0, peer, 0, len(payload)]) + payload


SEEDS = {
    "ipxe": bytes([1]) + request(0, "a", opts=[("blksize", "1432"), ("tsize", "0")]) +
            ack0(0) + ack(0) * 3,
    "ovmf": bytes([1]) + request(1, "boot/big", opts=[("tsize", "0"), ("blksize", "1468")]) +
            bytes([5, 0, 0, 5, 0, 5, 0, 8, 0]) +       # the size query aborted by an ERROR
            request(2, "boot/big", opts=[("blksize", "1468"), ("windowsize", "4"), ("tsize", "0")]) +
            ack0(0) + ack(0) * 12,
    "netascii": bytes([0]) + request(3, "t.txt", "netascii", [("blksize", "8"), ("windowsize", "4")]) +
                ack0(0) + ack(0) * 5 + ack(0, 2) + ack(0),
    "whole_blocks": bytes([1]) + request(4, "b") + ack(0) * 3,
    "timeout": bytes([1]) + request(5, "a", opts=[("windowsize", "4")]) + ack0(0) + wait(250),
    "backoff": bytes([3]) + request(6, "a") + wait(100) + wait(200) + ack(0) + wait(210) + bytes([8]),
    "refusals": bytes([1]) + request(7, "../a") + request(8, "/a") + request(9, "boot") +
                request(10, "a", "mail") + request(11, "a", wrq=True) +
                request(12, "a", opts=[("blksize", "0")]) + request(13, "a", opts=[("timeout", "256")]),
    "garbage": bytes([1]) + raw(14, b"\x00\x01a") + raw(15, b"\x00\x04\x00\x01") +
               raw(16, b"\x00\x05\x00\x01x\x00") + raw(17, b"\x00\x01a\x00octet\x00tsize") +
               raw(18, b"\x00"),
    "many": bytes([1]) + b"".join(request(p, "e") for p in range(0, 256, 3)),
    "repeat": bytes([1]) + request(19, "a", opts=[("tsize", "0")]) * 2 +
              request(19, "a", opts=[("blksize", "512")]) + ack0(0) + ack(0) + request(19, "a"),
    "strangers": bytes([1]) + request(20, "a") + bytes([3, 0, 0x80]) + bytes([5, 0, 0x81, 4, 0, 1, 0, 2]),
    "glue_failures": bytes([1]) + bytes([7, 1]) + request(21, "a") + bytes([7, 3]) + request(22, "a") +
                     wait(150) + bytes([7, 2]) + wait(150) + bytes([7, 0x84]) + request(0x80, "a") +
                     bytes([7, 0x04]),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(SEEDS), OUT))
