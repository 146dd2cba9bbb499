"""How guests that cannot use a tap join vmgate (issue 17, "the fastest rootless
attach"): tools/vmgate-run puts a QEMU netdev on each of vmgate's LAN NICs and prints
the options a guest's QEMU takes to join it. Each kind it offers (socket, stream over
TCP and over a unix socket, dgram over UDP and over unix sockets, a socket multicast
group) is checked here with exactly the options it printed: the guest leases its
address from vmgate and downloads a file intact through vmgate's NAT, and on the
multicast segment two guests reach each other and vmgate."""
import os
import re
import subprocess

import lab
import lab as labmod          # tests' parameter `lab` is the Lab; this is the module
from vmgate import ROOT

RUN = os.path.join(ROOT, "tools", "vmgate-run")
KINDS = ["socket", "stream-tcp", "stream-unix", "dgram-udp", "dgram-unix", "mcast"]
OUT_ADDR = "192.168.60.1"
GUEST_LINE = r"^    -netdev (\w+),id=vmgate(\d+),(\S+) -device ([\w-]+),netdev=vmgate\d+,mac=(\S+)$"


def wait_log(path, pattern, timeout, count=1):
    """Waits until a regex matches `count` times in a process's log; returns the matches."""
    rx = re.compile(pattern, re.M)
    found = []

    def seen():
        with open(path, errors="replace") as f:
            found[:] = list(rx.finditer(f.read()))
        return len(found) >= count

    labmod.wait_until(seen, timeout, what=f"{count} x {pattern!r} in {path}")
    return found


def sha_of_download(g, url):
    return g.sh(f"timeout 100 wget -q -O - {url} | sha256sum", timeout=120).split()[0]


@lab.timeout(200)
@lab.requires("build")
def test_every_attach_kind_leases_and_fetches_through_nat(lab):
    """vmgate-run with one LAN per attach kind, its WAN on a tap to the namespace's
    dnsmasq and HTTP server. A guest started with the options vmgate-run printed for
    each LAN leases 10.0.(i+1).15 with router .2 and downloads 4 MiB intact through
    NAT; on the mcast LAN a second guest (its own MAC) leases .16, and the two ping
    each other and vmgate."""
    out = lab.namespace("out")
    out.tap("tap0")
    out.bridge("br0", f"{OUT_ADDR}/24", ports=("tap0",))
    lab.dnsmasq(out, "br0", ("192.168.60.50", "192.168.60.99"))
    http = lab.http_server(out, OUT_ADDR, size=4 << 20)
    port = out.free_port()
    socks = os.path.join(lab.rundir, "s")
    proc = out.spawn("vmgate-run", [RUN, "--wan-tap", "tap0", "--lans", str(len(KINDS)), "--memory", "64",
                                    "--attach", ",".join(KINDS), "--lan-port", str(port),
                                    "--sock-dir", socks])
    lab.watch_console("vmgate-run", proc.logfile)      # vmgate's console is on its stdout
    lines = wait_log(proc.logfile, GUEST_LINE, 30, count=len(KINDS))
    wait_log(proc.logfile, r"^vmgate: ready$", 60)
    wait_log(proc.logfile, r"^nic0: address 192\.168\.60\.\d+ .*\(dhcp\)$", 40)
    said = {int(m.group(2)): m for m in lines}
    assert sorted(said) == list(range(1, len(KINDS) + 1)), [m.group(0) for m in lines]
    # The printed options are the kind's own (a wrong netdev would fail below too, but
    # this names the culprit).
    prefix = {"socket": "socket,connect=", "stream-tcp": "stream,server=off,addr.type=inet",
              "stream-unix": "stream,server=off,addr.type=unix", "dgram-udp": "dgram,local.type=inet",
              "dgram-unix": "dgram,local.type=unix", "mcast": "socket,mcast="}
    guests = []
    for i, kind in enumerate(KINDS, 1):
        netdev = f"{said[i].group(1)},{said[i].group(3)}"
        model, mac = said[i].group(4), said[i].group(5)
        assert netdev.startswith(prefix[kind]), (kind, netdev)
        g = lab.linux_vm(f"g{i}-{kind}", ns=out, net="dhcp")
        g.nic(netdev, model=model, mac=mac)
        guests.append((i, kind, g))
        if kind == "mcast":
            second = lab.linux_vm(f"g{i}-{kind}-b", ns=out, net="dhcp")
            second.nic(netdev, model=model)               # the lab's MAC: its own
            guests.append((i, kind, second))
    for _, _, g in guests:
        g.start()
    for _, _, g in guests:
        g.wait_for("GUEST-READY", 120)
    addrs = {}
    for i, kind, g in guests:
        lease = g.sh("cat /run/udhcpc/eth0.lease")
        lease = dict(line.split("=", 1) for line in lease.splitlines() if "=" in line)
        assert lease.get("router") == f"10.0.{i + 1}.2", (kind, lease)
        addrs.setdefault(kind, []).append(lease.get("ip"))
    for i, kind in enumerate(KINDS, 1):
        want = [f"10.0.{i + 1}.15"] + ([f"10.0.{i + 1}.16"] if kind == "mcast" else [])
        assert sorted(addrs[kind]) == want, (kind, addrs[kind])
    for i, kind, g in guests:
        assert sha_of_download(g, http.url()) == http.sha256, f"{kind}: the download differs"
    (i, _, a), (_, _, b) = [x for x in guests if x[1] == "mcast"]
    a.sh(f"ping -c 3 -W 2 10.0.{i + 1}.16", timeout=20)
    b.sh(f"ping -c 3 -W 2 10.0.{i + 1}.15", timeout=20)
    for g in (a, b):
        g.sh(f"ping -c 3 -W 2 10.0.{i + 1}.2", timeout=20)


@lab.timeout(30)
@lab.requires("build")
def test_vmgate_run_default_attach_is_the_documented_one(lab):
    """With no --attach, vmgate-run gives the LAN the kind its help calls the default,
    and an unknown kind is refused."""
    help_text = subprocess.run([RUN, "--help"], check=True, capture_output=True, text=True).stdout
    default = re.search(r"default (\S+), see below", help_text).group(1)
    assert default in KINDS, default
    socks = os.path.join(lab.rundir, "s")
    cmd = subprocess.run([RUN, "--print-only", "--sock-dir", socks], check=True, capture_output=True,
                         text=True).stdout
    netdev = re.search(r"-netdev (\S+?)\\,id=lan1", cmd).group(1).replace("\\,", ",")
    kind = {"socket,listen=": "socket", "stream,server=on,addr.type=inet": "stream-tcp",
            "stream,server=on,addr.type=unix": "stream-unix", "dgram,local.type=inet": "dgram-udp",
            "dgram,local.type=unix": "dgram-unix", "socket,mcast=": "mcast"}
    got = [k for p, k in kind.items() if netdev.startswith(p)]
    assert got == [default], (netdev, default)
    r = subprocess.run([RUN, "--print-only", "--attach", "carrier-pigeon"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown kind carrier-pigeon" in r.stderr, r
