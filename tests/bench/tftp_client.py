#!/usr/bin/env python3
"""A TFTP read client with the options a server is measured by: blksize (RFC 2348),
tsize (RFC 2349) and windowsize (RFC 7440), for the benchmark's TFTP table.

It runs on the host, inside the bench namespace, as a client on the guests' LAN, so
that the figure is the server's (and the link's): the host's CPU is not emulated,
and per packet this client costs microseconds where a TCG guest's stack costs tens.

    tftp_client.py SERVER FILE [--blksize N] [--windowsize N] [--timeout S] [--bind ADDR]

prints one JSON object: bytes, seconds (from the request to the last block), MB/s,
sha256 of what arrived, the options the server's OACK granted (none: {} and the
server used RFC 1350's 512-byte blocks and a window of 1), the effective blksize
and windowsize, timeouts (our waits that ran out) and out-of-order blocks.

The receiver's side of RFC 7440: the server sends `windowsize` blocks, we ACK the
last of each window (or the last, short block); a block out of order (one lost
before it) is answered once per gap with an ACK of the last block received in
order, so the server goes back there; when nothing comes for the timeout we ACK
that block again (or send the request again before any reply). Block numbers roll
over at 65535 to 0 (what vmgate does, and tftp-hpa's default).
"""
import argparse
import hashlib
import json
import socket
import struct
import sys
import time

RRQ, DATA, ACK, ERROR, OACK = 1, 3, 4, 5, 6


def request(name, opts):
    out = struct.pack("!H", RRQ) + name.encode() + b"\0octet\0"
    for k, v in opts.items():
        out += k.encode() + b"\0" + str(v).encode() + b"\0"
    return out


def parse_oack(payload):
    parts = payload.split(b"\0")
    return {parts[i].decode(errors="replace").lower(): parts[i + 1].decode(errors="replace")
            for i in range(0, len(parts) - 1, 2) if parts[i]}


def fetch(server, name, blksize, windowsize, timeout, bind, retries=8):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((bind, 0))
    s.settimeout(timeout)
    opts = {"tsize": 0}
    if blksize:
        opts["blksize"] = blksize
    if windowsize:
        opts["windowsize"] = windowsize
    rrq = request(name, opts)
    t0 = time.monotonic()
    s.sendto(rrq, (server, 69))
    tid = None
    granted = {}
    blk, win = 512, 1
    expected, acked = 1, 0          # next block wanted; blocks ACKed so far (in order)
    got = 0                          # blocks received in order since the last ACK
    h = hashlib.sha256()
    size = 0
    timeouts = out_of_order = 0
    gap_answered = False
    last_ack = None
    waits = 0
    while True:
        try:
            pkt, peer = s.recvfrom(65536)
        except socket.timeout:
            timeouts += 1
            waits += 1
            if waits > retries:
                raise SystemExit(json.dumps({"error": f"no answer after {retries} timeouts",
                                             "bytes": size}))
            if tid is None:
                s.sendto(rrq, (server, 69))
            elif last_ack is not None:
                s.sendto(last_ack, tid)
            continue
        if tid is None:
            if peer[0] != server:
                continue
            tid = peer
        elif peer != tid:
            continue                 # another TID: not ours (RFC 1350 would send an error)
        waits = 0
        if len(pkt) < 4:
            continue
        op = struct.unpack_from("!H", pkt)[0]
        if op == ERROR:
            code = struct.unpack_from("!H", pkt, 2)[0]
            msg = pkt[4:].split(b"\0")[0].decode(errors="replace")
            raise SystemExit(json.dumps({"error": f"TFTP error {code}: {msg}"}))
        if op == OACK and expected == 1 and not granted:
            granted = parse_oack(pkt[2:])
            blk = int(granted.get("blksize", 512))
            win = int(granted.get("windowsize", 1))
            last_ack = struct.pack("!HH", ACK, 0)
            s.sendto(last_ack, tid)
            continue
        if op != DATA:
            continue
        block = struct.unpack_from("!H", pkt, 2)[0]
        if block != expected & 0xffff:
            out_of_order += 1
            if not gap_answered and last_ack is not None:
                s.sendto(last_ack, tid)
                gap_answered = True
            continue
        data = pkt[4:]
        h.update(data)
        size += len(data)
        expected += 1
        got += 1
        gap_answered = False
        last = len(data) < blk
        if got == win or last:
            last_ack = struct.pack("!HH", ACK, block)
            s.sendto(last_ack, tid)
            acked, got = expected - 1, 0
        if last:
            break
    secs = time.monotonic() - t0
    return {"bytes": size, "seconds": round(secs, 4), "MB/s": round(size / secs / 1e6, 3),
            "sha256": h.hexdigest(), "oack": granted, "blksize": blk, "windowsize": win,
            "timeouts": timeouts, "out_of_order": out_of_order, "blocks": acked}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("file")
    ap.add_argument("--blksize", type=int, default=0)
    ap.add_argument("--windowsize", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--bind", default="0.0.0.0")
    a = ap.parse_args()
    print(json.dumps(fetch(a.server, a.file, a.blksize, a.windowsize, a.timeout, a.bind)))


if __name__ == "__main__":
    sys.exit(main())
