"""vmgate on AMD PCnet NICs (QEMU's `-device pcnet`, an Am79C970A; drivers/pcnet.c):
the WAN and the LAN on PCnets at once, link changes that QEMU's model never
signals by an interrupt, frames longer than a PCnet takes, and a NAT Network whose
bridge needs the PCnet's promiscuous mode."""
import os
import re
import time

import lab
import lab as labmod
import rawframe as rf
from natlab import NatLab, OUT_ADDR

HERE = os.path.dirname(os.path.abspath(__file__))
RAWFRAME = os.path.join(HERE, "rawframe.py")
PCNET = r"PCnet-PCI II \(Am79C970A\)"


def nic_block(ifconfig, nic):
    return ifconfig.split(f"{nic}: ", 1)[1].split("\nnic", 1)[0]


def events(gw, nic):
    """The driver events of one NIC in `ifconfig` (rx-oversize, tx-no-carrier, ...)."""
    m = re.search(r"events:(.*)", nic_block(gw.cmd("ifconfig"), nic))
    return {k: int(v) for k, v in re.findall(r"([\w-]+) (\d+)", m.group(1))} if m else {}


def all_pings_answered(out, count):
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    return m and int(m.group(1)) == count and int(m.group(2)) == count


@lab.timeout(240)
@lab.requires("build")
def test_pcnet_as_wan_and_lan(lab):
    """vmgate's WAN and LAN NICs are both PCnets: both are named by their chip ID, a
    guest behind them gets its lease, downloads 16 MiB intact and loses none of 100
    pings; `nic1 mtu 9000` is refused with the PCnet's limit named. Frames longer
    than 1518 bytes sent to vmgate's WAN (4000 and 9000 bytes, which QEMU's model
    cuts to 4092) are dropped and counted as rx-oversize while the pings pass."""
    t = NatLab(lab, config="nic1 mtu 9000", wan_model="pcnet", lan_models=["pcnet"],
               http_size=16 << 20)
    g = t.guest("g")
    t.start(g)
    for nic in ("nic0", "nic1"):
        t.gw.seen(rf"^{nic}: {PCNET}, MAC ")
        t.gw.seen(rf"^{nic}: chip ID 0x02621003, 32-bit I/O")
    t.gw.seen(rf"^nic1: mtu 9000 refused: {PCNET} takes at most 1500; keeping 1500$")
    assert "mtu 1500 (max 1500)" in nic_block(t.gw.cmd("ifconfig"), "nic1")
    assert t.lease(g)["ip"] == "10.0.2.15"

    got = g.sh(f"timeout 150 wget -q -O - {t.http.url()} | sha256sum", timeout=180)
    assert got.split()[0] == t.http.sha256, got

    wan_mac = t.gw.seen(rf"^nic0: {PCNET}, MAC ([0-9a-f:]+),").group(1)
    before = events(t.gw, "nic0").get("rx-oversize", 0)
    t.out.ip("link", "set", "tap0", "mtu", "9000")
    for size in (4000, 9000):
        payload = rf.ipv4(OUT_ADDR, t.wan, 17, rf.udp(OUT_ADDR, 9, t.wan, 9, bytes(size - 42)))
        frame = rf.eth(wan_mac, "02:00:00:00:00:01", payload)
        assert len(frame) == size
        t.out.run(["python3", RAWFRAME, "send", "tap0", frame.hex()])
    out = g.sh(f"ping -c 100 -i 0.1 -W 2 {OUT_ADDR}", timeout=60)
    assert all_pings_answered(out, 100), out
    labmod.wait_until(lambda: events(t.gw, "nic0").get("rx-oversize", 0) == before + 2, 10,
                      what="two rx-oversize events on nic0")
    assert events(t.gw, "nic1").get("rx-oversize", 0) == 0


@lab.timeout(300)
@lab.requires("build")
def test_pcnet_link_flaps_during_a_transfer(lab):
    """QMP set_link off and on ten times on vmgate's PCnets (WAN and LAN in turn)
    while a guest downloads 16 MiB at 3 Mbit/s: QEMU's PCnet raises no interrupt,
    so vmgate must see each change by polling BCR4; its console logs every one, the
    transfer resumes after each, and the file arrives intact."""
    t = NatLab(lab, wan_model="pcnet", lan_models=["pcnet"], http_size=16 << 20)
    g = t.guest("g")
    t.start(g)
    # The outside sends to vmgate at 3 Mbit/s: the download lasts about 45 s.
    t.out.run(["tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "3mbit",
               "burst", "32kbit", "latency", "400ms"])
    g.bg(f"timeout 200 wget -q -O /tmp/blob {t.http.url()} && sha256sum /tmp/blob > /tmp/blob.sum")

    def size():
        rc, out = g.run("if [ -f /tmp/blob ]; then wc -c < /tmp/blob; else echo 0; fi", timeout=10)
        return int(out.split()[-1])

    labmod.wait_until(lambda: size() > 256 << 10, 30, interval=0.5, what="the download to start")
    nids = {"nic0": t.wan_nid, "nic1": t.lan_nids[0]}
    for i in range(10):
        nic = "nic0" if i % 2 == 0 else "nic1"
        t.gw.set_link(nids[nic], False)
        t.gw.wait_for(rf"^{nic}: link down$", 5)
        time.sleep(0.5)
        t.gw.set_link(nids[nic], True)
        t.gw.wait_for(rf"^{nic}: link up$", 5)
        at = size()
        assert at < 16 << 20, f"the download ended after {i} flaps: make it slower"
        labmod.wait_until(lambda: size() > at + (64 << 10), 30, interval=0.5,
                          what=f"the download to resume after flap {i + 1} on {nic}")
    labmod.wait_until(lambda: g.run("test -s /tmp/blob.sum", timeout=10)[0] == 0, 150,
                      interval=1, what="the download to finish")
    assert g.sh("cat /tmp/blob.sum").split()[0] == t.http.sha256
    out = t.gw.cmd("ifconfig")
    assert re.search(r"link changes (\d+)", nic_block(out, "nic0")).group(1) == "10", out
    assert re.search(r"link changes (\d+)", nic_block(out, "nic1")).group(1) == "10", out


@lab.timeout(180)
@lab.requires("build")
def test_pcnet_port_of_a_nat_network(lab):
    """A NAT Network whose ports are a PCnet and a virtio-net NIC: the PCnet filters
    by address, so the bridge must make it promiscuous (CSR15 PROM, by a new INIT);
    then the guests behind the two ports reach each other, vmgate at .2 (the
    bridge's own MAC is not the PCnet's) and the outside."""
    t = NatLab(lab, lans=2, lan_models=["pcnet", "virtio-net-pci"],
               config="natnetwork lab 10.0.9.0/24; nic1 natnet lab; nic2 natnet lab")
    a = t.guest("a", lan=1)
    b = t.guest("b", lan=2)
    t.start(a, b)
    t.gw.seen(rf"^nic1: {PCNET}, MAC ")
    assert " promisc" in nic_block(t.gw.cmd("ifconfig"), "nic1").split("\n", 1)[0]
    aa, ba = t.addr(a), t.addr(b)
    assert {aa, ba} == {"10.0.9.15", "10.0.9.16"}, (aa, ba)
    a.sh(f"ping -c 3 -W 2 {ba}")
    b.sh(f"ping -c 3 -W 2 {aa}")
    for g in (a, b):
        g.sh("ping -c 3 -W 2 10.0.9.2")
        g.sh(f"ping -c 3 -W 2 {OUT_ADDR}")
    got = a.sh(f"timeout 60 wget -q -O - {t.http.url()} | sha256sum", timeout=90)
    assert got.split()[0] == t.http.sha256
