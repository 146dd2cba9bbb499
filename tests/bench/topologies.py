"""The rows of the benchmark: one network path each, from the lab guest (the iperf3
client) to an iperf3 server, built inside the lab's namespaces.

A path is a function `build(lab, cfg) -> Topology` registered with @path(...). It boots
what it needs, checks that the guest reaches the server, and says in `notes` anything a
reader must know about how it was measured (vmgate as a plain router until its NAT
exists, static addresses until its DHCP server exists). To add a row: write one more
builder here and name it in a table (bench.py's TABLES).

Every path uses the same client: the lab guest (Debian's kernel, busybox initramfs with
iperf3), one virtio-net NIC, GUEST_MEMORY MiB. Router VMs get the same memory. Addresses:
the "outside" is 192.168.50.1/24 on a tap in the namespace, a router's WAN is .2; the
guest's LAN is 10.0.2.0/24 with the router at .2 (VirtualBox's layout) and the guest at
.15 when it is static.
"""
import os
import re

import lab as labmod
from probes import guest_link_stats, vmgate_counters
from vmgate import Vmgate, ELF as BUILT_ELF

# The vmgate kernel measured: build/vmgate.elf, or another build named by
# BENCH_VMGATE_ELF (to compare two builds with the same harness).
ELF = os.path.abspath(os.environ.get("BENCH_VMGATE_ELF") or BUILT_ELF)

GUEST_MEMORY = 256
WAN_NET = "192.168.50"
SERVER = f"{WAN_NET}.1"
LAN_NET = "10.0.2"

PATHS = {}


class Path:
    def __init__(self, name, title, build, topology, default=True, needs=()):
        self.name = name
        self.title = title              # the row's name in the tables
        self.build = build
        self.topology = topology        # one sentence for the report
        self.default = default          # measured unless BENCH_ONLY names others
        self.needs = needs              # files that must exist (else the row says why not)


def path(name, title, topology, default=True, needs=()):
    def register(fn):
        PATHS[name] = Path(name, title, fn, topology, default, needs)
        return fn
    return register


class Topology:
    """What the measurements need from a built path.

    client       the LinuxGuest that runs iperf3 -c
    server_addr  where the client finds the iperf3 server; server_port its port
    server_log   the server's log (which source address it saw), or None
    vms          {role: VM} whose QEMU CPU time is watched ("guest", "router", ...)
    ns           the namespace whose links are counted
    watch        {role: callable() -> counters} read before and after each measurement
    profile      (VM, ELF) to sample the instruction pointer of, or None
    notes        sentences for the report
    """

    def __init__(self, client, server_addr, server_port, ns, server_log=None, server_pid=None):
        self.client = client            # None for the PXE paths (a diskless guest per boot)
        self.server_addr = server_addr
        self.server_port = server_port
        self.server_log = server_log
        self.server_pid = server_pid
        self.ns = ns
        self.vms = {"guest": client} if client else {}
        self.pxe = None                 # a pxeboot.PxeRig on the PXE paths
        self.lan_sender = None          # the nics part's native LAN sender (lan_sender())
        self.watch = {}
        self.profile = None
        self.notes = []
        self.facts = {}

    def pids(self):
        pids = {role: vm.proc.pid for role, vm in self.vms.items() if vm.proc}
        if self.server_pid:
            pids["iperf3 -s"] = self.server_pid
        return pids

    def server_peers(self):
        """Source addresses the namespace's iperf3 server accepted connections from."""
        if not self.server_log or not os.path.exists(self.server_log):
            return []
        with open(self.server_log, errors="replace") as f:
            return sorted(set(re.findall(r"Accepted connection from ([\d.]+)", f.read())))


def iperf_server(lab, ns, addr):
    return lab.iperf3_server(ns, addr)


def quiet_bridge(ns, name, ports):
    """A Linux bridge in the namespace joining the given taps, with br_netfilter's
    iptables/arptables calls off in this namespace (they are on by default once the
    module is loaded on the host, and would put every bridged frame through the
    namespace's empty netfilter hooks)."""
    for knob in ("bridge-nf-call-iptables", "bridge-nf-call-arptables", "bridge-nf-call-ip6tables"):
        ns.run(f"test ! -e /proc/sys/net/bridge/{knob} || echo 0 > /proc/sys/net/bridge/{knob}",
               check=False)
    return ns.bridge(name, ports=ports)


# virtio-net feature bits that say whether offloads are on (virtio 1.x, 5.1.3).
OFFLOAD_BITS = {0: "CSUM", 1: "GUEST_CSUM", 7: "GUEST_TSO4", 11: "HOST_TSO4", 15: "MRG_RXBUF"}


def offloads(vm, ifname="eth0"):
    """The offload features a Linux guest's virtio-net NIC negotiated, e.g.
    "CSUM GUEST_CSUM GUEST_TSO4 HOST_TSO4 MRG_RXBUF" (none over socket or user netdevs,
    whose backends carry no virtio-net header)."""
    rc, out = vm.run(f"cat /sys/class/net/{ifname}/device/features", timeout=10)
    bits = out.strip()
    if rc != 0 or not set(bits) <= {"0", "1"}:
        return "?"
    return " ".join(n for b, n in OFFLOAD_BITS.items() if len(bits) > b and bits[b] == "1") or "none"


def reach(topo, what):
    """The client pings the server; LabError with the guest's view if it cannot."""
    rc, out = topo.client.run(f"ping -c 2 -W 2 {topo.server_addr}", timeout=20)
    topo.facts.setdefault("guest offloads", offloads(topo.client))
    if rc != 0:
        _, routes = topo.client.run("ip addr; ip route", timeout=10)
        raise labmod.LabError(f"{what}: the guest cannot reach {topo.server_addr}:\n{out}\n{routes}")


# The rootless ways to join a router VM's LAN NIC and the guest's (issue 17; the
# attach part), as tools/vmgate-run offers them: (kind, what it is).
ATTACH_KINDS = [
    ("socket", "-netdev socket over TCP on loopback, a 4-byte length before each frame (listen/connect)"),
    ("stream-tcp", "-netdev stream over TCP on loopback, the same framing (server=on/off)"),
    ("stream-unix", "-netdev stream on a unix socket, the same framing"),
    ("dgram-udp", "-netdev dgram over UDP on loopback, a frame per datagram, each end bound to its port"),
    ("dgram-unix", "-netdev dgram between two unix datagram sockets, a frame per datagram"),
    ("mcast", "-netdev socket,mcast= on a multicast group sent from 127.0.0.1, a frame per datagram "
              "to every member (a hub; the sender's own frames come back to it too)"),
]


def lan_attach(lab, ns, kind, router_vm, guest, tap_router="tapl", tap_guest="tapg",
               model="virtio-net-pci"):
    """Joins a router VM's LAN NIC and the guest's NIC: "bridge" (two taps in a Linux
    bridge in the namespace, libvirt's usual topology) or one of ATTACH_KINDS (QEMU
    netdevs on the namespace's loopback or on unix sockets in the lab's run directory;
    the router's end listens or binds first). model: the QEMU NIC model of both ends."""
    vm = getattr(router_vm, "vm", router_vm)          # a Vmgate, or a VM itself
    if kind == "bridge":
        ns.tap(tap_router)
        ns.tap(tap_guest)
        quiet_bridge(ns, "br0", (tap_router, tap_guest))
        vm.nic_tap(tap_router, model=model)
        guest.nic_tap(tap_guest, model=model)
    elif kind == "socket":
        port = ns.free_port()
        vm.nic_socket_listen(port, model=model)
        guest.nic_socket_connect(port, model=model)
    elif kind == "stream-tcp":
        port = ns.free_port()
        vm.nic_stream_listen(port=port, model=model)
        guest.nic_stream_connect(port=port, model=model)
    elif kind == "stream-unix":
        path = os.path.join(lab.rundir, f"{vm.name}-lan.sock")
        vm.nic_stream_listen(path=path, model=model)
        guest.nic_stream_connect(path=path, model=model)
    elif kind == "dgram-udp":
        a, b = ns.free_port("udp"), ns.free_port("udp")
        vm.nic_dgram(a, b, model=model)
        guest.nic_dgram(b, a, model=model)
    elif kind == "dgram-unix":
        a = os.path.join(lab.rundir, f"{vm.name}-lan.dgram")
        b = os.path.join(lab.rundir, f"{guest.name}-lan.dgram")
        vm.nic_dgram_unix(a, b, model=model)
        guest.nic_dgram_unix(b, a, model=model)
    elif kind == "mcast":
        port = ns.free_port("udp")
        vm.nic_mcast("230.0.0.1", port, model=model)
        guest.nic_mcast("230.0.0.1", port, model=model)
    else:
        raise ValueError(f"lan_attach: unknown kind {kind}")


# --- 1. the direct link: the ceiling ---------------------------------------------------

@path("direct", "direct link (guest tap in the namespace)",
      "the guest's tap straight into the namespace, the server on that tap's address")
def build_direct(lab, cfg):
    ns = lab.namespace("dir")
    ns.tap("tapg", f"{SERVER}/24")
    srv = iperf_server(lab, ns, SERVER)
    g = lab.linux_vm("guest", ns=ns, net=f"{WAN_NET}.15/24", memory=GUEST_MEMORY)
    g.nic_tap("tapg")
    g.boot()
    topo = Topology(g, SERVER, srv.port, ns, srv.proc.logfile, srv.proc.pid)
    reach(topo, "direct")
    return topo


# --- 2. vmgate ---------------------------------------------------------------------------

def build_vmgate_path(lab, cfg, lan, fastpath=True, model="virtio-net-pci"):
    ns = lab.namespace("vmg")
    ns.tap("tapw", f"{SERVER}/24")
    srv = iperf_server(lab, ns, SERVER)
    gw = Vmgate(lab, ns, config=f"nic0 wan {WAN_NET}.2/24 gw {SERVER}; nic1 nat {LAN_NET}.0/24",
                memory=GUEST_MEMORY)
    gw.vm.kernel = ELF
    gw.nic_tap("tapw", model=model)
    # DHCP if vmgate serves it; a short try, since today it may not.
    g = lab.linux_vm("guest", ns=ns, net="dhcp", append_extra="vmg.dhcp=3,1", memory=GUEST_MEMORY)
    lan_attach(lab, ns, lan, gw, g, model=model)
    gw.start()
    status = g.boot(timeout=90)
    topo = Topology(g, SERVER, srv.port, ns, srv.proc.logfile, srv.proc.pid)
    topo.vms["vmgate"] = gw.vm
    addr = status.get("eth0", "")
    if "/" in addr:
        topo.facts["guest address"] = f"{addr} by DHCP from vmgate"
    else:
        g.sh(f"ip addr add {LAN_NET}.15/24 dev eth0 && ip route add default via {LAN_NET}.2")
        topo.notes.append(f"vmgate gave no DHCP lease ({addr}): the guest was set to "
                          f"{LAN_NET}.15/24 gw {LAN_NET}.2 by hand.")
        topo.facts["guest address"] = f"{LAN_NET}.15/24 static (no DHCP from vmgate)"
    rc, _ = g.run(f"ping -c 2 -W 2 {SERVER}", timeout=20)
    if rc == 0:
        topo.facts["vmgate mode"] = "NAT (no route back in the namespace)"
    else:
        ns.ip("route", "add", f"{LAN_NET}.0/24", "via", f"{WAN_NET}.2")
        topo.notes.append("Without a route back the guest could not reach the server (no NAT in this "
                          f"build): measured as a plain router, with {LAN_NET}.0/24 routed via "
                          f"vmgate's WAN address {WAN_NET}.2 in the namespace.")
        topo.facts["vmgate mode"] = "plain router (route back in the namespace)"
    state = gw.cmd("fastpath" if fastpath else "fastpath off")
    if "unknown command" in state:
        if not fastpath:
            raise labmod.LabError("this vmgate build has no forwarding fast path to turn off")
        topo.facts["fast path"] = "none in this build (every frame through lwIP)"
    else:
        topo.facts["fast path"] = state.strip().split(";")[0].replace("fastpath: ", "")
    reach(topo, "vmgate")
    topo.watch["vmgate"] = lambda: vmgate_counters(gw)
    topo.profile = (gw.vm, ELF)
    topo.gw = gw
    return topo


@path("vmgate", "vmgate", "vmgate's WAN on a tap in the namespace, its LAN on a tap that a Linux "
      "bridge joins to the guest's tap", needs=(ELF,))
def build_vmgate(lab, cfg):
    return build_vmgate_path(lab, cfg, "bridge")


@path("vmgate-lwip", "vmgate, fast path off (all through lwIP)",
      "as vmgate, with the forwarding fast path turned off on the console ('fastpath off'): every "
      "frame goes through lwIP (software segmentation of GSO frames, a copy per frame)", needs=(ELF,))
def build_vmgate_lwip(lab, cfg):
    return build_vmgate_path(lab, cfg, "bridge", fastpath=False)


@path("vmgate-socket", "vmgate, LAN over -netdev socket",
      "vmgate's WAN on a tap, its LAN a socket netdev (listen) that the guest connects to", needs=(ELF,))
def build_vmgate_socket(lab, cfg):
    return build_vmgate_path(lab, cfg, "socket")


# --- the attach part (issue 17): vmgate's LAN by each rootless netdev -----------------------

@path("attach-direct", "direct link (guest tap in the namespace)",
      "as the throughput part's direct link, measured again in the same run as the attach rows "
      "(the ceiling of this part's ratios)", default=False)
def build_attach_direct(lab, cfg):
    return build_direct(lab, cfg)


def _attach_paths(kind, what):
    @path(f"attach-{kind}", f"vmgate, LAN by {kind}",
          f"as the throughput part's vmgate (WAN on a tap, NAT), its LAN joined to the guest by {what}",
          default=False, needs=(ELF,))
    def build(lab, cfg):
        topo = build_vmgate_path(lab, cfg, kind)
        topo.facts["attach"] = what
        topo.kind = kind
        return topo


for _kind, _what in ATTACH_KINDS:
    _attach_paths(_kind, _what)


# --- 3. a Linux router VM ------------------------------------------------------------------

ROUTER_SETUP = f"""
echo 1 > /proc/sys/net/ipv4/ip_forward
nft -f - <<'EOF'
table ip nat {{
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth0" masquerade
    }}
}}
EOF
dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --interface=eth1 \\
    --except-interface=lo --dhcp-range={LAN_NET}.15,{LAN_NET}.99,1h --dhcp-authoritative \\
    --dhcp-option=option:router,{LAN_NET}.2 --user=root --group=root \\
    --dhcp-leasefile=/tmp/dnsmasq.leases --pid-file=/tmp/dnsmasq.pid
"""


def build_router_path(lab, cfg, lan, model="virtio-net-pci"):
    ns = lab.namespace("lnx")
    ns.tap("tapw", f"{SERVER}/24")
    srv = iperf_server(lab, ns, SERVER)
    r = lab.linux_vm("router", ns=ns, net=[f"{WAN_NET}.2/24,gw={SERVER}", f"{LAN_NET}.2/24"],
                     memory=GUEST_MEMORY)
    r.nic_tap("tapw", model=model)
    g = lab.linux_vm("guest", ns=ns, net="dhcp", memory=GUEST_MEMORY)
    lan_attach(lab, ns, lan, r, g, model=model)
    r.start()
    g.start()               # boots beside the router; udhcpc retries until dnsmasq answers
    r.boot()
    r.sh(ROUTER_SETUP)
    status = g.boot(timeout=90)
    addr = status.get("eth0", "")
    if "/" not in addr:
        raise labmod.LabError(f"the guest got no lease from the Linux router: {g.ready_line}")
    topo = Topology(g, SERVER, srv.port, ns, srv.proc.logfile, srv.proc.pid)
    topo.vms["router"] = r
    topo.facts["guest address"] = f"{addr} by DHCP from dnsmasq in the router"
    topo.facts["router offloads"] = f"eth0 {offloads(r, 'eth0')}; eth1 {offloads(r, 'eth1')}"
    reach(topo, "linux router")
    topo.watch["router"] = lambda: guest_link_stats(r)
    return topo


@path("linux-router", "Linux router VM (nft masquerade + dnsmasq)",
      "the lab guest as a router: eth0 on the WAN tap, eth1 on a tap bridged with the guest's tap; "
      "ip_forward, nftables masquerade on eth0, dnsmasq serving DHCP on eth1")
def build_router(lab, cfg):
    return build_router_path(lab, cfg, "bridge")


@path("linux-router-socket", "Linux router VM, LAN over -netdev socket",
      "the same router with eth1 a socket netdev (listen) that the guest connects to")
def build_router_socket(lab, cfg):
    return build_router_path(lab, cfg, "socket")


# --- per NIC model (the nics part, issue 16) --------------------------------------------------

# QEMU's models of the NICs vmgate drives: (key, -device model, what it stands for).
NIC_MODELS = [
    ("virtio", "virtio-net-pci", "virtio-net (transitional)"),
    ("e1000", "e1000", "Intel 82540EM (PRO/1000 MT Desktop)"),
    ("e1000-82545em", "e1000-82545em", "Intel 82545EM (PRO/1000 MT Server)"),
    ("e1000-82544gc", "e1000-82544gc", "Intel 82544GC (for the 82543GC, PRO/1000 T Server)"),
    ("pcnet", "pcnet", "AMD PCnet-PCI II (Am79C970A)"),
]


# Descriptors per ring (receive and transmit) that the Linux VMs' NICs get by ethtool -G
# on these models, the same on the guest and on the Linux router, so both routers face
# the same receiver. pcnet32 defaults to 32 receive and 16 transmit descriptors; QEMU's
# PCnet drops every frame that finds no receive descriptor free, and a guest that
# drains 32 slower than a router forwards misses a fifth of a TCP download (drivers/
# pcnet.c). 512 is pcnet32's maximum and the size vmgate's own PCnet driver uses. The
# other models keep their drivers' defaults (e1000 256; virtio-net's ring is QEMU's).
# BENCH_RINGS=0 keeps the defaults (to see what the rings change).
NIC_RINGS = {} if os.environ.get("BENCH_RINGS") == "0" else {"pcnet": 512}


def ring_sizes(vm, ifname):
    """(rx, tx) descriptors the NIC has now, from ethtool -g, or None."""
    rc, out = vm.run(f"ethtool -g {ifname}", timeout=15)
    now = out.split("Current hardware settings:")[-1]
    rx, tx = re.search(r"^RX:\s+(\d+)", now, re.M), re.search(r"^TX:\s+(\d+)", now, re.M)
    return (int(rx.group(1)), int(tx.group(1))) if rc == 0 and rx and tx else None


def size_rings(topo, vms, n):
    """ethtool -G on each (role, VM, interfaces); the sizes read back go into the
    facts. pcnet32 restarts its chip for it (addresses and routes stay), so the
    path's reachability is checked again."""
    got = []
    for role, vm, ifnames in vms:
        for ifname in ifnames:
            vm.sh(f"ethtool -G {ifname} rx {n} tx {n}")
            sizes = ring_sizes(vm, ifname)
            if sizes != (n, n):
                raise labmod.LabError(f"{role} {ifname}: ethtool -G rx {n} tx {n} left {sizes}")
            got.append(f"{role} {ifname} rx {sizes[0]} tx {sizes[1]}")
    topo.facts["Linux rings (ethtool -G)"] = ", ".join(got)
    reach(topo, "after ethtool -G")


def vmgate_rings(gw):
    """vmgate's descriptors per NIC as its driver's boot line says (PCnet: "... N+M
    descriptors", receive+transmit), or None for drivers that print none."""
    found = re.findall(r"^(nic\d+): chip ID .* (\d+)\+(\d+) descriptors", gw.vm.console.text, re.M)
    return ", ".join(f"{nic} rx {rx} tx {tx}" for nic, rx, tx in found) or None


# The native sender of the forwarding measurement (measures.udp64_fwd): a namespace of its
# own on the LAN bridge, at this address, the router as its gateway.
LAN_SENDER = f"{LAN_NET}.200"


def lan_sender(lab, topo):
    """A namespace joined to the LAN bridge (br0) by a veth, LAN_SENDER/24 with the
    router's LAN address as its gateway: a sender that runs natively, so that what
    crosses the router is limited by the router, not by a guest under TCG. Its
    iperf3 -c reaches the server through the router's NAT like the guest's."""
    ns2 = lab.namespace("lsnd")
    labmod.veth(topo.ns, "vsnd0", ns2, "vsnd1")
    topo.ns.ip("link", "set", "vsnd0", "master", "br0")
    ns2.addr("vsnd1", f"{LAN_SENDER}/24")
    ns2.ip("route", "add", "default", "via", f"{LAN_NET}.2")
    out = ns2.run(["ping", "-c", "2", "-W", "2", topo.server_addr], check=False)
    if out.returncode != 0:
        raise labmod.LabError(f"the LAN sender cannot reach {topo.server_addr}: {out.stdout}{out.stderr}")
    topo.lan_sender = ns2


def _nic_paths(key, model, what):
    topo_text = (f"as the bridge table's, with every NIC a QEMU `{model}`: vmgate's WAN and LAN, "
                 f"the Linux router's two NICs, and the guest's")
    rings = NIC_RINGS.get(key)

    @path(f"nic-vmgate-{key}", f"vmgate, {model}", f"vmgate: {topo_text}", default=False, needs=(ELF,))
    def build_v(lab, cfg):
        topo = build_vmgate_path(lab, cfg, "bridge", model=model)
        topo.facts["NIC model"] = f"{model}: {what}"
        if vmgate_rings(topo.gw):
            topo.facts["vmgate rings"] = vmgate_rings(topo.gw)
        if rings:
            size_rings(topo, [("guest", topo.client, ["eth0"])], rings)
        lan_sender(lab, topo)
        topo.model = key
        return topo

    @path(f"nic-linux-{key}", f"Linux router VM, {model}", f"Linux router: {topo_text}", default=False)
    def build_l(lab, cfg):
        topo = build_router_path(lab, cfg, "bridge", model=model)
        topo.facts["NIC model"] = f"{model}: {what}"
        if rings:
            size_rings(topo, [("router", topo.vms["router"], ["eth0", "eth1"]),
                              ("guest", topo.client, ["eth0"])], rings)
        lan_sender(lab, topo)
        topo.model = key
        return topo


for _key, _model, _what in NIC_MODELS:
    _nic_paths(_key, _model, _what)


# --- 4. QEMU user networking ----------------------------------------------------------------

@path("slirp", "QEMU user networking (slirp)",
      "-netdev user in the guest's QEMU, run inside the namespace; the server listens on the "
      "namespace's 127.0.0.1, which the guest reaches as slirp's host address 10.0.2.2")
def build_slirp(lab, cfg):
    # Without restrict=on, since the guest must reach the server as slirp's host address:
    # allowed because this QEMU runs inside a namespace the bench made, with no route out.
    ns = lab.namespace("usr")
    srv = iperf_server(lab, ns, "127.0.0.1")
    g = lab.linux_vm("guest", ns=ns, net=f"{LAN_NET}.15/24,gw={LAN_NET}.2", memory=GUEST_MEMORY)
    g.nic(f"user,net={LAN_NET}.0/24,host={LAN_NET}.2")
    g.boot()
    topo = Topology(g, f"{LAN_NET}.2", srv.port, ns, srv.proc.logfile, srv.proc.pid)
    reach(topo, "slirp")
    return topo


# --- optional: the socket netdev itself, two guests and no router ------------------------------

@path("socket-link", "socket netdev link, two guests, no router",
      "two lab guests joined by one -netdev socket on loopback; the server is iperf3 -s in the "
      "second guest (only with BENCH_ONLY=socket-link: not a path to the namespace)", default=False)
def build_socket_link(lab, cfg):
    ns = lab.namespace("sck")
    port = ns.free_port()
    peer = lab.linux_vm("peer", ns=ns, net="192.168.77.1/24", memory=GUEST_MEMORY)
    peer.nic_socket_listen(port)
    g = lab.linux_vm("guest", ns=ns, net="192.168.77.2/24", memory=GUEST_MEMORY)
    g.nic_socket_connect(port)
    peer.start()
    g.start()
    peer.boot()
    g.boot()
    peer.bg("iperf3 -s -p 5201")
    peer.wait_port(5201)
    topo = Topology(g, "192.168.77.1", 5201, ns)
    topo.vms["peer"] = peer
    reach(topo, "socket link")
    return topo


# --- PXE: the boot servers (the PXE part: pxeboot.py) -----------------------------------------

PXE_LAN_CLIENT = f"{LAN_NET}.10"        # the namespace on the guests' LAN (below every pool, not .4)


def pxe_lan(lab, ns, router_vm, tap_router="tapl"):
    """The guests' LAN for the PXE paths: a Linux bridge in the namespace joining the
    server's LAN tap and the diskless guest's tap (tapp), with the namespace itself
    on it at PXE_LAN_CLIENT (the TFTP table's client). Returns a function that
    gives a diskless VM its NIC (a MAC per way it boots)."""
    import pxeboot
    ns.tap(tap_router)
    ns.tap("tapp")
    quiet_bridge(ns, "br0", (tap_router, "tapp"))
    ns.addr("br0", f"{PXE_LAN_CLIENT}/24")
    router_vm.nic_tap(tap_router)

    def attach(vm, kind):
        vm.nic_tap("tapp", mac=pxeboot.MAC[kind])
    return attach


def pxe_topology(ns, rig, server, tftp_root_note):
    topo = Topology(None, server, None, ns)
    topo.pxe = rig
    topo.facts["boot files"] = tftp_root_note
    return topo


@path("pxe-vmgate", "vmgate", "vmgate's WAN on a tap, its LAN (nic1, a NAT network) on a tap that a "
      "Linux bridge in the namespace joins to the diskless guest's tap and on which the namespace "
      "has an address; boot files from a host folder over virtio-9p (vmgate-run --tftp)", needs=(ELF,))
def build_pxe_vmgate(lab, cfg):
    import pxeboot
    ns = lab.namespace("pxv")
    ns.tap("tapw", f"{SERVER}/24")
    root, sha = pxeboot.prepare_root(lab, cfg.tftp_mib)
    gw = Vmgate(lab, ns, config=f"nic0 wan {WAN_NET}.2/24 gw {SERVER}; nic1 nat {LAN_NET}.0/24; "
                f"pxe nic1 bios tftp.ipxe; dhcp nic1 host {pxeboot.MAC['http']} {LAN_NET}.21 boot http.ipxe",
                memory=GUEST_MEMORY, tftp_dir=root)
    gw.vm.kernel = ELF
    gw.nic_tap("tapw")
    attach = pxe_lan(lab, ns, gw)
    gw.start()
    rig = pxeboot.PxeRig(lab, ns, attach, f"{LAN_NET}.2", ("tftp", "http"), f"{LAN_NET}.2", sha,
                         cfg.tftp_mib << 20)
    topo = pxe_topology(ns, rig, f"{LAN_NET}.2", "a host folder over virtio-9p (read on demand)")
    topo.vms["vmgate"] = gw.vm
    topo.watch["vmgate"] = lambda: vmgate_counters(gw)
    topo.facts["vmgate pxe"] = "bios tftp.ipxe; the HTTP guest's MAC reserved with boot http.ipxe"
    topo.gw = gw
    return topo


@path("pxe-linux-router", "Linux router VM (dnsmasq)",
      "the lab guest as a router (eth0 on the WAN tap, eth1 on a tap that the namespace's bridge "
      "joins to the diskless guest's tap), dnsmasq serving DHCP and TFTP on eth1 from a folder in "
      "its RAM: --enable-tftp --dhcp-boot=tftp.ipxe")
def build_pxe_router(lab, cfg):
    import pxeboot
    ns = lab.namespace("pxl")
    ns.tap("tapw", f"{SERVER}/24")
    root, sha = pxeboot.prepare_root(lab, cfg.tftp_mib)
    r = lab.linux_vm("router", ns=ns, net=[f"{WAN_NET}.2/24,gw={SERVER}", f"{LAN_NET}.2/24"],
                     memory=GUEST_MEMORY)
    r.nic_tap("tapw")
    attach = pxe_lan(lab, ns, r)
    r.boot()
    # The boot files into the router's RAM, from the namespace over the LAN.
    http = lab.http_server(ns, PXE_LAN_CLIENT)
    files = sorted(os.listdir(root))
    for name in files:
        os.symlink(os.path.join(root, name), os.path.join(http.root, name))
    r.sh("mkdir -p /tftp && cd /tftp && for f in " + " ".join(files) +
         f"; do wget -q -O $f {http.url('')}$f || exit 1; done; ls -l /tftp", timeout=120)
    r.sh(f"echo 1 > /proc/sys/net/ipv4/ip_forward; dnsmasq --conf-file=/dev/null --no-resolv "
         f"--no-hosts --bind-interfaces --interface=eth1 --except-interface=lo "
         f"--dhcp-range={LAN_NET}.15,{LAN_NET}.99,1h --dhcp-authoritative "
         f"--dhcp-option=option:router,{LAN_NET}.2 --user=root --group=root "
         f"--dhcp-leasefile=/tmp/dnsmasq.leases --pid-file=/tmp/dnsmasq.pid "
         f"--enable-tftp --tftp-root=/tftp --dhcp-boot=tftp.ipxe")
    version = r.sh("dnsmasq --version | head -1").strip()
    rig = pxeboot.PxeRig(lab, ns, attach, f"{LAN_NET}.2", ("tftp",), f"{LAN_NET}.2", sha,
                         cfg.tftp_mib << 20)
    topo = pxe_topology(ns, rig, f"{LAN_NET}.2", "a folder in the router's RAM (its initramfs)")
    topo.vms["router"] = r
    topo.watch["router"] = lambda: guest_link_stats(r)
    topo.facts["dnsmasq"] = version
    return topo


@path("pxe-slirp", "QEMU user networking (slirp)",
      "-netdev user,tftp=DIR,bootfile=tftp.ipxe,restrict=on in the diskless guest's own QEMU, run "
      "inside the namespace; slirp's DHCP and TFTP answer at 10.0.2.2")
def build_pxe_slirp(lab, cfg):
    import pxeboot
    ns = lab.namespace("pxs")
    root, _ = pxeboot.prepare_root(lab, 0)

    def attach(vm, kind):
        vm.nic(f"user,net={LAN_NET}.0/24,host={LAN_NET}.2,tftp={root},bootfile=tftp.ipxe,restrict=on",
               mac=pxeboot.MAC[kind])
    rig = pxeboot.PxeRig(lab, ns, attach, f"{LAN_NET}.2", ("tftp",))
    return pxe_topology(ns, rig, f"{LAN_NET}.2", "a host folder (slirp reads it per block)")


# --- the tunnels part (issue 17): guest to guest across vmgates, tunnels and a switch -------

import topologies_segments  # noqa: E402,F401  (its paths register themselves with @path)
