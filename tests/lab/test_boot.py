"""vmgate boots (qemu -kernel and UEFI), drives virtio-net over every transport, takes
its WAN address by DHCP from a real server, and answers guests on its LANs."""
import os
import re
import subprocess

import lab
import lab as labmod          # tests' parameter `lab` is the Lab; this is the module
from vmgate import Vmgate, ROOT, IPV4


def wan_namespace(lab_):
    """A namespace with a tap for vmgate's WAN and dnsmasq serving DHCP on it."""
    ns = lab_.namespace("wan")
    ns.tap("tap0", "192.168.50.1/24")
    lab_.dnsmasq(ns, "tap0", ("192.168.50.50", "192.168.50.99"))
    return ns


def ping_from(ns, addr, count=3):
    ns.run(["ping", "-c", str(count), "-i", "0.2", "-W", "2", addr], timeout=30)


def counters(ifconfig, nic):
    """(rx packets, tx packets) of one NIC from `ifconfig` output."""
    block = ifconfig.split(f"{nic}: ", 1)[1]
    rx = int(re.search(r"rx (\d+) packets", block).group(1))
    tx = int(re.search(r"tx (\d+) packets", block).group(1))
    return rx, tx


@lab.timeout(150)
@lab.requires("build")
def test_kernel_boot_all_virtio_transports(lab):
    """-kernel boot; the WAN on a transitional virtio-net (driven through its modern
    interface) gets its address from dnsmasq and answers ping; a legacy-only and a
    modern-only virtio-net each carry a Linux guest that pings vmgate."""
    ns = wan_namespace(lab)
    p1, p2 = ns.free_port(), ns.free_port()
    gw = Vmgate(lab, ns, config="nic1 nat; nic2 nat")
    gw.nic_tap("tap0")
    gw.nic_socket_listen(p1, model="virtio-net-pci,disable-modern=on")
    gw.nic_socket_listen(p2, model="virtio-net-pci,disable-legacy=on")
    gw.start()
    gw.seen(r"^nic0: virtio-net \(modern\)")
    gw.seen(r"^nic1: virtio-net \(legacy\)")
    gw.seen(r"^nic2: virtio-net \(modern\)")

    a = lab.linux_vm("guest-a", ns=ns, net="10.0.2.15/24,gw=10.0.2.2")
    a.nic_socket_connect(p1)
    b = lab.linux_vm("guest-b", ns=ns, net="10.0.3.15/24,gw=10.0.3.2")
    b.nic_socket_connect(p2)
    a.start()
    b.start()

    wan = gw.wan_dhcp_address()
    assert wan.startswith("192.168.50."), wan
    ping_from(ns, wan)
    for g, gw_addr in ((a, "10.0.2.2"), (b, "10.0.3.2")):
        g.wait_for("GUEST-READY", 60)
        g.sh(f"ping -c 3 -W 2 {gw_addr}")
    out = gw.cmd("ifconfig")
    for nic in ("nic0", "nic1", "nic2"):
        rx, tx = counters(out, nic)
        assert rx > 0 and tx > 0, f"{nic} counters: {out}"


@lab.timeout(240)
@lab.requires("build")
def test_uefi_boot(lab):
    """OVMF boots build/vmgate.img, reads \\vmgate.conf from its ESP, and the same
    appliance comes up: DHCP on the WAN, a guest on the LAN pings the gateway."""
    ns = wan_namespace(lab)
    port = ns.free_port()
    gw = Vmgate(lab, ns, boot="uefi", config="nic0 wan dhcp\nnic1 nat 10.0.7.0/24")
    gw.nic_tap("tap0")
    gw.nic_socket_listen(port, model="virtio-net-pci,disable-legacy=on")
    gw.start()
    gw.seen(r"^vmgate: booting \(uefi\)$")
    gw.seen(r"^nic1: nat network 10\.0\.7\.0/24")
    g = lab.linux_vm("guest", ns=ns, net="10.0.7.15/24,gw=10.0.7.2")
    g.nic_socket_connect(port)
    g.start()
    wan = gw.wan_dhcp_address(timeout=60)
    ping_from(ns, wan)
    g.wait_for("GUEST-READY", 60)
    g.sh("ping -c 3 -W 2 10.0.7.2")


@lab.timeout(90)
@lab.requires("build")
def test_static_wan_from_initrd_file_and_command_line(lab):
    """The configuration file arrives as -initrd, the command line after it wins: a
    static WAN address from the file answers ping; the LAN network the command line
    sets replaces the file's."""
    ns = lab.namespace("wan")
    ns.tap("tap0", "192.168.51.1/24")
    port = ns.free_port()
    gw = Vmgate(lab, ns, config="nic1 nat 10.0.6.0/24",
                config_file="# vmgate.conf\nnic0 wan 192.168.51.2/24 gw 192.168.51.1\nnic1 nat 10.0.5.0/24\n")
    gw.nic_tap("tap0")
    gw.nic_socket_listen(port)
    gw.start()
    gw.seen(r"^nic0: address 192\.168\.51\.2 netmask 255\.255\.255\.0 gateway 192\.168\.51\.1$")
    gw.seen(r"^nic1: nat network 10\.0\.6\.0/24")
    ping_from(ns, "192.168.51.2")
    g = lab.linux_vm("guest", ns=ns, net="10.0.6.15/24,gw=10.0.6.2")
    g.nic_socket_connect(port)
    g.boot()
    g.sh("ping -c 2 -W 2 10.0.6.2")


@lab.timeout(120)
@lab.requires("build")
def test_cable_pulled_and_plugged(lab):
    """The hypervisor pulls vmgate's WAN cable: vmgate sees the link go down and stops
    answering; plugged back, the link comes up, its DHCP client confirms its lease at
    once (it may have moved to another network meanwhile) and it answers again."""
    ns = wan_namespace(lab)
    dnsmasq_log = lab.logpath("dnsmasq.log")
    gw = Vmgate(lab, ns, config="")
    wan_nic = gw.nic_tap("tap0")
    gw.start()
    wan = gw.wan_dhcp_address()
    ping_from(ns, wan, count=2)
    gw.set_link(wan_nic, False)
    gw.wait_for(r"^nic0: link down$")
    r = ns.run(["ping", "-c", "2", "-W", "1", wan], check=False, timeout=20)
    assert r.returncode != 0, "vmgate answered with its cable pulled"

    def requests():
        with open(dnsmasq_log, errors="replace") as f:
            return f.read().count("DHCPREQUEST")
    before = requests()
    gw.set_link(wan_nic, True)
    gw.wait_for(r"^nic0: link up$")
    labmod.wait_until(lambda: requests() > before, 15, what="a DHCPREQUEST after the link came back")
    ping_from(ns, wan, count=2)
    assert "link changes 2" in gw.cmd("ifconfig")


@lab.timeout(60)
@lab.requires("build")
def test_nic_without_a_driver_is_named(lab):
    """A NIC vmgate has no driver for (QEMU's rtl8139) is named with its PCI id, and
    a machine whose only NIC is such a one says so instead of coming up silent."""
    gw = Vmgate(lab, None, config="")
    a, b = lab.free_port(), lab.free_port()
    gw.vm.nic_dgram(a, b, model="rtl8139")
    gw.vm.start()
    gw.wait_for(r"^pci 00:0[0-9a-f]\.0: network controller 10ec:8139 \(rev [0-9a-f]{2}\) has no "
                r"driver in this build: not used$", 60)
    gw.wait_for(r"^vmgate: WARNING: no NIC to serve on \(1 network controller\(s\) found, none "
                r"with a driver\)", 30)
    gw.wait_for(r"^vmgate: ready$", 30)


@lab.timeout(60)
@lab.requires("build")
def test_exception_dump(lab):
    """A fault prints vector, error code, faulting address, registers and a
    symbolized backtrace, then halts; and the lab's teardown check (which fails any
    other test whose vmgate faults) finds this dump in the real console log."""
    gw = Vmgate(lab, None, config="")
    gw.expect_fault()            # at teardown the dump must be seen, and is no failure
    gw.start()
    assert lab.check_consoles() == [f"{gw.vm.name} console {os.path.basename(gw.vm.logfile)}: "
                                    "the test expected a fault dump or panic and the console "
                                    "shows none"], "the check saw a fault before there was one"
    gw.vm.write("fault page\r")
    gw.wait_for(r"^vmgate: exception 14 \(page fault\), error code 0x2$", 20)
    gw.wait_for(r"^RIP [0-9a-f]{16}  CS 0008")
    gw.wait_for(r"^CR2 00000dead0000000 \(faulting address\)$")
    gw.wait_for(r"^RAX [0-9a-f]{16} RBX")
    gw.wait_for(r"^R12 [0-9a-f]{16} R13")
    gw.wait_for(r"^backtrace:$")
    gw.wait_for(r"^  [0-9a-f]{16}  fault_page\+0x")
    gw.wait_for(r"^  [0-9a-f]{16}  kernel_main\+0x")
    gw.wait_for(r"^vmgate: halted$")
    # The scanner, on the log file as the console reader wrote it (raw bytes).
    found = labmod.scan_console_log(gw.vm.logfile)
    assert [line for _, line in found] == ["vmgate: exception 14 (page fault), error code 0x2"], found
    assert lab.check_consoles() == [], lab.check_consoles()


@lab.timeout(60)
@lab.requires("build")
def test_config_errors_name_the_statement(lab):
    """Malformed and unknown statements are reported by name; the rest applies."""
    ns = lab.namespace()
    gw = Vmgate(lab, ns, config="nic1 nat 10.0.9.0/24; nic1 frobnicate; nic9 wan dhcp; "
                                "wibble 42; natpf nic1 web,tcp,,99999,,80; nic2 hostonly 192.168.56.1/24")
    for _ in range(3):
        gw.nic_socket_listen(ns.free_port())
    gw.start()
    text = gw.vm.console.text
    for stmt in ("nic1 frobnicate", "nic9 wan dhcp", "wibble 42", "natpf nic1 web,tcp,,99999,,80"):
        assert re.search(rf'^config: error in the command line: .*"{re.escape(stmt)}" \(statement ignored\)$',
                         text, re.M), f"no error naming {stmt!r}"
    assert re.search(r"^nic1: nat network 10\.0\.9\.0/24", text, re.M)
    assert re.search(r"^nic2: address 192\.168\.56\.1 netmask 255\.255\.255\.0", text, re.M)
    running = gw.cmd("config")
    assert "nic1 nat 10.0.9.0/24" in running and "nic2 hostonly 192.168.56.1/24" in running, running
    # Console input arrives by interrupt (IRQ 4), not by polling the UART.
    m = re.search(r"irq4 (\d+)", gw.cmd("stats"))
    assert m and int(m.group(1)) > 0


@lab.timeout(90)
@lab.requires("build")
def test_make_run_prints_how_a_guest_attaches(lab):
    """`make run`'s launcher boots the default configuration (WAN on restricted user
    networking, here inside a namespace) and prints the QEMU options a guest uses;
    a guest started with exactly those options reaches vmgate on 10.0.2.0/24."""
    ns = lab.namespace("run")
    port = ns.free_port()
    proc = ns.spawn("vmgate-run", [f"{ROOT}/tools/vmgate-run", "--wan-restrict", "--attach", "socket",
                                   "--lan-port", str(port)])
    lab.watch_console("vmgate-run", proc.logfile)      # vmgate's console is on its stdout
    m = lab_wait_log(proc.logfile, r"^\s+(-netdev socket,id=\S+,connect=127\.0\.0\.1:(\d+) -device (\S+))$", 30)
    assert int(m.group(2)) == port
    lab_wait_log(proc.logfile, r"^vmgate: ready", 60)
    netdev = re.search(r"-netdev socket,(id=\S+?,)?(connect=\S+)", m.group(1)).group(2)
    device = m.group(3)
    model, opts = device.split(",", 1)
    mac = re.search(r"mac=(\S+)", opts).group(1)
    g = lab.linux_vm("guest", ns=ns, net="10.0.2.15/24,gw=10.0.2.2")
    g.nic(f"socket,{netdev}", model=model, mac=mac)
    g.boot()
    g.sh("ping -c 3 -W 2 10.0.2.2")


def lab_wait_log(path, pattern, timeout):
    """Waits for a regex in a process's log file; returns the match."""
    rx = re.compile(pattern, re.M)
    found = []

    def seen():
        with open(path, errors="replace") as f:
            m = rx.search(f.read())
        if m:
            found.append(m)
        return bool(m)

    lab.wait_until(seen, timeout, what=f"{pattern!r} in {path}")
    return found[0]
