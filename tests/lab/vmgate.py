"""vmgate as a lab VM: boots build/vmgate.elf (qemu -kernel, PVH) or build/vmgate.img
(OVMF), and drives its serial console.

    gw = Vmgate(lab, ns, config="nic1 nat")
    wan = gw.nic_tap("tap0")                # nic0
    lan = gw.nic_socket_listen(port)        # nic1
    gw.start()                              # waits for "vmgate: ready"
    addr = gw.wan_dhcp_address()
    print(gw.cmd("ifconfig"))

At teardown the Lab scans every Vmgate's console log: a fault dump, a panic or an lwIP
assertion there fails the test, unless the test called expect_fault().
"""
import itertools
import os
import re
import shutil
import subprocess

import lab as labmod

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ELF = os.path.join(ROOT, "build", "vmgate.elf")
IMG = os.path.join(ROOT, "build", "vmgate.img")
OVMF = "/usr/share/ovmf/OVMF.fd"
IPV4 = r"\d+\.\d+\.\d+\.\d+"


def esp_offset(img):
    """Byte offset of the image's EFI system partition (its first partition)."""
    out = subprocess.run(["sfdisk", "-d", img], check=True, capture_output=True, text=True).stdout
    m = re.search(r"start=\s*(\d+)", out)
    if not m:
        raise labmod.LabError(f"no partition in {img}:\n{out}")
    return int(m.group(1)) * 512


def image_with_config(lab, config, esp_tftp=None):
    """A private copy of build/vmgate.img whose \\vmgate.conf holds `config`
    (statements; ';' or newlines), so a UEFI test can choose its configuration;
    with esp_tftp, that folder's files replace the image's \\tftp."""
    img = lab.logpath("vmgate.img")
    shutil.copyfile(IMG, img)
    conf = lab.logpath("vmgate.conf")
    with open(conf, "w") as f:
        f.write(config.replace(";", "\n") + "\n")
    target = f"{img}@@{esp_offset(img)}"
    subprocess.run(["mcopy", "-o", "-i", target, conf, "::vmgate.conf"], check=True, capture_output=True)
    if esp_tftp is not None:
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        subprocess.run(["mdeltree", "-i", target, "::tftp"], env=env, capture_output=True)
        subprocess.run(["mmd", "-i", target, "::tftp"], env=env, check=True, capture_output=True)
        entries = [os.path.join(esp_tftp, e) for e in sorted(os.listdir(esp_tftp))]
        if entries:
            subprocess.run(["mcopy", "-s", "-o", "-i", target] + entries + ["::tftp/"], env=env,
                           check=True, capture_output=True)
    return img


class Vmgate:
    """One vmgate VM. NICs are numbered in the order they are added: the first is
    nic0, vmgate's WAN by default."""

    _markers = itertools.count(1)

    def __init__(self, lab, ns=None, config="", boot="pvh", name="vmgate", memory=256, machine=None,
                 config_file=None, initrd=None, tftp_dir=None, shares=(), esp_tftp=None):
        """config: statements for the kernel command line (PVH) or \\vmgate.conf (UEFI);
        config_file: text handed over as the -initrd file (PVH), read before the
        command line; initrd: a file to hand over as the -initrd as it is (an archive
        tools/mkinitrd packed); tftp_dir: a folder shared read-only over virtio-9p with
        the mount tag vmgate-tftp (as tools/vmgate-run --tftp does); shares: more
        (folder, tag) pairs; esp_tftp (UEFI): a folder that becomes the ESP's \\tftp."""
        self.lab = lab
        self.boot = boot
        args = []
        for path, tag in ([(tftp_dir, "vmgate-tftp")] if tftp_dir else []) + list(shares):
            args += ["-virtfs", f"local,path={path},mount_tag={tag},security_model=none,readonly=on"]
        if boot == "pvh":
            if config_file is not None:
                if initrd:
                    raise ValueError("config_file and initrd are both the -initrd")
                initrd = lab.logpath("vmgate-initrd.conf")
                with open(initrd, "w") as f:
                    f.write(config_file)
            self.vm = lab.vm(name, ns=ns, memory=memory, kernel=ELF, append=config, machine=machine,
                             initrd=initrd, args=args)
        elif boot == "uefi":
            img = image_with_config(lab, config, esp_tftp)
            self.vm = lab.vm(name, ns=ns, memory=memory, bios=OVMF, machine=machine,
                             args=["-drive", f"file={img},format=raw,if=virtio"] + args)
        else:
            raise ValueError(boot)
        # Its console is checked at teardown: a fault dump, a panic or an lwIP assertion
        # fails the test even if everything it checked passed (lab.scan_console_log).
        lab.watch_console(name, self.vm.logfile)

    def expect_fault(self):
        """For a test that makes vmgate fault on purpose: the console must then show a
        fault dump or panic at teardown, and one is not a failure."""
        self.vm.lab.expect_fault(self.vm.name)

    def nic(self, *a, **kw):
        return self.vm.nic(*a, **kw)

    def nic_tap(self, *a, **kw):
        return self.vm.nic_tap(*a, **kw)

    def nic_socket_listen(self, *a, **kw):
        return self.vm.nic_socket_listen(*a, **kw)

    def start(self, timeout=None):
        """Starts the VM and waits for `vmgate: ready` (OVMF takes longer)."""
        self.vm.start()
        self.vm.wait_for(r"^vmgate: ready$", timeout or (120 if self.boot == "uefi" else 60))
        return self

    def wait_for(self, pattern, timeout=30, **kw):
        return self.vm.wait_for(pattern, timeout, **kw)

    def seen(self, pattern):
        """The first match of pattern anywhere in the console so far (boot lines that
        came before the point wait_for() has reached), or an error naming it."""
        m = re.search(pattern, self.vm.console.text, re.M)
        if not m:
            raise labmod.LabError(f"{pattern!r} not on the console:\n" + self.vm.console.tail(30))
        return m

    def wan_dhcp_address(self, nic="nic0", timeout=40):
        """The address nic0 took by DHCP, as vmgate announces it."""
        rx = rf"^{nic}: address ({IPV4}) netmask {IPV4} gateway {IPV4} \(dhcp\)$"
        m = re.search(rx, self.vm.console.text, re.M) or self.vm.wait_for(rx, timeout)
        return m.group(1)

    def cmd(self, line, timeout=15):
        """Runs one console command and returns its output (the lines between the
        command and an echoed marker)."""
        marker = f"__END_{next(self._markers)}__"
        start = len(self.vm.console.text)
        self.vm.console.note(f"cmd: {line}")
        self.vm.write(line + "\r")
        self.vm.write(f"echo {marker}\r")
        m = self.vm.wait_for(rf"^{marker}$", timeout)
        text = self.vm.console.text[start:m.start()]
        lines = text.split("\n")
        # Drop the echoed command line and the prompt with the echoed marker command.
        out = [l for l in lines if not l.startswith("vmgate> ") and l != line]
        return "\n".join(out).strip("\n")

    def set_link(self, nid, up):
        self.vm.set_link(nid, up)
