"""The attach part of docs/BENCHMARKS.md (issue 17, "the fastest rootless attach"):
vmgate with its LAN joined to the guest by each QEMU netdev that needs no root, beside
the direct link measured in the same run, from one run's results (bench.py; report.py
puts the part in place). It names the fastest kind, which tools/vmgate-run takes as
its default."""
from report import run_header, cell, cpu_text, median_sample, pct, ratio, table, values
from topologies import ATTACH_KINDS

COLUMNS = ["tcp_up", "tcp_down", "udp64"]
BASE = "attach-direct"

METHOD = """\
- **Topology.** The throughput part's vmgate path: vmgate's WAN on a tap in the namespace
  where iperf3 -s runs (`nic0 wan` static, `nic1 nat`, the fast path on), the guest's
  lease from vmgate. Only the LAN between vmgate and the guest changes from row to row:
  one QEMU netdev on each side, on the namespace's loopback or on unix sockets in the
  lab's run directory, as `tools/vmgate-run --attach KIND` sets them up. No row needs
  root (a tap or a bridge would). The mcast row has one guest on the group; every
  further member would receive every frame (a hub).
- **Ceiling.** The direct link (the guest's own tap into the namespace, no router) is
  measured again in the same run, so the ratios compare paths under the same load.
- **Measurements.** As in the throughput part: iperf3 from the guest, one TCP stream
  each way (`-l 1M`) and 64-byte UDP frames at iperf3's top rate, medians of the runs.
  None of these netdevs carries a virtio-net header, so the guest's NIC negotiates no
  checksum or segmentation offload: every TCP segment crosses the LAN as one frame of at
  most 1514 bytes, and the figures are frames per second as much as bytes.
- **Ceiling, for small frames.** The direct link's 64-byte rate is not a bound: the
  guest's tap (with its virtio-net header) ends in the namespace's kernel, and on this
  machine it carried fewer 64-byte frames than some routed paths do (the throughput
  part's vmgate on the bridge shows the same), so UDP ratios above 100 % occur.
- **Score.** The fastest kind is the one with the highest mean of its three ratios to
  the direct link (TCP up, TCP down, UDP 64 B), each counted once.
"""


def score(rec, base):
    """The mean of the three ratios to the direct link, or None if one is missing."""
    rs = [ratio(rec, base, m) for m in COLUMNS]
    return None if any(r is None for r in rs) else sum(rs) / len(rs)


def fastest(paths):
    """(kind, score) of the attach kind with the best score, or None."""
    base = paths.get(BASE)
    scored = [(score(paths[f"attach-{k}"], base), k) for k, _ in ATTACH_KINDS if f"attach-{k}" in paths]
    scored = [(s, k) for s, k in scored if s is not None]
    if not scored:
        return None
    s, k = max(scored)
    return k, s


def loss(rec):
    s = median_sample(rec, "udp64")
    if not s or s["extra"].get("loss %") is None:
        return "—"
    return f"{s['extra']['loss %']:.1f} % of {s['extra']['sent kframes/s']:.1f} k/s"


def render_attach(results, measures):
    cfg = results["config"]
    paths = results["paths"]
    base = paths.get(BASE)
    L = ["## Rootless attach: vmgate's LAN by each QEMU netdev", ""]
    L += run_header(results, f"{cfg['repeat']} × {cfg['seconds']} s per measurement"
                    + f" (TCP: +{cfg['warmup']} s warm-up left out)" + ("; quick run" if cfg["quick"] else ""))
    best = fastest(paths)
    sock = paths.get("attach-socket")
    if best:
        k, s = best
        line = (f"- **Fastest rootless attach:** `{k}`, {s:.0f} % of the direct link on the mean of "
                f"its three ratios")
        if sock and score(sock, base) is not None and k != "socket":
            line += f" (socket: {score(sock, base):.0f} %)"
        L += [line + "; `tools/vmgate-run` takes the fastest measured as its default.", ""]
    rows = [(k, what, paths.get(f"attach-{k}")) for k, what in ATTACH_KINDS]
    rows = [("direct", "the guest's tap into the namespace, no router", base)] + rows
    L.append("### Rates")
    L.append("")
    L.append("Median (lowest–highest) of the runs.")
    L.append("")
    header = ["attach", "path"] + [measures[m].title for m in COLUMNS] + ["UDP loss"]
    body = []
    for k, _, rec in rows:
        if rec is None:
            continue
        if "error" in rec and not any(values(rec, m) for m in COLUMNS):
            body.append([f"`{k}`", rec["title"], f"failed: {rec['error']}"] + ["—"] * len(COLUMNS))
            continue
        body.append([f"`{k}`", rec["title"]] + [cell(rec, measures[m]) for m in COLUMNS] + [loss(rec)])
    table(L, header, body)
    L.append("### Ratio to the direct link (same run, medians)")
    L.append("")
    header = ["attach"] + [measures[m].title for m in COLUMNS] + ["mean"]
    body = []
    for k, _, rec in rows[1:]:
        if rec is None:
            continue
        sc = score(rec, base)
        body.append([f"`{k}`"] + [pct(ratio(rec, base, m)) for m in COLUMNS] + [pct(sc)])
    table(L, header, body)
    L.append("### CPU per QEMU (median run; vCPU/main in % of one core)")
    L.append("")
    header = ["attach"] + [measures[m].title for m in COLUMNS]
    body = []
    for k, _, rec in rows:
        if rec is None:
            continue
        body.append([f"`{k}`"] + [cpu_text(median_sample(rec, m))[0] for m in COLUMNS])
    table(L, header, body)
    L.append("### Conditions per path")
    L.append("")
    body = []
    for k, what, rec in rows:
        if rec is None:
            continue
        facts = "; ".join(f"{fk}: {fv}" for fk, fv in rec.get("facts", {}).items() if fk != "attach")
        errs = rec.get("error", "")
        body.append([f"`{k}`", what, f"{rec.get('setup_s', '—')} s",
                     f"{rec['load_start'][0]:.2f} → {rec['load_end'][0]:.2f}",
                     facts + (f"; error: {errs}" if errs else "")])
    table(L, ["attach", "netdev", "setup", "load (1 min) start → end", "facts"], body)
    L.append("### Method")
    L.append("")
    L.append(METHOD)
    L.append("Raw results of this run: build/bench/results-attach.json; lab logs under build/bench/logs/.")
    return "\n".join(L)
