"""vmgate's switch (net/switch.h) behind internal networks, NAT Networks and UDP
tunnels (issue 17): a QEMU guest whose only NIC is `-netdev dgram` aimed at vmgate's
tunnel port is on a NAT Network (DHCP, DNS, NAT from vmgate); a datagram from a
sender other than the tunnel's peer is dropped and counted; guests on one internal
network reach each other, a guest on another internal network or in another VLAN
does not."""
import os
import re
import time

import lab
import segments
from natlab import NatLab, OUT_ADDR
from vmgate import Vmgate


def tunnel_drops(gw, name="t0"):
    out = gw.cmd(f"tunnel {name}")
    m = re.search(r"drops:(.*)", out)
    assert m, out
    return {k: int(v) for k, v in re.findall(r"([a-z-]+) (\d+)", m.group(1))}, out


def send_datagram(ns, src, dst, payload):
    """One UDP datagram from src (addr, port) to dst, sent inside the namespace."""
    ns.run(["python3", "-c", "import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "s.bind((sys.argv[1], int(sys.argv[2]))); "
            "s.sendto(bytes.fromhex(sys.argv[5]), (sys.argv[3], int(sys.argv[4])))",
            src[0], str(src[1]), dst[0], str(dst[1]), payload.hex()], timeout=10)


@lab.timeout(180)
@lab.requires("build")
def test_dgram_guest_on_a_nat_network_through_a_tunnel(lab):
    """The guest's NIC is QEMU's dgram netdev, one Ethernet frame per UDP datagram,
    aimed at vmgate's WAN address, port 4444: vmgate's tunnel t0 is a port of NAT
    Network `lab`, so the guest leases .15 from vmgate, resolves through the relay
    at .3 and fetches from the outside namespace's server through vmgate's NAT (the
    server sees vmgate's WAN address). A datagram to the tunnel's port from another
    source port is dropped and counted as wrong-peer, the frame it held switched
    nowhere."""
    # VirtualBox's default ports (sport 4444, dport 4445): the namespace is the
    # test's own, so nothing else can hold them.
    peer_port = 4445
    t = NatLab(lab, lans=0, config=f"natnetwork lab 10.0.9.0/24; tunnel t0 udp dest={OUT_ADDR}; "
                                   "t0 natnet lab")
    wan = t.start()
    t.gw.seen(rf"^tunnel t0: udp port 4444 <-> 192\.168\.60\.1:{peer_port}, a port of natnet lab$")
    g = lab.linux_vm("g", ns=t.out, net="dhcp")
    g.nic(f"dgram,local.type=inet,local.host={OUT_ADDR},local.port={peer_port},"
          f"remote.type=inet,remote.host={wan},remote.port=4444")
    words = g.boot(timeout=90)
    assert words.get("eth0", "").startswith("10.0.9.15/"), words
    lease = t.lease(g)
    assert lease["router"] == "10.0.9.2", lease
    assert lease["dns"].split()[0] == "10.0.9.3", lease
    got = g.sh(f"timeout 60 wget -q -O - {t.http.url(host='www.lab.test')} | sha256sum", timeout=90)
    assert got.split()[0] == t.http.sha256
    assert wan in t.http_clients(), t.http_clients()
    # An upload: the guest's full-size frames are 1542-byte packets on the
    # namespace's side, which its kernel fragments and vmgate reassembles.
    sink = lab.logpath("upload.sha256")
    t.out.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:9000,reuseaddr - | sha256sum > {sink}"])
    t.out.wait_listening(9000)
    sent = g.sh("head -c 1000000 /dev/urandom > /tmp/up && sha256sum /tmp/up").split()[0]
    g.sh(f"timeout 60 socat -u FILE:/tmp/up TCP:{OUT_ADDR}:9000", timeout=90)
    for _ in range(50):
        if os.path.exists(sink) and os.path.getsize(sink) > 0:
            break
        time.sleep(0.1)
    with open(sink) as f:
        assert f.read().split()[0] == sent

    drops, out = tunnel_drops(t.gw)
    assert drops["wrong-peer"] == 0, out
    tx = int(re.search(r"tx (\d+) datagrams", out).group(1))
    rx = int(re.search(r"rx (\d+) datagrams", out).group(1))
    assert tx > (1 << 20) // 1500, out                      # the 1 MiB came through it
    assert rx > 1000000 // 1500, out                        # and the upload
    # A broadcast frame (an ARP request for the guest's address) from the right
    # address but the wrong port: dropped, never switched to the guest.
    frame = bytes.fromhex("ffffffffffff" "020000000099" "0806" "0001080006040001"
                          "020000000099" "0a090063" "000000000000" "0a09000f") + bytes(18)
    for port in (peer_port + 1, peer_port + 2):
        send_datagram(t.out, (OUT_ADDR, port), (wan, 4444), frame)
    drops, out = tunnel_drops(t.gw)
    assert drops["wrong-peer"] == 2, out
    assert f"last wrong peer {OUT_ADDR}:{peer_port + 2}" in out, out
    sw = t.gw.cmd("switch lab")
    assert "02:00:00:00:00:99" not in sw, sw                # nothing learned from it
    assert re.search(r"port t0 up access 1 fdb 1:", sw), sw
    assert re.search(r"port vmgate up access 1 endpoint", sw), sw


@lab.timeout(180)
@lab.requires("build")
def test_internal_networks_and_vlans_are_separate(lab):
    """Three internal networks' worth of guests on one vmgate with no WAN: a and b on
    intnet `one` reach each other; c on intnet `two` reaches neither, though its
    address is in their subnet; d on intnet `one` but in VLAN 20 (an access port)
    reaches neither. The switch learned a and b on their ports."""
    ns = lab.namespace("sw")
    gw = Vmgate(lab, ns, config="nic0 intnet one; nic1 intnet one; nic2 intnet two; "
                                "nic3 intnet one; nic3 vlan access 20")
    ports = [ns.free_port() for _ in range(4)]
    for p in ports:
        gw.nic_socket_listen(p)
    gw.start()
    guests = []
    for i, name in enumerate("abcd"):
        g = lab.linux_vm(name, ns=ns, net=f"10.5.0.{i + 1}/24")
        g.nic_socket_connect(ports[i])
        guests.append(g)
    for g in guests:
        g.start()
    for g in guests:
        g.wait_for("GUEST-READY", 90)
    a, b, c, d = guests
    a.sh("ping -c 2 -W 2 10.5.0.2")
    b.sh("ping -c 2 -W 2 10.5.0.1")
    for g, target in ((c, "10.5.0.1"), (c, "10.5.0.2"), (d, "10.5.0.1"), (d, "10.5.0.2"),
                      (a, "10.5.0.3"), (a, "10.5.0.4")):
        rc, out = g.run(f"ping -c 2 -W 1 {target}", timeout=20)
        assert rc != 0, f"{g.name} reached {target}: {out}"
    one = gw.cmd("switch one")
    assert re.search(r"switch one \(intnet\): 3 ports", one), one
    assert re.search(r"port nic3 up access 20 ", one), one
    macs = {}
    for g in (a, b):
        mac = g.sh("cat /sys/class/net/eth0/address").strip()
        assert re.search(rf"vlan 1 {mac} port nic{'ab'.index(g.name)} ", one), (mac, one)
        macs[g.name] = mac
    two = gw.cmd("switch two")
    assert macs["a"] not in two and macs["b"] not in two, two


@lab.timeout(240)
@lab.requires("build")
def test_two_vmgates_joined_by_a_udp_tunnel(lab):
    """Two "hosts" (namespaces routed to each other over a veth), a vmgate on each
    with its WAN there, each with tunnel t0 aimed at the other's WAN address and
    internal network `seg` made of its nic1 and the tunnel: the guests behind them
    are on one segment. They ping each other and 16 MiB cross intact; each switch
    learned the far guest on its tunnel port. The transfer's SYN and SYN-ACK had
    their MSS lowered to 1418 by the tunnels (a 1500 underlay less 28 and the inner
    headers), so that TCP's segments fit the underlay whole."""
    hosts = []
    for i, side in enumerate("ab"):
        ns = lab.namespace(side)
        ns.tap("tap0")
        ns.bridge("br0", f"10.70.{i + 1}.1/24", ports=("tap0",))
        hosts.append(ns)
    ha, hb = hosts
    lab.veth(ha, "to-b", hb, "to-a")
    ha.addr("to-b", "10.70.0.1/30")
    hb.addr("to-a", "10.70.0.2/30")
    ha.ip("route", "add", "10.70.2.0/24", "via", "10.70.0.2")
    hb.ip("route", "add", "10.70.1.0/24", "via", "10.70.0.1")
    for ns in hosts:
        ns.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    gws, guests = [], []
    for i, ns in enumerate(hosts):
        me, far = f"10.70.{i + 1}.2", f"10.70.{2 - i}.2"
        gw, g = segments.member(lab, ns, f"vmgate-{'ab'[i]}",
                                f"nic0 wan {me}/24 gw 10.70.{i + 1}.1; nic1 intnet seg; "
                                f"tunnel t0 udp sport=4444 dest={far} dport=4444; t0 intnet seg",
                                "tap0", f"g{'ab'[i]}", f"10.77.0.{i + 1}/24")
        gws.append(gw)
        guests.append(g)
    segments.boot(gws, guests)
    a, b = guests
    a.sh("ping -c 3 -W 2 10.77.0.2")
    b.sh("ping -c 3 -W 2 10.77.0.1")
    b.bg("socat -u TCP-LISTEN:9000,reuseaddr - | sha256sum > /tmp/got")
    b.wait_port(9000)
    sent = a.sh("head -c 16777216 /dev/urandom > /tmp/blob && sha256sum /tmp/blob").split()[0]
    a.sh("timeout 120 socat -u FILE:/tmp/blob TCP:10.77.0.2:9000", timeout=150)
    got = ""
    for _ in range(50):
        got = b.sh("cat /tmp/got").strip()
        if got:
            break
        time.sleep(0.2)
    assert got.split()[0] == sent, got
    for gw, far in zip(gws, (b, a)):
        mac = far.sh("cat /sys/class/net/eth0/address").strip()
        sw = gw.cmd("switch seg")
        assert re.search(rf"vlan 1 {mac} port t0 ", sw), (mac, sw)
        drops, out = tunnel_drops(gw)
        assert drops["wrong-peer"] == 0 and drops["oversize"] == 0, out
        moved = sum(int(v) for v in re.findall(r"[rt]x (\d+) datagrams", out))
        assert moved > (16 << 20) // 1500, out              # the 16 MiB went by the tunnel
        m = re.search(r"mss clamp: (\d+) SYNs lowered", out)
        assert m and int(m.group(1)) >= 1, out
