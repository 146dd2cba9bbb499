"""The tunnels part of docs/BENCHMARKS.md (issue 17, "segments across NICs and hosts"):
guest to guest across two vmgates joined by a UDP tunnel or VXLAN, beside the direct
dgram link (the ceiling) and two Linux VMs joined by vxlan; across one vmgate's internal
network beside one Linux bridge VM. From one run's results (bench.py; report.py puts the
part in place); the issue's goals are checked against the medians."""
from report import cell, cpu_text, goal_lines, median_sample, pct, ratio, run_header, table, values
from topologies_segments import LINUX_UNDERLAY_MTU, VNI

COLUMNS = ["tcp_up", "tcp_down", "udp64"]
# This part's own column names: the client is guest A, the server guest B.
TITLES = {"tcp_up": "TCP A→B", "tcp_down": "TCP B→A", "udp64": "UDP 64 B A→B"}
BASE = "tun-direct"
ROWS = ["tun-direct", "tun-vmgate-udp", "tun-vmgate-vxlan", "tun-vmgate-vxlan-1550", "tun-linux-vxlan",
        "intnet-vmgate", "intnet-linux"]
# (vmgate row, Linux row it is compared with)
VERSUS = [("tun-vmgate-udp", "tun-linux-vxlan"), ("tun-vmgate-vxlan", "tun-linux-vxlan"),
          ("tun-vmgate-vxlan-1550", "tun-linux-vxlan"), ("intnet-vmgate", "intnet-linux")]
GOAL_ROWS = [("tun-vmgate-udp", "vmgate's UDP tunnel"), ("tun-vmgate-vxlan", "vmgate's VXLAN"),
             ("intnet-vmgate", "vmgate's internal network")]

METHOD = f"""\
- **Topology.** Two lab guests (A at 10.74.0.1, B at 10.74.0.2, static, one /24, one
  virtio-net NIC each, 256 MiB) on one Ethernet segment; iperf3 -s runs in guest B, the
  client in guest A. Each guest reaches its router VM by `-netdev stream` on a unix
  socket (the attach part's fastest rootless kind), the router's end listening: the same
  for vmgate and for the Linux VMs. Two routers are two hosts: their WAN NICs are taps
  on one bridge in the namespace (10.73.0.0/24, vmgate or router A at .2, B at .3).
  vmgate: `nic0 wan`, `nic1 intnet seg`, and `tunnel t0 udp sport=33001 dest=<the other>
  dport=33001` or `tunnel v0 vxlan vni={VNI} remote=<the other> sport=33789 dport=33789`
  as a port of seg. Linux: a bridge of eth1 (the guest's) and `vxlan0` (`ip link add
  vxlan0 type vxlan id {VNI} local .. remote .. dstport 33789 dev eth0`); STP off. The
  internal-network rows have one router VM with both guests: vmgate's `nic0 intnet seg;
  nic1 intnet seg`, or a Linux bridge of eth0 and eth1. Each row runs alone.
- **Ceiling.** The two guests' NICs joined by one `-netdev dgram` on the namespace's
  loopback, no router: the same guests, the same offload-free NICs, two QEMUs instead of
  four (or three).
- **Frames.** No NIC on the guests' side (dgram, stream) carries a virtio-net header, so
  neither the guests nor the routers' LAN NICs negotiate checksum or segmentation
  offloads: every TCP segment crosses the segment as one frame of at most 1514 bytes, on
  every row. The routers' WAN NICs are taps with virtio-net headers. Linux does not see
  single frames inside a router VM, though: GRO on its LAN NIC merges a TCP stream's
  frames before the bridge and vxlan0 (the vxlan device sends one packet per 15 or so
  frames), and its WAN NIC segments them again in software; vmgate's switch and tunnel
  handle each frame.
- **MTU.** The guests keep MTU 1500 on every row. A tunnelled 1514-byte frame makes a
  1542-byte (UDP tunnel) or 1550-byte (VXLAN) outer IPv4 packet. vmgate's WAN stays at
  1500 on the two main vmgate rows, where it lowers the MSS of every TCP SYN that
  crosses a tunnel (1418 for UDP, 1410 for VXLAN; `tunnel`'s `mss clamp` count) so that
  TCP's frames fit whole, and fragments what is still too long (two IP fragments per
  full frame; the far vmgate reassembles). The Linux pair cannot do that for bridged
  frames with DF set (TCP's): its vxlan device answers a frame that does not fit the
  underlay with an ICMP "fragmentation needed" into the bridge instead (the kernel's
  tunnel PMTU check), so with a 1500 underlay the guests would have to run at 1450. To
  keep the guests' frames the same as on every other row, the Linux pair's WAN NICs,
  taps and bridge are at MTU {LINUX_UNDERLAY_MTU} (1500 + VXLAN's 50 bytes) and nothing
  is fragmented: one outer packet per frame, which favours the Linux pair. The
  `vmgate ⇄ vmgate, VXLAN, underlay MTU {LINUX_UNDERLAY_MTU}` row is vmgate on that same
  underlay (`nic0 mtu {LINUX_UNDERLAY_MTU}`, where no MSS is lowered): the like-for-like
  comparison beside the 1500 row.
- **Measurements.** As in the throughput part, from guest A to guest B's iperf3 -s: one
  TCP stream each way (`-l 1M`, the first second left out; B→A is `-R`) and 64-byte UDP
  frames at iperf3's top rate (`-u -b 0 -l 18`), medians of the runs.
- **CPU.** Every row is CPU-bound on this machine: two guests under TCG already keep its
  two cores nearly busy on the ceiling, and each router VM takes its share from them (see
  *host busy*), so ratios below 100 % measure the routers' CPU cost as much as their
  forwarding. The vCPU/main split is per QEMU, as in the throughput part.
- **Counters.** Along the path, for the median run: vmgate's `switch seg` and `tunnel`
  counters and its NICs' (`ifconfig`, `stats`), a Linux VM's `/proc/net/dev`, the
  namespace's taps, and (where read) guest B's `/proc/net/dev` and `Udp:` counters. *Outer packets per frame* is the WAN NIC's packets sent over the
  frames the tunnel carried: 2 where every full frame is fragmented.
"""


def loss(rec):
    s = median_sample(rec, "udp64")
    if not s or s["extra"].get("loss %") is None:
        return "—"
    return f"{s['extra']['loss %']:.1f} % of {s['extra']['sent kframes/s']:.1f} k/s"


def retransmits(rec):
    out = []
    for m in ("tcp_up", "tcp_down"):
        s = median_sample(rec, m)
        out.append("—" if not s or s["extra"].get("retransmits") is None else str(s["extra"]["retransmits"]))
    return " / ".join(out)


def ratios(rec, base):
    return [ratio(rec, base, m) for m in COLUMNS]


def ratio_text(rs):
    return ", ".join(f"{TITLES[m]} {pct(r)}" for m, r in zip(COLUMNS, rs))


def goals(paths):
    """(text, met) per goal of issue 17: each vmgate row at least 90 % of the direct
    dgram link on every measurement, and ahead of its Linux counterpart on every one."""
    base = paths.get(BASE)
    out = []
    for name, what in GOAL_ROWS:
        rec = paths.get(name)
        if rec is None or base is None:
            continue
        rs = ratios(rec, base)
        if any(r is None for r in rs):
            out.append((f"{what} at least 90 % of the direct dgram link: not measured", False))
            continue
        out.append((f"{what} at least 90 % of the direct dgram link ({ratio_text(rs)})",
                    all(r >= 90 for r in rs)))
    for name, linux in VERSUS:
        if name.endswith("-1550"):
            continue                       # a control row, not one of the issue's
        rec, lrec = paths.get(name), paths.get(linux)
        if rec is None or lrec is None:
            continue
        rs = ratios(rec, lrec)
        what = dict(GOAL_ROWS)[name]
        other = "the Linux vxlan pair" if linux == "tun-linux-vxlan" else "the Linux bridge VM"
        if any(r is None for r in rs):
            out.append((f"{what} ahead of {other}: not measured", False))
            continue
        out.append((f"{what} ahead of {other} (vmgate ÷ Linux: {ratio_text(rs)})", all(r > 100 for r in rs)))
    return out


def _sum(d, keys):
    return sum(d.get(k, 0) for k in keys)


def path_counters(name, sample):
    """One line of what the median run's counters say along the path."""
    c = sample.get("counters", {}) if sample else {}
    bits = []
    for role in ("vmgate-a", "vmgate-b", "vmgate"):
        v = c.get(role)
        if not isinstance(v, dict) or "switch" not in v:
            continue
        t = v.get("tunnel") or {}
        sent = t.get("tx_datagrams")
        part = [f"{role}:"]
        if sent:
            wan = v.get("nic0", {}).get("tx_packets", 0)
            part.append(f"tunnel tx {sent} rx {t.get('rx_datagrams', 0)} datagrams, "
                        f"{wan / sent:.2f} outer packets per frame")
        drops = {k: n for k, n in v["switch"].items() if " drop " in k and n}
        drops.update({f"tunnel {k}": n for k, n in t.items() if k.startswith("drop ") and n})
        for nic in ("nic0", "nic1", "nic2"):
            for k in ("rx_dropped", "tx_dropped"):
                if v.get(nic, {}).get(k):
                    drops[f"{nic} {k}"] = v[nic][k]
        part.append("drops " + (", ".join(f"{k} {n}" for k, n in sorted(drops.items())) or "none"))
        bits.append(", ".join([" ".join(part[:2])] + part[2:]) if sent else " ".join(part))
    for role in ("router-a", "router-b", "bridge"):
        v = c.get(role)
        if not isinstance(v, dict) or "error" in v:
            continue
        line = [f"{role}:"]
        vx, wan = v.get("vxlan0"), v.get("eth0")
        if vx and wan and role.startswith("router"):
            frames = v.get("eth1", {}).get("rx_packets", 0)
            if frames > 100:
                line.append(f"eth1 rx {frames} frames, vxlan0 tx {vx['tx_packets']} (after GRO), "
                            f"eth0 tx {wan['tx_packets']}: {wan['tx_packets'] / frames:.2f} outer packets "
                            f"per frame")
        drops = {f"{i} {k}": n for i, d in v.items() if isinstance(d, dict)
                 for k, n in d.items() if k.endswith(("dropped", "errors")) and n}
        line.append("drops " + (", ".join(f"{k} {n}" for k, n in sorted(drops.items())) or "none"))
        bits.append(" ".join(line[:1]) + " " + ", ".join(line[1:]))
    ns = c.get("namespace", {})
    nsd = {f"{i} {k}": n for i, d in ns.items() if isinstance(d, dict)
           for k, n in d.items() if k.endswith("dropped") and n}
    if nsd:
        bits.append("namespace: " + ", ".join(f"{k} {n}" for k, n in sorted(nsd.items())))
    return "; ".join(bits) or "—"


def toward_b(sample):
    """Frames put on guest B's link during a run, from the counters: what the last
    router sent out of B's port (vmgate B's or the one vmgate's nic1, a Linux VM's
    eth1), or on the direct link what guest A sent. None if not counted."""
    c = sample.get("counters", {}) if sample else {}
    for role in ("vmgate-b", "vmgate"):
        n = (c.get(role) or {}).get("switch", {}).get("nic1 tx_frames")
        if n is not None:
            return n
    for role in ("router-b", "bridge"):
        n = (c.get(role) or {}).get("eth1", {}).get("tx_packets")
        if n is not None:
            return n
    return (c.get("guest") or {}).get("eth0", {}).get("tx_packets")


def peer_udp(sample):
    """Guest B's UDP counters (/proc/net/snmp) over a run, or None where not read."""
    return ((sample or {}).get("counters", {}).get("peer") or {}).get("udp")


def delivered_rate(rec, seconds):
    """kframes/s onto guest B's link in the median UDP 64 B run."""
    n = toward_b(median_sample(rec, "udp64"))
    return None if n is None else n / seconds / 1e3


def findings(paths):
    """Sentences the figures support: what fragmenting costs, how busy vmgate is, where
    frames were dropped."""
    out = []
    frag, whole = paths.get("tun-vmgate-vxlan"), paths.get("tun-vmgate-vxlan-1550")
    if frag and whole:
        rs = ratios(whole, frag)
        if all(r is not None for r in rs):
            out.append(f"**The 1500 underlay against the {LINUX_UNDERLAY_MTU} one**: VXLAN on the "
                       f"{LINUX_UNDERLAY_MTU} underlay, where every frame fits, gives "
                       f"{ratio_text(rs)} of the 1500 row, where TCP fits by its lowered MSS "
                       f"and 64-byte UDP fits anyway.")
    halted = [(n, m, rec["profile"][m]["halted_pct"]) for n, rec in paths.items()
              for m in COLUMNS if (rec.get("profile") or {}).get(m)]
    if halted:
        lo, hi = min(h for _, _, h in halted), max(h for _, _, h in halted)
        out.append(f"**vmgate waits more than it works**: in the profile pass vmgate A's vCPU "
                   f"is halted {lo:.0f}–{hi:.0f} % of the samples on every row and measurement, "
                   f"while the host's two cores are busy (the CPU table): the guests, which "
                   f"share those cores with the routers, set the pace, and the ratios to the "
                   f"direct link are mostly what the extra VMs' CPU takes from them.")
    drops = []
    for name in ("tun-vmgate-udp", "tun-vmgate-vxlan"):
        rec = paths.get(name)
        s = median_sample(rec, "tcp_up") if rec else None
        v = (s or {}).get("counters", {}).get("vmgate-a", {})
        n, sent = v.get("nic0", {}).get("tx_dropped"), (v.get("tunnel") or {}).get("tx_datagrams")
        if n and sent:
            drops.append(f"{name} {n} of {sent} ({100.0 * n / sent:.2f} %)")
    if drops:
        out.append("**WAN transmit drops**: vmgate A's WAN NIC refused some outer packets (its "
                   "transmit ring full; `nic0 tx_dropped`) in the median TCP A→B run: "
                   + ", ".join(drops) + " datagrams; TCP retransmits those segments (some of "
                   "the retransmit column: the direct link retransmits too, with no router at all).")
    return [f"- {x}" for x in out] + ([""] if out else [])


def render_tunnels(results, measures):
    cfg = results["config"]
    paths = results["paths"]
    base = paths.get(BASE)
    rows = [(n, paths[n]) for n in ROWS if n in paths]
    L = ["## Guest to guest across vmgates: tunnels and an internal network (issue 17)", ""]
    L += run_header(results, f"{cfg['repeat']} × {cfg['seconds']} s per measurement"
                    + f" (TCP: +{cfg['warmup']} s warm-up left out)" + ("; quick run" if cfg["quick"] else ""))
    L += goal_lines(17, goals(paths))
    found = findings(paths)
    if found:
        L += ["### Findings", ""] + found
    L += ["### Rates", "", "Median (lowest–highest) of the runs; guest A is the iperf3 client, "
          "guest B the server.", ""]
    header = ["path", "what"] + [TITLES[m] for m in COLUMNS] + ["UDP loss", "TCP retransmits (A→B / B→A)"]
    body = []
    for name, rec in rows:
        if "error" in rec and not any(values(rec, m) for m in COLUMNS):
            body.append([f"`{name}`", rec["title"], f"failed: {rec['error']}"] + ["—"] * (len(COLUMNS) + 1))
            continue
        body.append([f"`{name}`", rec["title"]]
                    + [cell(rec, measures[m]) for m in COLUMNS]
                    + [loss(rec), retransmits(rec)])
    table(L, header, body)
    L += ["### Ratio to the direct dgram link (same run, medians)", ""]
    body = [[f"`{n}`"] + [pct(r) for r in ratios(rec, base)] for n, rec in rows if n != BASE]
    table(L, ["path"] + [TITLES[m] for m in COLUMNS], body)
    any_peer_udp = any(peer_udp(median_sample(rec, "udp64")) for _, rec in rows)
    L += ["### UDP 64 B: frames onto guest B's link", "",
          "The UDP column counts what iperf3 in guest B read. The routers' counters (the drops "
          "below) show that they put nearly every frame guest A sent onto B's link; the stream "
          "netdev to B loses nothing (a full receive ring only holds the stream back), so the "
          "rest was lost inside guest B, at its socket's receive buffer: under TCG, sharing two "
          "cores with the routers, it cannot take in 64-byte frames as fast as A sends them. "
          + ("B's `RcvbufErrors` (/proc/net/snmp) count them. " if any_peer_udp else
             "(B's own counters were not read in this run; the part reads them since: its "
             "`RcvbufErrors` in /proc/net/snmp.) ")
          + "The frames the last hop put on B's link per second (the median UDP run; on the "
          "direct link, what A sent) are therefore guest A's sending rate under the CPU the "
          "routers leave it.", ""]
    secs = cfg["seconds"]
    drate = delivered_rate(base, secs) if base else None
    body = []
    for name, rec in rows:
        d = delivered_rate(rec, secs)
        s_ = median_sample(rec, "udp64")
        got = s_["value"] if s_ else None
        pu = peer_udp(s_)
        body.append([f"`{name}`", "—" if d is None else f"{d:.1f} kframes/s",
                     pct(100.0 * d / drate) if d is not None and drate and name != BASE else "—",
                     "—" if got is None else f"{got:.1f} kframes/s"]
                    + ([str(pu.get("RcvbufErrors", "—")) if pu else "—"] if any_peer_udp else []))
    table(L, ["path", "onto B's link", "÷ direct", "read by iperf3 in B"]
          + (["B's RcvbufErrors"] if any_peer_udp else []), body)
    L += ["### vmgate ÷ Linux (same run, medians)", ""]
    body = []
    for name, linux in VERSUS:
        if name in paths and linux in paths:
            body.append([f"`{name}` ÷ `{linux}`"] + [pct(r) for r in ratios(paths[name], paths[linux])])
    table(L, ["rows"] + [TITLES[m] for m in COLUMNS], body)
    L += ["### CPU per QEMU (median run; vCPU/main in % of one core; host busy in cores)", ""]
    body = []
    for name, rec in rows:
        cells = []
        for m in COLUMNS:
            procs, busy, foreign = cpu_text(median_sample(rec, m))
            cells.append(f"{procs}; host busy {busy}, foreign {foreign}")
        body.append([f"`{name}`"] + cells)
    table(L, ["path"] + [TITLES[m] for m in COLUMNS], body)
    L += ["### Along the path (median run's counters)", ""]
    body = []
    for name, rec in rows:
        if name == BASE:
            continue
        for m in COLUMNS:
            body.append([f"`{name}`", TITLES[m], path_counters(name, median_sample(rec, m))])
    table(L, ["path", "run", "counters"], body)
    prof = [(n, rec["profile"]) for n, rec in rows if rec.get("profile")]
    if prof:
        L += ["### Where vmgate A spends its vCPU (profile pass; % of samples, halted included)", ""]
        body = []
        for name, p in prof:
            for m in COLUMNS:
                if m in p:
                    top = ", ".join(f"`{f}` {v} %" for f, _, v in p[m]["functions"][:5])
                    body.append([f"`{name}`", TITLES[m], f"{p[m]['halted_pct']} %", top])
        table(L, ["path", "run", "halted", "top functions"], body)
    L += ["### Conditions per path", ""]
    body = []
    for name, rec in rows:
        facts = "; ".join(f"{k}: {v}" for k, v in rec.get("facts", {}).items())
        errs = rec.get("error", "")
        body.append([f"`{name}`", rec.get("topology", ""), f"{rec.get('setup_s', '—')} s",
                     f"{rec['load_start'][0]:.2f} → {rec['load_end'][0]:.2f}",
                     facts + (f"; error: {errs}" if errs else "")])
    table(L, ["path", "topology", "setup", "load (1 min) start → end", "facts"], body)
    L += ["### Method", "", METHOD,
          "Raw results of this run: build/bench/results-tunnels.json; lab logs under build/bench/logs/."]
    return "\n".join(L)
