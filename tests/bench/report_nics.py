"""The NIC-model part of docs/BENCHMARKS.md (issue 16): vmgate and the Linux router VM
with the same QEMU NIC model on every NIC of the path, model by model, from one run's
results (bench.py; report.py puts the part in place). The issue's goals are checked
from the same figures: vmgate ahead of the Linux router on every model, 64-byte UDP
without loss on virtio, and the device notifications per forwarded frame."""
import textwrap

from report import goal_lines, run_header, cell, median, median_sample, table, values
from measures import FWD_KFPS
from topologies import NIC_MODELS, NIC_RINGS

COLUMNS = ["tcp_up", "tcp_down", "udp64", "udp64_fwd"]
# What "ahead of the Linux router" is judged on: the measures the router limits. The
# guest's own 64-byte UDP (udp64) is limited by the guest's sending under TCG (both
# routers forward what arrives), so its ratio is shown, not judged.
COMPARED = ["tcp_up", "tcp_down", "udp64_fwd"]

METHOD = """\
- **Topology.** The bridge table's (throughput part): the router VM's WAN NIC on a tap
  in the namespace where iperf3 -s runs, its LAN NIC on a tap that a Linux bridge joins
  to the guest's tap; vmgate as `nic0 wan` (static) and `nic1 nat`, the Linux router
  with nftables masquerade and dnsmasq. The only change from row to row is the QEMU
  `-device` of all three NICs (vmgate's or the router's two, and the guest's), so a
  row compares the routers on one emulated NIC, and the rows show what each model
  costs under TCG.
- **Measurements.** As in the throughput part: iperf3 from the guest, one TCP stream
  each way and 64-byte UDP frames at iperf3's top rate, the median of the runs. A
  model's two paths run one after the other, which first alternating from model to
  model (vmgate first on the 1st, 3rd and 5th of the table, the Linux router first on
  the others), so that a host whose speed drifts over the run favours neither side.
  64-byte UDP from the guest is limited by the guest's sending, not by either router
  (both forward what arrives: the loss columns), so its ratio moves with the host more
  than the TCP columns do, and it is not what "ahead" is judged on.
- **64-byte forwarding rate.** The router's own limit for small frames: a namespace on
  the LAN bridge (a veth, 10.0.2.200, the router as its gateway) runs iperf3 -c natively
  and offers {fwd} kframes/s of 64-byte frames (`-u -b`, paced, `-l 18`) through the
  router's NAT to the server; the figure is the frames per second that reached the
  server's namespace (what iperf3 -s read, plus what its full socket refused,
  RcvbufErrors). What the router cannot take waits in the host's queue to it and is
  dropped there. This column, with the two TCP ones, is what "ahead" is judged on.
- **Loss in the router.** For the guest's 64-byte UDP: the frames lost between the
  guest's link and the server's link, from the counters of the median run: the host's
  queue to the router's LAN NIC (the LAN tap's `tx_dropped`, a full receive ring) and
  the router's own drops (vmgate: its NICs' dropped counters and the fast path's;
  Linux: its NICs' sysfs drops). The end-to-end figure from iperf3 also counts what the
  server's socket refused and datagrams still on their way when iperf3 ended the test.
- **Notifications per forwarded frame.** From vmgate's console before and after the
  64-byte UDP runs: the device notifications its drivers counted (virtio: `tx-kicks`
  and `rx-kicks`, the writes that wake QEMU; e1000 and PCnet: the tail or demand
  writes their drivers count, where they count them) divided by the frames the
  fast path forwarded. With EVENT_IDX a virtio NIC is notified only when QEMU asked.
- **Rings.** {rings}
- **Missed frames.** Over the median run of a measurement: frames a NIC dropped for
  want of a free receive descriptor. The Linux VMs' `rx_missed_errors` (sysfs; for
  pcnet32 the chip's 16-bit CSR112 as read, so its differences are taken modulo
  2^16), with the guest's share of all that reached its NIC; vmgate's driver counters
  (`missed` on its PCnets, `device counters` in `ifconfig`). Counted from the start of
  the measurement to its end, warm-up included.
"""


def notifications(rec):
    """(notifications per forwarded frame, forwarded, notifications) over vmgate's
    median 64-byte UDP run, or None without the counters."""
    s = median_sample(rec, "udp64")
    if not s:
        return None
    c = s.get("counters", {}).get("vmgate", {})
    fwd = c.get("fastpath", {}).get("forwarded")
    kicks = 0
    seen = False
    for nic, vals in c.items():
        if not nic.startswith("nic") or not isinstance(vals, dict):
            continue
        for k, v in vals.items():
            if k.startswith("dev ") and (k.endswith("-kicks") or "doorbell" in k or k.endswith("-writes")):
                kicks += v
                seen = True
    if not fwd or not seen:
        return None
    return kicks / fwd, fwd, kicks


def missed(rec, key):
    """Frames the NICs dropped for want of a receive descriptor over the median run of
    `key`: the guest's (with its share of what reached its NIC) and the router's per
    NIC (vmgate's driver counters, the Linux router's rx_missed_errors), or None."""
    s = median_sample(rec, key)
    if not s:
        return None
    c = s.get("counters", {})
    parts = []
    g = c.get("guest", {}).get("eth0", {})
    if "rx_missed" in g:
        n, total = g["rx_missed"], g["rx_missed"] + g.get("rx_packets", 0)
        parts.append(f"guest {n}" + (f" ({100.0 * n / total:.1f} %)" if n and total else ""))
    for role, field in (("vmgate", "dev missed"), ("router", "rx_missed")):
        nics = {nic: v[field] for nic, v in sorted(c.get(role, {}).items())
                if isinstance(v, dict) and field in v}
        if nics:
            parts.append(f"{role} " + ", ".join(f"{nic} {n}" for nic, n in nics.items()))
    return "; ".join(parts) or None


def loss(rec):
    s = median_sample(rec, "udp64")
    if not s or s["extra"].get("loss %") is None:
        return None
    return s["extra"]["loss %"]


def router_loss(rec):
    """(frames lost in the router and the host's queue to it, frames the guest sent,
    "where" text) over the median 64-byte UDP run from the guest, or None."""
    s = median_sample(rec, "udp64")
    if not s or "counters" not in s:
        return None
    c = s["counters"]
    sent = s["extra"].get("sent") or 0
    queue = c.get("namespace", {}).get("tapl", {}).get("tx_dropped", 0)
    own = 0
    if "vmgate" in c:
        v = c["vmgate"]
        for nic, vals in v.items():
            if nic.startswith("nic") and isinstance(vals, dict):
                own += vals.get("tx_dropped", 0) + vals.get("rx_dropped", 0)
        own += v.get("fastpath", {}).get("dropped", 0)
    elif "router" in c:
        for ifname, vals in c["router"].items():
            if isinstance(vals, dict):
                own += vals.get("tx_dropped", 0) + vals.get("rx_dropped", 0) + vals.get("rx_missed", 0)
    return queue + own, sent, f"host queue {queue}, router {own}"


def goals(paths):
    out = []
    behind = []
    compared = 0
    for key, model, _ in NIC_MODELS:
        v, lx = paths.get(f"nic-vmgate-{key}"), paths.get(f"nic-linux-{key}")
        if not v or not lx:
            continue
        for m in COMPARED:
            a, b = median(v, m), median(lx, m)
            if a is None and b is None:
                continue
            compared += 1
            if a is None:
                behind.append(f"{model} {m} failed on vmgate")
            elif b is not None and a <= b:
                behind.append(f"{model} {m} {a:.2f} against {b:.2f}")
    guest_ratios = []
    for key, model, _ in NIC_MODELS:
        v, lx = paths.get(f"nic-vmgate-{key}"), paths.get(f"nic-linux-{key}")
        a, b = (median(v, "udp64"), median(lx, "udp64")) if v and lx else (None, None)
        if a is not None and b:
            guest_ratios.append(f"{key} {a / b:.2f}×")
    if compared:
        out.append((f"vmgate ahead of the Linux router on every model, in TCP both ways and in the "
                    f"64-byte forwarding rate ({compared} compared)"
                    + (f"; behind on: {', '.join(behind)}" if behind else "")
                    + (f". The guest-limited 64-byte UDP column, not judged: {', '.join(guest_ratios)}"
                       if guest_ratios else ""), not behind))
    v = paths.get("nic-vmgate-virtio")
    rl = router_loss(v) if v else None
    if rl is not None:
        lost, sent, where = rl
        e2e = loss(v)
        out.append((f"64-byte UDP without loss on virtio: {lost} of {sent} frames lost in vmgate and the "
                    f"host's queue to it ({where})"
                    + (f"; iperf3 end to end: {e2e:.2f} %" if e2e is not None else ""), lost == 0))
    return out


def rings_text():
    """What NIC_RINGS sets, for the method."""
    if not NIC_RINGS:
        return "Every driver's default ring sizes."
    set_ = ", ".join(f"`{k}` {n} receive and {n} transmit descriptors" for k, n in NIC_RINGS.items())
    return (f"`ethtool -G` in the Linux VMs (the guest's NIC and the Linux router's two, the "
            f"same on both paths) on {set_} (pcnet32's default: 32 and 16; QEMU's PCnet drops "
            f"what finds no free receive descriptor, and a guest draining 32 slower than the "
            f"router forwards missed a fifth of a TCP download); each path's facts give the "
            f"sizes read back, and vmgate's own. The other models keep their drivers' defaults.")


def render_nics(results, measures):
    cfg = results["config"]
    paths = results["paths"]
    L = ["## Per NIC model", ""]
    L += run_header(results, f"{cfg['repeat']} × {cfg['seconds']} s per measurement"
                    + ("; quick run" if cfg["quick"] else ""))
    L += goal_lines(16, goals(paths))
    L.append("### vmgate and the Linux router VM, one NIC model at a time")
    L.append("")
    L.append("Median (lowest–highest); *÷ Linux*: vmgate's median over the Linux router's on the same model.")
    L.append("")
    header = (["NIC model", "router"] + [measures[m].title for m in COLUMNS]
              + ["UDP loss (end to end; in the router)", "notifications / frame",
                 "missed frames, TCP ns→guest", "missed frames, UDP 64 B"])
    body = []
    for key, model, what in NIC_MODELS:
        v, lx = paths.get(f"nic-vmgate-{key}"), paths.get(f"nic-linux-{key}")
        for name, rec in (("vmgate", v), ("Linux router", lx)):
            if rec is None:
                continue
            if "error" in rec and not any(values(rec, m) for m in COLUMNS):
                body.append([f"`{model}`", name, f"failed: {rec['error']}"] + ["—"] * (len(COLUMNS) + 3))
                continue
            n = notifications(rec) if name == "vmgate" else None
            lo, rl = loss(rec), router_loss(rec)
            body.append([f"`{model}`", name] + [cell(rec, measures[m]) for m in COLUMNS]
                        + [("—" if lo is None else f"{lo:.2f} %")
                           + ("" if rl is None else f"; {rl[0]} frames ({rl[2]})"),
                           "—" if n is None else f"{n[0]:.3f} ({n[2]} for {n[1]} frames)"]
                        + [missed(rec, m) or "—" for m in ("tcp_down", "udp64")])
        if v and lx:
            ratios = []
            for m in COLUMNS:
                a, b = median(v, m), median(lx, m)
                ratios.append("—" if a is None or not b else f"{a / b:.2f}×")
            body.append([f"`{model}`", "vmgate ÷ Linux"] + ratios + ["", "", "", ""])
    table(L, header, body)
    L.append("### Conditions per path")
    L.append("")
    rows = []
    for key, model, _ in NIC_MODELS:
        for pname in (f"nic-vmgate-{key}", f"nic-linux-{key}"):
            rec = paths.get(pname)
            if not rec:
                continue
            facts = "; ".join(f"{k}: {val}" for k, val in rec.get("facts", {}).items())
            errs = rec.get("error", "")
            rows.append([rec["title"], f"{rec.get('setup_s', '—')} s",
                         f"{rec['load_start'][0]:.2f} → {rec['load_end'][0]:.2f}",
                         facts + (f"; error: {errs}" if errs else "")])
    table(L, ["path", "setup", "load (1 min) start → end", "facts"], rows)
    L.append("### Method")
    L.append("")
    L.append(METHOD.format(rings=textwrap.fill(rings_text(), 86, subsequent_indent="  "), fwd=FWD_KFPS))
    L.append("Raw results of this run: build/bench/results-nics.json; lab logs under build/bench/logs/.")
    return "\n".join(L)
