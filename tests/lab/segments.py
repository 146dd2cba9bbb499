"""Several vmgates on one Ethernet segment (UDP tunnels, VXLAN): each vmgate with its
WAN on a tap and one Linux guest behind its nic1 over a socket netdev, booted together.
Used by test_switch.py and test_vxlan.py."""
from vmgate import Vmgate


def member(lab, ns, name, config, tap, guest, guest_net):
    """A vmgate `name` (WAN on `tap`) and a guest `guest` at static `guest_net` on its
    nic1; neither started. Returns (Vmgate, guest VM)."""
    gw = Vmgate(lab, ns, name=name, config=config)
    gw.nic_tap(tap)
    port = ns.free_port()
    gw.nic_socket_listen(port)
    g = lab.linux_vm(guest, ns=ns, net=guest_net)
    g.nic_socket_connect(port)
    return gw, g


def boot(gws, guests):
    """Starts every vmgate, then every guest, and waits until each guest is ready."""
    for gw in gws:
        gw.start()
    for g in guests:
        g.start()
    for g in guests:
        g.wait_for("GUEST-READY", 90)
