# SPDX-License-Identifier: GPL-2.0
"""The checker's lease half, from the modules' events as the relays sent
them: every acknowledged write completed while its node served (held a
live lease for its term, past the clock-bound wait: the module's
"serving" event, until "fenced"), and no two nodes served at once.

A relay stamps each event with its node's CLOCK_MONOTONIC, the clock the
client stamps its writes with, so writes and leases of one node compare
exactly (up to the time an event takes to reach the relay: TOLERANCE).
Across nodes the only common clock is the host's, which stamps each event
as it arrives: an expiry that arrives late looks like a longer lease, so
an overlap counts only beyond TOLERANCE.

A node whose VM is stopped (the `pause` fault, SIGSTOP) serves nothing:
its guest clock jumps on resume, so a lease that ran out during the stop
is noticed, and its "fenced" event sent, only after it.  The runner
notes the stop ("node-stopped", "node-running", on the host's clock, the
stop's inside edges), and two nodes' overlap leaves those times out.

A `freeze` (QMP stop) stops the guest clock too: the lease runs on that
clock, so after the thaw it lasts what was left of it, up to one lease
(a thawed node may also renew from acknowledgements that waited for it,
of heartbeats sent just before the freeze).  That is outside the drift
bound the leases assume (docs/design.md), so the checker leaves the
frozen time out, allows up to LEASE of overlap after a thaw and reports
it; anything beyond that, or any other overlap, is a failure."""

from dataclasses import dataclass, field

TOLERANCE = 0.25      # seconds
LEASE = 1.0           # lease_ms of selftests/lib/vm_agents.sh, in seconds
INF = float("inf")


@dataclass
class Event:
    node: int
    boot: str
    mono: int           # ns on the node's monotonic clock (None: unknown)
    host: float         # s on the host's monotonic clock, on arrival
    name: str
    term: int


@dataclass
class Lease:            # a time the node served under its lease
    node: int
    boot: str
    term: int
    start: int          # ns, node's clock
    end: float          # ns, node's clock (INF: never seen to end)
    host_start: float
    host_end: float
    # (from, to) on the host's clock: the VM stood still
    stops: list = field(default_factory=list)
    # host times its VM ran again after a freeze
    thaws: list = field(default_factory=list)

    def served(self):
        """The host times this lease was live and its node running."""
        parts, at = [], self.host_start
        for a, b in sorted(self.stops):
            if a > at:
                parts.append((at, min(a, self.host_end)))
            at = max(at, b)
        if at < self.host_end:
            parts.append((at, self.host_end))
        return parts


def intervals(events, run_end):
    """When each node served: from "serving" to "fenced" (or to the end
    of its relay, or its power cut)."""
    found, live, stopped, frozen = [], {}, {}, {}

    def close(key, e):
        lease = live.pop(key)
        lease.end = e.mono if e.mono is not None else INF
        lease.host_end = e.host
        if e.node in stopped:
            lease.stops.append((stopped[e.node], e.host))
        found.append(lease)

    for e in events:
        key = (e.node, e.boot)
        if e.name == "serving" and key not in live:
            live[key] = Lease(e.node, e.boot, e.term, e.mono, INF, e.host,
                              run_end)
        elif e.name in ("fenced", "relay-closed") and key in live:
            close(key, e)
        elif e.name == "node-down":
            for k in [k for k in live if k[0] == e.node]:
                close(k, e)
            stopped.pop(e.node, None)
        elif e.name in ("node-stopped", "node-frozen"):
            stopped[e.node] = e.host
            frozen[e.node] = e.name == "node-frozen"
        elif e.name == "node-running" and e.node in stopped:
            since = stopped.pop(e.node)
            for k in [k for k in live if k[0] == e.node]:
                live[k].stops.append((since, e.host))
                if frozen.get(e.node):
                    live[k].thaws.append(e.host)
    return found + list(live.values())


def check_writes(history, session_nodes, leases):
    """Each acknowledged write overlaps a lease of its node's boot."""
    problems = []
    tol = TOLERANCE * 1e9
    for (s, q), (t0, t1) in sorted(history.ack_times.items()):
        node, boot = session_nodes.get(s), history.boots.get(s)
        if not any(le.node == node and le.boot == boot and
                   le.start - tol <= t1 and le.end >= t0 for le in leases):
            problems.append(f"write {s}:{q} completed on node {node} "
                            "while it did not serve")
    return problems


def _length(a, b):
    return max(0.0, b - a)


def _after_thaws(piece, thaws):
    """How much of PIECE lies within LEASE after one of THAWS."""
    s, e = piece
    at, total = s, 0.0
    for t in sorted(thaws):
        lo, hi = max(at, t), min(e, t + LEASE)
        total += _length(lo, hi)
        at = max(at, hi)
    return total


def check_overlaps(leases, notes=None):
    """Two nodes serving at once, on the host's clock; NOTES (a list)
    gets the overlaps a freeze explains."""
    problems = []
    for i, a in enumerate(leases):
        for b in leases[i + 1:]:
            if a.node == b.node:
                continue
            pieces = [(max(as_, bs), min(ae, be))
                      for as_, ae in a.served() for bs, be in b.served()
                      if min(ae, be) > max(as_, bs)]
            total = sum(_length(*p) for p in pieces)
            thawed = sum(_after_thaws(p, a.thaws + b.thaws) for p in pieces)
            if total - thawed > TOLERANCE or thawed > LEASE + TOLERANCE:
                problems.append(
                    f"node {a.node} (term {a.term}) and node {b.node} "
                    f"(term {b.term}) served together for {total:.2f}s")
            elif thawed > TOLERANCE and notes is not None:
                notes.append(
                    f"node {a.node} (term {a.term}) and node {b.node} "
                    f"(term {b.term}) served together for {thawed:.2f}s "
                    "after a freeze stopped a guest clock (at most a lease)")
    return problems
