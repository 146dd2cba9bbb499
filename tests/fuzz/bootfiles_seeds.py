#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/fuzz_cpio.c and fuzz_p9.c into
tests/fuzz/corpus/fuzz_cpio/ and fuzz_p9/: small inputs, one idea each.

fuzz_cpio: newc archives (as tools/mkinitrd writes them, the 070702 variant,
two archives concatenated, links and devices, duplicate names, hard links).
fuzz_p9: reply sessions in the target's record format [len_lo][len_hi][flags][reply],
flags 3 = fix the size field and the tag, 4 = the transport fails.

    python3 tests/fuzz/bootfiles_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- cpio ------------------------------------------------------------------

def entry(name, data=b"", mode=0o100644, ino=1, nlink=1, crc=False, pos=0):
    name_b = name.encode() + b"\0"
    check = sum(data) & 0xFFFFFFFF if crc else 0
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), check]
    out = (b"070702" if crc else b"070701") + b"".join(b"%08X" % f for f in fields) + name_b
    out += b"\0" * (-(pos + len(out)) % 4)
    out += data
    out += b"\0" * (-(pos + len(out)) % 4)
    return out


def archive(entries, crc=False, pad512=False):
    out = b""
    for i, e in enumerate(entries):
        name, data, mode = (e + (0o100644,))[:3] if len(e) < 3 else e
        out += entry(name, data, mode, ino=i + 1, nlink=2 if mode & 0o040000 else 1, crc=crc, pos=len(out))
    out += entry("TRAILER!!!", pos=len(out), ino=0)
    if pad512:
        out += b"\0" * (-len(out) % 512)
    return out


CPIO = {
    "mkinitrd": archive([("tftp", b"", 0o040755), ("tftp/boot.ipxe", b"#!ipxe\nchain x\n"),
                         ("tftp/pxelinux.0", b"PXE"), ("vmgate.conf", b"nic1 nat\n")], pad512=True),
    "crc": archive([("tftp/a", b"\xff\x01\x02"), ("tftp/b", b"")], crc=True),
    "special": archive([("tftp/link", b"target", 0o120777), ("dev/console", b"", 0o020600),
                        ("./tftp/x", b"x"), ("/tftp/y", b"y"), ("a//b", b"z")]),
    "duplicates": archive([("tftp/f", b"old"), ("tftp/f", b"new"), ("tftp", b"", 0o040755)]),
    "empty": archive([]),
}
CPIO["concatenated"] = CPIO["mkinitrd"] + archive([("vmgate.conf", b"nic2 nat\n")])
hard = entry("tftp/one", b"", 0o100644, ino=9, nlink=2)
hard += entry("tftp/two", b"data", 0o100644, ino=9, nlink=2, pos=len(hard))
hard += entry("TRAILER!!!", pos=len(hard), ino=0)
CPIO["hardlinks"] = hard


# ---- 9P replies -------------------------------------------------------------

def msg(type_, body, tag=0):
    return struct.pack("<IBH", 7 + len(body), type_, tag) + body


def s9(text):
    return struct.pack("<H", len(text)) + text.encode()


def qid(type_=0, path=1):
    return struct.pack("<BIQ", type_, 0, path)


def rec(reply, flags=3):
    return struct.pack("<HB", len(reply), flags) + reply


def rversion(msize=8192, v="9P2000.L"):
    return rec(msg(101, struct.pack("<I", msize) + s9(v), 0xFFFF))


def rattach():
    return rec(msg(105, qid(0x80, 1)))


def rwalk(n, dir_last=False):
    return rec(msg(111, struct.pack("<H", n) + b"".join(
        qid(0x80 if (i < n - 1 or dir_last) else 0, 10 + i) for i in range(n))))


def rgetattr(mode=0o100644, size=3000):
    body = struct.pack("<Q", 0x7FF) + qid(0x80 if mode & 0o040000 else 0, 5)
    body += struct.pack("<III", mode, 0, 0) + struct.pack("<QQQ", 1, 0, size) + b"\0" * 96
    return rec(msg(25, body))


def rlopen():
    return rec(msg(13, qid(0, 5) + struct.pack("<I", 0)))


def rread(data):
    return rec(msg(117, struct.pack("<I", len(data)) + data))


def rclunk():
    return rec(msg(121, b""))


def rlerror(e):
    return rec(msg(7, struct.pack("<I", e)))


def dirent(name, type_, off, qt=0):
    return qid(qt, off) + struct.pack("<QB", off, type_) + s9(name)


def rreaddir(entries):
    data = b"".join(entries)
    return rec(msg(41, struct.pack("<I", len(data)) + data))


FILE = bytes((i * 7) & 0xFF for i in range(3000))
P9 = {
    "session": rversion() + rattach()
    + rwalk(1) + rgetattr() + rlopen()                        # open pxelinux.0
    + rwalk(16, True) + rwalk(3) + rgetattr(size=10) + rlopen()   # the deep path
    + rread(FILE)                                              # read-ahead fill
    + rread(FILE)                                              # direct read
    + rwalk(0, True) + rlopen()                                # list: the root
    + rreaddir([dirent(".", 4, 1, 0x80), dirent("..", 4, 2, 0x80), dirent("pxelinux.0", 8, 3),
                dirent("sub", 4, 4, 0x80)])
    + rwalk(1) + rgetattr() + rclunk()                          # pxelinux.0's size
    + rwalk(1, True) + rlopen() + rreaddir([]) + rclunk()       # sub/
    + rreaddir([]) + rclunk()
    + rclunk() + rclunk(),
    "attach_refused": rversion() + rlerror(13),
    "unknown_version": rversion(v="unknown"),
    "small_msize": rversion(msize=4096) + rattach() + rwalk(1) + rgetattr(size=9000) + rlopen()
    + rread(FILE[:4085]) + rread(FILE[:4085]),
    "partial_walk": rversion() + rattach() + rwalk(0) + rlerror(2),
    "directory": rversion() + rattach() + rwalk(1) + rgetattr(mode=0o040755) + rclunk(),
    "timeout": rversion() + rattach() + struct.pack("<HB", 0, 4),
    "read_error": rversion() + rattach() + rwalk(1) + rgetattr() + rlopen() + rlerror(5),
}

# Single replies, not sessions: for the parsers run on the whole input.
P9.update({
    "raw_rread": msg(117, struct.pack("<I", 8) + b"12345678" + bytes(40), 1),
    "raw_rwalk": msg(111, struct.pack("<H", 2) + qid(0x80, 1) + qid(0, 2), 1),
    "raw_rgetattr": rgetattr()[3:],
    "raw_rreaddir": rreaddir([dirent("a", 8, 1), dirent("bb", 4, 2, 0x80)])[3:],
    "raw_rlerror": msg(7, struct.pack("<I", 2), 1),
})


def main():
    for target, seeds in (("fuzz_cpio", CPIO), ("fuzz_p9", P9)):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{d}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
