"""Bridged mode (`nicN bridged`, issue 17): a guest behind vmgate's nic1 is a station
on the WAN's own segment, as VirtualBox's bridged adapter puts a guest on the host's
LAN. It takes its address from the namespace's dnsmasq (the WAN's DHCP server), not
from vmgate, beside vmgate's own WAN lease; it reaches the namespace's server and
vmgate's WAN address; a guest on vmgate's NAT network (nic2) reaches it by its WAN
address, through NAT."""
import ipaddress
import re

import lab as labmod
from vmgate import Vmgate

OUT_ADDR = "192.168.60.1"
POOL = ("192.168.60.50", "192.168.60.99")


def in_pool(addr):
    a = ipaddress.ip_address(addr.split("/")[0])
    return ipaddress.ip_address(POOL[0]) <= a <= ipaddress.ip_address(POOL[1])


def bridged_lab(lab, wan_model, port_model):
    """vmgate with nic0 (a `wan_model`) the WAN on the namespace's br0, where dnsmasq
    serves, nic1 (a `port_model`) bridged, nic2 a NAT network; guest g behind nic1
    and guest h behind nic2. Checks what the module's docstring says."""
    ns = lab.namespace("brd")
    ns.tap("tap0")
    ns.bridge("br0", f"{OUT_ADDR}/24", ports=("tap0",))
    dns = lab.dnsmasq(ns, "br0", POOL)
    for t in ("tap1", "tap2", "tap3", "tap4"):
        ns.tap(t)
    ns.bridge("br1", ports=("tap1", "tap2"))        # nic1 (bridged) and guest g
    ns.bridge("br2", ports=("tap3", "tap4"))        # nic2 (NAT) and guest h
    http = lab.http_server(ns, OUT_ADDR, size=4 << 20)
    gw = Vmgate(lab, ns, config="nic1 bridged\nnic2 nat")
    gw.nic_tap("tap0", model=wan_model)
    gw.nic_tap("tap1", model=port_model)
    gw.nic_tap("tap3")
    gw.start()
    gw.seen(r"^nic1: bridged to nic0's segment$")
    wan = gw.wan_dhcp_address()
    assert in_pool(wan), wan

    g = lab.linux_vm("g", ns=ns, net="dhcp")
    g.nic_tap("tap2")
    addr = g.boot(timeout=90)["eth0"]
    assert in_pool(addr), f"the bridged guest's lease {addr} is not from the WAN's server"
    mine = addr.split("/")[0]
    assert mine != wan
    mac = g.sh("cat /sys/class/net/eth0/address").strip().lower()
    leases = {ip: m.lower() for m, ip, _ in dns.leases()}
    assert leases.get(mine) == mac, leases
    assert len(leases) == 2, f"dnsmasq leased to vmgate and the guest: {leases}"

    out = g.sh(f"timeout 60 wget -q -O - {http.url()} | sha256sum", timeout=70)
    assert http.sha256 in out, out
    g.sh(f"ping -c 3 -W 3 {OUT_ADDR}", timeout=20)
    g.sh(f"ping -c 3 -W 3 {wan}", timeout=20)          # vmgate's own WAN address

    # A NAT guest reaches the bridged guest at its WAN address, translated.
    h = lab.linux_vm("h", ns=ns, net="dhcp")
    h.nic_tap("tap4")
    assert h.boot(timeout=90)["eth0"].startswith("10.0.2.")
    h.sh(f"ping -c 3 -W 3 {mine}", timeout=20)

    sw = gw.cmd("switch nic0")
    lab.log(sw)
    assert re.search(r"^switch nic0 \(bridged\): 3 ports", sw, re.M), sw
    for port in ("nic0", "vmgate", "nic1"):
        m = re.search(rf"port {port} up .* rx (\d+) frames", sw)
        assert m and int(m.group(1)) > 0, (port, sw)
    gw.seen(r"^bridged nic0: 1 NICs on its segment")


@labmod.timeout(240)
@labmod.requires("build")
def test_bridged_guest_leases_from_the_wan(lab):
    bridged_lab(lab, "virtio-net-pci", "virtio-net-pci")


@labmod.timeout(300)
@labmod.requires("build")
def test_bridged_over_an_e1000_wan_and_a_pcnet_port(lab):
    """Chips that filter by address: the e1000 WAN must take the guest's unicast
    (RCTL.UPE) and the PCnet port vmgate's and the WAN's (CSR15 PROM)."""
    bridged_lab(lab, "e1000", "pcnet")
