# SPDX-License-Identifier: GPL-2.0
"""The torture run's checker: from the workload's history and what the
blocks hold at the end, is every acknowledged write there, and did every
read return a value that was current when it ran?

Sessions are numbered in the order the runner started them, and one
session writes one block at a time, so (session, seq) orders every write
the workload ever issued.  Safety means that order is the order the
device applied them in: a block's final value is its last acknowledged
write or a later one (issued, maybe never acknowledged), and a read sees
the last write acknowledged before it or a later one, never a value from
the future, never junk."""

from dataclasses import dataclass, field

MASK = 0xFFFFFFFF


def _mix(x):
    x &= MASK
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK
    x ^= x >> 16
    return x


def block_of(seed, session, seq, blocks):
    """The block write (session, seq) goes to: block.c's torture_block_of."""
    return _mix(seed ^ _mix(session ^ _mix(seq))) % blocks


@dataclass
class History:
    seed: int
    blocks: int
    sessions: set = field(default_factory=set)     # started by the runner
    acks: dict = field(default_factory=dict)       # (session, seq) -> block
    ack_times: dict = field(default_factory=dict)  # (session, seq) -> (t0, t1)
    boots: dict = field(default_factory=dict)      # session -> boot id
    reads: list = field(default_factory=list)      # (session, seq, block, what)
    errors: list = field(default_factory=list)     # lines that made no sense

    def add_line(self, session, line):
        """One report line of a session (see client.c)."""
        f = line.split()
        try:
            if f[0] == "W" and len(f) == 5:
                self.acks[(session, int(f[1]))] = int(f[2])
                self.ack_times[(session, int(f[1]))] = (int(f[3]), int(f[4]))
            elif f[0] == "R" and len(f) == 6:
                self.reads.append((session, int(f[1]), int(f[2]), f[5]))
            elif f[0] not in ("S", "E", "X"):
                raise ValueError
        except (ValueError, IndexError):
            self.errors.append(f"session {session}: bad report {line!r}")


def _value(history, block, what):
    """(session, seq) that WHAT names, None for zero; raises ValueError
    for junk or for a value the workload never wrote to this block."""
    if what == "zero":
        return None
    if what == "junk":
        raise ValueError("a torn or foreign block")
    s, q = (int(x) for x in what.split(":"))
    if s not in history.sessions or \
            block_of(history.seed, s, q, history.blocks) != block:
        raise ValueError(f"{what} was never written to block {block}")
    return (s, q)


def _acked_by_block(history):
    by_block = {}
    for w, b in history.acks.items():
        by_block.setdefault(b, []).append(w)
    for ws in by_block.values():
        ws.sort()
    return by_block


def _last_before(writes, point):
    """The last of the sorted WRITES that is before POINT (or None)."""
    last = None
    for w in writes:
        if w >= point:
            break
        last = w
    return last


def _check_value(history, block, what, floor, ceiling, where):
    try:
        v = _value(history, block, what)
    except ValueError as e:
        return f"{where}: block {block} holds {what}: {e}"
    if floor is not None and (v is None or v < floor):
        return (f"{where}: block {block} holds {what}, but write "
                f"{floor[0]}:{floor[1]} was acknowledged before")
    if ceiling is not None and v is not None and v > ceiling:
        return f"{where}: block {block} holds {what}, written after the read"
    return None


def check_reads(history):
    by_block = _acked_by_block(history)
    problems = []
    for s, q, b, what in history.reads:
        # The read ran after write (s, q) was acknowledged.
        floor = _last_before(by_block.get(b, []), (s, q + 1))
        p = _check_value(history, b, what, floor, (s, q), f"read {s}:{q}")
        if p:
            problems.append(p)
    return problems


def check_final(history, dump, where="final leader"):
    """DUMP: {block: what} read from the device at the end."""
    by_block = _acked_by_block(history)
    problems = []
    for b, ws in sorted(by_block.items()):
        if b not in dump:
            problems.append(f"{where}: block {b} was not read back")
    for b, what in sorted(dump.items()):
        floor = by_block[b][-1] if b in by_block else None
        p = _check_value(history, b, what, floor, None, where)
        if p:
            problems.append(p)
    return problems


def check(history, dump):
    return history.errors + check_reads(history) + check_final(history, dump)
