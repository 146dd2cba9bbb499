"""Frames on a namespace's interface, seen and sent by rawframe.py running inside
the namespace: for lab tests that check what crosses a wire byte by byte."""
import os

import lab as labmod

HERE = os.path.dirname(os.path.abspath(__file__))
RAWFRAME = os.path.join(HERE, "rawframe.py")


class Sniffer:
    """rawframe.py sniff on an interface of ns, in the background."""

    def __init__(self, lab_, ns, iface, seconds, name):
        self.log = lab_.logpath(f"{name}.log")
        ns.spawn(name, ["python3", RAWFRAME, "sniff", iface, str(seconds)])
        labmod.wait_until(lambda: os.path.exists(self.log) and "ready" in open(self.log).read(), 10,
                       what=f"{name} to start")

    def frames(self):
        out = []
        for line in open(self.log).read().splitlines()[1:]:
            parts = line.split()
            if len(parts) == 2:
                out.append((bytes.fromhex(parts[0]), parts[1] == "1"))
        return out


def send(ns, iface, frame, vnet=None):
    argv = ["python3", RAWFRAME, "send", iface, frame.hex()]
    if vnet is not None:
        argv.append(vnet.hex())
    ns.run(argv)
