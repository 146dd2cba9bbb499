"""vmgate's NAT to the IETF's requirements with real guests (docs/NAT.md has the
whole table): endpoint-independent mapping (RFC 4787 REQ-1), a UDP mapping that
outlives two minutes of silence (REQ-5), an unsolicited SYN that gets no answer
(RFC 5382 REQ-4), and a flood of new flows from one guest that leaves another's
connection and new connections alone (the per-interface shares)."""
import os
import re
import socket
import time

import lab
import lab as labmod
import rawframe as rf
from natlab import NatLab, OUT_ADDR

HERE = os.path.dirname(os.path.abspath(__file__))
RAWFRAME = os.path.join(HERE, "rawframe.py")
OUT_ADDR2 = "192.168.60.2"


def udp_peer_logger(t, name, addr, port):
    """A UDP server in the outside namespace that writes the source address:port of
    every datagram it gets, one line each."""
    log = t.lab.logpath(f"{name}.peers")
    open(log, "w").close()
    t.out.spawn(name, ["socat", "-u", f"UDP-RECVFROM:{port},bind={addr},fork,reuseaddr",
                       f"SYSTEM:echo $SOCAT_PEERADDR $SOCAT_PEERPORT >> {log}"])
    return log


def peers(log):
    """addr:port of each datagram (socat cannot have a ':' in its command)."""
    return [":".join(line.split()) for line in open(log) if line.strip()]


@lab.timeout(150)
@lab.requires("build")
def test_udp_mapping_is_endpoint_independent(lab):
    """Guest b (on another NAT network) takes external port 5555 towards server 1
    first; then guest a sends
    from its own port 5555 to server 1 (its port is taken there: another one is
    given) and to server 2 on another address: both servers see a from the same
    external address and port (RFC 4787 REQ-1, REQ-11). Before, a kept 5555
    towards server 2 and server 1 saw another port."""
    t = NatLab(lab, config="nic1 nat; nic2 nat", lans=2)
    t.out.addr("br0", f"{OUT_ADDR2}/24")
    a, b = t.guest("a", lan=1), t.guest("b", lan=2)
    wan = t.start(a, b)
    port1, port2 = t.out.free_port("udp"), t.out.free_port("udp")
    log1 = udp_peer_logger(t, "udp1", OUT_ADDR, port1)
    log2 = udp_peer_logger(t, "udp2", OUT_ADDR2, port2)
    time.sleep(1)

    b.sh(f"echo b | socat -u - UDP-SENDTO:{OUT_ADDR}:{port1},sourceport=5555")
    labmod.wait_until(lambda: len(peers(log1)) == 1, 10, what="b's datagram")
    a.sh(f"echo a1 | socat -u - UDP-SENDTO:{OUT_ADDR}:{port1},sourceport=5555")
    a.sh(f"echo a2 | socat -u - UDP-SENDTO:{OUT_ADDR2}:{port2},sourceport=5555")
    labmod.wait_until(lambda: len(peers(log1)) == 2 and len(peers(log2)) == 1, 10,
                      what="a's datagrams")
    seen_b, seen_a1 = peers(log1)
    seen_a2 = peers(log2)[0]
    assert seen_b == f"{wan}:5555", seen_b
    assert seen_a1.startswith(f"{wan}:") and seen_a1 != seen_b, (seen_a1, seen_b)
    assert seen_a2 == seen_a1, f"server 2 saw {seen_a2}, server 1 {seen_a1}"


@lab.timeout(300)
@lab.requires("build")
def test_idle_udp_mapping_still_works_after_150s(lab):
    """A guest's UDP socket sends once; the server answers 150 s later, to the
    address and port it saw, and the guest gets it (RFC 4787 REQ-5: a mapping lives
    at least 2 minutes, unanswered or not; before, 30 s)."""
    t = NatLab(lab)
    g = t.guest("g")
    wan = t.start(g)
    port = t.out.free_port("udp")
    log = udp_peer_logger(t, "udp", OUT_ADDR, port)
    time.sleep(1)
    g.bg(f"echo hello | socat -T 400 -t 400 - UDP:{OUT_ADDR}:{port},sourceport=6000 "
         f"> /tmp/got")
    labmod.wait_until(lambda: peers(log), 15, what="the guest's datagram")
    peer = peers(log)[0]
    assert peer == f"{wan}:6000", peer
    t0 = time.monotonic()
    time.sleep(150)
    flows = t.gw.cmd("nat")
    assert re.search(rf"udp\s+10\.0\.2\.\d+:6000 -> {OUT_ADDR}:{port} as {re.escape(wan)}:6000", flows), flows
    t.out.run(["sh", "-c", f"echo late | socat -u - UDP-SENDTO:{wan}:6000,sourceport={port},reuseaddr"])
    labmod.wait_until(lambda: "late" in g.sh("cat /tmp/got"), 10, what="the answer at 150 s")
    lab.log(f"answered after {time.monotonic() - t0:.0f} s of silence")


@lab.timeout(120)
@lab.requires("build")
def test_unsolicited_syn_gets_no_answer(lab):
    """A connection attempt from the WAN to a port nobody forwards is neither
    refused nor answered for 6 s and more (RFC 5382 REQ-4): the client times out,
    and nothing comes back from vmgate's WAN address meanwhile (before, lwIP
    answered with an RST at once)."""
    t = NatLab(lab)
    g = t.guest("g")
    wan = t.start(g)
    sniff_log = lab.logpath("sniff.log")
    t.out.spawn("sniff", ["python3", RAWFRAME, "sniff", "br0", "9"])
    labmod.wait_until(lambda: os.path.exists(sniff_log) and "ready" in open(sniff_log).read(), 10,
                      what="the sniffer")
    r = t.out.run(["python3", "-c",
                   "import socket,sys\n"
                   "s=socket.socket(); s.settimeout(6.5)\n"
                   f"try: s.connect(('{wan}', 40123)); print('connected')\n"
                   "except socket.timeout: print('timeout')\n"
                   "except OSError as e: print('error', e)\n"], check=False, timeout=20)
    assert r.stdout.strip() == "timeout", r.stdout
    time.sleep(3)
    answers = []
    for line in open(sniff_log).read().splitlines()[1:]:
        frame = bytes.fromhex(line.split()[0])
        ip = frame[14:]
        if socket.inet_ntoa(ip[12:16]) == wan and socket.inet_ntoa(ip[16:20]) == OUT_ADDR:
            answers.append(frame.hex())
    assert not answers, f"vmgate answered: {answers}"
    drops = dict(re.findall(r"([\w-]+) (\d+)", t.gw.cmd("nat stats").split("drops:", 1)[1]))
    assert int(drops["filtered"]) >= 1, drops


@lab.timeout(240)
@lab.requires("build")
def test_flood_from_one_guest_spares_another(lab):
    """With the table at its bound (nat flows 1024), guest a floods new UDP flows
    as fast as it can for 20 s; guest b's (on another NIC) TCP connection, opened before, keeps
    carrying data, and b's new connections succeed meanwhile: a's flows are
    capped at 3/4 of the table and recycled from its own (docs/NAT.md, Shares)."""
    t = NatLab(lab, config="nic1 nat; nic2 nat; nat flows 1024", lans=2)
    a, b = t.guest("a", lan=1), t.guest("b", lan=2)
    t.start(a, b)
    port = t.out.free_port()
    sink = lab.logpath("sink.txt")
    t.out.spawn("sink", ["sh", "-c", f"socat -u TCP-LISTEN:{port},reuseaddr - > {sink}"])
    t.out.wait_listening(port)
    b.bg(f"i=0; while [ $i -lt 60 ]; do echo line$i; i=$((i+1)); sleep 1; done | "
         f"nc {OUT_ADDR} {port}")
    labmod.wait_until(lambda: "line1" in open(sink).read(), 20, what="b's connection")

    flood = a.bg(f"udpflood {OUT_ADDR} 9 20")
    time.sleep(8)
    stats = t.gw.cmd("nat stats")
    flows = int(re.search(r"nat: (\d+) flows", stats).group(1))
    evicted = int(re.search(r"evicted (\d+)", stats).group(1))
    lab.log(f"during the flood: {stats}")
    assert flows >= 768 and evicted > 0, stats
    # b opens new connections during the flood, and they work.
    for k in range(3):
        out = b.sh(f"timeout 20 wget -q -O - {t.http.url()} | sha256sum", timeout=30)
        assert t.http.sha256 in out, out
    before = open(sink).read().count("line")
    time.sleep(4)
    after = open(sink).read().count("line")
    assert after > before, f"b's connection stalled during the flood ({before} lines, then {after})"
    labmod.wait_until(lambda: "udpflood: sent" in a.sh(f"cat {flood}"), 30, what="the flood's end")
    sent = int(re.search(r"sent (\d+)", a.sh(f"cat {flood}")).group(1))
    lab.log(f"a sent {sent} datagrams, each a new flow")
    assert sent > 2000, sent
    flow_lines = t.gw.cmd("nat", timeout=60)
    assert re.search(rf"tcp\s+\S+ -> {OUT_ADDR}:{port} as \S+ ESTABLISHED", flow_lines), \
        "b's connection is gone from the table"
