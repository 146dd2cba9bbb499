#!/usr/bin/env python3
"""vmgate's test lab: network namespaces, taps, bridges, upstream services and QEMU VMs,
owned by one Lab per test and torn down in reverse order whatever happens.

Python 3 standard library only.  Run as root (namespaces, taps).  A test is a function
`test_*(lab)` in tests/lab/test_*.py; tests/run gives each one a fresh Lab in a process
of its own.  A short example:

    import lab

    @lab.timeout(60)
    def test_ping(lab):
        ns = lab.namespace()
        ns.tap("tap0", "10.0.9.1/24")
        g = lab.linux_vm("g1", ns=ns, net="10.0.9.2/24")
        g.nic_tap("tap0")
        g.boot()
        g.sh("ping -c 1 -W 2 10.0.9.1")

See tests/lab/README.md for the whole API and the rules (network safety, ports, logs).

Network safety, enforced here rather than left to each test: every namespace is
created empty (lo only) and never gets a default route; veth pairs join two of the
lab's own namespaces, never the host; tap devices live inside a namespace; QEMU user
networking is refused unless its VM runs inside a lab namespace or says restrict=on.
"""

import atexit
import base64
import codecs
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(TOP, "build")
GUEST_DIR = os.path.join(BUILD, "lab")
LOG_ROOT = os.path.join(BUILD, "test-logs")

# Namespace names are PREFIX<pid>-<n>: the pid of the process that made them tells a
# stale namespace (its owner is dead) from one a concurrent run still uses.
PREFIX = os.environ.get("VMGATE_LAB_PREFIX", "vmgt")


def _port_range():
    lo, hi = os.environ.get("VMGATE_LAB_PORTS", "20000-20999").split("-")
    return int(lo), int(hi)


PORT_RANGE = _port_range()

READY_MARKER = "GUEST-READY"        # printed by tests/lab/guest/init, see there
QEMU = "qemu-system-x86_64"


class LabError(Exception):
    """Something in the lab did not do what a test needs (a command failed, a VM did
    not print what was waited for, a timeout)."""


class LabInterrupted(BaseException):
    """SIGTERM/SIGINT/SIGHUP arrived (the runner's per-test timeout, a Ctrl-C).  A
    BaseException, so that `except Exception` in a test does not swallow it and the
    Lab's teardown runs on the way out."""


# --- small helpers ----------------------------------------------------------------------

def _now():
    return time.monotonic()


def run(argv, check=True, timeout=60, input=None, log=None):
    """Runs a host command, returns subprocess.CompletedProcess (text, stdout and stderr
    merged).  A non-zero exit raises LabError with the output when check is true."""
    t0 = _now()
    try:
        p = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {shlex.join(argv)}") from e
    if log:
        log(f"$ {shlex.join(argv)} -> {p.returncode} ({_now() - t0:.2f}s)"
            + (f"\n{p.stdout.rstrip()}" if p.stdout.strip() and p.returncode else ""))
    if check and p.returncode != 0:
        raise LabError(f"exit {p.returncode}: {shlex.join(argv)}\n{p.stdout.rstrip()}")
    return p


def _pdeathsig(argv, sig="KILL"):
    """Prefixes argv so the process gets `sig` when the thread that started it dies:
    a runner killed with SIGKILL leaves no QEMU behind.  setpriv execs, so the pid the
    caller sees is the program's own pid (as with `ip netns exec`), and kill + wait on
    it reaches the program, not a wrapper (see reference/README.md's pitfall)."""
    return ["setpriv", f"--pdeathsig={sig}", "--"] + list(argv)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mac_address(*parts):
    """A stable locally administered MAC (52:54:00 is QEMU's prefix) derived from names,
    so the same VM/NIC gets the same address in every run and in the logs."""
    h = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return "52:54:00:%02x:%02x:%02x" % (h[0], h[1], h[2])


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate() until it returns a true value (returned) or timeout (LabError)."""
    deadline = _now() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if _now() >= deadline:
            raise LabError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# --- processes --------------------------------------------------------------------------

class Proc:
    """A background process the lab started and will stop: the Popen, its name and the
    file its output goes to."""

    def __init__(self, name, argv, logfile, lab_log=None):
        self.name = name
        self.argv = argv
        self.logfile = logfile
        self._out = open(logfile, "wb")
        self.popen = subprocess.Popen(_pdeathsig(argv), stdin=subprocess.DEVNULL,
                                      stdout=self._out, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid
        if lab_log:
            lab_log(f"started {name} (pid {self.pid}): {shlex.join(argv)}")

    def alive(self):
        return self.popen.poll() is None

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds; always reaps the process."""
        if self.popen.poll() is None:
            try:
                self.popen.terminate()
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._out.close()
        return self.popen.returncode


# --- namespaces --------------------------------------------------------------------------

class Namespace:
    """A network namespace of the lab: lo up, nothing else, no route out.  Commands run
    inside it through `ip netns exec`; processes it spawns are killed when it closes."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name
        self.procs = []
        self._ports_used = set()
        run(["ip", "netns", "add", name], log=lab.log)
        try:
            self.ip("link", "set", "lo", "up")
        except BaseException:
            kill_namespace(name, lab.log)
            raise

    # commands
    def exec_argv(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, check=True, timeout=60, input=None):
        """Runs argv (a list, or a string for sh -c) inside the namespace."""
        if isinstance(argv, str):
            argv = ["sh", "-c", argv]
        return run(self.exec_argv(argv), check=check, timeout=timeout, input=input, log=self.lab.log)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name] + list(args), check=check, log=self.lab.log)

    def spawn(self, name, argv):
        """Starts a background process inside the namespace, output in <logdir>/<name>.log."""
        p = Proc(name, self.exec_argv(argv), self.lab.logpath(f"{name}.log"), self.lab.log)
        self.procs.append(p)
        return p

    # links
    def tap(self, ifname, cidr=None, vnet_hdr=True, mtu=None):
        """A persistent tap device for a QEMU `-netdev tap,ifname=...` that runs in this
        namespace.  vnet_hdr lets QEMU pass offload metadata (TSO, checksum) through."""
        self.ip("tuntap", "add", "dev", ifname, "mode", "tap", *(["vnet_hdr"] if vnet_hdr else []))
        if mtu:
            self.ip("link", "set", ifname, "mtu", str(mtu))
        self.ip("link", "set", ifname, "up")
        if cidr:
            self.addr(ifname, cidr)
        return ifname

    def bridge(self, ifname, cidr=None, ports=()):
        """A Linux bridge with the given ports enslaved (libvirt's usual topology)."""
        self.ip("link", "add", ifname, "type", "bridge")
        for port in ports:
            self.ip("link", "set", port, "master", ifname)
        self.ip("link", "set", ifname, "up")
        if cidr:
            self.addr(ifname, cidr)
        return ifname

    def addr(self, ifname, cidr):
        self.ip("addr", "add", cidr, "dev", ifname)

    def up(self, ifname):
        self.ip("link", "set", ifname, "up")

    # ports
    def listening(self, port, proto="tcp"):
        flag = "-Hltn" if proto == "tcp" else "-Hlun"
        out = self.run(["ss", flag, f"sport = :{port}"], check=False).stdout
        return bool(out.strip())

    def wait_listening(self, port, proto="tcp", timeout=10):
        wait_until(lambda: self.listening(port, proto), timeout, 0.1,
                   f"{proto} port {port} to listen in {self.name}")

    def free_port(self, proto="tcp"):
        """A port in the lab's range that nothing in this namespace uses.  The namespace
        is the lab's own, so the ports it hands out cannot collide with other runs."""
        in_use = set(self._ports_used)
        for line in self.run(["ss", "-Hntua"], check=False).stdout.splitlines():
            fields = line.split()        # Netid State Recv-Q Send-Q Local:Port Peer:Port
            if len(fields) >= 5 and fields[4].rsplit(":", 1)[-1].isdigit():
                in_use.add(int(fields[4].rsplit(":", 1)[-1]))
        for port in range(PORT_RANGE[0], PORT_RANGE[1] + 1):
            if port not in in_use:
                self._ports_used.add(port)
                return port
        raise LabError(f"no free port in {PORT_RANGE} in {self.name}")

    # teardown
    def pids(self):
        """Every process whose network namespace this is, started by the lab or not."""
        return netns_pids(self.name)

    def close(self):
        for p in reversed(self.procs):
            p.stop()
        kill_namespace(self.name, self.lab.log)


def netns_pids(name):
    out = run(["ip", "netns", "pids", name], check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def kill_namespace(name, log=None):
    """Kills every process left in a namespace, waits for them, deletes it.  The lab's
    devices in it (taps, veths, bridges) go with it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = netns_pids(name)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = _now() + 3
        while pids and _now() < deadline:
            pids = [p for p in pids if _pid_alive(p)]
            time.sleep(0.05)
        if not pids:
            break
    run(["ip", "netns", "del", name], check=False, log=log)


def cleanup_stale(prefix=PREFIX, log=None):
    """Deletes namespaces named PREFIX<pid>-... whose owner process is dead (a run that
    crashed or was killed).  Ones whose owner lives belong to a concurrent run and stay."""
    removed = []
    for line in run(["ip", "netns", "list"], check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(re.escape(prefix) + r"(\d+)-.*", name)
        if m and not _pid_alive(int(m.group(1))):
            kill_namespace(name, log)
            removed.append(name)
    return removed


def veth(ns_a, name_a, ns_b, name_b):
    """A veth pair between two of the lab's namespaces (never the host's), both ends up."""
    ns_a.ip("link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", ns_b.name)
    ns_a.up(name_a)
    ns_b.up(name_b)


# --- upstream services in a namespace -----------------------------------------------------

class Dnsmasq:
    """dnsmasq as the upstream DHCP and DNS server on one interface of a namespace.

    It knows only the names given in `hosts` (plus its DHCP clients); no-resolv and no
    upstream servers, so nothing it answers can send a guest outside the lab."""

    def __init__(self, lab, ns, interface, dhcp_range, hosts=None, domain="lab.test",
                 lease="1h", extra=()):
        self.ns = ns
        self.leasefile = lab.logpath("dnsmasq.leases")
        self.logfile = lab.logpath("dnsmasq.log")
        for stale in (self.leasefile, self.logfile):
            if os.path.exists(stale):
                os.unlink(stale)
        argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--bind-interfaces", f"--interface={interface}",
                "--except-interface=lo", f"--dhcp-range={dhcp_range[0]},{dhcp_range[1]},{lease}",
                "--dhcp-authoritative", "--no-ping", f"--dhcp-leasefile={self.leasefile}",
                f"--domain={domain}", f"--local=/{domain}/", "--user=root", "--group=root",
                "--pid-file", f"--log-facility={self.logfile}", "--log-queries", "--log-dhcp"]
        for name, addr in (hosts or {}).items():
            argv.append(f"--host-record={name},{addr}")
        argv += list(extra)
        self.proc = ns.spawn("dnsmasq", argv)
        ns.wait_listening(53, "udp")

    def leases(self):
        """[(mac, ip, hostname)] from the lease file."""
        if not os.path.exists(self.leasefile):
            return []
        out = []
        with open(self.leasefile) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 4:
                    out.append((parts[1], parts[2], parts[3]))
        return out


class HttpServer:
    """python3's http.server in a namespace, serving a directory that holds a random
    file `blob.bin` of known size and sha256, for download checks."""

    def __init__(self, lab, ns, addr, port=None, size=1 << 20):
        self.ns = ns
        self.addr = addr
        self.port = port or ns.free_port()
        self.root = lab.logpath("http-root")
        os.makedirs(self.root, exist_ok=True)
        self.blob = os.urandom(size)
        self.sha256 = hashlib.sha256(self.blob).hexdigest()
        with open(os.path.join(self.root, "blob.bin"), "wb") as f:
            f.write(self.blob)
        self.proc = ns.spawn("http", [sys.executable, "-m", "http.server", "--bind", addr,
                                      "--directory", self.root, str(self.port)])
        ns.wait_listening(self.port)

    def url(self, path="blob.bin", host=None):
        return f"http://{host or self.addr}:{self.port}/{path}"


class Iperf3Server:
    """iperf3 -s in a namespace (one test at a time, as iperf3 serves)."""

    def __init__(self, lab, ns, addr, port=None):
        self.ns = ns
        self.addr = addr
        self.port = port or ns.free_port()
        self.proc = ns.spawn(f"iperf3-{self.port}", ["iperf3", "-s", "-B", addr, "-p", str(self.port)])
        ns.wait_listening(self.port)


# --- QEMU ------------------------------------------------------------------------------

class QMP:
    """A minimal QMP client on a UNIX socket: greeting, capabilities, commands.
    Asynchronous events that arrive between replies are kept in .events."""

    def __init__(self, path, timeout=10):
        self.sock = None
        deadline = _now() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(timeout)
                s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if _now() >= deadline:
                    raise LabError(f"QMP socket {path} never accepted a connection")
                time.sleep(0.05)
        self.sock = s
        self.file = s.makefile("rb")
        self.events = []
        self._read()                                  # the greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise LabError("QMP connection closed")
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise LabError(f"QMP {command}: {reply['error'].get('desc', reply['error'])}")
            elif "return" in reply:
                return reply["return"]

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")


class Console:
    """Reads a VM's serial console continuously (a thread): raw bytes to the log file,
    cleaned text (no \\r, no terminal escapes) to a buffer that wait_for() searches."""

    def __init__(self, sock, logfile):
        self.sock = sock
        self.log = open(logfile, "wb", buffering=0)
        self.text = ""
        self.cursor = 0            # where the next wait_for() starts searching
        self.closed = False
        self.cond = threading.Condition()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""         # an escape sequence cut in two by recv()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            self.log.write(data)
            text = self._pending + self._decoder.decode(data)
            cut = text.rfind("\x1b")
            if cut != -1 and not _ANSI.match(text, cut) and len(text) - cut < 16:
                text, self._pending = text[:cut], text[cut:]
            else:
                self._pending = ""
            text = _ANSI.sub("", text).replace("\r", "")
            with self.cond:
                self.text += text
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def note(self, line):
        """Writes a harness annotation into the console log (not into the searched text),
        so the log shows which command produced what."""
        try:
            self.log.write(f"\n[lab] {line}\n".encode())
        except ValueError:
            pass

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def wait_for(self, pattern, timeout, alive=lambda: True, advance=True, partial=False):
        """Searches the console text from the cursor for a regex (re.MULTILINE); returns the
        match and, with advance, moves the cursor past it.  Only complete lines are
        searched unless partial is true, so that `$` cannot match the end of a line that
        is still arriving (a prompt without a newline needs partial=True).  Raises
        LabError on timeout or when the VM is gone."""
        rx = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        deadline = _now() + timeout
        with self.cond:
            while True:
                end = len(self.text) if partial else self.text.rfind("\n") + 1
                m = rx.search(self.text, self.cursor, max(end, self.cursor))
                if m:
                    if advance:
                        self.cursor = m.end()
                    return m
                if self.closed or not alive():
                    raise LabError(f"console closed (VM exited) while waiting for {rx.pattern!r}")
                left = deadline - _now()
                if left <= 0:
                    raise LabError(f"timed out after {timeout}s waiting for {rx.pattern!r}")
                self.cond.wait(min(left, 0.5))

    def tail(self, lines=20):
        with self.cond:
            return "\n".join(self.text.splitlines()[-lines:])

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        self.sock.close()
        self.log.close()


class VM:
    """A QEMU virtual machine (TCG) with its serial console on a UNIX socket that the lab
    reads into <logdir>/<name>.log, and a QMP monitor for link state and power.

    Configure, then start():
        vm = lab.vm("vmgate", ns=ns, kernel="build/vmgate.elf", append="...")
        n0 = vm.nic_tap("tap0", model="e1000")
        vm.start(); vm.wait_for(r"vmgate ready", 30); vm.set_link(n0, False)
    """

    def __init__(self, lab, name, ns=None, memory=256, smp=1, kernel=None, initrd=None,
                 append=None, bios=None, machine=None, args=(), no_reboot=True):
        self.lab = lab
        self.name = name
        self.ns = ns
        self.memory = memory
        self.smp = smp
        self.kernel = kernel
        self.initrd = initrd
        self.append = append
        self.bios = bios
        self.machine = machine
        self.args = list(args)
        self.no_reboot = no_reboot
        self.nics = []             # netdev ids, in -device (= PCI slot) order
        self._listen_ports = []    # socket netdevs that listen: wait for them in start()
        self._listen_paths = []    # stream netdevs that listen on a UNIX socket: likewise
        self.proc = None
        self.console = None
        self.qmp = None
        self.logfile = lab.logpath(f"{name}.log")
        self.started_at = None
        self._stopped = False

    # NICs: each adds a -netdev and its -device; returns the netdev id (for set_link)
    def nic(self, backend, model="virtio-net-pci", mac=None):
        """Adds a NIC.  backend is a -netdev value without id, e.g. "tap,ifname=tap0";
        model a -device value without netdev/mac, e.g. "e1000" or
        "virtio-net-pci,disable-legacy=on"."""
        nid = f"n{len(self.nics)}"
        mac = mac or mac_address(self.lab.name, self.name, nid)
        self.args += ["-netdev", f"{backend},id={nid}", "-device", f"{model},netdev={nid},mac={mac}"]
        self.nics.append(nid)
        return nid

    def nic_tap(self, ifname, model="virtio-net-pci", mac=None, vhost=False):
        return self.nic(f"tap,ifname={ifname},script=no,downscript=no,vhost={'on' if vhost else 'off'}",
                        model, mac)

    def nic_socket_listen(self, port, model="virtio-net-pci", mac=None):
        self._listen_ports.append(port)
        return self.nic(f"socket,listen=127.0.0.1:{port}", model, mac)

    def nic_socket_connect(self, port, model="virtio-net-pci", mac=None):
        return self.nic(f"socket,connect=127.0.0.1:{port}", model, mac)

    def nic_dgram(self, local_port, remote_port, model="virtio-net-pci", mac=None):
        return self.nic(f"dgram,local.type=inet,local.host=127.0.0.1,local.port={local_port},"
                        f"remote.type=inet,remote.host=127.0.0.1,remote.port={remote_port}", model, mac)

    def nic_dgram_unix(self, local_path, remote_path, model="virtio-net-pci", mac=None):
        """A dgram netdev between two UNIX datagram sockets: QEMU binds local_path
        (replacing a stale one) and sends each frame, one datagram, to remote_path."""
        return self.nic(f"dgram,local.type=unix,local.path={local_path},"
                        f"remote.type=unix,remote.path={remote_path}", model, mac)

    def nic_stream_listen(self, port=None, path=None, model="virtio-net-pci", mac=None):
        """A stream netdev (a 4-byte length per frame, as socket's) that listens on
        127.0.0.1:port or on the UNIX socket path; start() waits until it does."""
        if path:
            self._listen_paths.append(path)
            return self.nic(f"stream,server=on,addr.type=unix,addr.path={path}", model, mac)
        self._listen_ports.append(port)
        return self.nic(f"stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={port}",
                        model, mac)

    def nic_stream_connect(self, port=None, path=None, model="virtio-net-pci", mac=None):
        if path:
            return self.nic(f"stream,server=off,addr.type=unix,addr.path={path}", model, mac)
        return self.nic(f"stream,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port={port}",
                        model, mac)

    def nic_mcast(self, group, port, model="virtio-net-pci", mac=None):
        """A socket netdev on a UDP multicast group, sent from the loopback address: every
        QEMU on group:port shares one segment (a hub: each frame reaches every member)."""
        return self.nic(f"socket,mcast={group}:{port},localaddr=127.0.0.1", model, mac)

    # life cycle
    def argv(self, serial_path, qmp_path):
        argv = [QEMU, "-nodefaults", "-no-user-config", "-display", "none", "-accel", "tcg",
                "-m", str(self.memory), "-smp", str(self.smp),
                "-chardev", f"socket,id=ser0,path={serial_path},server=on,wait=on",
                "-serial", "chardev:ser0",
                "-qmp", f"unix:{qmp_path},server=on,wait=off"]
        if self.no_reboot:
            argv.append("-no-reboot")
        if self.machine:
            argv += ["-machine", self.machine]
        if self.bios:
            argv += ["-bios", self.bios]
        if self.kernel:
            argv += ["-kernel", self.kernel]
        if self.initrd:
            argv += ["-initrd", self.initrd]
        if self.append is not None:
            argv += ["-append", self.append]
        return argv + self.args

    def check_network_safety(self):
        """QEMU user networking (slirp) reaches whatever its host reaches: allowed only
        inside a lab namespace (which has no route out) or with restrict=on."""
        for flag, value in zip(self.args, self.args[1:]):
            if flag in ("-netdev", "-nic", "-net") and value.split(",")[0] == "user":
                if self.ns is None and "restrict=on" not in value.split(","):
                    raise LabError(f"{self.name}: QEMU user networking outside a lab "
                                   f"namespace needs restrict=on: {value}")

    def start(self, timeout=20):
        """Starts QEMU (inside the namespace if any) and connects the console and QMP.
        QEMU waits for the console connection before it runs the guest (wait=on), so no
        output is lost; socket netdevs that listen are waited for, so that a VM started
        next can connect to them."""
        self.check_network_safety()
        serial_path = os.path.join(self.lab.rundir, f"{self.name}.ser")
        qmp_path = os.path.join(self.lab.rundir, f"{self.name}.qmp")
        argv = self.argv(serial_path, qmp_path)
        if self.ns:
            argv = self.ns.exec_argv(argv)
        self.proc = Proc(f"qemu-{self.name}", argv, self.lab.logpath(f"{self.name}.qemu.log"), self.lab.log)
        self.lab.defer(self.stop)
        self.started_at = _now()
        sock = self._connect(serial_path, timeout)
        self.console = Console(sock, self.logfile)
        self.qmp = QMP(qmp_path, timeout)
        for port in self._listen_ports:
            if self.ns:
                self.ns.wait_listening(port, timeout=timeout)
            else:
                wait_until(lambda: _host_listening(port), timeout, what=f"port {port}")
        for path in self._listen_paths:
            wait_until(lambda: os.path.exists(path), timeout, what=f"socket {path}")
        return self

    def _connect(self, path, timeout):
        deadline = _now() + timeout
        while True:
            if not self.proc.alive():
                raise LabError(f"QEMU {self.name} exited ({self.proc.popen.returncode}) at start:\n"
                               + _tail_file(self.proc.logfile, 10))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if _now() >= deadline:
                    raise LabError(f"QEMU {self.name}: no console socket after {timeout}s")
                time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def wait_for(self, pattern, timeout=30, advance=True, partial=False):
        """Waits for a regex on the console (from where the last wait stopped, complete
        lines only unless partial); returns the re.Match.  The failure message carries
        the console's last lines."""
        try:
            return self.console.wait_for(pattern, timeout, self.alive, advance, partial)
        except LabError as e:
            raise LabError(f"{self.name}: {e}\n--- {self.name} console (last lines) ---\n"
                           + self.console.tail(15)) from None

    def write(self, data):
        self.console.write(data)

    def set_link(self, nid, up):
        """Cable plugged (True) or pulled (False) on a NIC, by its netdev id."""
        self.lab.log(f"{self.name}: set_link {nid} {'up' if up else 'down'}")
        self.qmp.execute("set_link", name=nid, up=bool(up))

    def hmp(self, command):
        """A human monitor command through QMP, e.g. "info network"."""
        return self.qmp.execute("human-monitor-command", **{"command-line": command})

    def powerdown(self, timeout=30):
        """ACPI power button; waits for the guest to power off.  True if it did."""
        self.qmp.execute("system_powerdown")
        try:
            self.proc.popen.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        """Stops QEMU: kill + wait by its own pid.  Idempotent; runs at Lab teardown."""
        if self.proc is None or self._stopped:
            return
        self._stopped = True
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        rc = self.proc.stop(grace=3)
        if self.console:
            self.console.close()
        self.lab.log(f"stopped {self.name} (exit {rc})")


def _host_listening(port):
    out = run(["ss", "-Hltn", f"sport = :{port}"], check=False).stdout
    return bool(out.strip())


def _tail_file(path, lines):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# --- vmgate's console, checked at teardown ---------------------------------------------

# What vmgate prints when it can no longer be trusted: the exception dump's first line
# (kernel/trap.c, trap_dump), a panic (kernel/console.c, panic: lwIP's assertions end
# there too, through lwip-port/sys.c's vmgate_lwip_assert), and the assertion's own
# words, should they ever reach the console another way.
FAULT_PATTERNS = (
    re.compile(r"vmgate: exception \d+ \(.*\), error code 0x[0-9a-f]+"),
    re.compile(r"vmgate: panic: "),
    re.compile(r'lwIP assertion ".*" failed'),
)


def scan_console_log(path):
    """[(line number, line)] of the lines of a console log (raw, as Console writes it)
    that show a fault dump, a panic or an lwIP assertion.  Terminal escapes and \\r are
    dropped first; the harness's own `[lab] ...` notes are not console output.  A
    missing log (the VM never started) has none."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    found = []
    text = _ANSI.sub("", data.decode("utf-8", errors="replace")).replace("\r", "")
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith("[lab] "):
            continue
        if any(rx.search(line) for rx in FAULT_PATTERNS):
            found.append((n, line.strip()))
    return found


class LinuxGuest(VM):
    """The lab's Linux guest (tests/lab/guest): Debian's kernel and the busybox
    initramfs, driven through its root shell on the serial console.

    run(cmd) -> (rc, output) runs one shell command in a subshell (state such as cd does
    not carry over to the next run); sh(cmd) returns the output and raises on rc != 0."""

    def __init__(self, lab, name, ns=None, net=None, hostname=None, append_extra="",
                 memory=256, **kw):
        kernel, initrd = guest_images()
        params = ["console=ttyS0", "quiet", "panic=-1", f"vmg.hostname={hostname or name}"]
        nets = [net] if isinstance(net, str) else list(net or [])
        for i, spec in enumerate(nets):
            if spec:
                params.append(f"vmg.net{i}={spec}")
        if append_extra:
            params.append(append_extra)
        super().__init__(lab, name, ns=ns, memory=memory, kernel=kernel, initrd=initrd,
                         append=" ".join(params), **kw)
        self.ready_line = None
        self.boot_seconds = None
        self._bg = 0

    def boot(self, timeout=60):
        """start() and wait for the GUEST-READY line; returns {iface: address or status}
        from that line, e.g. {"eth0": "10.0.9.57/24"}."""
        if self.proc is None:
            self.start()
        m = self.wait_for(rf"^{READY_MARKER}(.*)$", timeout)
        self.boot_seconds = _now() - self.started_at
        self.ready_line = m.group(0)
        self.lab.log(f"{self.name}: {self.ready_line.strip()} after {self.boot_seconds:.1f}s")
        self._sync()
        return dict(w.split("=", 1) for w in m.group(1).split() if "=" in w)

    def _sync(self, timeout=10):
        """Makes sure the shell reads our input: a marker it must print itself."""
        tok = secrets.token_hex(4)
        self.write(f"printf 'VMG%s_%s\\n' S {tok}\n")
        self.wait_for(rf"^VMGS_{tok}$", timeout)

    def run(self, cmd, timeout=30, check=False):
        """Runs `cmd` (sh syntax) in the guest; returns (exit status, output).

        The command travels base64-encoded, so quoting and the terminal's echo cannot
        disturb it; the output is what lies between two markers that only the command's
        own run can print (their echoed form differs).  stdin is /dev/null, stderr goes
        with stdout.  On timeout the command gets Ctrl-C and LabError is raised."""
        b64 = base64.b64encode(cmd.encode()).decode()
        self.console.note(f"$ {cmd}")
        self.lab.log(f"{self.name}$ {cmd}")
        if len(b64) <= 600:
            return self._line(f"echo {b64} | base64 -d", cmd, timeout, check)
        # Busybox's line editor takes lines of about 1 KiB: long commands go in pieces.
        tmp = f"/tmp/.vmg{secrets.token_hex(4)}"
        for i in range(0, len(b64), 600):
            self._line(f"printf %s {b64[i:i + 600]} >> {tmp}", "(upload)", 10, True)
        return self._line(f"base64 -d {tmp}; rm -f {tmp}", cmd, timeout, check)

    def _line(self, source, cmd, timeout, check):
        """Sends one console line that evaluates the shell code printed by `source` in a
        subshell between the two markers, and collects (rc, output)."""
        tok = secrets.token_hex(4)
        self.write(f"printf 'VMG%s_%s\\n' B {tok}; (eval \"$({source})\") </dev/null 2>&1; "
                   f"printf 'VMG%s_%s_%s\\n' E {tok} $?\n")
        try:
            self.wait_for(rf"^VMGB_{tok}$", 10)
            m = self.wait_for(rf"^VMGE_{tok}_(\d+)$", timeout, advance=False)
        except LabError:
            self.write("\x03")
            try:
                self._sync()
            except LabError:
                pass
            raise
        start = self.console.cursor + 1
        with self.console.cond:
            output = self.console.text[start:m.start()]
        self.console.cursor = m.end()
        rc = int(m.group(1))
        if check and rc != 0:
            raise LabError(f"{self.name}: exit {rc}: {cmd}\n{output.rstrip()}")
        return rc, output

    def sh(self, cmd, timeout=30):
        """run() that raises LabError unless the command exits 0; returns the output."""
        return self.run(cmd, timeout, check=True)[1]

    def bg(self, cmd):
        """Starts `cmd` in the background in the guest (no job-control noise on the
        console); returns the guest path of its output file."""
        self._bg += 1
        out = f"/tmp/bg{self._bg}.log"
        self.sh(f"( {cmd} ) </dev/null >{out} 2>&1 &")
        return out

    def wait_port(self, port, proto="tcp", timeout=10):
        """Waits until something in the guest listens on port (run() is a subshell, so
        `exit` leaves only it)."""
        flag = "-ltn" if proto == "tcp" else "-lun"
        self.sh(f"i=0; until netstat {flag} | grep -q ':{port} '; do i=$((i+1)); "
                f"if [ $i -ge {int(timeout * 10)} ]; then echo 'nothing listens on {proto}/{port}'; exit 1; fi; "
                f"sleep 0.1; done", timeout + 5)


    def wait_carrier(self, ifname="eth0", up=True, timeout=10):
        """Waits until the guest's driver reports the link up (or down): after set_link,
        drivers notice in their own time (e1000 and pcnet32 poll every few seconds)."""
        want = 1 if up else 0
        self.sh(f"i=0; until [ \"$(cat /sys/class/net/{ifname}/carrier 2>/dev/null)\" = {want} ]; do "
                f"i=$((i+1)); if [ $i -ge {int(timeout * 10)} ]; then echo '{ifname} carrier is not {want}'; exit 1; fi; "
                f"sleep 0.1; done", timeout + 5)


def guest_images():
    """(kernel, initrd) of the lab guest: the uncompressed pair when the builder made it
    (much faster to boot under TCG), else vmlinuz and guest.cpio.gz."""
    kernel = os.path.join(GUEST_DIR, "vmlinux")
    if not os.path.exists(kernel):
        kernel = os.path.join(GUEST_DIR, "vmlinuz")
    initrd = os.path.join(GUEST_DIR, "guest.cpio")
    if not os.path.exists(initrd):
        initrd = os.path.join(GUEST_DIR, "guest.cpio.gz")
    if not os.path.exists(kernel) or not os.path.exists(initrd):
        raise LabError("lab guest not built: make lab-guest")
    return kernel, initrd


# --- the Lab ------------------------------------------------------------------------------

_live_labs = []


class Lab:
    """Everything one test creates, torn down in reverse order of creation by close()
    (or the end of a `with` block), even when the test fails or is interrupted."""

    def __init__(self, name="adhoc", logdir=None):
        self.name = name
        self.logdir = logdir or os.path.join(LOG_ROOT, name)
        os.makedirs(self.logdir, exist_ok=True)
        # UNIX socket paths are limited to 108 bytes: keep them short, out of the tree.
        self.rundir = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
        self._cleanups = []
        self._ns_count = 0
        self._t0 = _now()
        self._closed = False
        self.vms = []
        self.namespaces = []
        self._consoles = {}          # name -> [logfile, fault expected]
        self.console_problems = []   # set by close(): what the console check found
        _live_labs.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def log(self, msg):
        """Timestamped line on stdout (the runner keeps it in <logdir>/test.log)."""
        stamp = f"[{_now() - self._t0:7.2f}]"
        text = str(msg).replace("\n", "\n" + " " * (len(stamp) + 1))
        print(f"{stamp} {text}", flush=True)

    def logpath(self, filename):
        return os.path.join(self.logdir, filename)

    def defer(self, fn, *args):
        """Registers a teardown step; steps run last-registered first."""
        self._cleanups.append((fn, args))

    def close(self):
        if self._closed:
            return
        self._closed = True
        while self._cleanups:
            fn, args = self._cleanups.pop()
            try:
                fn(*args)
            except BaseException as e:          # keep tearing down whatever happens
                self.log(f"teardown: {getattr(fn, '__qualname__', fn)}: {e!r}")
        shutil.rmtree(self.rundir, ignore_errors=True)
        try:
            self.console_problems = self.check_consoles()
        except BaseException as e:              # the check itself broke: say so, fail
            self.console_problems = [f"console check failed: {e!r}"]
        for problem in self.console_problems:
            self.log(f"teardown: {problem}")
        if self in _live_labs:
            _live_labs.remove(self)

    # vmgate's consoles
    def watch_console(self, name, logfile):
        """Registers a vmgate console log: at teardown (after every VM has stopped, so
        the log is whole) it is scanned for a fault dump, a panic or an lwIP assertion,
        and one fails the test (run_one), whether the test itself passed or not.
        Vmgate() does this for its VM; a test that starts vmgate otherwise (through
        tools/vmgate-run) registers that output itself."""
        self._consoles.setdefault(name, [logfile, False])[0] = logfile

    def expect_fault(self, name):
        """The watched console `name` must show a fault (a test that provokes one): its
        absence fails the test instead of its presence."""
        self._consoles[name][1] = True

    def check_consoles(self):
        """Scans the watched consoles; returns a message per console whose fault check
        failed (a fault seen where none was expected, or none where one was)."""
        problems = []
        for name, (logfile, expected) in self._consoles.items():
            found = scan_console_log(logfile)
            if found and not expected:
                n, line = found[0]
                more = f" (and {len(found) - 1} more such lines)" if len(found) > 1 else ""
                problems.append(f"{name} console {os.path.basename(logfile)}:{n}: {line}{more}")
            elif expected and not found:
                problems.append(f"{name} console {os.path.basename(logfile)}: the test expected "
                                "a fault dump or panic and the console shows none")
        return problems

    # factories
    def namespace(self, tag=""):
        """A new, empty namespace (lo up) named PREFIX<pid>-<n>[tag]."""
        self._ns_count += 1
        ns = Namespace(self, f"{PREFIX}{os.getpid()}-{self._ns_count}{tag}")
        self.namespaces.append(ns)
        self.defer(ns.close)
        return ns

    def veth(self, ns_a, name_a, ns_b, name_b):
        """A veth pair between two of this lab's namespaces (see veth())."""
        veth(ns_a, name_a, ns_b, name_b)

    def vm(self, name, **kw):
        vm = VM(self, name, **kw)
        self.vms.append(vm)
        return vm

    def linux_vm(self, name, **kw):
        """A LinuxGuest: net="dhcp" or "ADDR/LEN,gw=..." (or a list, one per NIC),
        hostname, ns, memory, append_extra; add NICs, then boot()."""
        vm = LinuxGuest(self, name, **kw)
        self.vms.append(vm)
        return vm

    def dnsmasq(self, ns, interface, dhcp_range, **kw):
        return Dnsmasq(self, ns, interface, dhcp_range, **kw)

    def http_server(self, ns, addr, **kw):
        return HttpServer(self, ns, addr, **kw)

    def iperf3_server(self, ns, addr, **kw):
        return Iperf3Server(self, ns, addr, **kw)

    def free_port(self, ns=None):
        """A free TCP/UDP port in the lab's range: per namespace when given, else on the
        host's loopback (checked by binding)."""
        if ns is not None:
            return ns.free_port()
        for port in range(*PORT_RANGE):
            try:
                with socket.socket() as t, socket.socket(type=socket.SOCK_DGRAM) as u:
                    t.bind(("127.0.0.1", port))
                    u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
        raise LabError("no free port on the host's loopback")


def _close_all_labs():
    for lab in list(_live_labs):
        lab.close()


atexit.register(_close_all_labs)


# --- test metadata (read by tests/run) -------------------------------------------------------

def timeout(seconds):
    """Decorator: the runner kills the test after this many seconds (default 120)."""
    def mark(fn):
        fn.lab_timeout = seconds
        return fn
    return mark


def requires(*what):
    """Decorator: the test needs these suite steps to have passed ("build" for the
    vmgate images of `make all`); otherwise the runner fails it without running it.
    Every lab test needs the lab guest ("lab-guest") anyway."""
    def mark(fn):
        fn.lab_requires = set(what)
        return fn
    return mark


# --- running one test in this process ---------------------------------------------------------

def _raise_interrupted(signum, _frame):
    if any(lab._closed for lab in _live_labs):
        return                      # already tearing down: let it finish
    raise LabInterrupted(signal.Signals(signum).name)


def load_test(path, func):
    name = "labtest_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, func)


def run_one(path, func, logdir):
    """Runs tests/lab/<file>::<func> in a fresh Lab; writes <logdir>/result.json
    ({"ok": bool, "reason": str}) for the runner.  Returns the exit status."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)
    os.makedirs(logdir, exist_ok=True)
    result = {"ok": False, "reason": "did not finish"}
    lab = None
    try:
        test = load_test(path, func)
        with Lab(f"{os.path.basename(path)[:-3]}/{func}", logdir) as lab:
            lab.log(f"test {path}::{func}")
            test(lab)
        result = {"ok": True, "reason": ""}
    except LabInterrupted as e:
        result["reason"] = f"interrupted ({e}), probably the test's timeout"
        traceback.print_exc()
    except AssertionError as e:
        result["reason"] = f"assertion failed: {e}" if str(e) else "assertion failed"
        traceback.print_exc()
    except BaseException as e:
        result["reason"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        traceback.print_exc()
    finally:
        if lab:
            lab.close()
            if lab.console_problems:
                # A fault on vmgate's console fails the test even when its checks passed,
                # and is put first when they did not: it is most likely the cause.
                reason = "; ".join(lab.console_problems)
                if result["ok"]:
                    result = {"ok": False, "reason": reason}
                else:
                    result["reason"] = f"{reason} (the test: {result['reason']})"
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        with open(os.path.join(logdir, "result.json"), "w") as f:
            json.dump(result, f)
        sys.stdout.flush()
    return 0 if result["ok"] else 1


def main(argv):
    usage = ("usage: lab.py run FILE::TEST [LOGDIR]   run one lab test here\n"
             "       lab.py cleanup                   remove namespaces of dead runs\n")
    if argv[:1] == ["run"] and len(argv) in (2, 3) and "::" in argv[1]:
        path, func = argv[1].split("::", 1)
        logdir = argv[2] if len(argv) == 3 else os.path.join(
            LOG_ROOT, "lab", os.path.basename(path)[:-3], func)
        return run_one(path, func, logdir)
    if argv[:1] == ["cleanup"]:
        for name in cleanup_stale():
            print(f"removed {name}")
        return 0
    sys.stderr.write(usage)
    return 2


if __name__ == "__main__":
    # Re-import under the name tests use (`import lab`), so there is one module, one
    # set of classes and one registry of live labs.
    sys.path.insert(0, HERE)
    import lab as _lab
    sys.exit(_lab.main(sys.argv[1:]))
