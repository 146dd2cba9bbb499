#!/usr/bin/env python3
"""Builds the lab's Linux guest from Debian packages only.

Outputs (in build/lab/ unless --out says otherwise):
  vmlinuz          a copy of Debian's kernel that ./setup unpacked in build/third_party/linux
  guest.cpio.gz    a busybox-static initramfs: /init (tests/lab/guest/init), the kernel
                   modules of modules.txt with every dependency, and the tools the lab
                   drives (socat, iperf3, nft, dnsmasq, tcpdump, ethtool; iproute2's ip
                   as /usr/libexec/iproute2/ip) with their shared libraries and the
                   dynamic loader, found with ldd
  guest.manifest   what went into the initramfs, one path a line
  vmlinux          the same kernel, uncompressed: the ELF inside the bzImage, which QEMU
                   boots through its PVH entry note (Debian builds CONFIG_PVH)
  guest.cpio       the same initramfs, uncompressed

The last two are what the lab boots: under TCG the bzImage spends about 2.5 s
decompressing itself and the kernel about 0.6 s inflating the initramfs, on every
boot; loading the uncompressed files instead costs QEMU a fraction of that.
guest.cpio.gz stays the artefact to ship (over TFTP, size matters more).

The build is cached: a fingerprint of every input (the sources' sizes and mtimes, the
generated files' contents, this script) is kept in .guest-stamp, and a run whose
fingerprint matches does nothing.  The archive is written by this script itself (cpio
"newc", every entry owned by root, mtime 0), so it needs no root, no mknod and no
staging directory, and the same inputs give the same bytes.
"""

import argparse
import gzip
import hashlib
import lzma
import os
import shutil
import stat
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Tools the lab runs inside the guest besides busybox's applets.  busybox has no UDP in
# its nc (socat), no iperf3, no nft, no DNS/DHCP server that a router VM needs, and no
# way to size a NIC's rings (ethtool -G: pcnet32 defaults to 32 receive descriptors).
BINARIES = ["socat", "iperf3", "nft", "dnsmasq", "tcpdump", "ethtool"]
# iproute2's ip, beside busybox's: busybox's cannot make vxlan or bridge devices (the
# bench's Linux vxlan pair needs both). Off PATH, so /init and every test keep busybox's
# ip and its behaviour; who needs this one names it.
IPROUTE2_IP = "/usr/libexec/iproute2/ip"
BUSYBOX = "/bin/busybox"          # from busybox-static: the guest has no libc of its own
HOST_ETC = ["/etc/protocols", "/etc/services"]   # nft and socat resolve names with them

GUEST_ETC = {
    "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "/etc/hosts": "127.0.0.1 localhost\n::1 localhost\n",
    "/etc/nsswitch.conf": "hosts: files dns\n",
    "/etc/resolv.conf": "",
    "/etc/profile": "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
                    "export HOME=/root\n"
                    "PS1='\\h# '\n",
}
ACPI_POWER_SCRIPT = "#!/bin/sh\nexec poweroff -f\n"


def die(msg):
    print(f"guest: error: {msg}", file=sys.stderr)
    sys.exit(1)


class Image:
    """The initramfs being assembled: path -> entry, written out as a newc cpio.

    An entry is a dict with 'kind' (dir, file, link, chr), 'mode', and 'src' (a host
    file), 'data' (bytes), 'target' (a symlink) or 'rdev' (major, minor)."""

    def __init__(self):
        self.entries = {}

    def _parents(self, path):
        parent = os.path.dirname(path)
        if parent not in ("", "/") and parent not in self.entries:
            self.dir(parent)

    def dir(self, path, mode=0o755):
        self._parents(path)
        self.entries[path] = {"kind": "dir", "mode": mode}

    def file(self, path, src=None, data=None, mode=None):
        self._parents(path)
        if src is not None:
            real = os.path.realpath(src)
            if mode is None:
                mode = stat.S_IMODE(os.stat(real).st_mode)
            self.entries[path] = {"kind": "file", "mode": mode, "src": real}
        else:
            if isinstance(data, str):
                data = data.encode()
            self.entries[path] = {"kind": "file", "mode": 0o644 if mode is None else mode,
                                  "data": data}

    def symlink(self, path, target):
        self._parents(path)
        self.entries[path] = {"kind": "link", "mode": 0o777, "target": target}

    def chardev(self, path, major, minor, mode=0o600):
        self._parents(path)
        self.entries[path] = {"kind": "chr", "mode": mode, "rdev": (major, minor)}

    def fingerprint(self, extra):
        """A hash of everything that decides the archive's bytes, read cheaply: host
        files by path, size and mtime; generated ones by content."""
        h = hashlib.sha256()
        for item in extra:
            h.update(repr(item).encode())
        for path in sorted(self.entries):
            e = self.entries[path]
            h.update(repr((path, e["kind"], e["mode"], e.get("target"), e.get("rdev"))).encode())
            if "src" in e:
                st = os.stat(e["src"])
                h.update(repr((e["src"], st.st_size, st.st_mtime_ns)).encode())
            if "data" in e:
                h.update(hashlib.sha256(e["data"]).digest())
        return h.hexdigest()

    def write_cpio(self, out):
        """Writes the newc archive; directories come before what they hold because
        a sorted path list puts a parent before its children."""
        ino = 1
        for path in sorted(self.entries):
            e = self.entries[path]
            if e["kind"] == "file":
                if "src" in e:
                    with open(e["src"], "rb") as f:
                        body = f.read()
                else:
                    body = e["data"]
                mode = stat.S_IFREG | e["mode"]
            elif e["kind"] == "dir":
                body, mode = b"", stat.S_IFDIR | e["mode"]
            elif e["kind"] == "link":
                body, mode = e["target"].encode(), stat.S_IFLNK | e["mode"]
            else:
                body, mode = b"", stat.S_IFCHR | e["mode"]
            rmaj, rmin = e.get("rdev", (0, 0))
            _cpio_entry(out, path.lstrip("/"), ino, mode, body, rmaj, rmin,
                        nlink=2 if e["kind"] == "dir" else 1)
            ino += 1
        _cpio_entry(out, "TRAILER!!!", 0, 0, b"", 0, 0, nlink=1)


def _cpio_entry(out, name, ino, mode, body, rmaj, rmin, nlink):
    name_b = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, 0, len(body), 0, 0, rmaj, rmin, len(name_b), 0)
    header = b"070701" + b"".join(b"%08X" % v for v in fields)
    out.write(header + name_b)
    out.write(b"\0" * (-(len(header) + len(name_b)) % 4))
    out.write(body)
    out.write(b"\0" * (-len(body) % 4))


# --- kernel modules -------------------------------------------------------------------

def read_modinfo(path):
    """The key=value strings of a module's .modinfo ELF section, as {key: [values]}.
    Read directly from the ELF so that no kmod tool and no modules.dep is needed
    (Debian's package ships without modules.dep; depmod makes it at install time)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{path}: not an ELF64 module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        name, _type, _flags, _addr, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        return name, off, size

    _, stroff, _ = section(shstrndx)
    info = {}
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] != b".modinfo":
            continue
        for item in data[off:off + size].split(b"\0"):
            if b"=" in item:
                k, v = item.decode(errors="replace").split("=", 1)
                info.setdefault(k, []).append(v)
    return info


def modname(filename):
    base = os.path.basename(filename)
    return base[:base.index(".ko")].replace("-", "_")


class ModuleSet:
    """The wanted modules and their dependency closure, in load order."""

    def __init__(self, moddir):
        self.moddir = moddir
        self.index = {}       # name -> path relative to moddir
        for root, _dirs, files in os.walk(os.path.join(moddir, "kernel")):
            for fn in files:
                if ".ko" in fn:
                    rel = os.path.relpath(os.path.join(root, fn), moddir)
                    self.index[modname(fn)] = rel
        self.builtin = set()
        builtin_file = os.path.join(moddir, "modules.builtin")
        if os.path.exists(builtin_file):
            with open(builtin_file) as f:
                self.builtin = {modname(line.strip()) for line in f if line.strip()}
        self.info = {}        # name -> modinfo dict, for every module in the closure

    def add(self, name, wanted_by=None):
        name = name.replace("-", "_")
        if name in self.info:
            return
        if name not in self.index:
            if name in self.builtin:
                return
            die(f"module {name} (needed by {wanted_by or 'modules.txt'}) not found in {self.moddir}")
        info = read_modinfo(os.path.join(self.moddir, self.index[name]))
        self.info[name] = info
        for dep in self._depends(info):
            self.add(dep, name)
        for pre in self._softdeps(info):
            if pre in self.index or pre in self.builtin:
                self.add(pre, name)

    @staticmethod
    def _depends(info):
        return [d for v in info.get("depends", []) for d in v.split(",") if d]

    @staticmethod
    def _softdeps(info):
        """The names after "pre:" in softdep values ("pre: a b post: c")."""
        names = []
        for v in info.get("softdep", []):
            section = None
            for word in v.split():
                if word.endswith(":"):
                    section = word[:-1]
                elif section == "pre":
                    names.append(word.replace("-", "_"))
        return names

    def load_order(self):
        """Every module after the ones it needs.  A softdep may name an alias (libcrc32c
        wants "crc32c"); it orders the module after the closure member that provides it."""
        provides = {}
        for name, info in self.info.items():
            for alias in info.get("alias", []):
                provides.setdefault(alias, name)
            provides.setdefault(name, name)
        order, seen = [], set()

        def visit(name):
            if name in seen:
                return
            seen.add(name)
            before = self._depends(self.info[name]) + self._softdeps(self.info[name])
            for dep in before:
                dep = provides.get(dep.replace("-", "_"), provides.get(dep))
                if dep in self.info:
                    visit(dep)
            order.append(name)

        for name in sorted(self.info):
            visit(name)
        return order

    def modules_dep(self, order):
        """modules.dep text for busybox modprobe: each module with all that it needs,
        the first to load last, as depmod writes it."""
        position = {n: i for i, n in enumerate(order)}
        lines = []
        for name in order:
            needed, stack = set(), list(self._depends(self.info[name]))
            while stack:
                d = stack.pop()
                if d in self.info and d not in needed:
                    needed.add(d)
                    stack.extend(self._depends(self.info[d]))
            deps = sorted(needed, key=lambda d: -position[d])
            lines.append(self.index[name] + ":" + "".join(" " + self.index[d] for d in deps))
        return "\n".join(lines) + "\n"


def read_list(path):
    with open(path) as f:
        return [line.split("#", 1)[0].strip() for line in f if line.split("#", 1)[0].strip()]


# --- binaries ---------------------------------------------------------------------------

def find_binary(name):
    path = shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        die(f"{name} not found: run ./setup (it installs the lab's Debian packages)")
    return path


def shared_libraries(binary):
    """(path in the image, host file) for each library ldd lists, and the loader."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts:
            path = parts[parts.index("=>") + 1]
            if path.startswith("/"):
                libs.append(path)
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])             # the dynamic loader
    return libs


# --- assembly ---------------------------------------------------------------------------

def kernel_paths(linux_root):
    moddirs = sorted(os.listdir(os.path.join(linux_root, "lib", "modules")))
    if len(moddirs) != 1:
        die(f"expected one kernel in {linux_root}/lib/modules, found {moddirs}")
    kver = moddirs[0]
    vmlinuz = os.path.join(linux_root, "boot", f"vmlinuz-{kver}")
    if not os.path.exists(vmlinuz):
        die(f"{vmlinuz} missing")
    return kver, vmlinuz, os.path.join(linux_root, "lib", "modules", kver)


def build_tools(out):
    """The lab's own test tools (guest/tools/*.c), each built statically with the host's
    gcc (the guest has no libc of its own) when its source is newer than the binary."""
    built = {}
    src_dir = os.path.join(HERE, "tools")
    os.makedirs(out, exist_ok=True)
    for src in sorted(os.listdir(src_dir)):
        if not src.endswith(".c"):
            continue
        name = src[:-2]
        srcpath, binary = os.path.join(src_dir, src), os.path.join(out, name)
        if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(srcpath):
            subprocess.run(["gcc", "-static", "-O2", "-Wall", "-o", binary, srcpath], check=True)
        built[name] = binary
    return built


def assemble(kver, moddir, tools_out):
    img = Image()
    for d in ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/proc", "/sys", "/dev", "/run",
              "/root", "/var/lib/misc", "/var/log", "/etc/acpi/PWRF"):
        img.dir(d, 0o700 if d == "/root" else 0o755)
    img.dir("/tmp", 0o1777)
    img.chardev("/dev/console", 5, 1)
    img.chardev("/dev/null", 1, 3, 0o666)

    img.file("/init", src=os.path.join(HERE, "init"), mode=0o755)
    img.file("/etc/udhcpc/default.script", src=os.path.join(HERE, "udhcpc.script"), mode=0o755)
    img.file("/etc/acpi/PWRF/00000080", data=ACPI_POWER_SCRIPT, mode=0o755)
    for path, text in GUEST_ETC.items():
        img.file(path, data=text)
    for path in HOST_ETC:
        img.file(path, src=path)

    for name in BINARIES:
        binary = find_binary(name)
        img.file(binary, src=binary, mode=0o755)
        for lib in shared_libraries(binary):
            img.file(lib, src=lib, mode=0o755)
    ip = find_binary("ip")
    img.file(IPROUTE2_IP, src=ip, mode=0o755)
    for lib in shared_libraries(ip):
        img.file(lib, src=lib, mode=0o755)
    for name, binary in build_tools(tools_out).items():
        img.file(f"/usr/bin/{name}", src=binary, mode=0o755)

    if not os.path.exists(BUSYBOX):
        die(f"{BUSYBOX} missing: install busybox-static (./setup does)")
    img.file("/bin/busybox", src=BUSYBOX, mode=0o755)
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        path = "/" + applet
        if path not in img.entries:
            img.symlink(path, "/bin/busybox")

    mods = ModuleSet(moddir)
    for name in read_list(os.path.join(HERE, "modules.txt")):
        mods.add(name)
    order = mods.load_order()
    gdir = f"/lib/modules/{kver}"
    for name in order:
        img.file(f"{gdir}/{mods.index[name]}", src=os.path.join(moddir, mods.index[name]), mode=0o644)
    img.file(f"{gdir}/load-order", data="".join(mods.index[n] + "\n" for n in order))
    img.file(f"{gdir}/modules.dep", data=mods.modules_dep(order))
    if os.path.exists(os.path.join(moddir, "modules.builtin")):
        img.file(f"{gdir}/modules.builtin", src=os.path.join(moddir, "modules.builtin"))
    return img


# --- the uncompressed kernel -------------------------------------------------------------

def bzimage_payload(bzimage):
    """The compressed kernel ELF inside a bzImage, decompressed, or None when its format
    is one Python's standard library cannot read.  The x86 boot protocol (2.08+) gives
    the payload's place: setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c,
    the offset counted from the protected-mode code after the setup sectors."""
    with open(bzimage, "rb") as f:
        data = f.read()
    if data[0x202:0x206] != b"HdrS":
        return None
    setup_sects = data[0x1F1] or 4
    offset, length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sects + 1) * 512 + offset
    payload = data[start:start + length]
    if payload.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if payload.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)).read()
    return None


def has_pvh_note(elf):
    """True if an ELF64 image has the Xen PVH entry note (name "Xen", type 18) that
    QEMU's -kernel needs to boot it directly."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != 4:                       # PT_NOTE
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == 18:
                return True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def write_vmlinux(bzimage, dst):
    elf = bzimage_payload(bzimage)
    if elf is None or not has_pvh_note(elf):
        print("guest: no PVH-bootable ELF inside the kernel; the lab boots vmlinuz", file=sys.stderr)
        if os.path.exists(dst):
            os.unlink(dst)
        return
    with open(dst + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(dst + ".tmp", dst)


def install_if_changed(src, dst):
    if os.path.exists(dst) and os.path.getsize(dst) == os.path.getsize(src):
        with open(src, "rb") as a, open(dst, "rb") as b:
            if a.read() == b.read():
                return
    shutil.copyfile(src, dst + ".tmp")
    os.replace(dst + ".tmp", dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(TOP, "build", "lab"))
    ap.add_argument("--linux", default=os.path.join(TOP, "build", "third_party", "linux"),
                    help="Debian's kernel package, unpacked (./setup does it)")
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = ap.parse_args()

    if not os.path.isdir(args.linux):
        die(f"{args.linux} missing: run ./setup first (as root)")
    kver, vmlinuz, moddir = kernel_paths(args.linux)
    img = assemble(kver, moddir, os.path.join(args.out, "tools"))

    os.makedirs(args.out, exist_ok=True)
    with open(__file__, "rb") as f:
        me = hashlib.sha256(f.read()).hexdigest()
    st = os.stat(os.path.realpath(vmlinuz))
    fp = img.fingerprint([me, vmlinuz, st.st_size, st.st_mtime_ns])
    stamp = os.path.join(args.out, ".guest-stamp")
    cpio_path = os.path.join(args.out, "guest.cpio.gz")
    kernel_out = os.path.join(args.out, "vmlinuz")
    outputs = [cpio_path, kernel_out, os.path.join(args.out, "guest.cpio")]
    if not args.force and all(os.path.exists(p) for p in outputs):
        if os.path.exists(stamp) and open(stamp).read().strip() == fp:
            print(f"guest: up to date ({os.path.relpath(cpio_path)})")
            return

    install_if_changed(vmlinuz, kernel_out)
    write_vmlinux(vmlinuz, os.path.join(args.out, "vmlinux"))
    plain = os.path.join(args.out, "guest.cpio")
    with open(plain + ".tmp", "wb") as f:
        img.write_cpio(f)
    with open(plain + ".tmp", "rb") as src, open(cpio_path + ".tmp", "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        shutil.copyfileobj(src, gz)
    os.replace(plain + ".tmp", plain)
    os.replace(cpio_path + ".tmp", cpio_path)
    with open(os.path.join(args.out, "guest.manifest"), "w") as f:
        for path in sorted(img.entries):
            e = img.entries[path]
            f.write(f"{path}" + (f" -> {e['target']}" if e["kind"] == "link" else "") + "\n")
    with open(stamp, "w") as f:
        f.write(fp + "\n")
    size = os.path.getsize(cpio_path)
    print(f"guest: built {os.path.relpath(cpio_path)} ({size / 1e6:.1f} MB, kernel {kver})")


if __name__ == "__main__":
    main()
