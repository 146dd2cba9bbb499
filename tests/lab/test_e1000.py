"""vmgate on Intel PRO/1000 NICs (drivers/e1000*.c) under QEMU: each of QEMU's three
models (e1000 = 82540EM, e1000-82544gc, e1000-82545em) as vmgate's WAN and LAN at once
carries a guest's lease, 16 MiB intact and 100 pings without loss; the cable pulled and
plugged ten times during a transfer; jumbo frames at MTU 9000 across two e1000s; a
guest's 64 KiB TSO frames leaving through an e1000 WAN whole (lent, cut by the chip);
and a NAT Network over an e1000 and a PCnet, whose bridge needs their promiscuous
modes. The lab guest itself is on virtio-net, except for the jumbo test's (e1000:
its initramfs loads e1000.ko, tests/lab/guest/modules.txt)."""
import re
import time

import lab
import lab as labmod          # tests' parameter `lab` is the Lab; this is the module
from bridgedlab import exchange_through
from natlab import NatLab, OUT_ADDR
from nicinfo import (all_pings_answered, device_counters, nic_block, nic_counters, offload_counters,
                     snmp_ip)

CHIPS = {"e1000": ("82540EM", "EERD"), "e1000-82544gc": ("82544GC", "Microwire \\(EECD\\)"),
         "e1000-82545em": ("82545EM", "EERD")}



def link_line(nic, up):
    """The console's line for a link change, which may follow the prompt of a command
    that ran before it."""
    return rf"^(vmgate> )?{nic}: link {'up' if up else 'down'}$"


# Counts what arrives and prints the running total every 0.1 s, data or not (and
# at the end), so that the last line is never older than that.
SINK = r"""
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
c.settimeout(0.1)
n, t = 0, time.time()
while True:
    try:
        d = c.recv(1 << 16)
        if not d:
            break
        n += len(d)
    except socket.timeout:
        pass
    if time.time() - t >= 0.1:
        print(n, flush=True)
        t = time.time()
print(n, "end", flush=True)
"""


def check_chip(gw, nic, model):
    chip, eeprom = CHIPS[model]
    gw.seen(rf"^{nic}: Intel {chip}, MAC \S+, link up(, TSO)?, checksum offload$")
    gw.seen(rf"^{nic}: EEPROM by {eeprom}, 64 words, checksum ok; MAC from the EEPROM$")


def fetch_and_ping(t, g, size):
    started = time.monotonic()
    got = g.sh(f"timeout 150 wget -q -O - {t.http.url()} | sha256sum", timeout=170)
    secs = time.monotonic() - started
    assert got.split()[0] == t.http.sha256, got
    t.lab.log(f"fetched {size >> 20} MiB in {secs:.1f} s: {size * 8 / secs / 1e6:.0f} Mbit/s")
    out = g.sh(f"ping -c 100 -i 0.05 -W 2 {OUT_ADDR}", timeout=60)
    assert all_pings_answered(out, 100), out
    return secs


def matrix(lab_, model):
    """vmgate's WAN and LAN both on `model`; a guest behind it (virtio) leases, fetches
    16 MiB and pings; returns the NatLab and the guest for more."""
    t = NatLab(lab_, lans=1, lan_models=[model], wan_model=model, http_size=16 << 20)
    g = t.guest("g", lan=1)
    t.start(g)
    check_chip(t.gw, "nic0", model)
    check_chip(t.gw, "nic1", model)
    lease = t.lease(g)
    assert lease["ip"] == "10.0.2.15" and lease["router"] == "10.0.2.2", lease
    fetch_and_ping(t, g, 16 << 20)
    info = t.gw.cmd("ifconfig")
    for nic in ("nic0", "nic1"):
        c = nic_counters(info, nic)
        assert c["tx_errors"] == 0 and c["rx_errors"] == 0, (nic, c)
        assert device_counters(info, nic)["good-rx"] > 0, info
    return t, g


@lab.timeout(200)
@lab.requires("build")
def test_e1000_82540em_wan_and_lan_with_link_flaps(lab):
    """The 82540EM (EERD) on both sides; then the cable is pulled and plugged ten
    times during an upload, on the WAN and the LAN in turn: each change is on the
    console, no data passes while the cable is out, the upload goes on after each,
    and each NIC counts 10 link changes."""
    t, g = matrix(lab, "e1000")
    port = t.out.free_port()
    sink = t.out.spawn("sink", ["python3", "-u", "-c", SINK, OUT_ADDR, str(port)])
    t.out.wait_listening(port)

    def received():
        """The sink's last complete line."""
        with open(sink.logfile) as f:
            text = f.read()
        words = [w for w in text[:text.rfind("\n") + 1].split() if w.isdigit()]
        return int(words[-1]) if words else 0

    g.bg(f"socat -u /dev/zero TCP:{OUT_ADDR}:{port}")
    labmod.wait_until(lambda: received() > 1 << 20, 30, what="the upload to start")
    nids = {"nic0": t.wan_nid, "nic1": t.lan_nids[0]}
    for i in range(10):
        nic = "nic0" if i % 2 == 0 else "nic1"
        t.gw.set_link(nids[nic], False)
        t.gw.wait_for(link_line(nic, False), 10)
        time.sleep(0.4)
        stopped = received()
        time.sleep(0.3)
        assert received() - stopped < 64 << 10, f"data went on with {nic}'s cable pulled (flap {i + 1})"
        t.gw.set_link(nids[nic], True)
        t.gw.wait_for(link_line(nic, True), 10)
        labmod.wait_until(lambda: received() > stopped + (1 << 20), 30,
                          what=f"the upload to resume after flap {i + 1} on {nic}")
    text = t.gw.vm.console.text
    info = t.gw.cmd("ifconfig")
    for nic in nids:
        assert len(re.findall(link_line(nic, False), text, re.M)) == 5, nic
        assert len(re.findall(link_line(nic, True), text, re.M)) == 5, nic
        assert nic_counters(info, nic)["link_changes"] == 10, nic_block(info, nic)
    lab.log(f"uploaded {received() >> 20} MiB across the flaps")


@lab.timeout(150)
@lab.requires("build")
def test_e1000_82544gc_wan_and_lan(lab):
    """QEMU's e1000-82544gc (8086:100C): the EEPROM by bit-banged Microwire, as on the
    82543/82544 that have no EERD."""
    matrix(lab, "e1000-82544gc")


@lab.timeout(150)
@lab.requires("build")
def test_e1000_82545em_wan_and_lan(lab):
    matrix(lab, "e1000-82545em")


@lab.timeout(200)
@lab.requires("build")
def test_e1000_jumbo_frames_at_mtu_9000(lab):
    """MTU 9000 on both vmgate NICs (e1000s) and on the guest (e1000) and the outside:
    8000-byte pings cross unfragmented both ways, a 16 MiB download comes in 9000-byte
    frames, and `nic1 mtu 9001` is refused with the limit named."""
    t = NatLab(lab, config="nic0 mtu 9000; nic1 mtu 9000; nic1 mtu 9001", lans=1, lan_models=["e1000"],
               wan_model="e1000", http_size=16 << 20)
    t.out.ip("link", "set", "tap0", "mtu", "9000")
    t.out.ip("link", "set", "br0", "mtu", "9000")
    g = t.guest("g", lan=1, net="10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3,mtu=9000", model="e1000")
    t.start(g)
    t.gw.seen(r'^config: error in .*9000.*"nic1 mtu 9001" \(statement ignored\)$')
    t.gw.seen(r"^nic0: mtu 9000$")
    t.gw.seen(r"^nic1: mtu 9000$")
    assert "mtu 9000 (max 9000)" in nic_block(t.gw.cmd("ifconfig"), "nic1")
    assert "mtu 9000" in g.sh("ip link show eth0")

    ns_before = snmp_ip(t.out.run(["cat", "/proc/net/snmp"]).stdout, "ReasmReqds")
    g_before = snmp_ip(g.sh("cat /proc/net/snmp"), "ReasmReqds")
    out = g.sh(f"ping -c 5 -i 0.3 -s 8000 -W 3 {OUT_ADDR}", timeout=40)
    assert all_pings_answered(out, 5), out
    assert "8008 bytes from" in out, out
    # Whole both ways: neither end had pieces to put together.
    assert snmp_ip(t.out.run(["cat", "/proc/net/snmp"]).stdout, "ReasmReqds") == ns_before
    assert snmp_ip(g.sh("cat /proc/net/snmp"), "ReasmReqds") == g_before

    info = t.gw.cmd("ifconfig")
    before = nic_counters(info, "nic0"), nic_counters(info, "nic1")
    started = time.monotonic()
    got = g.sh(f"timeout 150 wget -q -O - {t.http.url()} | sha256sum", timeout=170)
    secs = time.monotonic() - started
    assert got.split()[0] == t.http.sha256, got
    info = t.gw.cmd("ifconfig")
    wan, lan = nic_counters(info, "nic0"), nic_counters(info, "nic1")
    # The download's frames: received on the WAN, sent on the LAN, a few ACKs aside.
    rx = (wan["rx_bytes"] - before[0]["rx_bytes"]) / (wan["rx_packets"] - before[0]["rx_packets"])
    tx = (lan["tx_bytes"] - before[1]["tx_bytes"]) / (lan["tx_packets"] - before[1]["tx_packets"])
    lab.log(f"jumbo: 16 MiB in {secs:.1f} s ({(16 << 23) / secs / 1e6:.0f} Mbit/s), "
            f"{rx:.0f} bytes a frame received on the WAN, {tx:.0f} sent on the LAN")
    assert rx > 4000 and tx > 4000, (rx, tx)
    assert device_counters(info, "nic0")["oversize"] == 0 and device_counters(info, "nic1")["oversize"] == 0


@lab.timeout(200)
@lab.requires("build")
def test_e1000_wan_takes_tso_frames_whole(lab):
    """A guest on a virtio LAN (a bridged tap with offloads) downloads and uploads
    16 MiB through an e1000 WAN: its 64 KiB GSO frames are lent to the e1000 whole
    and cut by its TSO; the download is lent e1000 -> virtio. Both arrive intact."""
    gw, info, _ = exchange_through(lab, "nic1 nat", nat=True, wan_model="e1000", size=16 << 20)
    check_chip(gw, "nic0", "e1000")
    wan, lan = offload_counters(info, "nic0"), offload_counters(info, "nic1")
    lab.log(f"wan {wan} lan {lan} device {device_counters(info, 'nic0')}")
    assert wan["caps"] == 0xa3, wan                      # TX_CSUM, TSO4, PHDR_NOLEN, SG
    assert lan["rx_gso"] > 0, lan                         # the guest's 64 KiB frames came in
    assert wan["tx_gso"] > 0 and wan["tx_lent"] >= wan["tx_gso"], wan   # and left whole
    assert wan["sw_segmented"] == 0, wan                  # none cut in software
    assert device_counters(info, "nic0")["tso-contexts"] > 0, info
    assert lan["tx_lent"] > 0, lan                        # e1000 receive buffers lent to virtio


@lab.timeout(150)
@lab.requires("build")
def test_e1000_and_pcnet_ports_of_a_nat_network(lab):
    """A NAT Network over an e1000 and a PCnet LAN NIC is a bridge: both ports are
    put in promiscuous mode (e1000 RCTL.UPE/MPE, PCnet CSR15 PROM), or frames between
    the guests, addressed to each other's MACs, would never get past the chips'
    filters. The guests reach each other, vmgate at .2 and the outside."""
    t = NatLab(lab, lans=2, lan_models=["e1000", "pcnet"],
               config="natnetwork lab 10.0.9.0/24; nic1 natnet lab; nic2 natnet lab")
    a = t.guest("a", lan=1)
    b = t.guest("b", lan=2)
    t.start(a, b)
    check_chip(t.gw, "nic1", "e1000")
    t.gw.seen(r"^nic2: PCnet-PCI II \(Am79C970A\), MAC ")
    info = t.gw.cmd("ifconfig")
    for nic in ("nic1", "nic2"):
        assert nic_block(info, nic).split("\n", 1)[0].endswith(" promisc"), nic_block(info, nic)
    aa, ba = NatLab.addr(a), NatLab.addr(b)
    assert {aa, ba} == {"10.0.9.15", "10.0.9.16"}, (aa, ba)
    for g, other in ((a, ba), (b, aa)):
        for dst in (other, "10.0.9.2", OUT_ADDR):
            out = g.sh(f"ping -c 3 -i 0.2 -W 2 {dst}")
            assert all_pings_answered(out, 3), out
    got = b.sh(f"timeout 60 wget -q -O - {t.http.url()} | sha256sum", timeout=90)
    assert got.split()[0] == t.http.sha256
    got = a.sh(f"timeout 60 wget -q -O - {t.http.url()} | sha256sum", timeout=90)
    assert got.split()[0] == t.http.sha256
