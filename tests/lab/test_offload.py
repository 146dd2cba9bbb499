"""Offloads between vmgate and its taps: the host hands vmgate 64 KiB TCP segments
(TSO) and partial checksums; whatever vmgate does with them, the bytes arrive intact."""
import re

import lab
from bridgedlab import exchange_through
from nicinfo import offload_counters

VIRTIO_WAN = r"^nic0: virtio-net \(modern\), MAC \S+, link up, TSO, checksum offload$"


def check_whole_frames_crossed(info, fast):
    wan, lan = offload_counters(info, "nic0"), offload_counters(info, "nic1")
    assert wan["caps"] & 0x1f == 0x1f and lan["caps"] & 0x1f == 0x1f, (wan, lan)
    # GSO frames arrived on both sides and left whole, lent without a copy.
    assert wan["rx_gso"] > 0 and lan["rx_gso"] > 0, (wan, lan)
    assert wan["tx_gso"] > 0 and lan["tx_gso"] > 0 and wan["tx_lent"] > 0 and lan["tx_lent"] > 0, (wan, lan)
    assert int(re.search(r"forwarded (\d+)", fast).group(1)) > 0, fast


@lab.timeout(150)
@lab.requires("build")
def test_tso_frames_routed_whole(lab):
    """Host-only routing: vmgate negotiates TSO and checksum offload on its taps, and
    the fast path forwards the 64 KiB segments whole, zero-copy; data intact."""
    gw, info, fast = exchange_through(lab, "nic1 hostonly 192.168.56.1/24", nat=False)
    gw.seen(VIRTIO_WAN)
    check_whole_frames_crossed(info, fast)


@lab.timeout(150)
@lab.requires("build")
def test_tso_frames_through_nat_whole(lab):
    """NAT: 64 KiB segments with partial checksums are translated in place (the
    partial checksum keeps only the address change) and cross whole; a wrong
    checksum would make the receiving stack drop them, so intact data is the proof."""
    gw, info, fast = exchange_through(lab, "nic1 nat", nat=True)
    gw.seen(VIRTIO_WAN)
    check_whole_frames_crossed(info, fast)
