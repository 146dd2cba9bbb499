"""The tunnels part's paths (issue 17, "segments across NICs and hosts"): guest A to
guest B on one Ethernet segment, iperf3 -s in guest B, by each way to join them:

  tun-direct         the two guests' NICs joined by one -netdev dgram on loopback: the ceiling
  tun-vmgate-udp     A - vmgate A = UDP tunnel = vmgate B - B (each vmgate `nic1 intnet seg`
                     and the tunnel on seg; the tunnel over their WAN NICs, two taps on a
                     bridge in the namespace: two hosts' uplinks)
  tun-vmgate-vxlan   the same with `tunnel v0 vxlan`
  tun-linux-vxlan    the same with two Linux router VMs, each bridging its LAN NIC with a
                     vxlan device over its WAN NIC
  intnet-vmgate      A and B on one vmgate's internal network (nic1 and nic2 intnet seg)
  intnet-linux       A and B on one Linux VM bridging its two NICs

Every guest reaches its router by the fastest rootless attach of the attach part
(-netdev stream on a unix socket), the router's end listening; the same for vmgate and
the Linux VMs. No NIC on the guests' side carries a virtio-net header, so every frame
is at most 1514 bytes, as on the dgram ceiling. Registered with topologies.path (the
module is imported at the end of topologies.py); bench.py's "tunnels" table names them.
"""
import os

from probes import guest_link_stats, guest_udp_stats, vmgate_counters, vmgate_segment_counters
from topologies import ELF, GUEST_MEMORY, Topology, path, quiet_bridge, reach
from vmgate import Vmgate

GUEST_NET = "10.74.0"           # guest A .1, guest B .2 (B runs iperf3 -s)
UNDERLAY = "10.73.0"            # the namespace's bridge .1, router A's WAN .2, router B's .3
SERVER_PORT = 33201
UDP_TUNNEL_PORT = 33001
VXLAN_PORT = 33789              # not 4789: the session's own port range; both ends agree
VNI = 42
IP2 = "/usr/libexec/iproute2/ip"     # iproute2's ip in the lab guest (busybox's makes no vxlan)
# The Linux pair's underlay MTU: 1500 + VXLAN's 50 bytes (outer IPv4 20, UDP 8, VXLAN 8,
# inner Ethernet 14), so the guests keep 1500 and no outer packet is fragmented. Linux
# sends "fragmentation needed" back into the bridge rather than fragment the outer
# packet of a DF frame that does not fit (skb_tunnel_check_pmtu), so with a 1500
# underlay the guests would have to drop to 1450.
LINUX_UNDERLAY_MTU = 1550


def guests(lab, ns):
    a = lab.linux_vm("guest-a", ns=ns, net=f"{GUEST_NET}.1/24", memory=GUEST_MEMORY)
    b = lab.linux_vm("guest-b", ns=ns, net=f"{GUEST_NET}.2/24", memory=GUEST_MEMORY)
    return a, b


def attach(lab, router, guest, tag):
    """The guest's NIC to a new NIC of the router: -netdev stream on a unix socket in
    the lab's run directory, the router listening (it must start first)."""
    vm = getattr(router, "vm", router)
    sock = os.path.join(lab.rundir, f"{vm.name}-{tag}.sock")
    vm.nic_stream_listen(path=sock)
    guest.nic_stream_connect(path=sock)


def serve(topo, a, b, what):
    """Boots both guests (their routers already up), starts iperf3 -s in guest B and
    checks that A reaches B."""
    a.start()
    b.start()
    a.boot(timeout=90)
    b.boot(timeout=90)
    b.bg(f"iperf3 -s -p {SERVER_PORT}")
    b.wait_port(SERVER_PORT)
    topo.vms["peer"] = b
    topo.watch["peer"] = lambda: guest_udp_stats(b)     # where B itself loses datagrams
    reach(topo, what)
    return topo


def underlay(ns, mtu=None):
    """Two hosts' uplinks: taps tapa and tapb on a bridge in the namespace (the bridge
    takes the taps' MTU)."""
    ns.tap("tapa", mtu=mtu)
    ns.tap("tapb", mtu=mtu)
    quiet_bridge(ns, "br0", ("tapa", "tapb"))
    ns.addr("br0", f"{UNDERLAY}.1/24")


# --- the ceiling ---------------------------------------------------------------------------

@path("tun-direct", "direct dgram link (no router)",
      "guest A's and guest B's NICs joined by one -netdev dgram on the namespace's loopback "
      "(each end bound to its own UDP port, a frame per datagram)", default=False)
def build_tun_direct(lab, cfg):
    ns = lab.namespace("tdr")
    pa, pb = ns.free_port("udp"), ns.free_port("udp")
    a, b = guests(lab, ns)
    a.nic_dgram(pa, pb)
    b.nic_dgram(pb, pa)
    topo = Topology(a, f"{GUEST_NET}.2", SERVER_PORT, ns)
    return serve(topo, a, b, "direct dgram link")


# --- vmgate: two vmgates joined by a tunnel ----------------------------------------------

def tunnel_config(kind, me, far):
    if kind == "udp":
        return (f"tunnel t0 udp sport={UDP_TUNNEL_PORT} dest={far} dport={UDP_TUNNEL_PORT}; "
                "t0 intnet seg"), "t0"
    return (f"tunnel v0 vxlan vni={VNI} remote={far} sport={VXLAN_PORT} dport={VXLAN_PORT}; "
            "v0 intnet seg"), "v0"


def build_vmgate_tunnel(lab, kind, mtu=None):
    """Two vmgates joined by a tunnel of this kind over their WANs; with mtu, the WANs
    and the underlay at that MTU (`nic0 mtu N`) instead of 1500."""
    ns = lab.namespace("tv" + kind[0])
    underlay(ns, mtu=mtu)
    a, b = guests(lab, ns)
    gws = []
    for side, guest, tap, me, far in (("a", a, "tapa", 2, 3), ("b", b, "tapb", 3, 2)):
        tconf, tname = tunnel_config(kind, f"{UNDERLAY}.{me}", f"{UNDERLAY}.{far}")
        gw = Vmgate(lab, ns, name=f"vmgate-{side}", memory=GUEST_MEMORY,
                    config=f"nic0 wan {UNDERLAY}.{me}/24 gw {UNDERLAY}.1; "
                           + (f"nic0 mtu {mtu}; " if mtu else "") + f"nic1 intnet seg; {tconf}")
        gw.vm.kernel = ELF
        gw.nic_tap(tap)
        attach(lab, gw, guest, "lan")
        gw.start()
        gws.append(gw)
    topo = Topology(a, f"{GUEST_NET}.2", SERVER_PORT, ns)
    for side, gw in zip("ab", gws):
        topo.vms[f"vmgate-{side}"] = gw.vm
        topo.watch[f"vmgate-{side}"] = (lambda gw=gw, t=tname: dict(vmgate_counters(gw),
                                                                     **vmgate_segment_counters(gw, "seg", t)))
    topo.facts["tunnel"] = gws[0].seen(r"^tunnel t0: .*$|^tunnel v0: .*$").group(0)
    topo.profile = (gws[0].vm, ELF)
    topo.gws = gws
    return serve(topo, a, b, f"vmgate {kind} tunnel")


@path("tun-vmgate-udp", "vmgate ⇄ vmgate, UDP tunnel",
      "guest A on vmgate A's nic1, guest B on vmgate B's; each vmgate's internal network seg is "
      "its nic1 and `tunnel t0 udp` aimed at the other's WAN address; the WANs on two taps "
      "bridged in the namespace", default=False, needs=(ELF,))
def build_tun_vmgate_udp(lab, cfg):
    return build_vmgate_tunnel(lab, "udp")


@path("tun-vmgate-vxlan", "vmgate ⇄ vmgate, VXLAN",
      "as the UDP tunnel row, with `tunnel v0 vxlan vni=42 remote=<the other WAN>` on seg",
      default=False, needs=(ELF,))
def build_tun_vmgate_vxlan(lab, cfg):
    return build_vmgate_tunnel(lab, "vxlan")


@path("tun-vmgate-vxlan-1550", f"vmgate ⇄ vmgate, VXLAN, underlay MTU {LINUX_UNDERLAY_MTU}",
      f"as the VXLAN row, with the WANs and the underlay at the Linux pair's MTU "
      f"(`nic0 mtu {LINUX_UNDERLAY_MTU}`), so that no outer packet is fragmented either",
      default=False, needs=(ELF,))
def build_tun_vmgate_vxlan_1550(lab, cfg):
    return build_vmgate_tunnel(lab, "vxlan", mtu=LINUX_UNDERLAY_MTU)


# --- Linux: two router VMs joined by vxlan -----------------------------------------------

def linux_vxlan_setup(me, far):
    return (f"set -e; {IP2} link add vxlan0 mtu 1500 type vxlan id {VNI} local {me} remote {far} "
            f"dstport {VXLAN_PORT} dev eth0; "
            f"{IP2} link add br0 type bridge; {IP2} link set eth1 master br0; "
            f"{IP2} link set vxlan0 master br0; "
            f"for d in eth1 vxlan0 br0; do {IP2} link set $d up; done; "
            f"{IP2} -d link show vxlan0 | head -3")


@path("tun-linux-vxlan", "Linux VM ⇄ Linux VM, vxlan + bridge",
      "the lab guest as two router VMs, each a Linux bridge of its LAN NIC (guest A's or B's) "
      f"and a vxlan device (VNI {VNI}) over its WAN NIC; the WANs on two taps bridged in the "
      f"namespace, MTU {LINUX_UNDERLAY_MTU}", default=False)
def build_tun_linux_vxlan(lab, cfg):
    ns = lab.namespace("tlx")
    underlay(ns, mtu=LINUX_UNDERLAY_MTU)
    a, b = guests(lab, ns)
    routers = []
    for side, guest, tap, me in (("a", a, "tapa", 2), ("b", b, "tapb", 3)):
        r = lab.linux_vm(f"router-{side}", ns=ns, memory=GUEST_MEMORY,
                         net=[f"{UNDERLAY}.{me}/24,mtu={LINUX_UNDERLAY_MTU}"])
        r.nic_tap(tap)
        attach(lab, r, guest, "lan")
        r.start()
        routers.append(r)
    topo = Topology(a, f"{GUEST_NET}.2", SERVER_PORT, ns)
    for side, r, me, far in (("a", routers[0], 2, 3), ("b", routers[1], 3, 2)):
        r.boot()
        out = r.sh(linux_vxlan_setup(f"{UNDERLAY}.{me}", f"{UNDERLAY}.{far}"))
        if side == "a":
            topo.facts["router a vxlan0"] = " ".join(out.split())[:200]
        topo.vms[f"router-{side}"] = r
        topo.watch[f"router-{side}"] = lambda r=r: guest_link_stats(r)
    return serve(topo, a, b, "Linux vxlan pair")


# --- one internal network -----------------------------------------------------------------

@path("intnet-vmgate", "vmgate, one internal network",
      "guest A on vmgate's nic1 and guest B on its nic2, both `intnet seg` (vmgate's learning "
      "switch); no WAN", default=False, needs=(ELF,))
def build_intnet_vmgate(lab, cfg):
    ns = lab.namespace("ivm")
    a, b = guests(lab, ns)
    gw = Vmgate(lab, ns, name="vmgate", memory=GUEST_MEMORY,
                config="nic0 intnet seg; nic1 intnet seg")
    gw.vm.kernel = ELF
    attach(lab, gw, a, "a")
    attach(lab, gw, b, "b")
    gw.start()
    topo = Topology(a, f"{GUEST_NET}.2", SERVER_PORT, ns)
    topo.vms["vmgate"] = gw.vm
    topo.watch["vmgate"] = lambda: dict(vmgate_counters(gw), **vmgate_segment_counters(gw, "seg"))
    topo.profile = (gw.vm, ELF)
    topo.gws = [gw]
    return serve(topo, a, b, "vmgate internal network")


@path("intnet-linux", "Linux VM, one bridge",
      "the lab guest as a VM bridging its two NICs (guest A's and B's) with a Linux bridge",
      default=False)
def build_intnet_linux(lab, cfg):
    ns = lab.namespace("ilx")
    a, b = guests(lab, ns)
    r = lab.linux_vm("bridge", ns=ns, memory=GUEST_MEMORY)
    attach(lab, r, a, "a")
    attach(lab, r, b, "b")
    r.start()
    r.boot()
    r.sh(f"set -e; {IP2} link add br0 type bridge; {IP2} link set eth0 master br0; "
         f"{IP2} link set eth1 master br0; for d in eth0 eth1 br0; do {IP2} link set $d up; done")
    topo = Topology(a, f"{GUEST_NET}.2", SERVER_PORT, ns)
    topo.vms["bridge"] = r
    topo.watch["bridge"] = lambda: guest_link_stats(r)
    return serve(topo, a, b, "Linux bridge VM")
