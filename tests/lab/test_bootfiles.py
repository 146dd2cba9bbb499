"""Where vmgate's boot files come from (issue 15): a cpio initrd packed by
tools/mkinitrd, a live host folder shared over virtio-9p (a file larger than
vmgate's memory among them, and a file changed on the host after boot), the UEFI
image's ESP \\tftp folder, and tools/vmgate-run --tftp. Each is checked through the
console line that names the root and the `files` command, which reads through the
real backend: its CRC-32 sums are compared with Python's zlib.crc32 of the host's
bytes."""
import os
import random
import re
import subprocess
import zlib

import lab
from vmgate import Vmgate, ROOT

MKINITRD = os.path.join(ROOT, "tools", "mkinitrd")
BIG = 300 << 20                     # the sparse file on the share: far more than -m 64
FAR = 250 << 20                     # where its random bytes are


def human(n):
    """The size as vmgate's console line writes it (lwip-port/bootfiles.c)."""
    if n < 1024:
        return f"{n} B"
    units, div, u = ["KiB", "MiB", "GiB", "TiB"], 1024, 0
    while u < 3 and n >= div * 1024:
        div *= 1024
        u += 1
    tenths = (n * 10 + div // 2) // div
    return f"{tenths // 10}.{tenths % 10} {units[u]}"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tftp_folder(top, seed):
    """A small TFTP root: {relative path: bytes}."""
    rnd = random.Random(seed)
    files = {
        "pxelinux.0": bytes(rnd.getrandbits(8) for _ in range(3000)),
        "debian/linux": bytes(rnd.getrandbits(8) for _ in range(300 * 1024)),
        "boot.ipxe": b"#!ipxe\nchain http://10.0.5.2/debian/linux\n",
    }
    for rel, data in files.items():
        write(os.path.join(top, rel), data)
    return files


def crc(data):
    return f"{zlib.crc32(data):08x}"


def sum_line(gw, path, part, offset=None, length=None, timeout=30):
    """Runs `files sum PATH [OFFSET [LENGTH]]` and checks its CRC-32 and byte count
    against part, the host's bytes of that range. Returns the milliseconds it took."""
    args = f"files sum {path}" + ("" if offset is None else f" {offset}") + \
        ("" if length is None else f" {length}")
    out = gw.cmd(args, timeout=timeout)
    m = re.search(rf"^sum {re.escape(path)} offset (\d+): (\d+) bytes, crc32 ([0-9a-f]{{8}}), "
                  rf"size (\d+), (\d+) ms$", out, re.M)
    assert m, f"no sum line for {args}:\n{out}"
    assert int(m.group(2)) == len(part) and m.group(3) == crc(part), \
        f"{args}: vmgate read {m.group(2)} bytes, crc32 {m.group(3)}; the host has {len(part)}, {crc(part)}"
    return int(m.group(5))


def listing(gw):
    """{path: size} from `files`."""
    out = gw.cmd("files")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (\S+)\s+(\d+)$", out, re.M)}


def pack(lab_, files_dir, conf_text, name="initrd.cpio"):
    conf = lab_.logpath("vmgate.conf.in")
    with open(conf, "w") as f:
        f.write(conf_text)
    out = lab_.logpath(name)
    subprocess.run([MKINITRD, "-c", conf, "-t", files_dir, "-o", out], check=True,
                   capture_output=True)
    return out


@lab.timeout(120)
@lab.requires("build")
def test_boot_files_from_a_cpio_initrd(lab):
    """A -kernel boot whose -initrd is an archive from tools/mkinitrd: its vmgate.conf
    is the configuration (a NAT network the defaults would not have) and its tftp/
    folder the root, served from where QEMU loaded it."""
    top = os.path.join(lab.rundir, "tftp")
    files = tftp_folder(top, 15)
    initrd = pack(lab, top, "# from the archive\nnic0 nat 10.0.5.0/24\n")
    ns = lab.namespace()
    gw = Vmgate(lab, ns, initrd=initrd, memory=64)
    gw.nic_socket_listen(ns.free_port())
    gw.start()
    total = sum(len(d) for d in files.values())
    gw.seen(rf"^tftp root: initrd cpio, 3 files, {re.escape(human(total))}$")
    gw.seen(r"^nic0: nat network 10\.0\.5\.0/24")
    assert not re.search(r"^config: error", gw.vm.console.text, re.M), gw.vm.console.tail(30)
    assert listing(gw) == {k: len(v) for k, v in files.items()}
    for rel, data in files.items():
        sum_line(gw, rel, data)
    sum_line(gw, "debian/linux", files["debian/linux"][100001:105001], 100001, 5000)
    assert "chain http://10.0.5.2/debian/linux" in gw.cmd("files cat boot.ipxe")
    out = gw.cmd("files sum vmgate.conf")                       # outside tftp/: not served
    assert re.search(r"^files: vmgate\.conf: error -\d+$", out, re.M), out
    out = gw.cmd("files sum ../vmgate.conf")
    assert re.search(r"^files: \.\./vmgate\.conf: error -\d+$", out, re.M), out


@lab.timeout(240)
@lab.requires("build")
def test_boot_files_from_a_9p_share_larger_than_memory(lab):
    """A live host folder over virtio-9p, vmgate booted with 64 MiB: a 300 MiB sparse
    file is listed with its size and read at 250 MiB and end to end; a file changed
    and one added on the host after boot are served as they now are; the share wins
    over the initrd archive's tftp/ (whose vmgate.conf still configures vmgate); a
    share with another mount tag is left alone."""
    share = os.path.join(lab.rundir, "share")
    files = tftp_folder(share, 9)
    rnd = random.Random(99)
    far_bytes = bytes(rnd.getrandbits(8) for _ in range(65536))
    big = os.path.join(share, "images", "big.img")
    os.makedirs(os.path.dirname(big))
    with open(big, "wb") as f:
        f.truncate(BIG)
        f.seek(FAR)
        f.write(far_bytes)
    hello = os.path.join(share, "hello.txt")
    write(hello, b"before\n")
    other = os.path.join(lab.rundir, "other")
    os.makedirs(other)
    cpio_dir = os.path.join(lab.rundir, "cpio")
    tftp_folder(cpio_dir, 1)
    initrd = pack(lab, cpio_dir, "nic0 nat 10.0.7.0/24\n")

    ns = lab.namespace()
    gw = Vmgate(lab, ns, initrd=initrd, memory=64, tftp_dir=share, shares=[(other, "other")])
    gw.nic_socket_listen(ns.free_port())
    gw.start()
    gw.seen(r"^virtio-9p: share 'vmgate-tftp' \((modern|legacy), queue \d+\)$")
    gw.seen(r"^virtio-9p: share 'other' ignored \(vmgate serves boot files from the one tagged "
            r"vmgate-tftp\)$")
    gw.seen(r"^tftp root: virtio-9p share vmgate-tftp, msize \d+ \(it wins over the initrd's "
            r"tftp/ folder, 3 files\)$")
    gw.seen(r"^nic0: nat network 10\.0\.7\.0/24")
    gw.seen(r"^mem: 6\d MiB usable")

    want = {k: len(v) for k, v in files.items()}
    want.update({"images/big.img": BIG, "hello.txt": 7})
    assert listing(gw) == want
    for rel, data in files.items():
        sum_line(gw, rel, data)
    # Far into the file, then the whole of it: every byte of 300 MiB through 64 MiB.
    with open(big, "rb") as f:
        f.seek(FAR - 1000)
        around = f.read(70000)
    sum_line(gw, "images/big.img", around, FAR - 1000, 70000)
    with open(big, "rb") as f:
        whole = f.read()
    ms = sum_line(gw, "images/big.img", whole, timeout=150)
    lab.log(f"300 MiB read through the share in {ms} ms")

    # The host changes its folder; vmgate serves what is there now.
    write(hello, b"after, and longer\n")
    write(os.path.join(share, "new", "file"), b"added after boot\n")
    assert "after, and longer" in gw.cmd("files cat hello.txt")
    sum_line(gw, "new/file", b"added after boot\n")
    got = listing(gw)
    assert got.get("hello.txt") == 18 and got.get("new/file") == 17, got
    os.unlink(os.path.join(share, "new", "file"))
    out = gw.cmd("files sum new/file")
    assert re.search(r"^files: new/file: error -\d+$", out, re.M), out


@lab.timeout(300)
@lab.requires("build")
def test_boot_files_from_the_esp(lab):
    """UEFI: the loader reads the image's \\tftp folder into memory and the kernel
    serves it as the root."""
    top = os.path.join(lab.rundir, "esp")
    rnd = random.Random(5)
    files = {"bootx64.efi": bytes(rnd.getrandbits(8) for _ in range(20000)),
             "sub/boot.ipxe": b"#!ipxe\necho from the ESP\n"}
    for rel, data in files.items():
        write(os.path.join(top, rel), data)
    gw = Vmgate(lab, None, boot="uefi", config="", esp_tftp=top)
    gw.start()
    total = sum(len(d) for d in files.values())
    gw.seen(rf"^tftp root: ESP \\tftp, 2 files, {re.escape(human(total))}$")
    assert listing(gw) == {k: len(v) for k, v in files.items()}
    for rel, data in files.items():
        sum_line(gw, rel, data)


@lab.timeout(90)
@lab.requires("build")
def test_vmgate_run_tftp_shares_the_folder(lab):
    """`make run RUN_ARGS="--tftp DIR"`'s launcher shares DIR over virtio-9p: vmgate says
    it serves that share."""
    share = os.path.join(lab.rundir, "run-share")
    write(os.path.join(share, "hello"), b"hi\n")
    out = subprocess.run([os.path.join(ROOT, "tools", "vmgate-run"), "--print-only", "--tftp", share],
                         check=True, capture_output=True, text=True).stdout
    assert f"-virtfs local\\,path={share}\\,mount_tag=vmgate-tftp\\,security_model=none\\,readonly=on" \
        in out, out
    ns = lab.namespace("run")
    port = ns.free_port()
    proc = ns.spawn("vmgate-run", [f"{ROOT}/tools/vmgate-run", "--wan-restrict", "--lan-port", str(port),
                                   "--memory", "64", "--tftp", share])
    lab.watch_console("vmgate-run", proc.logfile)
    wait_log(proc.logfile, r"^tftp root: virtio-9p share vmgate-tftp, msize \d+$", 60)
    wait_log(proc.logfile, r"^vmgate: ready", 30)


def wait_log(path, pattern, timeout):
    rx = re.compile(pattern, re.M)

    def seen():
        with open(path, errors="replace") as f:
            return rx.search(f.read())

    return lab.wait_until(seen, timeout, what=f"{pattern!r} in {path}")
