"""vmgate's DHCP server against busybox udhcpc: the settings of `dhcp nic1 ...`, a
reservation, a renewal before the lease runs out, and a client that gets its address
back after releasing it while a newcomer gets another."""
import re
import time

import lab
from natlab import NatLab

RESERVED_MAC = "52:54:00:aa:00:20"


def wait_until(what, probe, timeout):
    """Calls probe() until it returns something true; returns that."""
    end = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(1)


def lease_state(gw, ip):
    """The state the `leases` table shows for an address, or None."""
    m = re.search(rf"^\s*{re.escape(ip)}\s+\S+\s+(\w+)", gw.cmd("leases"), re.M)
    return m.group(1) if m else None


@lab.timeout(300)
@lab.requires("build")
def test_dhcp_settings_reservation_renewal_and_return(lab):
    """Lease time, domain and pool come from the configuration (of a NAT Network) and the reservation's
    host name reaches its guest; with a 60 s lease the guest renews it (a REQUEST
    with its address, ACKed) after about 30 s; a guest that releases its address gets the same
    one back on its next DISCOVER, while a guest that came meanwhile got another."""
    # A socket netdev joins two ends only: one NIC per guest, all ports of one NAT
    # Network, whose DHCP settings the statement names by the network's name.
    t = NatLab(lab, lans=3,
               config="natnetwork lab 10.0.2.0/24; nic1 natnet lab; nic2 natnet lab; nic3 natnet lab;"
                      "dhcp lab lease 60 domain lab.test pool 10.0.2.100 10.0.2.110;"
                      f"dhcp nic2 host {RESERVED_MAC} 10.0.2.20 name vm1")
    a = t.guest("a", lan=1)
    r = t.guest("r", lan=2, mac=RESERVED_MAC)
    t.start(a, r)
    la, lr = t.lease(a), t.lease(r)
    assert la["ip"] == "10.0.2.100" and la["lease"] == "60" and la["domain"] == "lab.test", la
    assert la["router"] == "10.0.2.2" and la["dns"] == "10.0.2.3", la
    assert lr["ip"] == "10.0.2.20" and lr["hostname"] == "vm1", lr
    assert "search lab.test" in a.sh("cat /etc/resolv.conf")
    assert "pool 10.0.2.100-10.0.2.110, lease 60s, domain lab.test" in t.gw.cmd("leases")

    # Renewal: udhcpc sends a REQUEST from T1 (30 s) on and runs its script with
    # "renew" when the ACK comes.
    wait_until("a renewal", lambda: re.search(r" renew 10\.0\.2\.100$",
                                              a.sh("cat /run/udhcpc/eth0.events"), re.M), 60)
    assert lease_state(t.gw, "10.0.2.100") == "bound"

    # Release (SIGUSR2): the server remembers the binding for its client.
    a.sh("kill -USR2 $(pidof udhcpc)")
    wait_until("the release", lambda: lease_state(t.gw, "10.0.2.100") == "released", 20)
    # A newcomer gets an address nobody has held, not the released one.
    b = t.guest("b", lan=3)
    b.start()
    b.wait_for("GUEST-READY", 90)
    assert t.lease(b)["ip"] == "10.0.2.101", t.lease(b)
    # The first guest asks again from scratch (SIGUSR1: DISCOVER) and gets its own back.
    a.sh("kill -USR1 $(pidof udhcpc)")
    wait_until("a's new lease", lambda: t.addr(a) == "10.0.2.100", 30)
    assert lease_state(t.gw, "10.0.2.100") == "bound"
    a.sh("ping -c 2 -W 2 10.0.2.2")
