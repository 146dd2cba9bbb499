"""vmgate as the PXE boot server (issue 15), with real clients: diskless guests that
boot the lab's Linux kernel and a small initramfs from vmgate's boot-file root (a
host folder on virtio-9p, as `vmgate-run --tftp DIR` gives it) and prove they reached
userspace by printing a marker line their kernel command line carries:

- BIOS, QEMU's iPXE ROM: the iPXE rule hands it a script that boots by TFTP; another
  network's script chains one over HTTP; a reservation with a name gets NAME.pxe (a
  script that fetches from vmgate's NET+4 TFTP alias);
- UEFI, OVMF without the NIC's iPXE ROM, so that OVMF's own PXE client (edk2's
  UefiPxeBcDxe) classifies vmgate's offer: the efi rule gives it Debian's ipxe.efi,
  whose DHCP then gets the script; and OVMF's UEFI HTTP Boot (HTTPv4), which gets
  ipxe.efi as a URL;
- busybox tftp in a lab guest with and without blksize, at .2 and .4, sixteen at
  once, all checked by sha256; a write request, `..` and a missing file answered
  with the right error packets.

iPXE also runs an IPv6 configurator beside DHCP and boots only when both are done:
vmgate answers its router solicitation (lwip-port/ndp_glue.h), so the TFTP request
follows the DHCP ACK at once instead of 16 s later (a pcap of one guest shows it),
and the Linux guest, which solicits too, gets no IPv6 route from the answer.

Each test boots one vmgate with a network per guest (a socket netdev joins two ends)
and boots its guests side by side."""
import gzip
import hashlib
import os
import random
import re
import secrets
import shutil
import stat
import struct
import time

import lab
from vmgate import Vmgate, ROOT, OVMF

KERNEL = os.path.join(ROOT, "build", "lab", "vmlinuz")
BUSYBOX = "/bin/busybox"                     # busybox-static
IPXE_EFI = "/usr/lib/ipxe/ipxe.efi"          # Debian's ipxe package
MARK = "PXE-GUEST-UP"

INIT = f"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "{MARK} $(/bin/busybox cat /proc/cmdline)"
while :; do /bin/busybox sleep 3600; done
"""


# --- the boot files -----------------------------------------------------------------

def newc(entries):
    """A cpio "newc" archive of (path, mode, data, rdev) entries, all owned by root."""
    out = bytearray()

    def entry(ino, name, mode, data=b"", rmajor=0, rminor=0):
        nb = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmajor, rminor, len(nb), 0))
        out.extend(hdr + nb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (path, mode, data, rdev) in enumerate(entries, 1):
        entry(ino, path, mode, data, *rdev)
    entry(0, "TRAILER!!!", 0)
    return bytes(out)


def tiny_initrd(path):
    """An initramfs of busybox-static and an /init that prints the marker line with the
    kernel command line: about 1 MB gzipped, against the lab guest's 11 MB, so that a
    TFTP boot under TCG is the kernel's 8 MB and little more."""
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    entries = [
        ("bin", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("proc", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
        ("bin/busybox", stat.S_IFREG | 0o755, bb, (0, 0)),
        ("init", stat.S_IFREG | 0o755, INIT.encode(), (0, 0)),
    ]
    with open(path, "wb") as f:
        f.write(gzip.compress(newc(entries), 6))


def put(root, rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def link_or_copy(src, dst):
    """A hard link to the file itself (vmgate's 9p root follows no symlinks, and
    Debian's /usr/lib/ipxe/ipxe.efi is one), or a copy."""
    src = os.path.realpath(src)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def boot_root(lab_, scripts, extra=()):
    """The folder vmgate shares as its root: the kernel, the initramfs, the scripts
    ({name: text}) and extra (name, host path) files."""
    root = os.path.join(lab_.rundir, "tftp")
    os.makedirs(root)
    link_or_copy(KERNEL, os.path.join(root, "vmlinuz"))
    tiny_initrd(os.path.join(root, "initrd.gz"))
    for name, text in scripts.items():
        put(root, name, text)
    for name, src in extra:
        link_or_copy(src, os.path.join(root, name))
    return root


def script(marker, proto, server="${next-server}", efi=False):
    """An iPXE script that boots the kernel and initramfs by proto from server; the
    marker goes on the kernel command line. Under EFI, the kernel's stub takes the
    initramfs that iPXE offers under its name (initrd=)."""
    initrd_arg = " initrd=initrd.gz" if efi else ""
    return (f"#!ipxe\n"
            f"kernel {proto}://{server}/vmlinuz{initrd_arg} console=ttyS0 quiet vmg.marker={marker}\n"
            f"initrd {proto}://{server}/initrd.gz\n"
            f"boot\n")


def diskless(lab_, ns, name, port, uefi=False, mac=None):
    """A VM without a disk that boots from its one NIC: SeaBIOS and the NIC's iPXE ROM,
    or OVMF with no NIC ROM (so OVMF's own network stack and PXE client run)."""
    if uefi:
        vm = lab_.vm(name, ns=ns, memory=256, bios=OVMF)
        vm.nic_socket_connect(port, model="virtio-net-pci,romfile=", mac=mac)
    else:
        vm = lab_.vm(name, ns=ns, memory=256, args=["-boot", "n"])
        vm.nic_socket_connect(port, model="virtio-net-pci", mac=mac)
    return vm


def start_gateway(lab_, config, root, n_nets):
    ns = lab_.namespace()
    gw = Vmgate(lab_, ns, config=config, tftp_dir=root)
    ports = []
    for _ in range(n_nets):
        ports.append(ns.free_port())
        gw.nic_socket_listen(ports[-1])
    gw.start()
    return ns, gw, ports


def wait_marker(vm, marker, timeout):
    """The guest's userspace line with this marker (not the kernel's own echo of its
    command line, which starts with a timestamp)."""
    t0 = time.monotonic()
    vm.wait_for(rf"^{MARK} .*\bvmg\.marker={re.escape(marker)}\b", timeout)
    return time.monotonic() - t0


def pxe_section(gw, nic):
    """The `pxe` command's lines for one network."""
    out = gw.cmd("pxe")
    m = re.search(rf"^nic{nic} .*?(?=^nic\d|\Z)", out, re.M | re.S)
    assert m, out
    return m.group(0)


def replies(section, rule):
    m = re.search(rf"\b{re.escape(rule)} (\d+)", section.split("replies:", 1)[1])
    return int(m.group(1)) if m else 0


def wait_ndp_answered(gw, nic, timeout):
    """Waits until vmgate has answered a router solicitation on nicN."""
    deadline = time.monotonic() + timeout
    while True:
        out = gw.cmd("ndp")
        m = re.search(rf"^nic{nic}: solicitations \d+, answered (\d+)", out, re.M)
        if m and int(m.group(1)) >= 1:
            return out
        if time.monotonic() > deadline:
            raise lab.LabError(f"no router solicitation answered on nic{nic}:\n{out}")
        time.sleep(1)


def counter(text, rx):
    m = re.search(rx, text, re.M)
    assert m, f"{rx!r} not in:\n{text}"
    return int(m.group(1))


def pcap_frames(path):
    """(seconds, frame bytes) of each record of a classic pcap file (QEMU's
    filter-dump writes microsecond, Ethernet, little-endian ones)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data)[0]
    assert magic == 0xa1b2c3d4, f"{path}: not a little-endian microsecond pcap ({magic:#x})"
    out, at = [], 24
    while at + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, at)
        out.append((sec + usec / 1e6, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return out


def boot_timeline(path):
    """When, in a BIOS guest's pcap, vmgate's DHCP ACK, vmgate's router advertisement
    and the guest's first TFTP read request went by (None for one that did not)."""
    ack = ra = rrq = None
    for t, f in pcap_frames(path):
        et = struct.unpack_from("!H", f, 12)[0] if len(f) >= 14 else 0
        if et == 0x86dd and len(f) >= 55 and f[20] == 58 and f[54] == 134 and ra is None:
            ra = t
        if et != 0x0800 or len(f) < 42 or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        sport, dport = struct.unpack_from("!HH", f, 14 + ihl)
        udp = f[14 + ihl + 8:]
        if sport == 67 and ack is None and len(udp) > 240 and b"\x35\x01\x05" in udp[240:]:
            ack = t
        if dport == 69 and rrq is None and udp[:2] == b"\x00\x01":
            rrq = t
    return ack, ra, rrq


# --- the tests ----------------------------------------------------------------------

@lab.timeout(400)
@lab.requires("build")
def test_bios_guests_boot_by_tftp_by_http_and_as_name_pxe(lab):
    """Three diskless BIOS guests with QEMU's iPXE ROM, one per network: by TFTP (the
    ipxe rule's script), by HTTP (a script that chains an http:// one), and a
    reservation with a name that gets NAME.pxe (its network has no ipxe file), which
    fetches from NET+4. Each reaches its userspace; vmgate's counters show which rule
    answered and that the bytes went by TFTP and by HTTP."""
    token = secrets.token_hex(4)
    mac3 = "52:54:00:5e:00:03"
    root = boot_root(lab, {
        "tftp.ipxe": script(f"bios-tftp-{token}", "tftp"),
        "http.ipxe": "#!ipxe\nchain http://${next-server}/http2.ipxe\n",
        "http2.ipxe": script(f"bios-http-{token}", "http"),
        "vm3.pxe": script(f"name-pxe-{token}", "tftp", server="10.0.4.4"),
    })
    ns, gw, ports = start_gateway(
        lab, "nic0 nat; nic1 nat; nic2 nat; pxe nic0 ipxe tftp.ipxe; pxe nic1 ipxe http.ipxe;"
             f"dhcp nic2 host {mac3} 10.0.4.20 name vm3", root, 3)
    gw.seen(r"^tftp: n\w+ serves virtio-9p share vmgate-tftp at 10\.0\.2\.2 10\.0\.2\.4,")
    gw.seen(r"^http: n\w+ serves virtio-9p share vmgate-tftp at 10\.0\.3\.2 port 80$")
    gw.seen(r"^nic2: PXE in the DHCP server, 1 host\(s\) with a name or boot file$")
    guests = [diskless(lab, ns, "bios-tftp", ports[0]), diskless(lab, ns, "bios-http", ports[1]),
              diskless(lab, ns, "bios-name", ports[2], mac=mac3)]
    pcap = lab.logpath("bios-tftp.pcap")
    guests[0].args += ["-object", f"filter-dump,id=dump0,netdev={guests[0].nics[0]},file={pcap}"]
    t0 = time.monotonic()
    for g in guests:
        g.start()
    for g, m in zip(guests, ("bios-tftp", "bios-http", "name-pxe")):
        wait_marker(g, f"{m}-{token}", 300 - (time.monotonic() - t0))
        lab.log(f"{g.name}: userspace {time.monotonic() - t0:.1f} s after the three started")

    s0, s1, s2 = pxe_section(gw, 0), pxe_section(gw, 1), pxe_section(gw, 2)
    assert replies(s0, "ipxe") >= 1 and replies(s1, "ipxe") >= 1, (s0, s1)
    assert replies(s2, "NAME.pxe") >= 1 and replies(s2, "ipxe") == 0, s2
    assert re.search(r"requests: .*bios [1-9]", s2) and "(ipxe " in s2, s2
    kernel = os.path.getsize(KERNEL)
    tftp = gw.cmd("tftp")
    sent = counter(tftp, r"^  sent: (\d+) bytes")
    assert sent >= 2 * kernel, tftp                        # the TFTP guest's and vm3's kernels
    assert counter(tftp, r"ended: .*?\bcomplete (\d+)") >= 6, tftp
    http = gw.cmd("http")
    lent_copied = re.search(r"file bytes lent (\d+), copied (\d+)", http)
    assert lent_copied and int(lent_copied.group(1)) + int(lent_copied.group(2)) >= kernel, http
    assert re.search(r"requests (\d+): 200 (\d+)", http), http
    alias = gw.cmd("alias")
    assert re.search(r"^alias 10\.0\.4\.4 on \w+: udp 69 and 49152-65535 tcp 0$", alias, re.M), alias

    # iPXE's IPv6 configurator: vmgate answered each guest's router solicitation,
    # and the boot went on at once. Without an answer iPXE solicits at 0, 0.25,
    # 0.75, 1.75, 3.75 and 7.75 s and gives up at about 16 s, before its TFTP request.
    ndp = gw.cmd("ndp")
    for nic in (0, 1, 2):
        assert counter(ndp, rf"^nic{nic}: solicitations \d+, answered (\d+)") >= 1, ndp
    ack, ra, rrq = boot_timeline(pcap)
    assert ack is not None and rrq is not None, (ack, ra, rrq)
    lab.log(f"bios-tftp: DHCP ACK -> router advertisement {ra - ack if ra else None} s, "
            f"-> TFTP request {rrq - ack:.2f} s")
    assert ra is not None and ra - ack < 1.5, (ack, ra, rrq)
    assert rrq - ack < 5, f"iPXE waited {rrq - ack:.1f} s between its DHCP ACK and TFTP"


@lab.timeout(600)
@lab.requires("build")
def test_uefi_guests_boot_by_pxe_and_by_http_boot(lab):
    """Two diskless OVMF guests without a NIC ROM. By PXE: OVMF's own client (arch 7)
    gets ipxe.efi by TFTP (the efi rule; option 43 keeps edk2 from discovery and from
    a BINL request), and ipxe.efi's DHCP gets the script (the ipxe rule). By UEFI HTTP
    Boot: on a network without an efi file OVMF's PXE finds no boot file, and its
    HTTPv4 option then gets http://10.0.3.2/ipxe.efi (the http rule, an HTTPClient
    offer), and ipxe.efi its script over HTTP."""
    token = secrets.token_hex(4)
    root = boot_root(lab, {
        "uefi-pxe.ipxe": script(f"uefi-pxe-{token}", "tftp", efi=True),
        "uefi-http.ipxe": script(f"uefi-http-{token}", "http", efi=True),
    }, extra=[("ipxe.efi", IPXE_EFI)])
    ns, gw, ports = start_gateway(
        lab, "nic0 nat; nic1 nat; pxe nic0 efi ipxe.efi ipxe uefi-pxe.ipxe;"
             "pxe nic1 http ipxe.efi ipxe uefi-http.ipxe", root, 2)
    pxe_vm = diskless(lab, ns, "uefi-pxe", ports[0], uefi=True)
    http_vm = diskless(lab, ns, "uefi-http", ports[1], uefi=True)
    t0 = time.monotonic()
    pxe_vm.start()
    http_vm.start()

    wait_marker(pxe_vm, f"uefi-pxe-{token}", 480)
    lab.log(f"uefi-pxe: userspace after {time.monotonic() - t0:.1f} s")
    con = pxe_vm.console.text
    assert "Start PXE over IPv4" in con, pxe_vm.console.tail(40)
    assert "NBP filename is ipxe.efi" in con, pxe_vm.console.tail(40)

    # HTTP Boot: the firmware must offer it at all (Debian 12's OVMF does: its
    # HttpBootDxe makes "UEFI HTTPv4" boot options); if it does not, say so.
    http_vm.wait_for(r'"UEFI HTTPv4 \(MAC:|Start HTTP Boot over IPv4|EFI Internal Shell', 480,
                     advance=False)
    if not re.search(r"UEFI HTTPv4|Start HTTP Boot over IPv4", http_vm.console.text):
        raise lab.LabError("this OVMF has no UEFI HTTP Boot (no 'UEFI HTTPv4' boot option): "
                           + http_vm.console.tail(30))
    wait_marker(http_vm, f"uefi-http-{token}", 540 - (time.monotonic() - t0))
    lab.log(f"uefi-http: userspace after {time.monotonic() - t0:.1f} s")
    con = http_vm.console.text
    assert "Start HTTP Boot over IPv4" in con, http_vm.console.tail(40)
    assert "http://10.0.3.2/ipxe.efi" in con, http_vm.console.tail(40)

    s0, s1 = pxe_section(gw, 0), pxe_section(gw, 1)
    assert re.search(r"requests: .*efi [1-9]", s0) and replies(s0, "by kind") >= 1, s0
    assert replies(s0, "ipxe") >= 1, s0
    assert re.search(r"requests: .*http [1-9]", s1) and replies(s1, "by kind") >= 1, s1
    assert replies(s1, "no file") >= 1, s1                # its PXE client found no efi file
    http = gw.cmd("http")
    assert counter(http, r"requests \d+: 200 (\d+)") >= 4, http   # ipxe.efi, script, kernel, initrd


@lab.timeout(300)
@lab.requires("build")
def test_busybox_tftp_intact_concurrent_and_refused(lab):
    """A Linux guest's busybox tftp fetches from vmgate's root with and without
    blksize, at vmgate's address and at NET+4, sixteen fetches at once, and by HTTP:
    every file's sha256 is the host's. Error packets: a write request (2, read-only),
    a path with `..` (2, access violation), a missing file (1). A plain DHCP client
    gets no boot fields."""
    rnd = random.Random(15)
    files = {"blob.bin": bytes(rnd.getrandbits(8) for _ in range(1 << 20)),
             "sub/dir/small.bin": bytes(rnd.getrandbits(8) for _ in range(300 * 1024 + 17)),
             "odd.bin": bytes(rnd.getrandbits(8) for _ in range(1432 * 7))}
    root = os.path.join(lab.rundir, "tftp")
    for rel, data in files.items():
        put(root, rel, data)
    put(os.path.join(lab.rundir, "outside"), "secret.txt", b"not served\n")
    sha = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    ns, gw, ports = start_gateway(lab, "nic0 nat", root, 1)
    g = lab.linux_vm("guest", ns=ns, net="dhcp")
    g.nic_socket_connect(ports[0])
    g.boot(90)
    lease = g.sh("cat /run/udhcpc/eth0.lease")
    assert not re.search(r"^(boot_file|siaddr)=", lease, re.M), lease
    # Linux solicits a router too, and vmgate's answer (lifetime 0, no prefix)
    # gives it neither a default route nor an address beyond its link-local one.
    wait_ndp_answered(gw, 0, 30)
    routes = g.sh("ip -6 route show; echo; ip -6 addr show dev eth0; echo; ip -6 neigh show")
    lab.log(f"guest IPv6 after vmgate's router advertisement:\n{routes}")
    assert "default" not in routes, routes
    assert not re.search(r"inet6 (?!fe80:)", routes), routes

    def fetch(rel, server="10.0.2.2", blksize=None, local="/tmp/f"):
        b = f" -b {blksize}" if blksize else ""
        return g.sh(f"rm -f {local}; timeout 60 tftp -g -r {rel} -l {local}{b} {server} && "
                    f"sha256sum {local}", timeout=70).split()[0]

    for rel in files:
        assert fetch(rel) == sha[rel], rel
    for bs in (512, 1432, 1468, 64):
        assert fetch("odd.bin", blksize=bs) == sha["odd.bin"], bs
    assert fetch("sub/dir/small.bin", blksize=1468) == sha["sub/dir/small.bin"]
    assert fetch("blob.bin", server="10.0.2.4", blksize=1468) == sha["blob.bin"]
    assert fetch("sub/dir/small.bin", server="10.0.2.4") == sha["sub/dir/small.bin"]
    http = g.sh("timeout 60 wget -q -O - http://10.0.2.2/blob.bin | sha256sum", timeout=70)
    assert http.split()[0] == sha["blob.bin"], http

    # Sixteen at once, each to its own file.
    out = g.sh("for i in $(seq 1 16); do (timeout 120 tftp -g -r sub/dir/small.bin -l /tmp/c$i "
               "-b 1432 10.0.2.2 || echo FAILED $i) & done; wait; sha256sum /tmp/c*", timeout=150)
    sums = re.findall(r"^([0-9a-f]{64})  /tmp/c(\d+)$", out, re.M)
    assert "FAILED" not in out and len(sums) == 16, out
    assert all(s == sha["sub/dir/small.bin"] for s, _ in sums), out

    def error_packet(request):
        """Sends a request to port 69 and returns the reply as hex (socat: UDP)."""
        return g.sh(f"printf '{request}' | timeout 10 socat -t 3 - UDP:10.0.2.2:69 | od -An -tx1 | "
                    f"tr -d ' \\n'; echo", timeout=20).strip()

    def hexs(b):
        return b.hex()

    wrq = error_packet(r"\000\002x.bin\000octet\000")
    assert wrq == hexs(b"\x00\x05\x00\x02read-only server\x00"), wrq
    dots = error_packet(r"\000\001sub/../../outside/secret.txt\000octet\000")
    assert dots == hexs(b"\x00\x05\x00\x02access violation\x00"), dots
    dots2 = error_packet(r"\000\001../tftp/blob.bin\000octet\000")
    assert dots2 == hexs(b"\x00\x05\x00\x02access violation\x00"), dots2
    missing = error_packet(r"\000\001nothere.bin\000octet\000")
    assert missing == hexs(b"\x00\x05\x00\x01file not found\x00"), missing
    # busybox's own client says the server refused.
    rc, out = g.run("timeout 20 tftp -p -l /etc/passwd -r up.txt 10.0.2.2")
    assert rc != 0 and re.search(r"read-only server", out), (rc, out)
    st = gw.cmd("tftp")
    assert counter(st, r"refused:.*\bwrite request (\d+)") == 2, st
    assert counter(st, r"refused:.*\bpath outside the root (\d+)") == 2, st
    assert counter(st, r"refused:.*\bnot found (\d+)") == 1, st
    assert counter(st, r"ended: .*?\bcomplete (\d+)") == len(files) + 4 + 3 + 16, st
