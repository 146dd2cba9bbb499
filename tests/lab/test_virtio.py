"""vmgate on virtio-net (drivers/virtio_net.c), both of QEMU's transports: the
transitional device (legacy and modern, `virtio-net-pci`) and the modern-only one
(`disable-legacy=on`), each as vmgate's WAN and LAN NIC at once; link changes, which
virtio signals by a configuration interrupt (VIRTIO_NET_F_STATUS), during a transfer.
The checks every driver family shares are tests/lab/nicmatrix.py's."""
import lab
from nicinfo import nic_block
from nicmatrix import link_flaps, wan_and_lan


@lab.timeout(240)
@lab.requires("build")
def test_virtio_transitional_as_wan_and_lan(lab):
    """virtio-net-pci (transitional) as WAN and LAN: lease, 16 MiB intact, 100 pings."""
    t, _ = wan_and_lan(lab, "virtio-net-pci", banner=r"virtio-net \((legacy|modern)\), MAC ")
    assert "(max 9000)" in nic_block(t.gw.cmd("ifconfig"), "nic1")


@lab.timeout(240)
@lab.requires("build")
def test_virtio_modern_only_as_wan_and_lan(lab):
    """virtio-net-pci with disable-legacy=on (modern transport only: capabilities in
    PCI config space, no I/O BAR) as WAN and LAN: lease, 16 MiB intact, 100 pings."""
    wan_and_lan(lab, "virtio-net-pci,disable-legacy=on", banner=r"virtio-net \(modern\), MAC ")


@lab.timeout(300)
@lab.requires("build")
def test_virtio_link_flaps_during_a_transfer(lab):
    """set_link off and on ten times on vmgate's virtio NICs (WAN and LAN in turn)
    during a 16 MiB download: each change logged, the download resumes, intact."""
    link_flaps(lab, "virtio-net-pci")
