"""PXE boot and TFTP rates for the benchmark's PXE part (topologies.py builds the
servers, measures.py registers the columns).

The PXE client is tests/lab/test_pxe.py's diskless BIOS guest: SeaBIOS and QEMU's
iPXE ROM on one virtio-net NIC (`-boot n`), 256 MiB, no disk, booting the lab's
kernel (build/lab/vmlinuz) and test_pxe's small initramfs (busybox and an /init that
prints a marker with the kernel command line) by the iPXE script the server's DHCP
names. A boot is timed from QEMU's start to that marker on the serial console. A
pcap of the guest's NIC (QEMU's filter-dump) splits it: firmware (start to the
first DHCP DISCOVER), DHCP (to the ACK), the wait after DHCP (to the first TFTP
request: iPXE's IPv6 configurator, which ends when a router advertises itself or
after 16 s), the transfers (to the last frame from the server) and the kernel's own
boot (to the marker).

TFTP rates are fetched by tftp_client.py on the host, in the bench namespace, which
has an address on the guests' LAN (the Linux bridge that joins the server's LAN tap
and the PXE guest's tap): the client costs little next to a server under TCG."""
import hashlib
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lab"))

import lab as labmod            # noqa: E402
import test_pxe                 # noqa: E402

# MACs of the diskless guest, one per way it boots: vmgate gives the HTTP one its
# script by a reservation's boot file.
MAC = {"tftp": "52:54:00:50:00:01", "http": "52:54:00:50:00:02"}
BIG = "big.bin"                 # the file of the TFTP table
KERNEL = test_pxe.KERNEL
MARKER = {"tftp": "bench-tftp", "http": "bench-http"}


def prepare_root(lab, mib):
    """The boot root in the lab's run folder: test_pxe's kernel and initramfs, an
    iPXE script per way (tftp.ipxe fetches by TFTP from next-server, http.ipxe by
    HTTP), and BIG, mib MiB of random bytes (none for 0). Returns (folder, sha256 of
    BIG or None)."""
    root = test_pxe.boot_root(lab, {
        "tftp.ipxe": test_pxe.script(MARKER["tftp"], "tftp"),
        "http.ipxe": test_pxe.script(MARKER["http"], "http"),
    })
    if not mib:
        return root, None
    h = hashlib.sha256()
    with open(os.path.join(root, BIG), "wb") as f:
        for _ in range(mib):
            chunk = os.urandom(1 << 20)
            h.update(chunk)
            f.write(chunk)
    return root, h.hexdigest()


def ethernet(frame):
    """The Ethernet frame in a filter-dump record. On a tap netdev with vnet_hdr QEMU
    7.2 dumps each frame behind the virtio-net header it carries: 10 bytes on what
    the tap delivers, 12 on what the guest's NIC sends (mergeable buffers); over
    slirp or a socket there is none. The offset is the one after which an IPv4, ARP
    or IPv6 header follows."""
    for off in (0, 10, 12):
        if len(frame) < off + 15:
            continue
        et = struct.unpack_from("!H", frame, off + 12)[0]
        version = frame[off + 14] >> 4
        if (et == 0x0800 and version == 4) or (et == 0x86dd and version == 6) or et == 0x0806:
            return frame[off:]
    return b""


def timeline(pcap, server_ip):
    """From the diskless guest's pcap: {"discover", "ack", "rrq", "last", "rs", "ra"}:
    the first DHCP DISCOVER, DHCP ACK, TFTP read request, the last frame from
    server_ip, the first router solicitation and advertisement; wall-clock seconds,
    None where absent."""
    discover = ack = rrq = last = rs = ra = None
    server = bytes(int(x) for x in server_ip.split("."))
    for t, f in test_pxe.pcap_frames(pcap):
        f = ethernet(f)
        if len(f) >= 55 and struct.unpack_from("!H", f, 12)[0] == 0x86dd and f[20] == 58:
            if f[54] == 133 and rs is None:
                rs = t
            if f[54] == 134 and ra is None:
                ra = t
        if len(f) < 34 or struct.unpack_from("!H", f, 12)[0] != 0x0800:
            continue
        ihl = (f[14] & 15) * 4
        if f[26:30] == server:
            last = t
        if f[23] != 17 or len(f) < 14 + ihl + 8:
            continue
        sport, dport = struct.unpack_from("!HH", f, 14 + ihl)
        udp = f[14 + ihl + 8:]
        opts = udp[240:] if len(udp) > 240 else b""
        if dport == 67 and discover is None and b"\x35\x01\x01" in opts:
            discover = t
        if sport == 67 and ack is None and b"\x35\x01\x05" in opts:
            ack = t
        if dport == 69 and rrq is None and udp[:2] == b"\x00\x01":
            rrq = t
    return {"discover": discover, "ack": ack, "rrq": rrq, "last": last, "rs": rs, "ra": ra}


class PxeRig:
    """Boots the diskless guest against one server and fetches from its TFTP.

    ns           the bench namespace
    attach(vm, kind)  adds the guest's NIC (a tap on the LAN bridge, or slirp)
    server_ip    the boot server's address on the LAN (for the pcap)
    kinds        the ways it boots here: "tftp", "http"
    tftp_addr    where tftp_client.py reaches the TFTP server (None: not from the
                 namespace), big_sha the sha256 of BIG"""

    def __init__(self, lab, ns, attach, server_ip, kinds, tftp_addr=None, big_sha=None,
                 big_bytes=0):
        self.lab = lab
        self.ns = ns
        self.attach = attach
        self.server_ip = server_ip
        self.kinds = kinds
        self.tftp_addr = tftp_addr
        self.big_sha = big_sha
        self.big_bytes = big_bytes
        self.boots = 0

    def boot(self, kind, timeout=240):
        """One boot: (seconds from QEMU's start to the marker, the pcap's split)."""
        self.boots += 1
        name = f"pxe-{kind}-{self.boots}"
        vm = self.lab.vm(name, ns=self.ns, memory=256, args=["-boot", "n"])
        self.attach(vm, kind)
        pcap = self.lab.logpath(f"{name}.pcap")
        vm.args += ["-object", f"filter-dump,id=dump0,netdev={vm.nics[0]},file={pcap}"]
        wall0 = time.time()
        t0 = time.monotonic()
        try:
            vm.start()
            test_pxe.wait_marker(vm, MARKER[kind], timeout)
            secs = time.monotonic() - t0
            wall1 = wall0 + secs
        finally:
            vm.stop()
        extra = {}
        try:
            tl = timeline(pcap, self.server_ip)
            points = [("firmware s", wall0, tl["discover"]), ("DHCP s", tl["discover"], tl["ack"]),
                      ("wait after DHCP s", tl["ack"], tl["rrq"]), ("transfers s", tl["rrq"], tl["last"]),
                      ("kernel s", tl["last"], wall1)]
            for label, a, b in points:
                extra[label] = round(b - a, 2) if a is not None and b is not None else None
            if None not in extra.values():
                os.remove(pcap)             # kept when it could not be read whole
            # The router advertisement that ends iPXE's IPv6 wait, if any came.
            extra["RA after RS s"] = (round(tl["ra"] - tl["rs"], 3)
                                      if tl["ra"] is not None and tl["rs"] is not None else "none")
        except (OSError, AssertionError, struct.error) as e:
            extra["pcap"] = f"unreadable: {e}"
        return secs, extra

    def tftp(self, blksize, windowsize, timeout=300):
        """One fetch of BIG with these options: (MB/s, the client's report)."""
        argv = [sys.executable, os.path.join(HERE, "tftp_client.py"), self.tftp_addr, BIG,
                "--blksize", str(blksize), "--windowsize", str(windowsize)]
        r = self.ns.run(argv, check=False, timeout=timeout)
        try:
            rep = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise labmod.LabError(f"tftp_client: {r.stdout[-300:]}")
        if "error" in rep:
            raise labmod.LabError(f"tftp_client: {rep['error']}")
        if rep["sha256"] != self.big_sha or rep["bytes"] != self.big_bytes:
            raise labmod.LabError(f"tftp_client: {rep['bytes']} bytes, sha256 {rep['sha256'][:16]}: "
                                  f"not the file ({self.big_bytes} bytes)")
        extra = {"granted": ",".join(f"{k}={v}" for k, v in sorted(rep["oack"].items())
                                     if k != "tsize") or "no OACK",
                 "windowsize used": rep["windowsize"], "blksize used": rep["blksize"],
                 "seconds": rep["seconds"], "timeouts": rep["timeouts"],
                 "out of order": rep["out_of_order"]}
        return rep["MB/s"], extra
