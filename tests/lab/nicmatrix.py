"""What every NIC driver must show in the lab (issue 16), for any QEMU NIC model: the
model as vmgate's WAN and LAN NIC at once carries a guest's lease, a 16 MiB download
and 100 pings; link flaps during a transfer are each logged and the transfer resumes.
test_pcnet.py, test_e1000.py and test_virtio.py call these with their models and add
what is particular to their chips."""
import re
import time

import lab as labmod
from natlab import NatLab, OUT_ADDR
from nicinfo import all_pings_answered, nic_block


def wan_and_lan(lab, model, config="", banner=None):
    """vmgate with `model` as its WAN (nic0) and LAN (nic1) NIC and one guest behind
    it: the guest leases .15, downloads 16 MiB intact through NAT and loses none of
    100 pings to the outside. `banner`: a regex the console must show for both NICs
    (the driver naming its chip). Returns (NatLab, guest) for the caller's own checks."""
    t = NatLab(lab, config=config, wan_model=model, lan_models=[model], http_size=16 << 20)
    g = t.guest("g")
    t.start(g)
    if banner:
        for nic in ("nic0", "nic1"):
            t.gw.seen(rf"^{nic}: {banner}")
    assert t.lease(g)["ip"] == "10.0.2.15"
    got = g.sh(f"timeout 150 wget -q -O - {t.http.url()} | sha256sum", timeout=180)
    assert got.split()[0] == t.http.sha256, got
    out = g.sh(f"ping -c 100 -i 0.1 -W 2 {OUT_ADDR}", timeout=60)
    assert all_pings_answered(out, 100), out
    return t, g


def link_flaps(lab, model, flaps=10):
    """QMP set_link off and on `flaps` times on vmgate's WAN and LAN NICs in turn
    while a guest downloads 16 MiB at 3 Mbit/s: vmgate's console logs every change,
    the download resumes after each, the file arrives intact, and `ifconfig` counts
    the changes on each NIC."""
    t = NatLab(lab, wan_model=model, lan_models=[model], http_size=16 << 20)
    g = t.guest("g")
    t.start(g)
    # The outside sends to vmgate at 3 Mbit/s: the download lasts about 45 s.
    t.out.run(["tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "3mbit",
               "burst", "32kbit", "latency", "400ms"])
    g.bg(f"timeout 200 wget -q -O /tmp/blob {t.http.url()} && sha256sum /tmp/blob > /tmp/blob.sum")

    def size():
        rc, out = g.run("if [ -f /tmp/blob ]; then wc -c < /tmp/blob; else echo 0; fi", timeout=10)
        return int(out.split()[-1])

    labmod.wait_until(lambda: size() > 256 << 10, 30, interval=0.5, what="the download to start")
    nids = {"nic0": t.wan_nid, "nic1": t.lan_nids[0]}
    for i in range(flaps):
        nic = "nic0" if i % 2 == 0 else "nic1"
        t.gw.set_link(nids[nic], False)
        t.gw.wait_for(rf"^{nic}: link down$", 5)
        time.sleep(0.5)
        t.gw.set_link(nids[nic], True)
        t.gw.wait_for(rf"^{nic}: link up$", 5)
        at = size()
        assert at < 16 << 20, f"the download ended after {i} flaps: make it slower"
        labmod.wait_until(lambda: size() > at + (64 << 10), 30, interval=0.5,
                          what=f"the download to resume after flap {i + 1} on {nic}")
    labmod.wait_until(lambda: g.run("test -s /tmp/blob.sum", timeout=10)[0] == 0, 150,
                      interval=1, what="the download to finish")
    assert g.sh("cat /tmp/blob.sum").split()[0] == t.http.sha256
    out = t.gw.cmd("ifconfig")
    for nic in ("nic0", "nic1"):
        changes = re.search(r"link changes (\d+)", nic_block(out, nic)).group(1)
        assert changes == str(flaps), out
    return t, g
