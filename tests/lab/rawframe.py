#!/usr/bin/env python3
"""Hand-made frames for lab tests that must send what no well-behaved stack sends:
forged RSTs, broken fragments, offload facts a guest chooses (a virtio-net header in
front of the frame, which a packet socket with PACKET_VNET_HDR hands to a tap device,
and QEMU to vmgate, as they are).

As a library (imported by tests, runs on the host):
    frame = eth(dst_mac, src_mac, ipv4(src, dst, 6, tcp(...)))
As a program (run inside a lab namespace, where the interfaces are):
    rawframe.py send IFACE FRAMEHEX [VNETHEX]     one frame (with a virtio-net header)
    rawframe.py sendip DST PACKETHEX              one IPv4 packet through the routing table
    rawframe.py sniff IFACE SECONDS               every IPv4 frame seen: "<hex> <partial>",
                                                  partial 1 when its checksum is still to be
                                                  completed (the kernel's CSUMNOTREADY)

Only stdlib; addresses are dotted strings, MACs "52:54:00:..".
"""
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_VNET_HDR = 15
TP_STATUS_CSUMNOTREADY = 8


def csum(data):
    """RFC 1071: the complement of the one's complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, tot_len=None, bad_csum=False):
    """An IPv4 header (no options) before payload; frag is the flags-and-offset word;
    tot_len overrides the total length field (to lie about it)."""
    length = 20 + len(payload) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(h) ^ (0x5a5a if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def pseudo(src, dst, proto, length):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, length)


def tcp(src, sport, dst, dport, flags, seq=0, ack=0, win=65535, payload=b"", partial=False):
    """A TCP segment with its checksum complete, or (partial) holding only the folded
    pseudo-header sum, as a sender with checksum offload leaves it."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, win, 0, 0)
    seg = hdr + payload
    if partial:
        c = ~csum(pseudo(src, dst, 6, len(seg))) & 0xffff
    else:
        c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, sport, dst, dport, payload=b""):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(src, dst, 17, len(seg)) + seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def eth(dst_mac, src_mac, payload, ethertype=0x0800):
    return mac(dst_mac) + mac(src_mac) + struct.pack("!H", ethertype) + payload


def vnet(flags=0, gso_type=0, gso_size=0, csum_start=0, csum_offset=0, hdr_len=0):
    """A virtio-net header (the 10-byte legacy form the packet socket takes)."""
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def parse_tcp(frame):
    """(src, sport, dst, dport, flags, seq, tcp checksum right) of a TCP/IPv4 frame."""
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    seg = ip[ihl:tot]
    sport, dport, seq = struct.unpack("!HHI", seg[:8])
    ok = csum(pseudo(src, dst, 6, len(seg)) + seg) == 0
    return src, sport, dst, dport, seg[13], seq, ok


# --- inside a namespace ----------------------------------------------------------------

def send(iface, frame_hex, vnet_hex=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    if vnet_hex:
        s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((iface, 0))
    s.send((bytes.fromhex(vnet_hex) if vnet_hex else b"") + bytes.fromhex(frame_hex))


def send_ip(dst, packet_hex):
    """The kernel routes it and fills in the IP header's checksum (IP_HDRINCL)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(bytes.fromhex(packet_hex), (dst, 0))


def sniff(iface, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    end = time.monotonic() + seconds
    print("ready", flush=True)
    while time.monotonic() < end:
        if not select.select([s], [], [], max(0.0, end - time.monotonic()))[0]:
            continue
        data, anc, _flags, _addr = s.recvmsg(70000, socket.CMSG_SPACE(32))
        partial = 0
        for level, kind, value in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 4:
                partial = int(bool(struct.unpack("I", value[:4])[0] & TP_STATUS_CSUMNOTREADY))
        if len(data) > 14 and data[12:14] == b"\x08\x00":
            print(data.hex(), partial, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif sys.argv[1] == "sendip":
        send_ip(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "sniff":
        sniff(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(f"usage: {sys.argv[0]} send IFACE FRAMEHEX [VNETHEX] | sendip DST HEX | "
                 "sniff IFACE SECONDS")
