"""Offloads between vmgate and its taps: the host hands vmgate 64 KiB TCP segments
(TSO) and partial checksums; whatever vmgate does with them, the bytes arrive intact."""
import re

import lab
from vmgate import Vmgate


def offload_counters(ifconfig, nic):
    block = ifconfig.split(f"{nic}: ", 1)[1].split("\nnic", 1)[0]
    m = re.search(r"offload caps (0x[0-9a-f]+|0): rx gso (\d+) csum-partial (\d+), tx gso (\d+) lent (\d+), "
                  r"software segmented (\d+) checksummed (\d+)", block)
    assert m, block
    keys = ("caps", "rx_gso", "rx_partial", "tx_gso", "tx_lent", "sw_segmented", "sw_csum")
    return dict(zip(keys, (int(m.group(1), 16),) + tuple(int(x) for x in m.groups()[1:])))


def exchange_through(lab, config, nat):
    """A guest on a bridged tap (libvirt's topology) and the namespace exchange 4 MiB
    each way through vmgate; returns vmgate's console output of ifconfig and
    fastpath afterwards."""
    ns = lab.namespace("tso")
    ns.tap("tap0")
    ns.bridge("br0", "192.168.60.1/24", ports=("tap0",))
    lab.dnsmasq(ns, "br0", ("192.168.60.50", "192.168.60.99"))
    ns.tap("tap1")
    ns.tap("tap2")
    ns.bridge("br1", ports=("tap1", "tap2"))
    http = lab.http_server(ns, "192.168.60.1", size=4 << 20)
    gw = Vmgate(lab, ns, config=config)
    gw.nic_tap("tap0")
    gw.nic_tap("tap1")
    gw.start()
    gw.seen(r"^nic0: virtio-net \(modern\), MAC \S+, link up, TSO, checksum offload$")
    wan = gw.wan_dhcp_address()
    if not nat:
        ns.ip("route", "add", "192.168.56.0/24", "via", wan)
    g = lab.linux_vm("g", ns=ns, net="dhcp")
    g.nic_tap("tap2")
    g.boot()
    out = g.sh(f"wget -q -O - {http.url()} | sha256sum", timeout=120)
    assert http.sha256 in out, out

    port = ns.free_port()
    sink = lab.logpath("sink.sha256")
    ns.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:{port},reuseaddr - | sha256sum > {sink}"])
    ns.wait_listening(port)
    sent = g.sh(f"dd if=/dev/urandom of=/tmp/up bs=1M count=4 2>/dev/null && sha256sum /tmp/up && "
                f"socat -u FILE:/tmp/up TCP:192.168.60.1:{port}", timeout=120).split()[0]

    def sink_done():
        with open(sink) as f:
            return f.read().strip()
    __import__("lab").wait_until(lambda: sink_done() != "", 30, what="the sink's checksum")
    assert sink_done().split()[0] == sent
    return gw.cmd("ifconfig"), gw.cmd("fastpath")


def check_whole_frames_crossed(info, fast):
    wan, lan = offload_counters(info, "nic0"), offload_counters(info, "nic1")
    assert wan["caps"] & 0x1f == 0x1f and lan["caps"] & 0x1f == 0x1f, (wan, lan)
    # GSO frames arrived on both sides and left whole, lent without a copy.
    assert wan["rx_gso"] > 0 and lan["rx_gso"] > 0, (wan, lan)
    assert wan["tx_gso"] > 0 and lan["tx_gso"] > 0 and wan["tx_lent"] > 0 and lan["tx_lent"] > 0, (wan, lan)
    assert int(re.search(r"forwarded (\d+)", fast).group(1)) > 0, fast


@lab.timeout(150)
@lab.requires("build")
def test_tso_frames_routed_whole(lab):
    """Host-only routing: vmgate negotiates TSO and checksum offload on its taps, and
    the fast path forwards the 64 KiB segments whole, zero-copy; data intact."""
    info, fast = exchange_through(lab, "nic1 hostonly 192.168.56.1/24", nat=False)
    check_whole_frames_crossed(info, fast)


@lab.timeout(150)
@lab.requires("build")
def test_tso_frames_through_nat_whole(lab):
    """NAT: 64 KiB segments with partial checksums are translated in place (the
    partial checksum keeps only the address change) and cross whole; a wrong
    checksum would make the receiving stack drop them, so intact data is the proof."""
    info, fast = exchange_through(lab, "nic1 nat", nat=True)
    check_whole_frames_crossed(info, fast)
