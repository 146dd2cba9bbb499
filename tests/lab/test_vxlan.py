"""VXLAN (RFC 7348, issue 17). A Linux `vxlan` device in the namespace (VNI 42,
dstport 4789) and a guest behind vmgate on internal network `seg`, whose other port
is vmgate's tunnel t0 (`tunnel t0 vxlan vni=42 remote=<namespace>`), are on one
Ethernet segment: they ping each other and 1 MiB crosses intact; vmgate learned the
namespace's device as behind its remote and dropped nothing; a datagram from an address
that is no remote is dropped and counted. Three vmgates on one
VXLAN segment, each naming the other two: a guest behind each reaches the others."""
import os
import re
import time

import lab
import segments
from vmgate import Vmgate


@lab.timeout(150)
@lab.requires("build")
def test_linux_vxlan_device_and_a_guest_behind_vmgate(lab):
    ns = lab.namespace("vx")
    ns.tap("tap0")
    ns.bridge("br0", "10.71.0.1/24", ports=("tap0",))
    gw = Vmgate(lab, ns, config="nic0 wan 10.71.0.2/24 gw 10.71.0.1; nic1 intnet seg; "
                                "tunnel t0 vxlan vni=42 remote=10.71.0.1; t0 intnet seg")
    gw.nic_tap("tap0")
    port = ns.free_port()
    gw.nic_socket_listen(port)
    gw.start()
    gw.seen(r"^tunnel t0: vxlan vni 42, udp port 4789 -> 4789, 1 remote\(s\), a port of intnet seg$")
    ns.ip("link", "add", "vx0", "type", "vxlan", "id", "42", "remote", "10.71.0.2",
          "local", "10.71.0.1", "dstport", "4789", "dev", "br0")
    ns.addr("vx0", "10.78.0.100/24")
    ns.ip("link", "set", "vx0", "up")
    g = lab.linux_vm("g", ns=ns, net="10.78.0.1/24")
    g.nic_socket_connect(port)
    g.start()
    g.wait_for("GUEST-READY", 90)
    g.sh("ping -c 3 -W 2 10.78.0.100")
    ns.run(["ping", "-c", "2", "-W", "2", "10.78.0.1"], timeout=15)
    sink = lab.logpath("upload.sha256")
    ns.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:9000,reuseaddr,bind=10.78.0.100 - | sha256sum > {sink}"])
    ns.wait_listening(9000)
    sent = g.sh("head -c 1048576 /dev/urandom > /tmp/up && sha256sum /tmp/up").split()[0]
    g.sh("timeout 60 socat -u FILE:/tmp/up TCP:10.78.0.100:9000", timeout=90)
    for _ in range(50):
        if os.path.exists(sink) and os.path.getsize(sink) > 0:
            break
        time.sleep(0.1)
    with open(sink) as f:
        assert f.read().split()[0] == sent

    out = gw.cmd("tunnel t0")
    assert "vxlan vni 42" in out and "remotes: 10.71.0.1" in out, out
    mac = ns.run(["cat", "/sys/class/net/vx0/address"], timeout=5).stdout.strip()
    assert re.search(rf"{mac} behind 10\.71\.0\.1", out), (mac, out)
    drops = {k: int(v) for k, v in re.findall(r"([a-z-]+) (\d+)", re.search(r"drops:(.*)", out).group(1))}
    for why in ("wrong-remote", "no-i-flag", "wrong-vni", "oversize"):
        assert drops[why] == 0, out
    rx = int(re.search(r"rx (\d+) datagrams", out).group(1))
    assert rx > 1048576 // 1500 // 4, out                    # the upload's acks at least
    tx = int(re.search(r"tx (\d+) datagrams", out).group(1))
    assert tx > 1048576 // 1500, out                         # the 1 MiB went by the tunnel
    sw = gw.cmd("switch seg")
    assert re.search(rf"vlan 1 {mac} port t0 ", sw), (mac, sw)

    # A well-formed VXLAN datagram (VNI 42, I flag) from an address that is no
    # remote of t0: dropped and counted, its frame never on the segment.
    ns.addr("br0", "10.71.0.9/24")
    fake = "02:00:5e:71:00:09"
    frame = "ff" * 6 + fake.replace(":", "") + "88b5" + "00" * 46
    ns.run(["python3", "-c",
            "import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
            "s.bind(('10.71.0.9',0)); "
            "s.sendto(bytes.fromhex('0800000000002a00'+sys.argv[1]),('10.71.0.2',4789))", frame],
           timeout=10)
    lab_wait = time.monotonic() + 10
    while time.monotonic() < lab_wait:
        out = gw.cmd("tunnel t0")
        if re.search(r"wrong-remote 1\b", out):
            break
        time.sleep(0.5)
    assert re.search(r"wrong-remote 1\b", out), out
    assert fake not in gw.cmd("switch seg")


@lab.timeout(200)
@lab.requires("build")
def test_three_vmgates_on_one_vxlan_segment(lab):
    """Three vmgates whose WANs share the namespace's bridge, each with tunnel t0
    (VNI 7) naming the other two as remotes and internal network `seg` made of its
    nic1 and the tunnel: a guest behind each pings the other two (flooded ARP by
    head-end replication, then unicast to the learned VTEP), and each vmgate learned
    both far guests, each behind its own vmgate's address."""
    ns = lab.namespace("v3")
    taps = [f"tap{i}" for i in range(3)]
    for t in taps:
        ns.tap(t)
    ns.bridge("br0", "10.72.0.1/24", ports=tuple(taps))
    wans = [f"10.72.0.{i + 2}" for i in range(3)]
    gws, guests = [], []
    for i in range(3):
        others = ",".join(w for j, w in enumerate(wans) if j != i)
        gw, g = segments.member(lab, ns, f"vmgate-{i}",
                                f"nic0 wan {wans[i]}/24 gw 10.72.0.1; nic1 intnet seg; "
                                f"tunnel t0 vxlan vni=7 remote={others}; t0 intnet seg",
                                taps[i], f"g{i}", f"10.79.0.{i + 1}/24")
        gws.append(gw)
        guests.append(g)
    segments.boot(gws, guests)
    for i, g in enumerate(guests):
        for j in range(3):
            if j != i:
                g.sh(f"ping -c 2 -W 2 10.79.0.{j + 1}")
    macs = [g.sh("cat /sys/class/net/eth0/address").strip() for g in guests]
    for i, gw in enumerate(gws):
        out = gw.cmd("tunnel t0")
        for j in range(3):
            if j != i:
                assert re.search(rf"{macs[j]} behind {re.escape(wans[j])},", out), (j, out)
        assert re.search(r"wrong-remote 0 ", out), out
        assert re.search(r"tx \d+ datagrams .*\((\d+) frames flooded, [1-9]\d* to one\)", out), out
