"""The lab's self-test: Linux guests only, no vmgate.  If these fail, the harness (or
the machine) is broken, not vmgate.  Each stays well under 30 s under TCG."""

import lab


@lab.timeout(90)
def test_guest_dhcp_from_namespace(lab):
    """namespace + tap + dnsmasq + HTTP: a guest's virtio-net NIC on the tap gets a lease,
    resolves www.lab.test through dnsmasq, downloads a file intact and pings back."""
    ns = lab.namespace()
    ns.tap("tap0", "10.0.9.1/24")
    dns = lab.dnsmasq(ns, "tap0", ("10.0.9.50", "10.0.9.99"),
                      hosts={"www.lab.test": "10.0.9.1"})
    http = lab.http_server(ns, "10.0.9.1")

    g = lab.linux_vm("g1", ns=ns, net="dhcp")
    g.nic_tap("tap0")
    status = g.boot()

    addr = status.get("eth0", "")
    assert addr.startswith("10.0.9.") and addr.endswith("/24"), f"no DHCP lease: {g.ready_line}"
    ip = addr.split("/")[0]
    assert 50 <= int(ip.split(".")[3]) <= 99, f"address {ip} outside dnsmasq's range"
    assert any(lease[1] == ip for lease in dns.leases()), f"dnsmasq has no lease for {ip}"
    assert "router=10.0.9.1" in g.sh("cat /run/udhcpc/eth0.lease")

    out = g.sh("nslookup www.lab.test")
    assert "10.0.9.1" in out.split("www.lab.test", 1)[-1], f"www.lab.test not resolved:\n{out}"

    # busybox wget's -T crashes (reference/README.md): bound it with timeout instead.
    out = g.sh(f"timeout 30 wget -q -O /tmp/blob {http.url(host='www.lab.test')} && sha256sum /tmp/blob", 40)
    assert out.split()[0] == http.sha256, f"download corrupted: {out.strip()} != {http.sha256}"

    g.sh("ping -c 2 -W 2 10.0.9.1")


@lab.timeout(90)
def test_two_guests_socket_link(lab):
    """Two guests joined by a QEMU socket netdev (listen/connect on the loopback of a lab
    namespace), static addresses: ping both ways and a UDP request/answer with socat."""
    ns = lab.namespace()
    port = ns.free_port()
    g1 = lab.linux_vm("g1", ns=ns, net="192.168.77.1/24")
    g1.nic_socket_listen(port)
    g2 = lab.linux_vm("g2", ns=ns, net="192.168.77.2/24")
    g2.nic_socket_connect(port)
    g1.start()          # listens before g2 connects; both then boot side by side
    g2.start()
    g1.boot()
    g2.boot()

    g1.sh("ping -c 1 -W 2 192.168.77.2")
    g2.sh("ping -c 1 -W 2 192.168.77.1")

    # busybox nc has no -u (reference/README.md): socat carries the UDP.  g1 answers one
    # datagram with its upper-case copy; g2 sends and prints the answer.
    g1.bg("socat -T 10 UDP-RECVFROM:20001 SYSTEM:'tr a-z A-Z'")
    g1.wait_port(20001, "udp")
    out = g2.sh("echo hello-udp | socat -T 5 - UDP-SENDTO:192.168.77.1:20001")
    assert out.strip() == "HELLO-UDP", f"unexpected UDP answer: {out!r}"
