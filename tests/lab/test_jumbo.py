"""Jumbo frames through vmgate on virtio-net: with both NICs at MTU 9000 (its big
receive buffers hold any frame, and frames by copy span transmit slots), an 8000-byte
ping crosses whole, without fragmentation, and a TCP transfer at MTU 9000 is intact;
an MTU above what the driver takes is refused with its limit named. The e1000 and
PCnet cases are in their drivers' own lab files."""
import re

import lab
import lab as labmod
from natlab import NatLab, OUT_ADDR
from sniffer import Sniffer


@lab.timeout(180)
@lab.requires("build")
def test_virtio_jumbo_frames_cross_whole(lab):
    t = NatLab(lab, config="nic0 mtu 9000; nic1 mtu 9000; nic2 mtu 9001", lans=2,
               http_size=16 << 20)
    # nic1, the guest's LAN, is a socket netdev: no offloads, so jumbo receive buffers
    # without GSO; nic0, a tap, has GSO buffers, which hold jumbo frames too.
    for ifname in ("tap0", "br0"):
        t.out.ip("link", "set", ifname, "mtu", "9000")
    g = t.guest("g")
    t.start(g)
    t.gw.seen(r'^config: error in the command line: mtu must be 68\.\.9000: "nic2 mtu 9001"')
    ifc = t.gw.cmd("ifconfig")
    for nic in ("nic0", "nic1"):
        assert re.search(rf"^{nic}: .* mtu 9000 \(max 9000\)", ifc, re.M), ifc
    # vmgate's DHCP server gives the LAN's MTU (option 26) to a client that asks.
    out = g.sh("udhcpc -i eth0 -n -q -O mtu -s /etc/udhcpc/default.script 2>&1; ip link show eth0")
    assert "mtu 9000" in out, out

    sniff = Sniffer(lab, t.out, "tap0", 20, "sniff-tap0")
    g.sh(f"ping -c 3 -W 3 -s 8000 {OUT_ADDR}")
    echoes = [f for f, _ in sniff.frames()
              if len(f) >= 34 and f[23] == 1 and f[34] == 8]     # ICMP echo requests
    assert echoes, "no echo request crossed vmgate's WAN"
    for f in echoes:
        tot, frag = int.from_bytes(f[16:18], "big"), int.from_bytes(f[20:22], "big")
        assert tot == 8028 and frag & 0x3fff == 0, f"fragmented or cut: length {tot}, frag {frag:#x}"

    got = g.sh(f"wget -q -O - http://{OUT_ADDR}:{t.http.port}/blob.bin | sha256sum",
               timeout=120).split()[0]
    assert got == t.http.sha256, "the 16 MiB download arrived damaged"
    stats = t.gw.cmd("fastpath")
    lab.log(f"fastpath after the transfer: {stats}")
    m = re.search(r"too big (\d+)", stats)
    assert m and int(m.group(1)) == 0, stats
