"""The columns of the benchmark: measurements that run on a built Topology.

A measurement is a function `measure(topo, cfg) -> (value, extra)` registered with
@measure(...): `value` is the figure in the column's unit, `extra`
a dict of secondary facts (retransmits, loss, offered rate) that the report may show.
To add a column (PXE boot time, TFTP rate, ...): register one more function here, give
it `applies=` if only some paths can run it, and add its key to a table's columns in
bench.py. A measurement that cannot run on a path raises NotApplicable (or says so
up front with applies=). Ratios are value / the direct link's value, whatever the unit:
for a time (a PXE boot) 200 % reads "twice as long".
"""
import json
import os
import time

import lab as labmod
import probes

MEASURES = {}

# 64-byte Ethernet frames, FCS included: 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + payload
# + 4 (FCS) = 64, so the UDP payload is 18 bytes. iperf3's UDP header (seconds,
# microseconds, 32-bit sequence number) fits in it.
UDP64_PAYLOAD = 64 - 4 - 14 - 20 - 8


class NotApplicable(Exception):
    pass


class Measure:
    def __init__(self, key, title, unit, fn, applies=None, fmt="{:.2f}"):
        self.key = key
        self.title = title
        self.unit = unit
        self.fn = fn
        self.applies = applies or (lambda topo: True)
        self.fmt = fmt


def measure(key, title, unit, applies=None, fmt="{:.2f}"):
    def register(fn):
        MEASURES[key] = Measure(key, title, unit, fn, applies, fmt)
        return fn
    return register


def iperf3(topo, args, timeout):
    """Runs iperf3 -c in the client guest with JSON output into a file (the serial
    console is slow: nothing is printed while the test runs), then reads the file.
    One retry when iperf3 itself fails (e.g. the server still busy with the last test)."""
    cmd = (f"iperf3 -c {topo.server_addr} -p {topo.server_port} -J -i 0 {args} > /tmp/iperf3.json; "
           "echo iperf3-exit=$?")
    for attempt in (1, 2):
        try:
            rc, out = topo.client.run(cmd, timeout=timeout)
        except labmod.LabError:
            stall_evidence(topo, args)
            raise
        _, text = topo.client.run("cat /tmp/iperf3.json", timeout=30)
        try:
            result = json.loads(text[text.index("{"):])
        except ValueError:
            result = {"error": f"no JSON from iperf3: {out.strip()} {text[:300]!r}"}
        if "error" not in result:
            return result
        if attempt == 2:
            raise labmod.LabError(f"iperf3 {args}: {result['error']}")
        topo.client.run("sleep 1", timeout=10)


def stall_evidence(topo, args):
    """When iperf3 outlives its timeout: the TCP sockets at both ends, into the lab's
    log (bench.log), to tell a stalled control exchange from a data stream in back-off.
    The namespace's side from ss -tino (state, queues, cwnd, rto, backoff, the
    retransmission timer); the guest's from /proc/net/tcp (busybox has no ss) and its
    NIC counters, after the Ctrl-C that ended iperf3 -c there (its sockets linger)."""
    log = topo.client.lab.log
    if topo.ns is not None:
        ss = topo.ns.run(["ss", "-tino"], check=False).stdout
        log(f"stall evidence, iperf3 {args}: the namespace's TCP sockets:\n{ss}")
    try:
        _, tcp = topo.client.run("cat /proc/net/tcp; grep ^Tcp: /proc/net/snmp; "
                                 + probes.GUEST_STATS_CMD, timeout=20)
        log(f"stall evidence, iperf3 {args}: the guest's TCP sockets and counters:\n{tcp}")
    except labmod.LabError as e:
        log(f"stall evidence: the guest did not answer: {e}")


def tcp(topo, cfg, reverse):
    args = f"-t {cfg.seconds} -O {cfg.warmup} -l {cfg.tcp_len}" + (" -R" if reverse else "")
    r = iperf3(topo, args, cfg.seconds + cfg.warmup + 60)
    end = r["end"]
    received = end["sum_received"]
    extra = {"retransmits": end.get("sum_sent", {}).get("retransmits"),
             "bytes": received["bytes"], "seconds": round(received["seconds"], 3)}
    cpu = end.get("cpu_utilization_percent") or {}
    if cpu:
        extra["iperf3 cpu % (guest, server)"] = [round(cpu.get("host_total", 0)), round(cpu.get("remote_total", 0))]
    return received["bits_per_second"] / 1e9, extra


@measure("tcp_up", "TCP guest→ns", "Gbit/s")
def tcp_up(topo, cfg):
    """One TCP stream from the guest to the server: iperf3 -c -t S -O W -l L (the first
    W seconds of slow start and warm-up are left out; L-byte writes and reads, 1 MiB by
    default: the guest is CPU-bound under TCG and iperf3's default 128 KiB calls cost it
    a fifth of the direct link's rate); the rate the receiver counted."""
    return tcp(topo, cfg, reverse=False)


@measure("tcp_down", "TCP ns→guest", "Gbit/s")
def tcp_down(topo, cfg):
    """The same with -R: the server sends, the guest receives (the guest still opens
    the connection, so it works through NAT and slirp without port forwarding)."""
    return tcp(topo, cfg, reverse=True)


def udp_result(r):
    """(kframes/s the server received, extra) from an iperf3 -u -J run's result."""
    end = r["end"]
    sent, received = end["sum_sent"], end["sum_received"]
    rx_frames = received["bytes"] // UDP64_PAYLOAD
    tx_frames = sent["packets"]
    rate = rx_frames / received["seconds"] if received["seconds"] else 0.0
    extra = {"sent kframes/s": round(tx_frames / sent["seconds"] / 1e3, 1) if sent["seconds"] else None,
             "loss %": round(100.0 * (tx_frames - rx_frames) / tx_frames, 2) if tx_frames else None,
             "sent": tx_frames, "received": rx_frames}
    return rate / 1e3, extra


@measure("udp64", "UDP 64 B guest→ns", "kframes/s", fmt="{:.1f}")
def udp64(topo, cfg):
    """64-byte frames from the guest as fast as iperf3 sends them (-u -b 0, -l 18) for
    S seconds; the value is frames per second the server received. No -O: iperf3's
    UDP loss counters do not agree with -O, and UDP has no slow start (the path's ARP
    entries are resolved by the reachability check before)."""
    args = f"-u -b 0 -l {UDP64_PAYLOAD} -t {cfg.seconds}"
    return udp_result(iperf3(topo, args, cfg.seconds + 60))


# The rate the native LAN sender offers (udp64_fwd), kframes/s: above what either router
# forwards under TCG on two cores, so that the router is the limit, and low enough that
# the sender (paced by iperf3, not spinning) leaves the routers the CPU they had.
FWD_KFPS = int(os.environ.get("BENCH_FWD_KFPS", "150"))


@measure("udp64_fwd", "UDP 64 B forwarded, native LAN sender", "kframes/s", fmt="{:.1f}",
         applies=lambda topo: topo.lan_sender is not None)
def udp64_fwd(topo, cfg):
    """The router's forwarding rate of 64-byte frames: iperf3 -c in the nics part's
    native LAN sender (topologies.lan_sender) offers FWD_KFPS kframes/s (-u -b, -l 18)
    for S seconds through the router to the server; the value is frames per second that
    reached the server's namespace (what iperf3 -s read, and what its full socket
    refused: RcvbufErrors). What the router cannot take is lost on the way (the loss is
    not a fault here, the rate is the figure)."""
    bits = FWD_KFPS * 1000 * UDP64_PAYLOAD * 8
    argv = ["iperf3", "-c", topo.server_addr, "-p", str(topo.server_port), "-J", "-i", "0", "-u",
            "-b", str(bits), "-l", str(UDP64_PAYLOAD), "-t", str(cfg.seconds)]
    for attempt in (1, 2):
        before = probes.ns_udp_stats(topo.ns).get("RcvbufErrors", 0)
        p = topo.lan_sender.run(argv, check=False, timeout=cfg.seconds + 60)
        after = probes.ns_udp_stats(topo.ns).get("RcvbufErrors", 0)
        try:
            r = json.loads(p.stdout[p.stdout.index("{"):])
        except ValueError:
            r = {"error": f"no JSON from iperf3: {p.stdout[:200]!r} {p.stderr[:200]!r}"}
        if "error" not in r:
            value, extra = udp_result(r)
            # Datagrams that reached the server's namespace but found its socket full
            # (iperf3 -s not scheduled in time, at these rates) were forwarded by the
            # router all the same: they count.
            dropped = after - before
            seconds = r["end"]["sum_received"]["seconds"]
            if seconds:
                value += dropped / seconds / 1e3
            extra.update({"offered kframes/s": FWD_KFPS, "server socket full": dropped})
            return value, extra
        if attempt == 2:
            raise labmod.LabError(f"iperf3 (LAN sender): {r['error']}")
        time.sleep(1)


# --- the PXE part (pxeboot.py; the paths in topologies.py give topo.pxe) --------------------

def boots(kind):
    return lambda topo: topo.pxe is not None and kind in topo.pxe.kinds


@measure("pxe_tftp", "PXE boot by TFTP", "s", applies=boots("tftp"), fmt="{:.1f}")
def pxe_tftp(topo, cfg):
    """The diskless BIOS guest (iPXE ROM) boots the lab's kernel and a small
    initramfs by TFTP: seconds from QEMU's start to its userspace marker, and the
    pcap's split of them (pxeboot.py)."""
    return topo.pxe.boot("tftp")


@measure("pxe_http", "PXE boot by HTTP", "s", applies=boots("http"), fmt="{:.1f}")
def pxe_http(topo, cfg):
    """The same guest whose iPXE script (fetched by TFTP) loads the kernel and the
    initramfs over http://."""
    return topo.pxe.boot("http")


TFTP_BLKSIZES = (512, 1432, 1468)
TFTP_WINDOWS = (1, 4, 16, 64)
TFTP_KEYS = [f"tftp_{b}_{w}" for b in TFTP_BLKSIZES for w in TFTP_WINDOWS]


def _tftp_measure(blksize, windowsize):
    def fn(topo, cfg):
        """One fetch of the TFTP table's file by tftp_client.py from the namespace,
        asking for this blksize and windowsize (and tsize); MB/s of payload, checked
        by sha256; what the server's OACK granted."""
        return topo.pxe.tftp(blksize, windowsize)
    measure(f"tftp_{blksize}_{windowsize}", f"TFTP {blksize} B, window {windowsize}", "MB/s",
            applies=lambda topo: topo.pxe is not None and topo.pxe.tftp_addr is not None)(fn)


for _b in TFTP_BLKSIZES:
    for _w in TFTP_WINDOWS:
        _tftp_measure(_b, _w)
