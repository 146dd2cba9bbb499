"""vmgate in little memory: at 16 MiB it boots and serves (a guest's DHCP lease, a
download through NAT) and says how it divided its memory; below its floor it says
how much it needs instead of failing silently, and at the size it names it serves."""
import re

import lab
from natlab import NatLab, WWW
from vmgate import Vmgate

MIB_LINE = r"^mem: (\d+) MiB usable below 4 GiB, kernel (\d+) KiB at 0x100000, ([\d.]+) MiB free"
PLAN_LINE = (r"^mem: (\d+) NICs?: rings and buffers ([\d.]+) MiB \(at most ([\d.]+) MiB each\), "
             r"NAT (\d+) flows \(([\d.]+) MiB\), heap ([\d.]+) MiB used \(NAT included\), ([\d.]+) MiB free$")
TOO_LITTLE = (r"^mem: (\d+) MiB is too little: vmgate needs at least (\d+) MiB with (\d+) NICs? "
              r"\((\d+) KiB free after the kernel, (\d+) KiB needed\)$")


def serve_and_fetch(t):
    """Boots the NatLab's vmgate and one DHCP guest; the guest downloads the HTTP
    server's file through NAT by name (the DNS relay answers). Returns the guest."""
    g = t.guest("g")
    wan = t.start(g)
    lease = t.lease(g)
    assert lease["ip"] == "10.0.2.15" and lease["router"] == "10.0.2.2", lease
    got = g.sh(f"timeout 90 wget -q -O - {t.http.url(host=WWW)} | sha256sum", timeout=120)
    assert got.split()[0] == t.http.sha256, got
    assert t.http_clients() and set(t.http_clients()) == {wan}, t.http_clients()
    return g


@lab.timeout(180)
@lab.requires("build")
def test_serves_in_16_mib(lab):
    """-m 16: the kernel loads (it used to be linked at 16 MiB, where there is no
    RAM, and printed nothing), prints what it found and how it divided it, hands a
    guest its lease and carries a 4 MiB download through NAT from the WAN's tap
    (GSO frames from the host on the fast path)."""
    t = NatLab(lab, memory=16, http_size=4 << 20)
    serve_and_fetch(t)
    found = t.gw.seen(MIB_LINE)
    assert found.group(1) == "15", found.group(0)          # 16 MiB less the first MiB and firmware's top
    plan = t.gw.seen(PLAN_LINE)
    nics, flows = int(plan.group(1)), int(plan.group(4))
    assert nics == 2, plan.group(0)
    assert 1024 <= flows < 65536 and flows & (flows - 1) == 0, plan.group(0)
    assert float(plan.group(7)) > 4, plan.group(0)         # room left for the heap to grow
    out = t.gw.cmd("mem")
    assert re.search(r"^heap: \d+ KiB used of \d+ KiB, can grow \d+ KiB$", out, re.M), out


@lab.timeout(180)
@lab.requires("build")
def test_too_little_memory_is_named_and_the_named_size_serves(lab):
    """-m 5 is below the floor: vmgate says so on the console, names the size it
    needs for its NICs and halts. Booted again with exactly that size, it serves a
    guest (lease and download through NAT): the floor it names is real."""
    ns = lab.namespace("small")
    ns.tap("tap0")
    gw = Vmgate(lab, ns, memory=5, name="vmgate-5m")
    gw.nic_tap("tap0")
    gw.nic_socket_listen(ns.free_port())
    gw.vm.start()
    m = gw.wait_for(TOO_LITTLE, 30)
    have, need, nics = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert have == 5 and nics == 2 and have < need <= 8, m.group(0)
    assert int(m.group(4)) < int(m.group(5)), m.group(0)
    gw.wait_for(r"^vmgate: halted$", 10)
    assert "vmgate: ready" not in gw.vm.console.text
    gw.vm.stop()

    t = NatLab(lab, memory=need)
    serve_and_fetch(t)
    plan = t.gw.seen(PLAN_LINE)
    assert int(plan.group(4)) == 1024, plan.group(0)       # the floor's NAT table
    out = t.gw.cmd("mem")
    lab.log("vmgate's memory at its floor, after the download:\n" + out)
    assert re.search(r"^pool PBUF_POOL .* err 0$", out, re.M), out
