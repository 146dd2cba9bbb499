"""The PXE part of docs/BENCHMARKS.md: boot times of the diskless BIOS guest from each
server and the TFTP table, from a run's results (bench.py; report.py puts the part in
place). The issue's goals (issue 15) are checked from the same figures."""
import statistics

from report import goal_lines, run_header, cell, errors, median, median_sample, table, values

BOOT_ROWS = [  # (path, measure, row title)
    ("pxe-vmgate", "pxe_tftp", "vmgate, by TFTP"),
    ("pxe-vmgate", "pxe_http", "vmgate, by HTTP (the script loads kernel and initrd over http://)"),
    ("pxe-slirp", "pxe_tftp", "QEMU user networking (slirp), by TFTP"),
    ("pxe-linux-router", "pxe_tftp", "Linux router VM, dnsmasq, by TFTP"),
]
PHASES = ["firmware s", "DHCP s", "wait after DHCP s", "transfers s", "kernel s"]

METHOD = """\
- **Boot.** The diskless guest is tests/lab/test_pxe.py's: SeaBIOS and QEMU's iPXE ROM
  (Debian's ipxe-qemu, iPXE 1.0.0+git-20190125) on one virtio-net NIC, `-boot n`, 256 MiB,
  1 vCPU, no disk. The server's DHCP names an iPXE script (tftp.ipxe, or for vmgate's
  HTTP boot http.ipxe by a reservation's boot file), which loads build/lab/vmlinuz
  ({kernel_mb:.1f} MB) and test_pxe's initramfs (busybox and an /init, about 1 MB) by
  TFTP or HTTP from the server (`${{next-server}}`) and boots them; /init prints a marker
  with the kernel command line. A run is timed from QEMU's start to that marker on the
  serial console; each run is a new QEMU, {repeat} runs per way, interleaved with the
  other measurements of the path.
- **Phases.** A pcap of the guest's NIC (QEMU's `filter-dump`) splits each run:
  *firmware* (QEMU start to the first DHCP DISCOVER: SeaBIOS, the ROM's start), *DHCP*
  (to the ACK; iPXE waits 2 s for a ProxyDHCP offer unless the offer echoes option 60
  PXEClient), *wait after DHCP* (to the first TFTP request: iPXE runs its IPv6
  configurator beside DHCP and goes on only when a router advertisement arrives or
  after about 16 s), *transfers* (to the last frame from the server: the script, the
  kernel and the initramfs) and *kernel* (the kernel's boot to the marker). The table
  shows each phase's median over the runs, and how long after the guest's first router
  solicitation a router advertisement came (vmgate waits a random 0-0.5 s, as RFC 4861
  6.2.6 requires; "none": nobody answered, and iPXE waited out its 16 s).
- **Servers.** vmgate: `nic1 nat`, `pxe nic1 bios tftp.ipxe`, the boot files from a host
  folder over virtio-9p, as `vmgate-run --tftp DIR` serves them. dnsmasq: the lab guest
  as the Linux router VM of the throughput part, dnsmasq with `--enable-tftp
  --tftp-root=/tftp --dhcp-boot=tftp.ipxe` on its LAN NIC, the files in its RAM. slirp:
  `-netdev user,tftp=DIR,bootfile=tftp.ipxe,restrict=on` in the guest's own QEMU. vmgate
  and the router sit on a Linux bridge in the namespace with the guest's tap (libvirt's
  usual topology, as in the throughput part).
- **TFTP table.** tests/bench/tftp_client.py on the host, in the namespace, which has an
  address on the guests' LAN (the same bridge): a read request for a {mib} MiB file of
  random bytes with `blksize`, `windowsize` (RFC 7440) and `tsize`, an ACK for the last
  block of each window, the sha256 of what arrived checked against the file. The figure
  is payload bytes per second from the request to the last block. The client runs
  natively, so the figure is the server's and the link's: per block it costs the host
  microseconds, where a server under TCG costs tens. *Granted* is what the server's OACK
  said (a server that ignores windowsize sends none, and RFC 7440 then means a window
  of 1); a rate measured with a smaller window than asked is that smaller window's.
"""


def pmedian(rec, key, phase):
    v = [s["extra"].get(phase) for s in rec.get("samples", [])
         if s["measure"] == key and "value" in s and s["extra"].get(phase) is not None]
    return statistics.median(v) if v else None


def f1(v):
    return "—" if v is None else f"{v:.1f}"


def goals(paths):
    """The issue's three goals, each as (text, met or None when not measured)."""
    out = []
    vm, sl, dm = paths.get("pxe-vmgate"), paths.get("pxe-slirp"), paths.get("pxe-linux-router")
    t_vm = median(vm, "pxe_tftp") if vm else None
    t_http = median(vm, "pxe_http") if vm else None
    t_sl = median(sl, "pxe_tftp") if sl else None
    t_dm = median(dm, "pxe_tftp") if dm else None
    if t_vm is not None and t_sl is not None and t_dm is not None:
        met = t_vm < t_sl and t_vm < t_dm
        x_vm, x_sl, x_dm = (pmedian(r, "pxe_tftp", "transfers s") for r in (vm, sl, dm))
        tr = ""
        if None not in (x_vm, x_sl, x_dm):
            tr = (f"; the transfers alone {x_vm:.1f} s against {x_sl:.1f} s and {x_dm:.1f} s "
                  f"({x_sl / x_vm:.1f}× and {x_dm / x_vm:.1f}× as fast)")
        out.append((f"PXE boot by TFTP faster than both anchors: vmgate {t_vm:.1f} s, slirp "
                    f"{t_sl:.1f} s, dnsmasq {t_dm:.1f} s{tr}", met))
    if t_http is not None and t_sl is not None:
        x_http, x_sl = pmedian(vm, "pxe_http", "transfers s"), pmedian(sl, "pxe_tftp", "transfers s")
        tr = ""
        if x_http and x_sl:
            tr = f"; the transfers alone {x_http:.1f} s against {x_sl:.1f} s ({x_sl / x_http:.1f}×)"
        out.append((f"PXE boot by HTTP at least 3× as fast as slirp's TFTP: {t_http:.1f} s against "
                    f"{t_sl:.1f} s, {t_sl / t_http:.1f}×{tr}", t_sl / t_http >= 3))
    if vm:
        parts, ok = [], True
        for b in (512, 1432, 1468):
            w1, w16 = median(vm, f"tftp_{b}_1"), median(vm, f"tftp_{b}_16")
            if w1 and w16:
                parts.append(f"{b} B: {w16 / w1:.1f}×")
                ok = ok and w16 / w1 >= 5
        if parts:
            out.append(("vmgate's TFTP with windowsize 16 at least 5× windowsize 1: " + ", ".join(parts), ok))
    return out


def granted(rec, key):
    """What the OACK of the median run granted; a window asked for and not granted
    is said so (RFC 7440: the transfer then runs with a window of 1)."""
    s = median_sample(rec, key)
    if not s:
        return "—"
    g = s["extra"].get("granted", "—")
    asked = int(key.split("_")[2])
    if asked > 1 and "windowsize=" not in g:
        g += " (windowsize not granted: 1)"
    return g


def ra_cell(rec, key):
    """The median time from the guest's first router solicitation to an
    advertisement, or "none" when no run saw one."""
    v = [s["extra"].get("RA after RS s") for s in rec.get("samples", [])
         if s["measure"] == key and "value" in s and s["extra"].get("RA after RS s") is not None]
    nums = [x for x in v if isinstance(x, (int, float))]
    if nums:
        return f"{statistics.median(nums):.2f}"
    return "none" if v else "—"


def render_pxe(results, measures):
    cfg = results["config"]
    paths = results["paths"]
    L = ["## PXE boot and TFTP", ""]
    L += run_header(results, f"{cfg['repeat']} per measurement; TFTP file {cfg.get('tftp_mib', 16)} MiB"
                    + ("; quick run" if cfg["quick"] else ""))
    L += goal_lines(15, goals(paths))

    L.append("### PXE boot of a diskless BIOS guest")
    L.append("")
    L.append("Seconds from QEMU's start to the guest's userspace marker: the median of the runs "
             "(lowest–highest), then the median of each phase (see Method).")
    L.append("")
    base = median(paths["pxe-slirp"], "pxe_tftp") if "pxe-slirp" in paths else None
    header = ["server, way", "boot"] + [p[:-2] for p in PHASES] + ["RA after RS", "slirp ÷ this"]
    body = []
    for pname, key, title in BOOT_ROWS:
        rec = paths.get(pname)
        if rec is None:
            continue
        if "error" in rec and not values(rec, key):
            body.append([title, f"failed: {rec['error']}"] + ["—"] * (len(PHASES) + 2))
            continue
        m = measures[key]
        v = median(rec, key)
        body.append([title, cell(rec, m) if values(rec, key) else ("failed" if errors(rec, key) else "—")]
                    + [f1(pmedian(rec, key, p)) for p in PHASES] + [ra_cell(rec, key)]
                    + [f"{base / v:.2f}×" if base and v else "—"])
    table(L, header, body)

    vm, dm = paths.get("pxe-vmgate"), paths.get("pxe-linux-router")
    if (vm and any(values(vm, k) for k in measures if k.startswith("tftp_"))) or dm:
        L.append("### TFTP throughput by blksize and windowsize")
        L.append("")
        L.append("MB/s of payload (10^6 bytes/s), median (lowest–highest), as tftp_client.py in the namespace "
                 "fetched the file; *granted*: the server's OACK (blksize, windowsize). ×w1: the rate "
                 "against the same server's windowsize 1 at the same blksize.")
        L.append("")
        header = ["blksize", "windowsize", "vmgate", "vmgate ×w1", "vmgate granted", "dnsmasq",
                  "dnsmasq granted", "vmgate ÷ dnsmasq"]
        body = []
        for key in [k for k in measures if k.startswith("tftp_")]:
            _, b, w = key.split("_")
            m = measures[key]
            row = [b, w]
            for rec in (vm, dm):
                if rec is None:
                    row += ["—", "—"] if rec is dm else ["—", "—", "—"]
                    continue
                c = cell(rec, m) if values(rec, key) else ("failed" if errors(rec, key) else "—")
                if rec is vm:
                    w1 = median(rec, f"tftp_{b}_1")
                    v = median(rec, key)
                    row += [c, f"{v / w1:.1f}×" if v and w1 else "—", granted(rec, key)]
                else:
                    row += [c, granted(rec, key)]
            a, d = (median(vm, key) if vm else None), (median(dm, key) if dm else None)
            row.append(f"{a / d:.2f}×" if a and d else "—")
            body.append(row)
        table(L, header, body)

    L.append("### Conditions per path")
    L.append("")
    header = ["path", "setup", "load (1 min) start → end", "host busy (cores)", "foreign (cores)",
              "how it was set up"]
    body = []
    for name, rec in paths.items():
        busy = [s["cpu"]["host_busy"] for s in rec.get("samples", []) if "cpu" in s]
        foreign = [s["cpu"]["foreign"] for s in rec.get("samples", []) if "cpu" in s]
        rng = lambda v: f"{min(v):.2f}–{max(v):.2f}" if v else "—"
        how = "; ".join([f"{k}: {v}" for k, v in rec.get("facts", {}).items()] + rec.get("notes", []))
        if rec.get("error"):
            how = f"**error:** {rec['error']} (logs: {rec.get('logdir', '—')}); " + how
        body.append([rec["title"], f"{rec.get('setup_s', '—')} s",
                     f"{rec['load_start'][0]:.2f} → {rec['load_end'][0]:.2f}", rng(busy), rng(foreign),
                     how or "—"])
    table(L, header, body)

    L.append("### Runs")
    L.append("")
    for name, rec in paths.items():
        for key in dict.fromkeys(s["measure"] for s in rec.get("samples", [])):
            m = measures[key]
            runs = ", ".join(m.fmt.format(s["value"]) if "value" in s else f"failed ({s['error']})"
                             for s in rec["samples"] if s["measure"] == key)
            L.append(f"- {rec['title']}, {m.title}: {runs} {m.unit}")
    L.append("")
    L.append("### Method")
    L.append("")
    L.append(METHOD.format(repeat=cfg["repeat"], mib=cfg.get("tftp_mib", 16),
                           kernel_mb=results.get("pxe_kernel_bytes", 8.2e6) / 1e6))
    L.append("Raw results of this run: build/bench/results-pxe.json; lab logs (consoles, pcaps of "
             "failed runs) under build/bench/logs/.")
    L.append("")
    return "\n".join(L)
