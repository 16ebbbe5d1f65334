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
stop's inside edges), and two nodes' overlap leaves those times out.  A
`freeze` is not noted: the guest clock stands still, and a lease that
outlives it on that clock is one the checker must see."""

from dataclasses import dataclass

TOLERANCE = 0.25      # seconds
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
    stops: list = None  # (from, to) on the host's clock: the VM stood still

    def served(self):
        """The host times this lease was live and its node running."""
        parts, at = [], self.host_start
        for a, b in sorted(self.stops or []):
            if a > at:
                parts.append((at, min(a, self.host_end)))
            at = max(at, b)
        if at < self.host_end:
            parts.append((at, self.host_end))
        return parts


def intervals(events, run_end):
    """When each node served: from "serving" to "fenced" (or to the end
    of its relay, or its power cut)."""
    found, live, stopped = [], {}, {}

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
                              run_end, [])
        elif e.name in ("fenced", "relay-closed") and key in live:
            close(key, e)
        elif e.name == "node-down":
            for k in [k for k in live if k[0] == e.node]:
                close(k, e)
            stopped.pop(e.node, None)
        elif e.name == "node-stopped":
            stopped[e.node] = e.host
        elif e.name == "node-running" and e.node in stopped:
            since = stopped.pop(e.node)
            for k in [k for k in live if k[0] == e.node]:
                live[k].stops.append((since, e.host))
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


def check_overlaps(leases):
    problems = []
    for i, a in enumerate(leases):
        for b in leases[i + 1:]:
            if a.node == b.node:
                continue
            overlap = sum(max(0.0, min(ae, be) - max(as_, bs))
                          for as_, ae in a.served()
                          for bs, be in b.served())
            if overlap > TOLERANCE:
                problems.append(
                    f"node {a.node} (term {a.term}) and node {b.node} "
                    f"(term {b.term}) served together for {overlap:.2f}s")
    return problems
