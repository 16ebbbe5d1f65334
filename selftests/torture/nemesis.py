# SPDX-License-Identifier: GPL-2.0
"""The torture run's fault schedule: a pure function of the seed.

A step names a fault, whom it hits (by role: the leader, a follower, any
node; the runner resolves roles when the step begins) and how long it is
held before it is healed.  The same seed gives the same schedule; which
node plays "leader" depends on the run."""

import random
from dataclasses import dataclass

# name: weight.  Each is held for less than a lease (1 s) or well past it.
FAULTS = {
    "crash": 3,            # power cut, then boot again and rejoin
    "kill-agent": 2,       # SIGKILL stockaded, then start it again
    "pause": 2,            # SIGSTOP QEMU: the guest clock jumps on resume
    "freeze": 2,           # QMP stop: the guest clock stands still
    "isolate": 3,          # cut one node from every other
    "split": 2,            # cut the cluster in a minority and a majority
    "one-way": 2,          # a node hears the others but is not heard
    "jitter": 2,           # netem delay, jitter and loss on every link
    "disk-slow": 1,        # dm-delay on a node's backing device
    "disk-error": 1,       # dm error on a follower's backing device
    "clock-step": 1,       # step a node's wall clock
    "clock-rate": 1,       # make a node's clocks run fast or slow
}

HOLDS = (0.5, 1.5, 3.0, 5.0)


@dataclass
class Step:
    fault: str
    target: str            # "leader", "follower" or "any"
    hold: float            # seconds before the heal
    arg: int               # fault-specific: ms, ppm, minority size...

    def __str__(self):
        return f"{self.fault} {self.target} hold={self.hold}s arg={self.arg}"


def _arg(rng, fault, nodes):
    if fault == "jitter":
        return rng.choice((5, 20, 50))               # ms of delay
    if fault == "disk-slow":
        return rng.choice((20, 100, 400))            # ms per I/O
    if fault == "clock-step":
        return rng.choice((-3000, -800, 800, 3000))  # ms
    if fault == "clock-rate":
        # Within the configured bound (500 ppm), and far beyond it.
        return rng.choice((-300, 300, 50000))        # ppm
    if fault == "split":
        return rng.randint(1, (nodes - 1) // 2)      # minority size
    return 0


def _target(rng, fault):
    if fault == "disk-error":
        return "follower"
    if fault in ("jitter", "split"):
        return "leader"       # the leader lands in the minority
    return rng.choice(("leader", "leader", "follower", "any"))


def schedule(seed, steps, nodes=3):
    rng = random.Random(seed)
    names = sorted(FAULTS)
    weights = [FAULTS[n] for n in names]
    plan = []
    for _ in range(steps):
        fault = rng.choices(names, weights)[0]
        plan.append(Step(fault, _target(rng, fault), rng.choice(HOLDS),
                         _arg(rng, fault, nodes)))
    return plan
