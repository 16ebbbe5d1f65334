# SPDX-License-Identifier: GPL-2.0
"""How each fault of nemesis.py is injected and healed on the test bed."""

import itertools
import threading

from cluster import REPO

AGENT = f"{REPO}/build/agent/stockaded"


def at_once(calls):
    """Run the callables in parallel; each test bed verb waits on a VM."""
    threads = [threading.Thread(target=f) for f in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Faults:
    def __init__(self, cluster, rng, log):
        self.c = cluster
        self.rng = rng
        self.log = log
        self.on_crash = lambda node: None   # told just before a power cut
        # told once a VM is "stopped" or "frozen", and just before it is
        # "running" again
        self.on_stop = lambda node, how: None

    def _crash(self, node):
        self.on_crash(node)
        self.c.tb("crash", node)

    def _cut(self, side_a, side_b, one_way=False):
        for a, b in itertools.product(side_a, side_b):
            self.c.tb("cut", a, b, *(["--one-way"] if one_way else []))

    def _restart_agent(self, node):
        self.c.run(node, f"pkill -TERM -f '^{AGENT}'; sleep 0.5; "
                   f"pkill -KILL -f '^{AGENT}'; true")
        self.c.helper("agents_start", node)

    def _run_again(self, node, verb):
        """VERB ("resume" or "thaw") a stopped VM, told just before."""
        self.on_stop(node, "running")
        self.c.tb(verb, node)

    def _reboot(self, node):
        self._crash(node)
        self.c.tb("start", node, timeout=180)
        self.c.rejoin(node)

    def _jitter(self, ms):
        args = ["delay", f"{ms}ms", f"{ms // 2}ms", "loss", "2%"] if ms \
            else ["off"]
        at_once([lambda i=i, j=j: self.c.tb("netem", i, j, *args)
                 for i, j in itertools.permutations(self.c.nodes, 2)])

    def inject(self, step, target):
        """Start STEP on node TARGET; returns the heal, a callable."""
        c, n, arg = self.c, target, step.arg
        others = [x for x in c.nodes if x != n]
        f = step.fault
        if f == "crash":
            self._crash(n)
            return lambda: (c.tb("start", n, timeout=180), c.rejoin(n))
        if f == "kill-agent":
            c.run(n, f"pkill -KILL -f '^{AGENT}'")
            return lambda: c.helper("agents_start", n)
        if f == "pause":
            c.tb("pause", n)
            self.on_stop(n, "stopped")
            return lambda: self._run_again(n, "resume")
        if f == "freeze":
            c.tb("freeze", n)
            self.on_stop(n, "frozen")
            return lambda: self._run_again(n, "thaw")
        if f in ("isolate", "split"):
            minority = [n] + self.rng.sample(others, max(arg, 1) - 1)
            majority = [x for x in c.nodes if x not in minority]
            self.log(f"  minority {minority}, majority {majority}")
            self._cut(minority, majority)
            return lambda: c.tb("heal")
        if f == "one-way":
            self._cut([n], others, one_way=True)
            return lambda: c.tb("heal")
        if f == "jitter":
            self._jitter(arg)
            return lambda: self._jitter(0)
        if f == "disk-slow":
            c.tb("disk", n, "delay", arg)
            return lambda: c.tb("disk", n, "ok")
        if f == "disk-error":
            c.tb("disk", n, "error")
            # The node detaches its failed disk: the operator's fix is a
            # good disk and a reboot.
            return lambda: (c.tb("disk", n, "ok"), self._reboot(n))
        if f == "clock-step":
            c.tb("clock-step", n, f"{arg:+d}")
            return lambda: (c.tb("clock-sync", n), self._restart_agent(n))
        if f == "clock-rate":
            c.tb("clock-rate", n, arg)
            return lambda: (c.tb("clock-rate", n, 0), c.tb("clock-sync", n),
                            self._restart_agent(n))
        raise ValueError(f"unknown fault {f}")

    def heal_all(self):
        """Whatever a failed step left behind (a clock fault's own heal
        syncs its clock: syncing the others would step theirs)."""
        c = self.c
        c.tb("heal")
        self._jitter(0)
        at_once([lambda n=n: self._heal_node(n) for n in c.nodes])

    def _heal_node(self, n):
        c = self.c
        self._run_again(n, "resume")
        self._run_again(n, "thaw")
        if c.run(n, "true", timeout=5)[0]:
            c.tb("start", n, timeout=180)
            c.rejoin(n)
        c.tb("disk", n, "ok")
        if c.run(n, f"pgrep -f '^{AGENT}' >/dev/null")[0]:
            c.helper("agents_start", n)
