"""vmgate's random generator is seeded before anything draws from it and says on the
console which sources seeded it: virtio-rng when the hypervisor offers one (both
transports), RDRAND (and RDSEED, where the CPU model has it) with -cpu max, and CPU
timing jitter alone, with a warning, on QEMU's default CPU without virtio-rng."""
import re

import lab
from vmgate import Vmgate

SEEDED = r"^random: seeded from (.*)$"
WARNING = r"^random: WARNING: no hardware random source"


def boot(lab_, name, extra_args):
    """Boots vmgate without NICs, with extra QEMU arguments; returns it and the list
    of sources its seeding line names."""
    gw = Vmgate(lab_, None, config="", name=name)
    gw.vm.args += extra_args
    gw.start()
    m = gw.seen(SEEDED)
    lab_.log(f"{name}: {m.group(0)}")
    text = gw.vm.console.text
    # Seeded before lwIP and the appliance start (their first line is the
    # configuration), so before anything draws.
    config = re.search(r"^config:$", text, re.M)
    assert config and m.start() < config.start(), "seeded after the appliance started"
    assert len(re.findall(SEEDED, text, re.M)) == 1, "more than one seeding line"
    return gw, m.group(1).split(", ")


def hardware_line(gw):
    """The `random` command's line about the hardware sources it sees."""
    out = gw.cmd("random")
    m = re.search(r"^hardware sources: rdseed (yes|no), rdrand (yes|no), (.*)$", out, re.M)
    assert m, out
    return m.group(1) == "yes", m.group(2) == "yes", m.group(3)


@lab.timeout(90)
@lab.requires("build")
def test_virtio_rng_seeds_over_both_transports(lab):
    """-device virtio-rng-pci, modern-only and legacy-only: the seeding line names
    virtio-rng, with no warning; `random` names the transport and counts its bytes."""
    for name, model, transport in (("vmgate-modern", "virtio-rng-pci,disable-legacy=on", "modern"),
                                   ("vmgate-legacy", "virtio-rng-pci,disable-modern=on", "legacy")):
        gw, sources = boot(lab, name, ["-device", model])
        assert sources == ["virtio-rng", "jitter"], sources
        assert not re.search(WARNING, gw.vm.console.text, re.M)
        rdseed, rdrand, vrng = hardware_line(gw)
        assert not rdseed and not rdrand       # QEMU's default CPU has neither
        assert vrng == f"virtio-rng ({transport})", vrng
        assert re.search(r"virtio-rng bytes since boot: 32$", gw.cmd("random"), re.M)
        gw.vm.stop()


@lab.timeout(60)
@lab.requires("build")
def test_cpu_max_seeds_from_rdrand(lab):
    """-cpu max (TCG implements RDRAND; RDSEED only if the model announces it): the
    seeding line names rdrand, and rdseed exactly when CPUID has it."""
    gw, sources = boot(lab, "vmgate", ["-cpu", "max"])
    rdseed, rdrand, _ = hardware_line(gw)
    assert rdrand, "-cpu max without RDRAND"
    want = (["rdseed"] if rdseed else []) + ["rdrand", "jitter"]
    assert sources == want, sources
    assert not re.search(WARNING, gw.vm.console.text, re.M)


@lab.timeout(60)
@lab.requires("build")
def test_default_cpu_without_virtio_rng_warns_jitter_only(lab):
    """QEMU's default CPU (no RDRAND, no RDSEED) and no virtio-rng: jitter alone, and
    a warning that says so and what to add."""
    gw, sources = boot(lab, "vmgate", [])
    assert sources == ["jitter"], sources
    warning = gw.seen(WARNING + r".*$").group(0)
    lab.log(warning)
    assert "jitter only" in warning and "-device virtio-rng-pci" in warning, warning
    rdseed, rdrand, vrng = hardware_line(gw)
    assert (rdseed, rdrand, vrng) == (False, False, "no virtio-rng")
