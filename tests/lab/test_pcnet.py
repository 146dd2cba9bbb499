"""vmgate on AMD PCnet NICs (QEMU's `-device pcnet`, an Am79C970A; drivers/pcnet.c):
the WAN and the LAN on PCnets at once, link changes that QEMU's model never
signals by an interrupt, frames longer than a PCnet takes, and a NAT Network whose
bridge needs the PCnet's promiscuous mode. The PCI glue (drivers/pcnet_pci.c: probe, BARs,
bus mastering) runs only here, on QEMU's device; the rest is unit-tested against
tests/unit/pcnet_model.c."""
import os

import lab
import lab as labmod
import rawframe as rf
from natlab import NatLab, OUT_ADDR
from nicmatrix import link_flaps, wan_and_lan
from nicinfo import all_pings_answered, events, nic_block

HERE = os.path.dirname(os.path.abspath(__file__))
RAWFRAME = os.path.join(HERE, "rawframe.py")
PCNET = r"PCnet-PCI II \(Am79C970A\)"


@lab.timeout(240)
@lab.requires("build")
def test_pcnet_as_wan_and_lan(lab):
    """vmgate's WAN and LAN NICs are both PCnets: both are named by their chip ID, a
    guest behind them gets its lease, downloads 16 MiB intact and loses none of 100
    pings; `nic1 mtu 9000` is refused with the PCnet's limit named. Frames longer
    than 1518 bytes sent to vmgate's WAN (4000 and 9000 bytes, which QEMU's model
    cuts to 4092) are dropped and counted as rx-oversize while the pings pass."""
    t, g = wan_and_lan(lab, "pcnet", config="nic1 mtu 9000", banner=rf"{PCNET}, MAC ")
    for nic in ("nic0", "nic1"):
        t.gw.seen(rf"^{nic}: chip ID 0x02621003, 32-bit I/O")
    t.gw.seen(rf"^nic1: mtu 9000 refused: {PCNET} takes at most 1500; keeping 1500$")
    assert "mtu 1500 (max 1500)" in nic_block(t.gw.cmd("ifconfig"), "nic1")

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
    link_flaps(lab, "pcnet")


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
