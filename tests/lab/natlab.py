"""The NAT router lab: an "outside" namespace with vmgate's WAN tap, dnsmasq as the
upstream DHCP/DNS server, an HTTP server, and a "far" namespace one router hop further
(so traceroute has a hop beyond vmgate's WAN); vmgate with its LAN NICs on socket
netdevs; Linux guests that join them.

    t = NatLab(lab, config="nic1 nat; nic2 nat", lans=2)   # wan_model=, lan_models=[...]: vmgate's NICs
    a = t.guest("a", lan=1)                 # DHCP from vmgate unless net= is given
    t.start(a)                              # boots vmgate, then the guests
"""
import re

from vmgate import Vmgate, IPV4

OUT_ADDR = "192.168.60.1"         # the outside namespace on vmgate's WAN
OUT_NET = "192.168.60.0/24"
FAR_ADDR = "172.20.0.2"           # the far namespace, routed through the outside one
FAR_GW = "172.20.0.1"
WWW = "www.lab.test"


class NatLab:
    def __init__(self, lab, config="", lans=1, lan_models=None, far=False, http_size=1 << 20, memory=256,
                 wan_model="virtio-net-pci"):
        self.lab = lab
        self.out = lab.namespace("out")
        # The outside is a bridge, so that peer VMs (outside_vm) can sit beside vmgate's WAN.
        self.out.tap("tap0")
        self.out.bridge("br0", f"{OUT_ADDR}/24", ports=("tap0",))
        self.n_outside = 0
        self.dns = lab.dnsmasq(self.out, "br0", ("192.168.60.50", "192.168.60.99"),
                               hosts={WWW: OUT_ADDR, "far.lab.test": FAR_ADDR})
        self.http = lab.http_server(self.out, OUT_ADDR, size=http_size)
        self.far = None
        if far:
            self.far = lab.namespace("far")
            lab.veth(self.out, "to-far", self.far, "to-out")
            self.out.addr("to-far", f"{FAR_GW}/24")
            self.far.addr("to-out", f"{FAR_ADDR}/24")
            self.far.ip("route", "add", "default", "via", FAR_GW)
            self.out.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        self.gw = Vmgate(lab, self.out, config=config, memory=memory)
        self.wan_nid = self.gw.nic_tap("tap0", model=wan_model)
        self.lan_ports = []
        self.lan_nids = []
        models = lan_models or ["virtio-net-pci"] * lans
        for i in range(lans):
            port = self.out.free_port()
            self.lan_ports.append(port)
            self.lan_nids.append(self.gw.nic_socket_listen(port, model=models[i]))
        self.guests = []

    def guest(self, name, lan=1, net="dhcp", model="virtio-net-pci", mac=None):
        """A Linux guest on vmgate's nic<lan> (LANs count from 1)."""
        g = self.lab.linux_vm(name, ns=self.out, net=net)
        g.nic_socket_connect(self.lan_ports[lan - 1], model=model, mac=mac)
        self.guests.append(g)
        return g

    def outside_vm(self, name, cidr):
        """A Linux VM on the outside network, beside vmgate's WAN (a peer for protocols
        the namespace's kernel lacks, such as GRE)."""
        self.n_outside += 1
        tap = f"tap{self.n_outside}"
        self.out.tap(tap)
        self.out.ip("link", "set", tap, "master", "br0")
        g = self.lab.linux_vm(name, ns=self.out, net=f"{cidr},gw={OUT_ADDR}")
        g.nic_tap(tap)
        return g

    def start(self, *guests, wan_timeout=40):
        """Boots vmgate, waits for its WAN address, then boots the guests side by side."""
        self.gw.start()
        self.wan = self.gw.wan_dhcp_address(timeout=wan_timeout)
        for g in guests:
            g.start()
        for g in guests:
            g.wait_for("GUEST-READY", 90)
        return self.wan

    @staticmethod
    def lease(guest, iface="eth0"):
        """The options the guest's udhcpc took from its lease, as a dict."""
        out = guest.sh(f"cat /run/udhcpc/{iface}.lease")
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    @staticmethod
    def addr(guest, iface="eth0"):
        out = guest.sh(f"ip -4 addr show dev {iface}")
        m = re.search(rf"inet ({IPV4})/(\d+)", out)
        return m.group(1) if m else None

    def http_clients(self):
        """Client addresses in the HTTP server's access log."""
        with open(self.http.proc.logfile, errors="replace") as f:
            return re.findall(rf"^({IPV4}) - - \[", f.read(), re.M)
