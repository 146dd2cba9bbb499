#!/usr/bin/env python3
"""vmgate's benchmark: `make bench` (see tests/bench/README.md).

Builds each network path of TABLES in the lab (topologies.py), runs every measurement
(measures.py) on it REPEAT times, interleaved, while watching CPU use and counters
(probes.py), and writes docs/BENCHMARKS.md (report.py) and build/bench/results.json.
One path at a time: only its VMs run while it is measured. The report's parts
(throughput, pxe, nics, attach, tunnels) that this run measured are rewritten; the others are kept.

Environment:
  BENCH_QUICK=1         a smoke run: 1 repetition of 3 s, no profile
  BENCH_ONLY=a,b        only these paths (names below, or a table name; the tables
                        nics, per NIC model, attach, vmgate's LAN by each rootless
                        QEMU netdev, and tunnels, guest to guest across vmgates, run
                        only when named)
  BENCH_REPEAT=N        repetitions of each measurement (default 3; quick 1)
  BENCH_SECONDS=S       seconds per measurement (default 6; quick 3)
  BENCH_WARMUP=W        TCP seconds left out at the start, iperf3 -O (default 1)
  BENCH_TCP_LEN=L       iperf3 -l for TCP: bytes per read/write call (default 1M)
  BENCH_TFTP_MIB=M      the PXE part's TFTP file, MiB (default 16; quick 4)
  BENCH_PROFILE=0|1     sample vmgate's instruction pointer in an extra pass (default 1; quick 0)
  BENCH_OUT=FILE        the report (default docs/BENCHMARKS.md)
  BENCH_VMGATE_ELF=F    measure this vmgate kernel instead of build/vmgate.elf
  BENCH_RINGS=0         the nics part's Linux VMs keep their drivers' ring sizes (else
                        ethtool -G raises pcnet32's: topologies.NIC_RINGS)
  BENCH_QUIET=S         before each path, wait up to S seconds for the host to be nearly
                        idle (other people's fuzzers and QEMUs; default 0: no wait)
  VMGATE_LAB_PREFIX     namespace prefix (make bench sets vmgb unless given)
"""
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
sys.path.insert(0, HERE)

import lab as labmod          # noqa: E402
import measures                # noqa: E402
import probes                  # noqa: E402
import pxeboot                 # noqa: E402
import report                  # noqa: E402
import topologies              # noqa: E402

BASELINE = "direct"


class BenchLab(labmod.Lab):
    """The lab's Lab with two changes for benchmarking: its log goes to a file
    (<logdir>/bench.log), not stdout, and QEMU names its threads (-name
    NAME,debug-threads=on), so the vCPU thread's CPU time can be told from the rest."""

    def log(self, msg):
        stamp = f"[{time.monotonic() - self._t0:7.2f}]"
        with open(self.logpath("bench.log"), "a") as f:
            f.write(f"{stamp} {msg}\n")

    def _named(self, vm, name):
        vm.args += ["-name", f"{name},debug-threads=on"]
        return vm

    def vm(self, name, **kw):
        return self._named(super().vm(name, **kw), name)

    def linux_vm(self, name, **kw):
        return self._named(super().linux_vm(name, **kw), name)


class Table:
    """One table of the report: its paths (rows) and measurements (columns). Tables
    belong to a part of docs/BENCHMARKS.md (report.PARTS): a run rewrites the parts
    whose paths it measured and keeps the others as they are."""

    def __init__(self, key, title, paths, columns, text="", part="throughput", on_demand=False,
                 run_order=None):
        self.key = key
        # The order its paths are measured in, when not the rows' (paths compared in
        # pairs alternate which goes first, so a drift of the host over the run does
        # not always favour the same side).
        self.run_order = run_order or paths
        self.on_demand = on_demand      # its paths run only when BENCH_ONLY names the table
        self.title = title
        self.paths = paths
        self.columns = columns
        self.text = text
        self.part = part


TABLES = [
    Table("bridge", "Router VMs on a Linux bridge (libvirt's usual topology)",
          ["direct", "vmgate", "vmgate-lwip", "linux-router", "slirp"], ["tcp_up", "tcp_down", "udp64"],
          "Each router VM has its WAN NIC on a tap in the namespace (where the server is) and its "
          "LAN NIC on a tap that a Linux bridge in the namespace joins to the guest's tap."),
    Table("socket", "Guest LAN over -netdev socket (how vmgate's users attach guests)",
          ["vmgate-socket", "linux-router-socket", "socket-link"], ["tcp_up", "tcp_down", "udp64"],
          "The router's LAN NIC listens on a QEMU socket netdev on the namespace's loopback and the "
          "guest's NIC connects to it; the WAN is a tap as above. Ratios are to the direct link of "
          "the first table (same run)."),
    Table("pxe", "PXE boot and TFTP",
          ["pxe-vmgate", "pxe-slirp", "pxe-linux-router"], ["pxe_tftp", "pxe_http"] + measures.TFTP_KEYS,
          "A diskless BIOS guest (QEMU's iPXE ROM) boots the lab's kernel and initramfs from each "
          "server; the namespace, a client on the same LAN, fetches a file by TFTP with each "
          "blksize and windowsize.", part="pxe"),
    Table("nics", "Per NIC model",
          [f"nic-{r}-{k}" for k, _, _ in topologies.NIC_MODELS for r in ("vmgate", "linux")],
          ["tcp_up", "tcp_down", "udp64", "udp64_fwd"],
          "vmgate and the Linux router VM on the bridge topology with one QEMU NIC model on "
          "every NIC; only with BENCH_ONLY=nics.", part="nics", on_demand=True,
          run_order=[f"nic-{r}-{k}" for i, (k, _, _) in enumerate(topologies.NIC_MODELS)
                     for r in (("vmgate", "linux") if i % 2 == 0 else ("linux", "vmgate"))]),
    Table("attach", "Rootless attach: vmgate's LAN by each QEMU netdev",
          ["attach-direct"] + [f"attach-{k}" for k, _ in topologies.ATTACH_KINDS],
          ["tcp_up", "tcp_down", "udp64"],
          "vmgate's path of the bridge table with its LAN joined to the guest by each QEMU netdev "
          "that needs no root (tools/vmgate-run --attach), beside the direct link of the same run; "
          "only with BENCH_ONLY=attach.", part="attach", on_demand=True),
    Table("tunnels", "Guest to guest across vmgates: tunnels and an internal network",
          ["tun-direct", "tun-vmgate-udp", "tun-vmgate-vxlan", "tun-vmgate-vxlan-1550", "tun-linux-vxlan",
           "intnet-vmgate", "intnet-linux"],
          ["tcp_up", "tcp_down", "udp64"],
          "Two guests on one Ethernet segment, iperf3 -s in guest B: joined directly by a dgram "
          "netdev, by two vmgates and a UDP tunnel or VXLAN, by two Linux VMs and vxlan, by one "
          "vmgate's internal network, by one Linux bridge VM; only with BENCH_ONLY=tunnels.",
          part="tunnels", on_demand=True),
]


class Config:
    def __init__(self, env):
        self.quick = env.get("BENCH_QUICK", "") not in ("", "0")
        self.repeat = int(env.get("BENCH_REPEAT", 1 if self.quick else 3))
        self.seconds = int(env.get("BENCH_SECONDS", 3 if self.quick else 6))
        self.warmup = int(env.get("BENCH_WARMUP", 1))
        self.tcp_len = env.get("BENCH_TCP_LEN", "1M")
        self.tftp_mib = int(env.get("BENCH_TFTP_MIB", 4 if self.quick else 16))
        self.profile = env.get("BENCH_PROFILE", "0" if self.quick else "1") not in ("", "0")
        self.quiet = int(env.get("BENCH_QUIET", 0))
        self.out = env.get("BENCH_OUT", os.path.join(TOP, "docs", "BENCHMARKS.md"))
        self.outdir = os.path.join(TOP, "build", "bench")
        only = [x.strip() for x in env.get("BENCH_ONLY", "").split(",") if x.strip()]
        known = set(topologies.PATHS) | {t.key for t in TABLES}
        unknown = [x for x in only if x not in known]
        if unknown:
            raise SystemExit(f"BENCH_ONLY: unknown {', '.join(unknown)}; paths: "
                             f"{', '.join(topologies.PATHS)}; tables: {', '.join(t.key for t in TABLES)}")
        self.only = set()
        for x in only:
            table = next((t for t in TABLES if t.key == x), None)
            self.only |= (set(p for p in table.paths if table.on_demand or topologies.PATHS[p].default)
                          if table else {x})
        self.command = command_line(env)

    def selected(self, name):
        if self.only:
            return name in self.only
        return topologies.PATHS[name].default

    def as_dict(self):
        return {"quick": self.quick, "repeat": self.repeat, "seconds": self.seconds,
                "warmup": self.warmup, "profile": self.profile, "quiet": self.quiet,
                "tcp_len": self.tcp_len, "tftp_mib": self.tftp_mib,
                "only": sorted(self.only) or None}


def command_line(env):
    """The command as a person would type it again: the BENCH_* settings, then the
    command (`make bench` when make ran us)."""
    sets = [f"{k}={env[k]}" for k in sorted(env) if k.startswith("BENCH_") and k != "BENCH_COMMAND"]
    if env.get("VMGATE_LAB_PREFIX", "vmgb") != "vmgb":
        sets.append(f"VMGATE_LAB_PREFIX={env['VMGATE_LAB_PREFIX']}")
    return " ".join(sets + [env.get("BENCH_COMMAND") or "python3 tests/bench/bench.py"])


def sh(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu": model, "memory_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "qemu": sh(["qemu-system-x86_64", "--version"]).splitlines()[0],
            "iperf3": (sh(["iperf3", "--version"]).splitlines() or [""])[0],
            "commit": sh(["git", "-C", TOP, "describe", "--always", "--dirty", "--abbrev=10"]),
            "vmgate_elf": os.path.relpath(topologies.ELF, TOP),
            "branch": sh(["git", "-C", TOP, "rev-parse", "--abbrev-ref", "HEAD"])}


def snapshot(topo):
    """Counters along the path: the namespace's links, the client's NIC, and whatever
    the path watches (vmgate's console counters, a router's /proc/net/dev)."""
    snap = {"namespace": probes.ns_link_stats(topo.ns), "namespace udp": probes.ns_udp_stats(topo.ns)}
    if topo.client:
        snap["guest"] = probes.guest_link_stats(topo.client)
    for role, read in topo.watch.items():
        try:
            snap[role] = read()
        except labmod.LabError as e:
            snap[role] = {"error": str(e).splitlines()[0]}
    return snap


def run_sample(topo, m, cfg, rep):
    before = snapshot(topo)
    cpu = probes.CpuWatch(topo.pids())
    cpu.start()
    sample = {"measure": m.key, "rep": rep}
    try:
        value, extra = m.fn(topo, cfg)
        sample.update(value=value, extra=extra)
    except measures.NotApplicable:
        return None
    except Exception as e:                     # one failed run must not lose the others
        sample["error"] = (str(e).splitlines() or [repr(e)])[0][:300]
    sample["cpu"] = cpu.stop()
    sample["counters"] = probes.diff_counters(before, snapshot(topo))
    return sample


def profile_pass(topo, measures_, cfg, log):
    """Each measurement once more while sampling vmgate's instruction pointer; the
    figures of this pass are perturbed by the sampling and are not in the tables."""
    vm, elf = topo.profile
    symbols = probes.Symbols(elf)
    out = {}
    for m in measures_:
        sampler = probes.PcSampler(vm)
        cpu = probes.CpuWatch({"vm": vm.proc.pid})
        cpu.start()
        sampler.start()
        try:
            value, _ = m.fn(topo, cfg)
        except Exception as e:
            value = None
            log(f"profile {m.key}: {e}")
        finally:
            sampler.finish()
        used = cpu.stop()["procs"].get("vm", {})
        out[m.key] = dict(sampler.summary(symbols), value=value, vcpu=used.get("vcpu"))
        log(f"profile {m.key}: {out[m.key]['samples']} samples, "
            f"top {out[m.key]['functions'][:3]}")
    return out


def measure_path(p, cfg, columns):
    rec = {"name": p.name, "title": p.title, "topology": p.topology, "samples": [], "notes": [],
           "facts": {}, "load_start": probes.loadavg(), "started": time.time()}
    missing = [f for f in p.needs if not os.path.exists(f)]
    if missing:
        rec["error"] = f"not built: {', '.join(os.path.relpath(f, TOP) for f in missing)}"
        return rec
    if cfg.quiet:
        rec["quiet_wait"] = probes.wait_quiet(cfg.quiet)
        rec["load_start"] = probes.loadavg()
    logdir = os.path.join(cfg.outdir, "logs", p.name)
    subprocess.run(["rm", "-rf", logdir])
    rec["logdir"] = os.path.relpath(logdir, TOP)
    with BenchLab(f"bench/{p.name}", logdir) as lab:
        try:
            t0 = time.monotonic()
            topo = p.build(lab, cfg)
            rec["setup_s"] = round(time.monotonic() - t0, 1)
            rec["notes"], rec["facts"] = topo.notes, topo.facts
            rec["roles"] = sorted(topo.pids())
            ms = [measures.MEASURES[k] for k in columns if measures.MEASURES[k].applies(topo)]
            failures = 0
            for rep in range(cfg.repeat):
                for m in ms:
                    s = run_sample(topo, m, cfg, rep)
                    if s is None:
                        continue
                    rec["samples"].append(s)
                    lab.log(f"{p.name} {m.key} #{rep + 1}: {s.get('value', s.get('error'))}")
                    failures = failures + 1 if "error" in s else 0
                    if failures >= 3:
                        raise labmod.LabError(f"three measurements in a row failed: {s['error']}")
            if cfg.profile and topo.profile:
                rec["profile"] = profile_pass(topo, ms, cfg, lab.log)
            rec["server_peers"] = topo.server_peers()
        except Exception as e:                 # the other paths still run
            rec["error"] = (str(e).splitlines() or [repr(e)])[0][:300]
            lab.log(traceback.format_exc())
    rec["load_end"] = probes.loadavg()
    rec["seconds"] = round(time.time() - rec["started"], 1)
    return rec


def interrupted(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main():
    if os.geteuid() != 0:
        raise SystemExit("make bench needs root (network namespaces, taps), as the lab tests do")
    cfg = Config(os.environ)
    signal.signal(signal.SIGTERM, interrupted)
    labmod.cleanup_stale()
    os.makedirs(cfg.outdir, exist_ok=True)
    results = {"command": cfg.command, "config": cfg.as_dict(), "machine": machine(),
               "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
               "load_start": probes.loadavg(), "paths": {}, "baseline": BASELINE,
               "tables": [{"key": t.key, "title": t.title, "text": t.text, "paths": t.paths,
                           "columns": t.columns, "part": t.part} for t in TABLES]}
    if os.path.exists(pxeboot.KERNEL):
        results["pxe_kernel_bytes"] = os.path.getsize(pxeboot.KERNEL)
    t0 = time.monotonic()
    order = [name for t in TABLES for name in t.run_order if cfg.selected(name)]
    print(f"bench: {cfg.command}: paths {', '.join(order)}; {cfg.repeat} x {cfg.seconds} s each", flush=True)
    status = 0
    try:
        for name in order:
            cols = next(t.columns for t in TABLES if name in t.paths)
            rec = measure_path(topologies.PATHS[name], cfg, cols)
            results["paths"][name] = rec
            print(report.one_line(rec, measures.MEASURES), flush=True)
    except KeyboardInterrupt as e:
        results["interrupted"] = str(e) or "interrupted"
        status = 130
    results["load_end"] = probes.loadavg()
    results["duration_s"] = round(time.monotonic() - t0)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # The latest run, one file per run, and the latest run of each part it measured.
    names = ["results.json", f"results-{stamp}.json"] + [f"results-{p}.json" for p in report.measured_parts(results)]
    for name in names:
        with open(os.path.join(cfg.outdir, name), "w") as f:
            json.dump(results, f, indent=1)
    # The parts this run measured replace theirs in the report; the others stay.
    existing = None
    if os.path.exists(cfg.out):
        with open(cfg.out) as f:
            existing = f.read()
    text = report.render(results, measures.MEASURES, topologies.PATHS, existing)
    os.makedirs(os.path.dirname(os.path.abspath(cfg.out)), exist_ok=True)
    with open(cfg.out, "w") as f:
        f.write(text)
    print(f"bench: wrote {os.path.relpath(cfg.out, TOP)} ({', '.join(report.measured_parts(results))}) "
          f"and build/bench/results.json "
          f"in {results['duration_s']} s", flush=True)
    if any("error" in r for r in results["paths"].values()):
        status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
