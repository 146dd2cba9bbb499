"""What the benchmark watches besides the figures themselves: the host's load, the CPU
time each QEMU spends (vCPU thread and the rest), interface counters in the namespace,
in Linux guests and in vmgate, and a sampling profiler of vmgate's instruction pointer.

Everything here reads; nothing changes the system under test.
"""
import bisect
import json
import os
import re
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def loadavg():
    """(1, 5, 15)-minute load averages."""
    with open("/proc/loadavg") as f:
        return tuple(float(x) for x in f.read().split()[:3])


def host_cpu():
    """(busy, total, steal) jiffies summed over all CPUs (/proc/stat's first line).
    Steal is time the machine's own hypervisor gave our vCPUs to someone else (the lab
    machines are VMs themselves); it counts as busy."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)        # idle + iowait
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields) - idle, sum(fields), steal


def thread_times(pid):
    """{"vcpu": seconds, "main": seconds} for one QEMU process: its TCG vCPU threads
    against everything else (the main loop, which runs the NIC backends: tap
    reads/writes, socket netdevs, slirp; RCU and worker threads). {} if it is gone.
    With -name ...,debug-threads=on (bench.py adds it) the vCPU threads are the ones
    named "CPU n/TCG"; without names, every thread but the main one counts as vCPU
    (the others, call_rcu and thread-pool workers, are idle in these runs)."""
    out = {"vcpu": 0.0, "main": 0.0}
    named = False
    threads = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        secs = (int(rest[11]) + int(rest[12])) / CLK_TCK                 # utime + stime
        threads.append((tid, comm, secs))
        named |= comm.startswith("CPU ")
    for tid, comm, secs in threads:
        vcpu = comm.startswith("CPU ") if named else tid != str(pid)
        out["vcpu" if vcpu else "main"] += secs
    return out


class CpuWatch:
    """CPU use over one measurement: per watched process (QEMU: vCPU and main thread
    groups) and for the whole host, in cores (1.0 = one core busy all the time)."""

    def __init__(self, pids):
        self.pids = dict(pids)                  # role -> pid

    def start(self):
        self.t0 = time.monotonic()
        self.h0 = host_cpu()
        self.p0 = {role: thread_times(pid) for role, pid in self.pids.items()}
        self.l0 = loadavg()

    def stop(self):
        dt = time.monotonic() - self.t0
        h1 = host_cpu()
        ncpu = os.cpu_count() or 1
        busy = (h1[0] - self.h0[0]) / max(1, h1[1] - self.h0[1]) * ncpu
        procs = {}
        ours = 0.0
        for role, pid in self.pids.items():
            t1 = thread_times(pid)
            t0 = self.p0.get(role) or {}
            if not t1 or not t0:
                continue
            procs[role] = {k: round((t1[k] - t0[k]) / dt, 3) for k in t1}
            ours += sum(procs[role].values())
        steal = (h1[2] - self.h0[2]) / max(1, h1[1] - self.h0[1]) * ncpu
        return {"seconds": round(dt, 2), "host_busy": round(busy, 2), "steal": round(steal, 2),
                "foreign": round(max(0.0, busy - steal - ours), 2), "procs": procs,
                "load": [self.l0[0], loadavg()[0]]}


def busy_cores(window=2.0):
    """Cores busy on the host over the next `window` seconds (from /proc/stat)."""
    b0, t0, _ = host_cpu()
    time.sleep(window)
    b1, t1, _ = host_cpu()
    return (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)


def wait_quiet(max_wait, threshold=0.5, window=2.0):
    """Waits up to max_wait seconds until the host is nearly idle (fewer than
    `threshold` cores busy over a `window`), before a path is built: the run's own VMs
    are down then, so what is busy is other people's work. Returns (waited seconds,
    busy cores at the last look)."""
    t0 = time.monotonic()
    while True:
        busy = busy_cores(window)
        waited = time.monotonic() - t0
        if busy < threshold or waited >= max_wait:
            return round(waited, 1), round(busy, 2)


# --- counters ------------------------------------------------------------------------

def ns_link_stats(ns):
    """{ifname: {rx_packets, rx_dropped, tx_packets, tx_dropped, ...}} of a namespace's
    links (`ip -s -j link`)."""
    out = ns.run(["ip", "-s", "-j", "link", "show"], check=False).stdout
    stats = {}
    try:
        links = json.loads(out)
    except ValueError:
        return stats
    for link in links:
        s = link.get("stats64") or link.get("stats") or {}
        rx, tx = s.get("rx", {}), s.get("tx", {})
        if link.get("ifname") == "lo":
            continue
        stats[link["ifname"]] = {"rx_packets": rx.get("packets", 0), "rx_dropped": rx.get("dropped", 0),
                                 "rx_errors": rx.get("errors", 0), "tx_packets": tx.get("packets", 0),
                                 "tx_dropped": tx.get("dropped", 0), "tx_errors": tx.get("errors", 0)}
    return stats


# Per interface of a Linux guest: its name, its driver, then these sysfs statistics.
GUEST_STATS = ("rx_packets", "rx_errors", "rx_dropped", "rx_missed_errors",
               "tx_packets", "tx_errors", "tx_dropped")
GUEST_STATS_CMD = ("for d in /sys/class/net/*; do n=${d##*/}; [ -e $d/device ] || continue; "
                   "drv=$(readlink $d/device/driver); drv=${drv##*/}; echo $n ${drv:-none} $(cd $d/statistics && cat "
                   + " ".join(GUEST_STATS) + "); done")
# Drivers whose rx_missed_errors is a 16-bit hardware counter read as it is: pcnet32
# reports CSR112 (the missed frame count) without adding it up, so it wraps at 2^16.
MISSED_16BIT = ("pcnet32",)


def guest_link_stats(guest):
    """The same for a Linux guest's NICs (interfaces with a device: not lo, not the
    tunnel devices the kernel makes), from sysfs (not /proc/net/dev, whose drop
    column adds rx_missed_errors in): rx_missed is what the NIC itself dropped for want
    of a receive descriptor; "driver" names the driver (for rx_missed's width)."""
    rc, out = guest.run(GUEST_STATS_CMD, timeout=15)
    stats = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) != 2 + len(GUEST_STATS) or not all(x.isdigit() for x in f[2:]):
            continue
        vals = dict(zip(GUEST_STATS, map(int, f[2:])))
        vals["rx_missed"] = vals.pop("rx_missed_errors")
        vals["driver"] = f[1]
        stats[f[0]] = vals
    return stats


def ns_udp_stats(ns):
    """A namespace's UDP counters from /proc/net/snmp ({"InDatagrams": n,
    "RcvbufErrors": n, ...}): datagrams that reached the server's namespace but not its
    socket (a full receive buffer while the server was not scheduled)."""
    out = ns.run(["grep", "^Udp:", "/proc/net/snmp"], check=False).stdout
    rows = [l.split()[1:] for l in out.splitlines() if l.startswith("Udp:")]
    if len(rows) >= 2 and all(x.isdigit() for x in rows[1]):
        return {k: int(v) for k, v in zip(rows[0], rows[1])}
    return {}


def guest_udp_stats(guest):
    """A Linux guest's UDP counters from /proc/net/snmp ({"InDatagrams": n, "RcvbufErrors":
    n, ...}) with its interfaces' (guest_link_stats): where a receiving guest lost
    datagrams that reached its NIC."""
    rc, out = guest.run("grep '^Udp:' /proc/net/snmp", timeout=15)
    rows = [l.split()[1:] for l in out.splitlines() if l.startswith("Udp:")]
    stats = guest_link_stats(guest)
    if rc == 0 and len(rows) >= 2 and all(x.isdigit() for x in rows[1]):
        stats["udp"] = {k: int(v) for k, v in zip(rows[0], rows[1])}
    return stats


def vmgate_counters(gw):
    """vmgate's console counters as {"nic1": {rx_packets, ...}, "lwip": {"ip.fw": n, ...},
    "pools": {"PBUF_POOL": {used, max, err}}}: what `ifconfig`, `stats` and `mem` print."""
    c = {"lwip": {}, "pools": {}}
    nic = None
    for line in gw.cmd("ifconfig").splitlines():
        m = re.match(r"^(nic\d+): ", line)
        if m:
            nic = m.group(1)
            c[nic] = {}
            continue
        m = re.match(r"^\s+(rx|tx) (\d+) packets (\d+) bytes (\d+) dropped (\d+) errors", line)
        if m and nic:
            d = m.group(1)
            c[nic].update({f"{d}_packets": int(m.group(2)), f"{d}_dropped": int(m.group(4)),
                           f"{d}_errors": int(m.group(5))})
            continue
        # The driver's own counters (virtio's notifications, e1000's and PCnet's
        # statistics registers): "device counters: NAME N NAME N ...", kept as "dev NAME".
        m = re.match(r"^\s+device counters:(.*)$", line)
        if m and nic:
            for name, num in re.findall(r"(\S+) (\d+)", m.group(1)):
                c[nic][f"dev {name}"] = int(num)
            continue
        # The core's backlog (frames that waited for a full transmit ring).
        m = re.match(r"^\s+backlog: (\d+) frames waited", line)
        if m and nic:
            c[nic]["tx held"] = int(m.group(1))
            continue
        # Since the offload work: "offload caps 0x1f: rx gso N csum-partial N, tx gso N
        # lent N, software segmented N checksummed N" (names kept generic: any "words N").
        m = re.match(r"^\s+offload caps (\S+): (.*)$", line)
        if m and nic:
            c[nic]["offload caps"] = m.group(1)
            label = ""
            for words, num in re.findall(r"([a-z][a-z -]*?) (\d+)", m.group(2).replace(",", " ")):
                words = words.strip()
                if words.startswith(("rx ", "tx ", "software ")):
                    label = words.split()[0] + " "
                    words = " ".join(words.split()[1:])
                c[nic][f"{label}{words}"] = int(num)
    # The forwarding fast path (builds since it landed): "fastpath: on on 2 NICs;
    # forwarded N, to lwIP N, dropped N, not taken N".
    m = re.search(r"^fastpath: (\w+) on (\d+) NICs?; (.*)$", gw.cmd("fastpath"), re.M)
    if m:
        c["fastpath"] = {k.strip().replace(" ", "_"): int(v) for k, v in re.findall(r"([a-zA-Z ]+?) (\d+)", m.group(3))}
    for line in gw.cmd("stats").splitlines():
        m = re.match(r"^(\w+)\s+xmit (\d+)", line)
        if m:
            for k, v in re.findall(r"(\w+) (\d+)", line[len(m.group(1)):]):
                c["lwip"][f"{m.group(1)}.{k}"] = int(v)
    for line in gw.cmd("mem").splitlines():
        m = re.match(r"^pool (\S+)\s+used\s+(\d+) max\s+(\d+) avail\s+(\d+) err (\d+)", line)
        if m:
            c["pools"][m.group(1)] = {"used": int(m.group(2)), "max": int(m.group(3)),
                                      "avail": int(m.group(4)), "err": int(m.group(5))}
    return c


def vmgate_segment_counters(gw, switch, tunnel=None):
    """An internal network's counters as {"switch": {"PORT rx_frames": n, "PORT tx_frames",
    "PORT segmented", "PORT drop REASON"}, "tunnel": {"rx_datagrams", "tx_datagrams",
    "flooded", "drop REASON"}}: what `switch NAME` and `tunnel NAME` print (the tunnels
    part: where along a segment frames were lost, and how many datagrams a frame cost)."""
    c = {"switch": {}}
    port = None
    for line in gw.cmd(f"switch {switch}").splitlines():
        m = re.match(r"^\s+port (\S+) .*rx (\d+) frames \d+ bytes, tx (\d+) frames .*segmented (\d+)", line)
        if m:
            port = m.group(1)
            c["switch"].update({f"{port} rx_frames": int(m.group(2)), f"{port} tx_frames": int(m.group(3)),
                                f"{port} segmented": int(m.group(4))})
            continue
        m = re.match(r"^\s+drops:(.*)$", line)
        if m and port:
            for why, n in re.findall(r"(\S+) (\d+)", m.group(1)):
                c["switch"][f"{port} drop {why}"] = int(n)
    if tunnel:
        t = c["tunnel"] = {}
        out = gw.cmd(f"tunnel {tunnel}")
        m = re.search(r"rx (\d+) datagrams \d+ bytes, tx (\d+) datagrams", out)
        if m:
            t.update(rx_datagrams=int(m.group(1)), tx_datagrams=int(m.group(2)))
        m = re.search(r"\((\d+) frames flooded", out)
        if m:
            t["flooded"] = int(m.group(1))
        m = re.search(r"drops:(.*)", out)
        if m:
            for why, n in re.findall(r"(\S+) (\d+)", m.group(1)):
                t[f"drop {why}"] = int(n)
    return c


def diff_counters(before, after, wrap=None):
    """after - before for nested dicts of counters; gauges (a pool's used/max/avail)
    keep their value after. lwIP's statistics are 16-bit counters (STAT_COUNTER is u16_t
    without LWIP_STATS_LARGE): their deltas are taken modulo 2^16, which is right only
    while fewer than 65536 events happen between two readings, so forwarding counts
    (ip.fw) are not trusted; drop and error counters stay small. A Linux guest's
    rx_missed is 16-bit too where its driver reads a 16-bit register (MISSED_16BIT):
    the same modulo, right while it misses fewer than 65536 frames per run."""
    if isinstance(after, dict):
        out = {}
        missed16 = after.get("driver") in MISSED_16BIT
        for k, v in after.items():
            b = before.get(k) if isinstance(before, dict) else None
            if k in ("used", "max", "avail"):
                out[k] = v
            elif b is None:
                out[k] = v
            elif k == "rx_missed" and missed16:
                out[k] = diff_counters(b, v, 1 << 16)
            else:
                out[k] = diff_counters(b, v, 1 << 16 if k in ("lwip", "pools") else wrap)
        return out
    if isinstance(after, (int, float)) and isinstance(before, (int, float)):
        return (after - before) % wrap if wrap else after - before
    return after


# --- vmgate profile: sampling its instruction pointer through QEMU's monitor ------------

class Symbols:
    """An ELF's function symbols (nm -n -l): address -> (name, source file)."""

    def __init__(self, elf):
        self.addrs, self.names, self.files = [], [], []
        out = subprocess.run(["nm", "-n", "-l", "--defined-only", elf], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split(None, 3)
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            where = parts[3].rsplit(":", 1)[0] if len(parts) > 3 else ""
            self.addrs.append(int(parts[0], 16))
            self.names.append(parts[2])
            self.files.append(where)

    def lookup(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return "?", ""
        return self.names[i], self.files[i]


def component(path):
    """Which part of vmgate a source file belongs to, for the profile's summary."""
    if not path:
        return "unknown (no line info: newlib, assembly)"
    for key, name in (("/third_party/lwip/", "lwIP"), ("/third_party/newlib", "newlib"),
                      ("newlib", "newlib"), ("/drivers/", "drivers"), ("/kernel/", "kernel"),
                      ("/lwip-port/", "lwip-port"), ("/net/", "net"), ("/boot/", "boot")):
        if key in path:
            return name
    return os.path.basename(path)


class PcSampler(threading.Thread):
    """Samples a VM's instruction pointer every `interval` seconds with the monitor's
    `info registers` (QMP, from this thread only while it runs), and the caller from
    the frame RBP points at. Under TCG the vCPU's
    RIP is written back at translation-block boundaries, so a sample points at the
    start of a basic block in the function that was running: a fair flat profile at
    function level. HLT=1 samples count as idle."""

    def __init__(self, vm, interval=0.004):
        super().__init__(daemon=True)
        self.vm = vm
        self.interval = interval
        self.samples = []
        self.callers = []                   # the return address of each sample's frame
        self.halted = 0
        self.errors = 0
        self._done = threading.Event()

    def run(self):
        rx = re.compile(r"RIP=([0-9a-f]+).*HLT=(\d)")
        rbp_rx = re.compile(r"RBP=([0-9a-f]+)")
        while not self._done.is_set():
            try:
                text = self.vm.hmp("info registers")
                m = rx.search(text)
                if m and m.group(2) == "1":
                    self.halted += 1
                elif m:
                    rip = int(m.group(1), 16)
                    self.samples.append(rip)
                    self.callers.append(self.caller(int(rbp_rx.search(text).group(1), 16)))
            except Exception:
                self.errors += 1
                if self.errors > 20:
                    return
            self._done.wait(self.interval)

    def caller(self, rbp):
        """The return address in the frame RBP points at (vmgate keeps frame pointers;
        its memory is identity-mapped, so the monitor's physical read sees the stack).
        In a function's first instructions, before it pushed RBP, this names the
        caller's caller: a small blur."""
        if not rbp or rbp & 7:
            return None
        out = self.vm.hmp(f"xp /2gx {rbp:#x}")
        words = re.findall(r"0x([0-9a-f]{16})", out)
        return int(words[1], 16) if len(words) >= 2 else None

    def finish(self):
        self._done.set()
        self.join(5)

    def summary(self, symbols, top=15):
        """{"samples", "halted_pct", "functions": [(name, file, pct)], "components": {...}}"""
        total = len(self.samples) + self.halted
        funcs, comps = {}, {}
        for pc in self.samples:
            name, path = symbols.lookup(pc)
            funcs[(name, os.path.basename(path))] = funcs.get((name, os.path.basename(path)), 0) + 1
            comp = component(path)
            comps[comp] = comps.get(comp, 0) + 1
        pct = lambda n: round(100.0 * n / max(1, total), 1)
        ranked = sorted(funcs.items(), key=lambda kv: -kv[1])[:top]
        # Who called the three hottest functions, from the samples' frames.
        callers = {}
        hottest = [name for (name, _), _ in ranked[:3]]
        for pc, ret in zip(self.samples, self.callers):
            name = symbols.lookup(pc)[0]
            if name in hottest and ret:
                by = callers.setdefault(name, {})
                who = symbols.lookup(ret)[0]
                by[who] = by.get(who, 0) + 1
        return {"samples": total, "halted_pct": pct(self.halted),
                "functions": [[name, path, pct(n)] for (name, path), n in ranked],
                "components": {k: pct(v) for k, v in sorted(comps.items(), key=lambda kv: -kv[1])},
                "callers": {f: {k: pct(v) for k, v in sorted(by.items(), key=lambda kv: -kv[1])[:4]}
                            for f, by in callers.items()}}
