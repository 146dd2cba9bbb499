"""docs/BENCHMARKS.md from one run's results (bench.py's results dict)."""
import statistics

# The anchors measured on the lab machines (shared/reference/README.md): (low, high)
# per measurement, Gbit/s and kframes/s.
REFERENCE = {
    "direct": {"tcp_up": (4.6, 4.8), "tcp_down": (6.3, 6.8), "udp64": (87, 93)},
    "linux-router": {"tcp_up": (4.2, 4.5), "tcp_down": (3.7, 3.7), "udp64": (50, 52)},
    "slirp": {"tcp_up": (0.6, 0.6), "tcp_down": (1.6, 1.6), "udp64": (89, 89)},
    "socket-link": {"tcp_up": (1.0, 1.0), "tcp_down": (1.2, 1.2), "udp64": (60, 60)},
}
REFERENCE_RATIO = {"linux-router": {"tcp_up": 92, "tcp_down": 58, "udp64": 56},
                   "slirp": {"tcp_up": 13, "tcp_down": 26, "udp64": 95}}

METHOD = """\
- **Repetitions.** Each path is built in its own namespaces, then every measurement runs
  {repeat} time(s), interleaved (TCP up, TCP down, UDP; then again), so that a change in
  the machine's load spreads over all columns instead of hitting one. A table cell is the
  **median** of the runs, with the lowest and highest in brackets when there are several.
  Only one path's VMs run at a time.
- **TCP.** One stream, `iperf3 -c SERVER -t {seconds} -O {warmup} -l {tcp_len}` in the guest
  (with `-R` for namespace→guest, so the guest still opens the connection and NAT or slirp
  need no port forwarding); the first {warmup} s (slow start) are left out; the figure is the
  rate the receiver counted; iperf3's default window. The guest's vCPU is the busiest thread
  of the direct link (about 85 % of a core under TCG), so the endpoints' own costs matter:
  with iperf3's default 128 KiB writes the direct link gave about a fifth less here, and
  which side runs the client changes the figure by as much. Compare paths, not these
  absolutes with figures taken with other options.
- **UDP 64 B.** `iperf3 -c SERVER -u -b 0 -l 18 -t {seconds}`: 18-byte payloads make
  64-byte Ethernet frames with the FCS (14 + 20 + 8 + 18 + 4), offered as fast as the guest
  can send them. The figure is frames received by the server per second; loss is
  (sent − received) / sent, which includes frames the guest's own stack or NIC could not
  put on the wire.
- **CPU.** From `/proc/PID/task/*/stat` of each QEMU: `vCPU` is its TCG vCPU thread (the
  guest's code), `main` everything else (mostly QEMU's main loop, where the tap, socket and
  slirp backends and virtio-net's TX bottom half run), in % of one core over the whole
  iperf3 run. *Host busy* is from `/proc/stat` in cores; *foreign* is host busy minus the
  processes of the run (QEMUs and the iperf3 server) and steal: other people's work on the
  machine, plus kernel softirq work that Linux charged to whatever process it interrupted.
  *Steal* is CPU time the lab machine's own hypervisor (it is a VM) gave to others.
- **Counters.** Before and after each run: the namespace's links (`ip -s link`), the guest's
  and a Linux router's NIC statistics (sysfs, with `rx_missed_errors`, the frames the NIC
  missed for want of a receive descriptor, apart from the drops), vmgate's `ifconfig`, `stats` and `mem`. The deltas of
  the median run are in the per-path details below; a tap's *tx dropped* counts frames the
  kernel could not hand to the QEMU on the other side (its RX ring was full).
- **Profile.** With BENCH_PROFILE=1 each measurement runs once more on the vmgate paths
  while the harness samples vmgate's instruction pointer through QEMU's monitor (`info
  registers` every 4 ms; under TCG the RIP is written back at translation-block boundaries,
  so a sample names the function that was running), and the caller of the hottest
  functions from the return address in the frame RBP points at (a leaf function that
  sets up no frame of its own, like `virtq_kick`, shows its caller's caller: a kick
  "called from `nic_transmit`" is the one in `vnet_transmit`). A sample is taken whether
  the vCPU runs or waits, so a function that exits to QEMU (an MMIO or port write) also
  collects the time it waits for QEMU's big lock. That pass's figures are not in the
  tables (the sampling costs CPU).
- **Noise.** Other engineers' QEMUs and fuzzers share this machine's {nproc} cores. A run of
  QEMU under TCG needs a core for each busy vCPU plus one for the I/O side; a path with a
  router VM needs more cores than the direct link, so foreign load lowers router paths more
  than the ceiling and the ratios are only comparable within one run at similar load (see
  the load and foreign columns). Repeat the run and compare ratios, not absolutes, across runs.
"""


def fmt_num(v, fmt):
    return "—" if v is None else fmt.format(v)


def values(rec, key):
    return [s["value"] for s in rec.get("samples", []) if s["measure"] == key and "value" in s]


def median(rec, key):
    v = values(rec, key)
    return statistics.median(v) if v else None


def median_sample(rec, key):
    """The run whose value is the median (the lower middle one for even counts)."""
    runs = sorted((s for s in rec.get("samples", []) if s["measure"] == key and "value" in s),
                  key=lambda s: s["value"])
    return runs[(len(runs) - 1) // 2] if runs else None


def errors(rec, key):
    return [s["error"] for s in rec.get("samples", []) if s["measure"] == key and "error" in s]


def cell(rec, m):
    v = values(rec, m.key)
    if not v:
        errs = errors(rec, m.key)
        return "failed" if errs else "—"
    text = f"{m.fmt.format(statistics.median(v))} {m.unit}"
    if len(v) > 1:
        text += f" ({m.fmt.format(min(v))}–{m.fmt.format(max(v))})"
    return text


def udp_loss(rec):
    s = median_sample(rec, "udp64")
    if not s or s["extra"].get("loss %") is None:
        return "—"
    return f"{s['extra']['loss %']:.1f} % of {s['extra']['sent kframes/s']:.1f} k/s"


def ratio(rec, base, key):
    a, b = median(rec, key), (median(base, key) if base else None)
    if a is None or not b:
        return None
    return 100.0 * a / b


def one_line(rec, measures):
    if "error" in rec and not rec.get("samples"):
        return f"  {rec['name']}: FAILED: {rec['error']}"
    parts = [f"{m.title} {cell(rec, m)}" for k, m in measures.items() if values(rec, k)]
    tail = f"  [error: {rec['error']}]" if "error" in rec else ""
    return (f"  {rec['name']}: " + "; ".join(parts) +
            f"  (load {rec['load_start'][0]:.2f} -> {rec['load_end'][0]:.2f}, {rec['seconds']} s)" + tail)


def pct(x):
    return "—" if x is None else f"{x:.0f} %"


def table(lines, header, rows):
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    lines.append("")


def cpu_text(sample):
    if not sample:
        return "—", "—", "—"
    c = sample["cpu"]
    procs = "; ".join(f"{role} {100 * p.get('vcpu', 0):.0f}/{100 * p.get('main', 0):.0f}"
                      if role != "iperf3 -s" else f"server {100 * sum(p.values()):.0f}"
                      for role, p in c["procs"].items())
    return procs, f"{c['host_busy']:.2f}", f"{c['foreign']:.2f}"


def segment_size(sample):
    """For TCP runs: the mean size of what the guest's NIC sent (up) or received (down),
    from the payload bytes and its packet counter. Far above 1500 bytes means 64 KiB
    segments crossed the NIC whole (TSO on send, GRO/LRO-sized receives)."""
    key = {"tcp_up": "tx_packets", "tcp_down": "rx_packets"}.get(sample["measure"])
    nic = sample.get("counters", {}).get("guest", {}).get("eth0", {})
    if not key or not nic.get(key) or not sample["extra"].get("bytes"):
        return None
    return (f"the guest's eth0 {'sent' if key == 'tx_packets' else 'received'} {nic[key]} packets for "
            f"{sample['extra']['bytes'] / 1e6:.0f} MB of payload: at least "
            f"{sample['extra']['bytes'] / nic[key] / 1024:.1f} KiB each (the packets include the "
            f"warm-up's, the bytes do not)")


def cost_text(sample, key, cfg):
    """CPU per unit of traffic for each QEMU of one run (see process_cost)."""
    if not sample or not sample.get("value"):
        return "—"
    fmt = "{:.0f}" if key == "udp64" else "{:.1f}"
    parts = [f"{role} " + fmt.format(process_cost(sample, key, cfg, role))
             for role in sample["cpu"]["procs"] if role != "iperf3 -s"]
    return "; ".join(parts) or "—"


# lwIP's drop and error counters (16-bit: the packet counts wrap within a run).
INTERESTING_LWIP = ("link.drop", "link.err", "ip.drop", "ip.err", "ip.memerr", "ip.rterr",
                    "ip.chkerr", "ip.lenerr", "ip.proterr", "etharp.memerr", "icmp.xmit")


# vmgate's per-NIC offload counters (ifconfig's "offload caps" line).
OFFLOAD_KEYS = ("rx gso", "rx csum", "tx gso", "tx lent", "software")


def counter_lines(counters):
    """Short text per place for the non-zero counters that say where frames went."""
    out = []
    for place, data in counters.items():
        if not isinstance(data, dict) or "error" in data:
            continue
        items = []
        for name, c in sorted(data.items()):
            if name == "lwip":
                items += [f"{k} {v}" for k, v in c.items() if k in INTERESTING_LWIP and v]
                continue
            if name == "fastpath":
                items += [f"fastpath {k.replace('_', ' ')} {v}" for k, v in c.items() if v]
                continue
            if name == "pools":
                for pool, p in c.items():
                    if p.get("err") or pool == "PBUF_POOL":
                        items.append(f"pool {pool} max {p.get('max')} err {p.get('err')}")
                continue
            if not isinstance(c, dict):
                continue
            fields = [f"{k.replace('_packets', '').replace('_', ' ')} {v}" for k, v in c.items()
                      if v and isinstance(v, int) and
                      (k.endswith(("packets", "dropped", "errors", "missed")) or k.startswith(OFFLOAD_KEYS))]
            if fields:
                items.append(f"{name}: " + ", ".join(fields))
        if items:
            out.append(f"{place} — " + "; ".join(items))
    return out


def observations(results, measures):
    """A few sentences computed from the figures (no judgement the data cannot carry)."""
    paths = results["paths"]
    base = paths.get(results["baseline"])
    out = []
    for name in ("vmgate", "vmgate-socket"):
        rec = paths.get(name)
        if not rec or not rec.get("samples"):
            continue
        other = paths.get("linux-router" if name == "vmgate" else "linux-router-socket")
        parts = []
        for key in ("tcp_up", "tcp_down", "udp64"):
            m = measures[key]
            r_base = ratio(rec, base, key)
            r_lnx = ratio(rec, other, key) if other else None
            if r_base is None and r_lnx is None:
                continue
            bits = []
            if r_base is not None:
                bits.append(f"{r_base:.0f} % of the direct link")
            if r_lnx is not None:
                bits.append(f"{r_lnx:.0f} % of the Linux router")
            parts.append(f"{m.title} {', '.join(bits)}")
        if parts:
            out.append(f"**{rec['title']}**: " + "; ".join(parts) + ".")
        busy = []
        for key in ("tcp_up", "tcp_down", "udp64"):
            s = median_sample(rec, key)
            p = s and s["cpu"]["procs"].get("vmgate")
            if p:
                busy.append(f"{measures[key].title} {100 * p['vcpu']:.0f} %")
        if busy:
            out.append(f"vmgate's vCPU thread during {rec['title']}'s runs: " + ", ".join(busy) +
                       " of a core (near 100 % means vmgate itself is the bottleneck).")
        costs = []
        for key in ("tcp_up", "tcp_down", "udp64"):
            mine = process_cost(median_sample(rec, key), key, results["config"], "vmgate")
            theirs = process_cost(median_sample(other, key), key, results["config"], "router") if other else None
            if mine is not None:
                unit = "µs/frame" if key == "udp64" else "core-s/GB"
                costs.append(f"{measures[key].title} {mine:.1f} {unit}" +
                             (f" (Linux router {theirs:.1f})" if theirs is not None else ""))
        if costs:
            out.append(f"CPU that {rec['title']}'s QEMU spent per unit of traffic: " + "; ".join(costs) + ".")
        prof = rec.get("profile") or {}
        hot = []
        for key, p in prof.items():
            busy_pct = 100 - p["halted_pct"]
            if p["functions"] and busy_pct > 0:
                f, src, v = p["functions"][0]
                hot.append(f"{measures[key].title}: halted {p['halted_pct']:.0f} % of the samples, "
                           f"`{f}`{f' ({src})' if src else ''} {100 * v / busy_pct:.0f} % of the others")
        if hot:
            out.append("Profile (extra pass): " + "; ".join(hot) + ".")
    return out


def process_cost(sample, key, cfg, role):
    """One QEMU's CPU per unit of traffic in a run: core-s/GB (TCP) or µs/frame (UDP)."""
    if not sample or not sample.get("value"):
        return None
    p = sample["cpu"]["procs"].get(role)
    if not p:
        return None
    secs = (p.get("vcpu", 0) + p.get("main", 0)) * sample["cpu"]["seconds"]
    if key == "udp64":
        return secs * 1e6 / (sample["value"] * 1e3 * cfg["seconds"])
    return secs / (sample["value"] / 8 * (cfg["seconds"] + cfg["warmup"]))


def run_header(results, runs):
    """The lines that open a part: the command, date, machine, tree, `runs` (the part's
    own sentence on repetitions) and the load average at the start and end."""
    mach = results["machine"]
    L = [f"- **Command:** `{results['command']}`"]
    dur = results.get("duration_s", 0)
    L.append(f"- **Date:** {results['date']} (the run took {dur // 60} min {dur % 60} s)"
             + (f" — **interrupted** ({results['interrupted']}): partial results" if results.get("interrupted") else ""))
    L.append(f"- **Machine:** {mach['nproc']} × {mach['cpu']}, {mach['memory_gib']} GiB; host kernel "
             f"{mach['kernel']}; {mach['qemu']}, TCG (no KVM)")
    L.append(f"- **Tree:** {mach['branch']} at {mach['commit']} ({mach.get('vmgate_elf', 'build/vmgate.elf')})")
    L.append(f"- **Runs:** {runs}")
    ls, le = results["load_start"], results.get("load_end", results["load_start"])
    L.append(f"- **Load average** (1/5/15 min): at start {ls[0]:.2f} / {ls[1]:.2f} / {ls[2]:.2f}, "
             f"at end {le[0]:.2f} / {le[1]:.2f} / {le[2]:.2f}")
    L.append("")
    return L


def goal_lines(issue, goals):
    """A part's "Goals (issue N)" section from (text, met) pairs; nothing without goals."""
    if not goals:
        return []
    return ([f"### Goals (issue {issue})", ""]
            + [f"- **{'met' if met else 'missed'}**: {text}." for text, met in goals] + [""])


def render_throughput(results, measures, paths_meta):
    """The throughput part: the paths to the namespace and their tables."""
    cfg = results["config"]
    mach = results["machine"]
    paths = results["paths"]
    base = paths.get(results["baseline"])
    L = []
    L.append(f"- **Command:** `{results['command']}`")
    dur = results.get("duration_s", 0)
    L.append(f"- **Date:** {results['date']} (the run took {dur // 60} min {dur % 60} s)"
             + (f" — **interrupted** ({results['interrupted']}): partial results" if results.get("interrupted") else ""))
    L.append(f"- **Machine:** {mach['nproc']} × {mach['cpu']} (nproc {mach['nproc']}), {mach['memory_gib']} GiB; "
             f"host kernel {mach['kernel']}; {mach['qemu']}, TCG (no KVM); {mach['iperf3']}")
    L.append(f"- **Tree:** {mach['branch']} at {mach['commit']} ({mach.get('vmgate_elf', 'build/vmgate.elf')}, "
             f"-kernel, PVH)")
    L.append(f"- **Guest:** the lab guest (Debian's kernel, busybox initramfs with iperf3), one "
             f"virtio-net-pci NIC, 256 MiB, 1 vCPU, in every path; router VMs (vmgate, the Linux "
             f"router) also 256 MiB, 1 vCPU")
    L.append(f"- **Runs:** {cfg['repeat']} × {cfg['seconds']} s per measurement"
             + (f" (TCP: +{cfg['warmup']} s warm-up left out)") + ("; quick run" if cfg["quick"] else "")
             + (f"; only {', '.join(cfg['only'])}" if cfg["only"] else "")
             + (f"; each path waited up to {cfg['quiet']} s for an idle host first" if cfg.get("quiet") else ""))
    ls, le = results["load_start"], results.get("load_end", results["load_start"])
    L.append(f"- **Load average** (1/5/15 min): at start {ls[0]:.2f} / {ls[1]:.2f} / {ls[2]:.2f}, "
             f"at end {le[0]:.2f} / {le[1]:.2f} / {le[2]:.2f}")
    L.append("")

    obs = observations(results, measures)
    foreign = [s["cpu"]["foreign"] for rec in paths.values() for s in rec.get("samples", [])]
    if foreign and statistics.median(foreign) >= 0.3:
        obs.insert(0, f"**Noisy run:** other work on the machine took {statistics.median(foreign):.2f} of its "
                      f"{mach['nproc']} cores in the median measurement (range {min(foreign):.2f}–{max(foreign):.2f}; "
                      "see Conditions). Absolute figures are low and ratios distorted (router paths need more cores "
                      "than the direct link); compare with the reference anchors only from a quiet run.")
    if obs:
        L.append("## Summary")
        L.append("")
        for o in obs:
            L.append(f"- {o}")
        L.append("")

    for t in results["tables"]:
        rows = [paths[n] for n in t["paths"] if n in paths]
        if not rows:
            continue
        ms = [measures[k] for k in t["columns"]]
        L.append(f"## {t['title']}")
        L.append("")
        L.append(t["text"])
        L.append("")
        header = ["path"] + [m.title for m in ms] + ["UDP loss"]
        body = []
        for rec in rows:
            if "error" in rec and not rec.get("samples"):
                body.append([rec["title"]] + [f"failed: {rec['error']}"] + ["—"] * len(ms))
                continue
            body.append([rec["title"]] + [cell(rec, m) for m in ms] + [udp_loss(rec)])
        table(L, header, body)
        L.append("Ratio to the direct link (same run, medians):")
        L.append("")
        header = ["path"] + [m.title for m in ms]
        body = [[rec["title"]] + [pct(ratio(rec, base, m.key)) for m in ms] for rec in rows]
        table(L, header, body)

    # Anchors
    if any(n in paths for n in REFERENCE):
        L.append("## Against the reference anchors")
        L.append("")
        L.append("shared/reference/README.md measured these paths on the lab machines; here, this run.")
        L.append("")
        header = ["path", "measure", "this run", "reference", "ratio here", "reference ratio"]
        body = []
        for name, ref in REFERENCE.items():
            rec = paths.get(name)
            if not rec:
                continue
            for key, (lo, hi) in ref.items():
                m = measures[key]
                v = median(rec, key)
                refv = f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"
                rr = REFERENCE_RATIO.get(name, {}).get(key)
                body.append([rec["title"], m.title, fmt_num(v, m.fmt) + f" {m.unit}", f"{refv} {m.unit}",
                             pct(ratio(rec, base, key)) if name != results["baseline"] else "100 %",
                             f"{rr} %" if rr else ("100 %" if name == results["baseline"] else "—")])
        table(L, header, body)

    # Conditions
    L.append("## Conditions per path")
    L.append("")
    header = ["path", "setup", "load (1 min) start → end", "host busy (cores)", "foreign (cores)",
              "steal (cores)", "how it was set up"]
    body = []
    for name, rec in paths.items():
        busy = [s["cpu"]["host_busy"] for s in rec.get("samples", [])]
        foreign = [s["cpu"]["foreign"] for s in rec.get("samples", [])]
        rng = lambda v: f"{min(v):.2f}–{max(v):.2f}" if v else "—"
        how = "; ".join([f"{k}: {v}" for k, v in rec.get("facts", {}).items()] + rec.get("notes", []))
        if rec.get("quiet_wait"):
            how = f"waited {rec['quiet_wait'][0]} s for quiet, then {rec['quiet_wait'][1]} cores busy; " + how
        steal = [s["cpu"].get("steal", 0) for s in rec.get("samples", [])]
        body.append([rec["title"], f"{rec.get('setup_s', '—')} s",
                     f"{rec['load_start'][0]:.2f} → {rec['load_end'][0]:.2f}", rng(busy), rng(foreign),
                     rng(steal), how or "—"])
    table(L, header, body)

    # CPU
    L.append("## CPU per VM (median run of each measurement)")
    L.append("")
    L.append("Per process: `vCPU/main` in % of one core (see Method).")
    L.append("")
    header = ["path", "measure", "QEMU processes: vCPU/main %", "host busy", "foreign"]
    body = []
    for name, rec in paths.items():
        for key in dict.fromkeys(s["measure"] for s in rec.get("samples", [])):
            procs, busy, foreign = cpu_text(median_sample(rec, key))
            body.append([rec["title"], measures[key].title, procs, busy, foreign])
    table(L, header, body)

    # CPU cost per unit of traffic: less sensitive to other people's load than rates
    L.append("## CPU cost per unit of traffic (median run)")
    L.append("")
    L.append("CPU time each QEMU spent (vCPU + main thread) per gigabyte of TCP payload, and per "
             "64-byte frame the server received. It counts only the time the process ran, so it moves "
             "less with other people's load than the rates do (though a starved process also waits "
             "more and batches differently). The volume is the measured rate times the run's length "
             "(TCP: warm-up included).")
    L.append("")
    cost_cols = [k for k in ("tcp_up", "tcp_down", "udp64") if any(values(r, k) for r in paths.values())]
    header = ["path"] + [f"{measures[k].title} ({'core-s/GB' if k != 'udp64' else 'µs/frame'})" for k in cost_cols]
    body = []
    for name, rec in paths.items():
        row = [rec["title"]]
        for key in cost_cols:
            row.append(cost_text(median_sample(rec, key), key, cfg))
        body.append(row)
    table(L, header, body)

    # Details per path
    L.append("## Details per path")
    L.append("")
    for name, rec in paths.items():
        L.append(f"### {rec['title']}")
        L.append("")
        L.append(f"Topology: {rec['topology']}.")
        L.append("")
        if rec.get("error"):
            L.append(f"**Error:** {rec['error']} (logs: {rec.get('logdir', '—')})")
            L.append("")
        if rec.get("server_peers"):
            L.append(f"The server saw connections from: {', '.join(rec['server_peers'])}.")
            L.append("")
        for key in dict.fromkeys(s["measure"] for s in rec.get("samples", [])):
            m = measures[key]
            runs = ", ".join(fmt_num(s.get("value"), m.fmt) if "value" in s else f"failed ({s['error']})"
                             for s in rec["samples"] if s["measure"] == key)
            L.append(f"- **{m.title}** runs: {runs} {m.unit}")
            s = median_sample(rec, key)
            if s:
                extra = ", ".join(f"{k} {v}" for k, v in s["extra"].items() if v is not None)
                if extra:
                    L.append(f"  - median run: {extra}")
                seg = segment_size(s)
                if seg:
                    L.append(f"  - {seg}")
                for line in counter_lines(s.get("counters", {})):
                    L.append(f"  - {line}")
        L.append("")
        prof = rec.get("profile")
        if prof:
            L.append("Profile of vmgate (instruction-pointer samples, extra pass; % of all samples). "
                     "A sample is taken whether the vCPU thread runs or waits: not halted minus the "
                     "time the thread ran is time it was runnable but not running, or blocked in QEMU "
                     "(an MMIO write such as a virtqueue kick takes QEMU's big lock, which the main "
                     "loop holds while it moves packets).")
            L.append("")
            for key, p in prof.items():
                m = measures[key]
                comps = ", ".join(f"{k} {v} %" for k, v in p["components"].items())
                ran = (f"; its vCPU thread ran {100 * p['vcpu']:.0f} % of the time"
                       if p.get("vcpu") is not None else "")
                L.append(f"- **{m.title}** ({fmt_num(p.get('value'), m.fmt)} {m.unit} while sampled; "
                         f"{p['samples']} samples, halted {p['halted_pct']} %{ran}): {comps}")
                L.append("  - " + ", ".join(f"`{f}`{f' ({src})' if src else ''} {v} %"
                                            for f, src, v in p["functions"][:12]))
                for f, by in p.get("callers", {}).items():
                    L.append(f"  - `{f}` called from: " + ", ".join(f"`{c}` {v} %" for c, v in by.items()))
            L.append("")

    L.append("## Method and noise")
    L.append("")
    L.append(METHOD.format(repeat=cfg["repeat"], seconds=cfg["seconds"], warmup=cfg["warmup"],
                           nproc=mach["nproc"], tcp_len=cfg.get("tcp_len", "128K")))
    L.append("Raw results of this run: build/bench/results-throughput.json; lab logs (consoles, QEMU, "
             "iperf3 server) under build/bench/logs/.")
    L.append("")
    return "\n".join(L)


# --- the document: parts ---------------------------------------------------------------------

# docs/BENCHMARKS.md holds parts, each written by the last run that measured its
# tables (bench.py's Table.part) and kept as it was by runs that did not: so a run
# with BENCH_ONLY=pxe rewrites the PXE part and leaves the throughput tables alone.
# Each part sits between two markers and names its own command, date and tree.
PARTS = ("throughput", "pxe", "nics", "attach", "tunnels")
TITLE = "# vmgate benchmarks"
INTRO = ("Written by `make bench` (tests/bench/, see its README.md); do not edit by hand, run it again. "
         "Each part names the run that wrote it: a run with BENCH_ONLY rewrites only the parts whose "
         "paths it measured (throughput: the paths to the namespace; pxe: PXE boot and TFTP; "
         "nics: per NIC model; attach: vmgate's LAN by each rootless QEMU netdev; tunnels: guest to "
         "guest across vmgates, by tunnel and internal network).")


def _begin(part):
    return f"<!-- part {part}: written by make bench, replaced by the next run that measures it -->"


def _end(part):
    return f"<!-- end of part {part} -->"


def split_parts(text):
    """{part: text} of an existing report. One written before there were parts (no
    markers) is all throughput: its title and first line are dropped."""
    out = {}
    if "<!-- part " not in text:
        lines = text.splitlines()
        while lines and (lines[0].startswith(TITLE) or lines[0].startswith("Written by") or not lines[0].strip()):
            lines.pop(0)
        if lines:
            out["throughput"] = "\n".join(lines).strip("\n")
        return out
    for part in PARTS:
        b, e = _begin(part), _end(part)
        if b in text and e in text:
            out[part] = text.split(b, 1)[1].split(e, 1)[0].strip("\n")
    return out


def table_part(t):
    return t.get("part", "throughput")


def part_results(results, part):
    """A copy of results with only this part's tables and their paths."""
    tables = [t for t in results["tables"] if table_part(t) == part]
    names = {n for t in tables for n in t["paths"]}
    r = dict(results)
    r["tables"] = tables
    r["paths"] = {n: rec for n, rec in results["paths"].items() if n in names}
    return r


def measured_parts(results):
    return [p for p in PARTS if part_results(results, p)["paths"]]


def render(results, measures, paths_meta, existing=None):
    """The whole document: the parts this run measured, rendered from results, and
    the others as `existing` (the report's current text, if any) has them."""
    from report_attach import render_attach
    from report_nics import render_nics
    from report_pxe import render_pxe
    from report_tunnels import render_tunnels
    renderers = {"throughput": lambda r: render_throughput(r, measures, paths_meta),
                 "pxe": lambda r: render_pxe(r, measures),
                 "nics": lambda r: render_nics(r, measures),
                 "attach": lambda r: render_attach(r, measures),
                 "tunnels": lambda r: render_tunnels(r, measures)}
    old = split_parts(existing) if existing else {}
    now = measured_parts(results)
    L = [TITLE, "", INTRO, ""]
    for part in PARTS:
        body = renderers[part](part_results(results, part)) if part in now else old.get(part)
        if body is None:
            continue
        L += [_begin(part), "", body.strip("\n"), "", _end(part), ""]
    return "\n".join(L)


if __name__ == "__main__":
    # Renders a report again from results files, e.g. after changing this module:
    #   python3 tests/bench/report.py build/bench/results-throughput.json \
    #       build/bench/results-pxe.json > /tmp/BENCHMARKS.md
    # (each file's parts; with --keep REPORT, the parts none of them has come from REPORT).
    import json
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.join(here, "..", "lab")]
    import measures
    import topologies
    args = sys.argv[1:]
    existing = None
    if args[:1] == ["--keep"]:
        with open(args[1]) as f:
            existing = f.read()
        args = args[2:]
    text = existing
    for path in args:
        with open(path) as f:
            text = render(json.load(f), measures.MEASURES, topologies.PATHS, text)
    sys.stdout.write(text or "")
