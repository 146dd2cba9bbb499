"""libvirt's topology around vmgate: its WAN on a tap bridged with a namespace that
runs dnsmasq and an HTTP server, its LAN on a tap bridged with a Linux guest's tap.
Taps carry offloads (vnet headers) where socket netdevs carry none, so this is where
64 KiB GSO frames and partial checksums reach vmgate (test_offload, test_e1000)."""
import time

import lab as labmod
from vmgate import Vmgate

OUT_ADDR = "192.168.60.1"


def exchange_through(lab, config, nat, wan_model="virtio-net-pci", size=4 << 20):
    """The guest downloads `size` bytes from the namespace, then uploads as many of
    its own, through vmgate (WAN nic0 a `wan_model`, LAN nic1 a virtio-net on a tap),
    each checked by sha256 and timed in the log. Without NAT the namespace routes
    vmgate's host-only network 192.168.56.0/24 to its WAN address. Returns (the
    Vmgate, its ifconfig output, its fastpath output) after both transfers."""
    ns = lab.namespace("tso")
    ns.tap("tap0")
    ns.bridge("br0", f"{OUT_ADDR}/24", ports=("tap0",))
    lab.dnsmasq(ns, "br0", ("192.168.60.50", "192.168.60.99"))
    ns.tap("tap1")
    ns.tap("tap2")
    ns.bridge("br1", ports=("tap1", "tap2"))
    http = lab.http_server(ns, OUT_ADDR, size=size)
    gw = Vmgate(lab, ns, config=config)
    gw.nic_tap("tap0", model=wan_model)
    gw.nic_tap("tap1")
    gw.start()
    wan = gw.wan_dhcp_address()
    if not nat:
        ns.ip("route", "add", "192.168.56.0/24", "via", wan)
    g = lab.linux_vm("g", ns=ns, net="dhcp")
    g.nic_tap("tap2")
    g.boot()
    mib = size >> 20
    started = time.monotonic()
    out = g.sh(f"timeout 150 wget -q -O - {http.url()} | sha256sum", timeout=170)
    down = time.monotonic() - started
    assert http.sha256 in out, out

    port = ns.free_port()
    sink = lab.logpath("sink.sha256")
    ns.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:{port},reuseaddr - | sha256sum > {sink}"])
    ns.wait_listening(port)
    sent = g.sh(f"dd if=/dev/urandom of=/tmp/up bs=1M count={mib} 2>/dev/null && sha256sum /tmp/up",
                timeout=60).split()[0]
    started = time.monotonic()
    g.sh(f"socat -u FILE:/tmp/up TCP:{OUT_ADDR}:{port}", timeout=150)

    def sink_done():
        with open(sink) as f:
            return f.read().strip()
    labmod.wait_until(lambda: sink_done() != "", 30, what="the sink's checksum")
    up = time.monotonic() - started
    assert sink_done().split()[0] == sent, "the upload arrived damaged"
    lab.log(f"{mib} MiB down in {down:.1f} s ({size * 8 / down / 1e6:.0f} Mbit/s), "
            f"up in {up:.1f} s ({size * 8 / up / 1e6:.0f} Mbit/s)")
    return gw, gw.cmd("ifconfig"), gw.cmd("fastpath")
