"""vmgate against what a hostile guest or WAN host sends on purpose: offload facts
that point the next device's checksum write at ports NAT has rewritten, GSO frames
that would make 3000 segments, fragments that lie about their length or carry a
broken header, RSTs forged from off the path.

Frames are made by hand (rawframe.py) and put on vmgate's taps from the namespace:
a packet socket with PACKET_VNET_HDR hands a frame with the virtio-net header we
choose to the tap, and QEMU passes header and frame to vmgate's NIC as they are
(measured: Linux keeps a wrong csum_offset and gso_size 1 as given). Linux refuses
or drops a GSO type that does not match the packet's protocol before it reaches
the tap, so that case is shown by the host tests of the glue instead
(tests/unit/test_glue_offload.c, glue_offload_gso_type_not_the_protocol_is_refused)."""
import os
import re
import time

import lab
import lab as labmod
import rawframe as rf
from sniffer import RAWFRAME, Sniffer, send
from natlab import NatLab, OUT_ADDR
from vmgate import Vmgate

GUEST_MAC = "52:54:00:12:34:56"
GUEST = "10.0.2.15"


def nic_mac(gw, nic):
    return gw.seen(rf"^{nic}: virtio-net \S+, MAC ([0-9a-f:]+),").group(1)


def offload_facts(gw, nic="nic1"):
    """The `offload facts received` counters of a NIC in `ifconfig`."""
    out = gw.cmd("ifconfig")
    block = out.split(f"{nic}: ", 1)[1].split("\nnic", 1)[0]
    m = re.search(r"offload facts received:(.*)", block)
    return {k: int(v) for k, v in re.findall(r"([\w-]+) (\d+)", m.group(1))} if m else {}


@lab.timeout(120)
@lab.requires("build")
def test_offload_facts_and_fragments_from_outside_are_checked(lab):
    """A "guest" on vmgate's LAN tap sends a TCP segment whose virtio-net header puts
    the partial checksum at offset 0 of the TCP header, the source port: vmgate
    finishes it before NAT, so it leaves with nothing left for the next device to
    write (the old fast path forwarded it partial, and the WAN side would have
    written over the translated port). Then a 3000-byte GSO frame with gso_size 1:
    refused and counted, nothing of it leaves. From the WAN, a fragment claiming
    more bytes than arrived and one with a broken header checksum are refused before
    reassembly, and said so."""
    ns = lab.namespace("hard")
    ns.tap("tap0")
    ns.bridge("br0", f"{OUT_ADDR}/24", ports=("tap0",))
    lab.dnsmasq(ns, "br0", ("192.168.60.50", "192.168.60.99"))
    ns.tap("tap1")
    gw = Vmgate(lab, ns, config="nic1 nat")
    gw.nic_tap("tap0")
    gw.nic_tap("tap1")
    gw.start()
    wan = gw.wan_dhcp_address()
    lan_mac, wan_mac = nic_mac(gw, "nic1"), nic_mac(gw, "nic0")

    sniff = Sniffer(lab, ns, "br0", 8, "sniff-wan")
    seg = rf.tcp(GUEST, 40000, OUT_ADDR, 9, 0x02, seq=1, payload=b"x" * 100, partial=True)
    send(ns, "tap1", rf.eth(lan_mac, GUEST_MAC, rf.ipv4(GUEST, OUT_ADDR, 6, seg)),
         rf.vnet(flags=1, csum_start=34, csum_offset=0))
    # The control: the same segment with its checksum where it belongs stays partial
    # (vmgate lends it to the WAN device to complete), so the sniffer does see that.
    good = rf.tcp(GUEST, 40002, OUT_ADDR, 29, 0x02, seq=1, payload=b"x" * 100, partial=True)
    send(ns, "tap1", rf.eth(lan_mac, GUEST_MAC, rf.ipv4(GUEST, OUT_ADDR, 6, good)),
         rf.vnet(flags=1, csum_start=34, csum_offset=16))
    big = rf.tcp(GUEST, 40001, OUT_ADDR, 19, 0x10, seq=1, ack=1, payload=b"y" * 3000, partial=True)
    send(ns, "tap1", rf.eth(lan_mac, GUEST_MAC, rf.ipv4(GUEST, OUT_ADDR, 6, big)),
         rf.vnet(flags=1, gso_type=1, gso_size=1, csum_start=34, csum_offset=16, hdr_len=54))
    labmod.wait_until(lambda: offload_facts(gw).get("gso-size", 0) >= 1, 10, what="the gso-size refusal")
    time.sleep(1)

    facts = offload_facts(gw)
    assert facts.get("finished") == 1 and facts.get("gso-size") == 1, facts
    got = [(f, partial) for f, partial in sniff.frames()
           if f[14 + 9] == 6 and rf.parse_tcp(f)[0] == wan and rf.parse_tcp(f)[3] in (9, 19, 29)]
    to9 = [(f, p) for f, p in got if rf.parse_tcp(f)[3] == 9]
    assert len(to9) == 1, [rf.parse_tcp(f) for f, _ in got]
    assert not to9[0][1], "the segment left vmgate with its checksum still to be written"
    to29 = [(f, p) for f, p in got if rf.parse_tcp(f)[3] == 29]
    assert len(to29) == 1 and to29[0][1], "the well-formed partial checksum was not kept partial"
    flows = gw.cmd("nat")
    sport = rf.parse_tcp(to9[0][0])[1]
    assert re.search(rf"tcp\s+{GUEST}:\d+ -> {OUT_ADDR}:9 as {re.escape(wan)}:{sport} ", flows), flows
    assert not [f for f, _ in got if rf.parse_tcp(f)[3] == 19], "part of the gso_size 1 frame left"

    # From the WAN: a first fragment that claims 1000 bytes and brings 420, and one
    # with a broken header checksum. vmgate refuses both before reassembly.
    body = rf.udp(OUT_ADDR, 5000, wan, 7, b"z" * 980)
    liar = rf.ipv4(OUT_ADDR, wan, 17, body[:400], frag=0x2000, tot_len=1000, ident=7)
    broken = rf.ipv4(OUT_ADDR, wan, 17, body[:400], frag=0x2000, ident=8, bad_csum=True)
    br_mac = ns.run(["cat", "/sys/class/net/br0/address"]).stdout.strip()
    send(ns, "br0", rf.eth(wan_mac, br_mac, liar))
    send(ns, "br0", rf.eth(wan_mac, br_mac, broken))

    def refused():
        out = gw.cmd("ipin")
        return {k: int(v) for k, v in re.findall(r"([\w-]+) (\d+)", out.split(":", 2)[2])}
    labmod.wait_until(lambda: refused().get("header-checksum", 0) >= 1, 10, what="the checksum refusal")
    r = refused()
    assert r.get("total-length") == 1 and r.get("header-checksum") == 1, r


@lab.timeout(150)
@lab.requires("build")
def test_forged_rst_outside_the_window_is_ignored(lab):
    """A guest's TCP connection to the outside carries on after a host on the WAN
    forges an RST for it with the right addresses and ports but a sequence number
    outside the window (RFC 5961): vmgate drops it (rst-window), the mapping stays,
    and the rest of the data arrives."""
    t = NatLab(lab)
    g = t.guest("g")
    wan = t.start(g)
    port = t.out.free_port()
    sink = lab.logpath("sink.txt")
    t.out.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:{port},reuseaddr - > {sink}"])
    t.out.wait_listening(port)
    sniff = Sniffer(lab, t.out, "br0", 40, "sniff")
    g.bg(f"(echo one; sleep 8; echo two) | nc {OUT_ADDR} {port}")
    labmod.wait_until(lambda: "one" in open(sink).read(), 15, what="the first line")

    flows = t.gw.cmd("nat")
    m = re.search(rf"tcp\s+\S+ -> {OUT_ADDR}:{port} as {re.escape(wan)}:(\d+) ESTABLISHED", flows)
    assert m, flows
    ext = int(m.group(1))
    # The server's last sequence number on the wire; the forgery is half the
    # sequence space away from it, where no window reaches.
    seqs = [rf.parse_tcp(f)[5] for f, _ in sniff.frames()
            if f[14 + 9] == 6 and rf.parse_tcp(f)[1] == port and rf.parse_tcp(f)[2] == wan]
    assert seqs, "no segment of the server seen"
    forged_seq = (seqs[-1] + (1 << 31)) & 0xffffffff
    before = t.gw.cmd("nat stats")
    for flags in (0x04, 0x14):
        rst = rf.tcp(OUT_ADDR, port, wan, ext, flags, seq=forged_seq, ack=0)
        t.out.run(["python3", RAWFRAME, "sendip", wan, rf.ipv4(OUT_ADDR, wan, 6, rst).hex()])
    labmod.wait_until(lambda: "two" in open(sink).read(), 20, what="the line after the forged RSTs")
    stats = t.gw.cmd("nat stats")
    drops = dict(re.findall(r"([\w-]+) (\d+)", stats.split("drops:", 1)[1]))
    was = dict(re.findall(r"([\w-]+) (\d+)", before.split("drops:", 1)[1]))
    assert int(drops["rst-window"]) - int(was["rst-window"]) == 2, stats
