"""vmgate's `ifconfig` output read back as numbers, and a Linux guest's counters, for
the lab tests of the NIC drivers (test_e1000, test_pcnet, test_offload)."""
import re


def nic_block(ifconfig, nic):
    """The lines `ifconfig` prints for one NIC ("nic0"), its header line first."""
    return ifconfig.split(f"{nic}: ", 1)[1].split("\nnic", 1)[0]


def nic_counters(ifconfig, nic):
    """The core's counters of a NIC: rx/tx packets, bytes, dropped, errors, link changes."""
    b = nic_block(ifconfig, nic)
    m = re.search(r"rx (\d+) packets (\d+) bytes (\d+) dropped (\d+) errors\s+"
                  r"tx (\d+) packets (\d+) bytes (\d+) dropped (\d+) errors, link changes (\d+)", b)
    assert m, b
    keys = ("rx_packets", "rx_bytes", "rx_dropped", "rx_errors", "tx_packets", "tx_bytes",
            "tx_dropped", "tx_errors", "link_changes")
    return dict(zip(keys, map(int, m.groups())))


def offload_counters(ifconfig, nic):
    """The offload line of a NIC: its caps and what it took and sent whole or finished."""
    b = nic_block(ifconfig, nic)
    m = re.search(r"offload caps (0x[0-9a-f]+|0): rx gso (\d+) csum-partial (\d+), tx gso (\d+) lent (\d+), "
                  r"software segmented (\d+) checksummed (\d+)", b)
    assert m, b
    keys = ("caps", "rx_gso", "rx_partial", "tx_gso", "tx_lent", "sw_segmented", "sw_csum")
    return dict(zip(keys, (int(m.group(1), 16),) + tuple(int(x) for x in m.groups()[1:])))


def device_counters(ifconfig, nic):
    """The chip's own counters (`device counters:` line), by name."""
    m = re.search(r"device counters:(.*)", nic_block(ifconfig, nic))
    assert m, nic_block(ifconfig, nic)
    return {k: int(v) for k, v in re.findall(r"(\S+) (\d+)", m.group(1))}


def events(gw, nic):
    """The driver events of one NIC in `ifconfig` (rx-oversize, tx-no-carrier, ...)."""
    m = re.search(r"events:(.*)", nic_block(gw.cmd("ifconfig"), nic))
    return {k: int(v) for k, v in re.findall(r"([\w-]+) (\d+)", m.group(1))} if m else {}


def all_pings_answered(out, count):
    """Whether ping's summary says count sent and count received."""
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    return bool(m) and int(m.group(1)) == count and int(m.group(2)) == count


def snmp_ip(text, field):
    """A field of the Ip: lines of /proc/net/snmp (ReasmReqds: fragments to reassemble)."""
    lines = [line.split() for line in text.splitlines() if line.startswith("Ip:")]
    return int(lines[1][lines[0].index(field)])
