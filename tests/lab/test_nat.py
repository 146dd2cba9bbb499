"""vmgate as a NAT router (VirtualBox's NAT mode, without its limits): DHCP with
VirtualBox's layout, NAT with connection tracking, the DNS relay at .3, port
forwarding, NAT networks, host-only networks, isolation."""
import os
import re
import time

import lab
from natlab import NatLab, OUT_ADDR, FAR_ADDR, WWW
from vmgate import IPV4


def guest_fails(g, cmd, timeout=20):
    rc, out = g.run(cmd, timeout=timeout)
    assert rc != 0, f"expected failure of {cmd!r}, got: {out}"


def icmp_in(g, counter):
    """One of the guest kernel's Icmp counters (/proc/net/snmp)."""
    lines = [l.split() for l in g.sh("grep '^Icmp:' /proc/net/snmp").splitlines()]
    return int(lines[1][lines[0].index(counter)])


def icmp_in_time_exceeded(g):
    return icmp_in(g, "InTimeExcds")


def nat_stats(gw):
    """Drop counters by reason from `nat stats`."""
    out = gw.cmd("nat stats")
    return {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", out.split("drops:", 1)[1])}


@lab.timeout(180)
@lab.requires("build")
def test_two_nat_networks_layout_and_isolation(lab):
    """nic1 serves 10.0.2.0/24 and nic2 10.0.3.0/24 as VirtualBox does: the first
    guest gets .15 with gateway .2 and DNS .3. The two networks cannot reach each
    other, and nothing from the WAN reaches a guest unsolicited."""
    t = NatLab(lab, lans=2)
    a = t.guest("a", lan=1)
    b = t.guest("b", lan=2)
    wan = t.start(a, b)
    la, lb = t.lease(a), t.lease(b)
    assert la["ip"] == "10.0.2.15" and la["router"] == "10.0.2.2" and la["dns"] == "10.0.2.3", la
    assert la["subnet"] == "255.255.255.0" and la["serverid"] == "10.0.2.2", la
    assert lb["ip"] == "10.0.3.15" and lb["router"] == "10.0.3.2" and lb["dns"] == "10.0.3.3", lb
    leases = t.gw.cmd("leases")
    assert "10.0.2.15" in leases and "10.0.3.15" in leases, leases

    before = nat_stats(t.gw)
    guest_fails(a, "ping -c 2 -W 1 10.0.3.15")
    guest_fails(b, "ping -c 2 -W 1 10.0.2.15")
    guest_fails(b, "ping -c 1 -W 1 10.0.2.2")
    # Unsolicited from the WAN: even with a route to the NAT network, nothing arrives.
    b.bg("nc -l -p 5000 -e echo reached")
    t.out.ip("route", "add", "10.0.3.0/24", "via", wan)
    assert t.out.run(["ping", "-c", "2", "-W", "1", "10.0.3.15"], check=False).returncode != 0
    r = t.out.run(["busybox", "nc", "-w", "2", "10.0.3.15", "5000"], check=False, timeout=15)
    assert "reached" not in r.stdout
    # A guest cannot send with an address outside its own network.
    a.sh("ip addr add 10.0.3.99/24 dev eth0")
    guest_fails(a, f"ping -c 2 -W 1 -I 10.0.3.99 {OUT_ADDR}")
    after = nat_stats(t.gw)
    assert after["isolation"] > before["isolation"], (before, after)
    assert after["unsolicited"] > before["unsolicited"], (before, after)
    assert after["spoofed"] > before["spoofed"], (before, after)
    # Both still reach the outside.
    a.sh(f"ping -c 2 -W 2 {OUT_ADDR}")
    b.sh(f"ping -c 2 -W 2 {OUT_ADDR}")


@lab.timeout(180)
@lab.requires("build")
def test_http_dns_ping_traceroute(lab):
    """A guest resolves a name through the relay at .3 (answered by dnsmasq in the
    namespace), downloads a file intact over HTTP — the server sees vmgate's WAN
    address — and pings and traceroutes two hops beyond vmgate."""
    t = NatLab(lab, far=True)
    g = t.guest("g")
    wan = t.start(g)
    out = g.sh(f"nslookup {WWW} 10.0.2.3")
    assert OUT_ADDR in out.split("Name:", 1)[-1], out
    # The same over TCP (what a resolver does after a truncated answer): a query for
    # www.lab.test A, with TCP's two-byte length in front, to .3 port 53.
    query = "\\000\\036\\022\\064\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000" \
            "\\003www\\003lab\\004test\\000\\000\\001\\000\\001"
    answer = g.sh(f"printf '{query}' | nc -w 3 10.0.2.3 53 | od -An -tx1 -v", timeout=30).split()
    assert answer[2:4] == ["12", "34"] and int(answer[5], 16) & 0x0f == 0, answer     # our ID, NOERROR
    assert "c0 a8 3c 01" in " ".join(answer), answer                            # 192.168.60.1
    assert "accepted 1," in t.gw.cmd("dnstcp")
    got = g.sh(f"timeout 60 wget -q -O - {t.http.url(host=WWW)} | sha256sum", timeout=90)
    assert got.split()[0] == t.http.sha256
    assert t.http_clients() and set(t.http_clients()) == {wan}, t.http_clients()
    g.sh(f"ping -c 3 -W 2 {OUT_ADDR}")
    g.sh(f"ping -c 3 -W 2 {FAR_ADDR}")
    # Fragmented datagrams both ways: reassembled for translation, fragmented again.
    g.sh(f"ping -c 2 -W 3 -s 4000 {FAR_ADDR}")
    trace = g.sh(f"traceroute -n -w 2 -q 1 -m 5 {FAR_ADDR}", timeout=60)
    hops = re.findall(rf"^\s*(\d+)\s+({IPV4})", trace, re.M)
    assert [h[1] for h in hops] == ["10.0.2.2", OUT_ADDR, FAR_ADDR], trace
    # An echo request whose TTL runs out at vmgate gets Time Exceeded from the
    # gateway too (traceroute -I and Windows' tracert probe this way).
    # busybox has no traceroute -I and its ping does not print ICMP errors, so the
    # guest kernel's count of Time Exceeded messages received tells.
    before = icmp_in_time_exceeded(g)
    guest_fails(g, f"ping -c 2 -t 1 -W 2 {FAR_ADDR}")
    assert icmp_in_time_exceeded(g) - before == 2


@lab.timeout(180)
@lab.requires("build")
def test_port_forwarding_tcp_and_udp(lab):
    """VBoxManage-style rules: TCP 8080 on the WAN to the guest's web server on 80,
    UDP 7777 to an echo service on 7, and a privileged port (22 to 2200) with the
    guest named explicitly."""
    t = NatLab(lab, config="natpf nic1 web,tcp,,8080,,80; natpf nic1 echo,udp,,7777,,7; "
                           "natpf nic1 low,tcp,,22,10.0.2.15,2200")
    g = t.guest("g")
    wan = t.start(g)
    g.sh("mkdir -p /www && echo forwarded-ok > /www/index.html && httpd -p 80 -h /www")
    g.bg("socat UDP-RECVFROM:7,fork PIPE")
    g.bg("socat TCP-LISTEN:2200,fork,reuseaddr SYSTEM:'echo low-port-ok'")
    g.wait_port(80)
    g.wait_port(7, "udp")
    g.wait_port(2200)
    r = t.out.run(["busybox", "wget", "-q", "-O", "-", f"http://{wan}:8080/index.html"], timeout=30)
    assert r.stdout.strip() == "forwarded-ok", r.stdout
    r = t.out.run(["socat", "-T", "3", "-", f"UDP:{wan}:7777"], input="echo-me\n", timeout=20)
    assert r.stdout.strip() == "echo-me", r.stdout
    r = t.out.run(["busybox", "nc", "-w", "3", wan, "22"], check=False, timeout=20)
    assert "low-port-ok" in r.stdout, r.stdout
    flows = t.gw.cmd("nat")
    assert "natpf" in flows, flows


@lab.timeout(180)
@lab.requires("build")
def test_nat_network_shared_by_two_nics(lab):
    """A NAT Network (VBoxManage natnetwork) across two of vmgate's NICs: the guests
    behind them share one subnet, reach each other directly and the outside through
    NAT, by the fast path (the router port hands the switch's frames to it)."""
    t = NatLab(lab, lans=2, config="natnetwork lab 10.0.9.0/24; nic1 natnet lab; nic2 natnet lab")
    a = t.guest("a", lan=1)
    b = t.guest("b", lan=2)
    t.start(a, b)
    aa, ba = t.addr(a), t.addr(b)
    assert {aa, ba} == {"10.0.9.15", "10.0.9.16"}, (aa, ba)
    assert t.lease(a)["router"] == "10.0.9.2"
    a.sh(f"ping -c 3 -W 2 {ba}")
    b.sh(f"ping -c 3 -W 2 {aa}")
    before = int(re.search(r"forwarded (\d+)", t.gw.cmd("fastpath")).group(1))
    for g in (a, b):
        got = g.sh(f"timeout 60 wget -q -O - {t.http.url()} | sha256sum", timeout=90)
        assert got.split()[0] == t.http.sha256
    fast = t.gw.cmd("fastpath")
    # Each 1 MiB download is at least 16 frames in (64 KiB GSO frames from the tap)
    # and the guest's ACKs out; before this change none of them took the fast path.
    assert int(re.search(r"forwarded (\d+)", fast).group(1)) - before >= 2 * 20, fast


@lab.timeout(180)
@lab.requires("build")
def test_udp_both_ways_and_gre(lab):
    """A UDP exchange (the reply finds its way back; the server sees vmgate's WAN
    address), and a GRE tunnel from the guest to a peer outside, which VirtualBox's
    NAT cannot carry: vmgate translates GRE by address."""
    t = NatLab(lab)
    g = t.guest("g")
    peer = t.outside_vm("peer", "192.168.60.10/24")
    peer.start()
    t.out.spawn("udp-echo", ["socat", "UDP-RECVFROM:9999,fork",
                             "SYSTEM:echo from-$SOCAT_PEERADDR-$(cat)"])
    t.out.wait_listening(9999, "udp")
    wan = t.start(g)
    out = g.sh(f"echo hello | socat -T 3 - UDP:{OUT_ADDR}:9999")
    assert out.strip() == f"from-{wan}-hello", out

    peer.wait_for("GUEST-READY", 90)
    peer.sh(f"ip tunnel add gre1 mode gre remote {wan} local 192.168.60.10 ttl 64 && "
            "ip addr add 172.30.0.1/30 dev gre1 && ip link set gre1 up")
    g.sh("ip tunnel add gre1 mode gre remote 192.168.60.10 local 10.0.2.15 ttl 64 && "
         "ip addr add 172.30.0.2/30 dev gre1 && ip link set gre1 up")
    g.sh("ping -c 3 -W 2 172.30.0.1")
    flows = t.gw.cmd("nat")
    assert re.search(r"^gre\s+10\.0\.2\.15", flows, re.M), flows


@lab.timeout(150)
@lab.requires("build")
def test_hostonly_network_routed_without_nat(lab):
    """A host-only network gets DHCP from vmgate and is routed to the WAN untranslated:
    the outside sees the guest's own address, and reaches the guest by a route."""
    t = NatLab(lab, config="nic1 hostonly 192.168.56.1/24")
    g = t.guest("g")
    wan = t.start(g)
    addr = t.addr(g)
    assert addr and addr.startswith("192.168.56."), addr
    assert t.lease(g)["router"] == "192.168.56.1"
    t.out.ip("route", "add", "192.168.56.0/24", "via", wan)
    g.sh(f"timeout 60 wget -q -O /dev/null {t.http.url()}", timeout=90)
    assert addr in t.http_clients(), t.http_clients()
    t.out.run(["ping", "-c", "2", "-W", "2", addr], timeout=20)


@lab.timeout(240)
@lab.requires("build")
def test_hairpin_to_forwarded_ports(lab):
    """Hairpin NAT: a guest that connects to a forwarded port on vmgate's WAN address
    reaches the rule's guest, as a host outside does (under VirtualBox such a
    connection meets the host's socket). Between two guests of one NAT Network (the
    answer leaves by the bridge it came in on), across networks, and a guest to its
    own forwarded service (back out of its own NIC). The server sees vmgate's WAN
    address as its peer; ports no rule has stay closed to guests."""
    t = NatLab(lab, lans=3,
               config="natnetwork lab 10.0.9.0/24; nic1 natnet lab; nic2 natnet lab; nic3 nat;"
                      "natpf lab web:tcp::8080:10.0.9.200:80; natpf nic3 svc,tcp,,9090,,90")
    a = t.guest("a", lan=1, net="10.0.9.200/24,gw=10.0.9.2")
    b = t.guest("b", lan=2)
    c = t.guest("c", lan=3)
    wan = t.start(a, b, c)
    for g, port in ((a, 80), (c, 90)):
        g.bg(f"socat TCP-LISTEN:{port},fork,reuseaddr SYSTEM:'echo peer-$SOCAT_PEERADDR'")
        g.wait_port(port)

    def hairpin(g, port):
        return g.sh(f"socat -T 5 - TCP:{wan}:{port},connect-timeout=5 </dev/null", timeout=30).strip()

    assert hairpin(b, 8080) == f"peer-{wan}"        # within the NAT Network
    assert hairpin(b, 9090) == f"peer-{wan}"        # NAT Network to a NAT NIC
    assert hairpin(c, 8080) == f"peer-{wan}"        # and back
    assert hairpin(c, 9090) == f"peer-{wan}"        # to itself
    guest_fails(b, f"socat -T 3 - TCP:{wan}:8081,connect-timeout=3 </dev/null")
    out = t.gw.cmd("nat stats")
    m = re.search(r"hairpin (\d+)", out)
    assert m and int(m.group(1)) >= 16, out         # 4 connections, both ways
    assert nat_stats(t.gw)["isolation"] >= 1
    # Outside clients of the same rule are unaffected.
    r = t.out.run(["socat", "-T", "5", "-", f"TCP:{wan}:8080"], input="", timeout=20)
    assert r.stdout.strip() == f"peer-{OUT_ADDR}", r.stdout


@lab.timeout(180)
@lab.requires("build")
def test_path_mtu_through_nat(lab):
    """An uplink with a smaller MTU (nic0 mtu 1400, as behind PPPoE or a tunnel): the
    guest's full-size TCP segments carry Don't Fragment, so vmgate answers them with
    "fragmentation needed" and the next hop's MTU (RFC 1191), addressed to the guest
    as it sent them, not to the address NAT gave them; the guest's upload then
    completes intact. (lwIP alone would send that message to the translated source,
    vmgate itself: the upload would hang in a PMTU black hole.) Without DF, vmgate
    fragments."""
    t = NatLab(lab, config="nic0 mtu 1400")
    g = t.guest("g")
    sink = lab.logpath("upload.sha256")
    t.out.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:9000,reuseaddr - | sha256sum > {sink}"])
    t.out.wait_listening(9000)
    t.start(g)
    assert "mtu 1400" in t.gw.cmd("ifconfig"), t.gw.cmd("ifconfig")
    before = icmp_in(g, "InDestUnreachs")
    sent = g.sh("head -c 2000000 /dev/urandom > /tmp/up && sha256sum /tmp/up").split()[0]
    g.sh(f"timeout 60 socat -u FILE:/tmp/up TCP:{OUT_ADDR}:9000", timeout=90)
    for _ in range(50):
        if os.path.exists(sink) and os.path.getsize(sink) > 0:
            break
        time.sleep(0.1)
    with open(sink) as f:
        assert f.read().split()[0] == sent
    assert icmp_in(g, "InDestUnreachs") > before
    m = re.search(r"fragmentation-needed sent (\d+)", t.gw.cmd("pmtu"))
    assert m and int(m.group(1)) >= 1, t.gw.cmd("pmtu")
    # Without DF (busybox ping sets none once the route knows the MTU), fragmented.
    g.sh(f"ping -c 3 -W 2 -s 1450 {OUT_ADDR}")
