# SPDX-License-Identifier: GPL-2.0
"""KTAP test of checker.py against the real torture client writing to a
file: a true history passes, and each kind of damage is caught."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checker  # noqa: E402
import leases  # noqa: E402
from leases import Event  # noqa: E402

CLIENT = sys.argv[1]
SEED, BLOCKS = 99, 64
results = []


def ok(cond, desc, detail=""):
    results.append((bool(cond), desc, detail))


def run_client(path, session, lines, snapshot_at=None, snapshot=None):
    """Run one session on PATH until LINES reports; return them."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    proc = subprocess.Popen([CLIENT, "write", path, str(SEED), str(session),
                             str(BLOCKS), "3", f"127.0.0.1:{port}"])
    conn, _ = srv.accept()
    out = []
    for line in conn.makefile():
        out.append(line.strip())
        if len(out) == snapshot_at:
            shutil.copyfile(path, snapshot)
        if len(out) >= lines:
            break
    proc.kill()
    proc.wait()
    conn.close()
    srv.close()
    return out


def dump(path):
    out = subprocess.run([CLIENT, "dump", path, str(BLOCKS)], check=True,
                         capture_output=True, text=True).stdout
    return {int(b): what for b, what in (l.split() for l in out.splitlines())}


def history_of(sessions):
    h = checker.History(seed=SEED, blocks=BLOCKS)
    for sid, lines in sessions.items():
        h.sessions.add(sid)
        for line in lines:
            h.add_line(sid, line)
    return h


def main():
    tmp = tempfile.mkdtemp(dir=os.environ.get("TORTURE_TMP", "."))
    try:
        run(tmp)
        lease_checks()
    finally:
        shutil.rmtree(tmp)
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (good, desc, detail) in enumerate(results, 1):
        if not good and detail:
            print("\n".join("# " + d for d in detail.splitlines()))
        print(f"{'ok' if good else 'not ok'} {i} {desc}")
    sys.exit(0 if all(r[0] for r in results) else 1)


def run(tmp):
    disk, snap = os.path.join(tmp, "disk"), os.path.join(tmp, "snap")
    with open(disk, "wb") as f:
        f.truncate(BLOCKS * 4096)
    s1 = run_client(disk, 1, 150)
    s2 = run_client(disk, 2, 150, snapshot_at=60, snapshot=snap)
    h = history_of({1: s1, 2: s2})
    final = dump(disk)
    problems = checker.check(h, final)
    ok(not problems and len(h.acks) > 200 and h.reads,
       "a true history of two sessions passes the checker",
       "\n".join(problems[:5]) + f"\n{len(h.acks)} acks")

    lost = checker.check_final(h, dump(snap))
    ok(any("was acknowledged before" in p for p in lost),
       "a disk that lost acknowledged writes is caught", "\n".join(lost[:3]))

    victim = next(b for b, w in final.items() if w != "zero")
    with open(disk, "r+b") as f:
        f.seek(victim * 4096 + 100)
        f.write(b"\xff")
    torn = checker.check_final(h, dump(disk))
    ok(any("torn or foreign" in p for p in torn), "a torn block is caught",
       "\n".join(torn[:3]))

    s, q = max(w for w in h.acks if w[0] == 2)
    b = h.acks[(s, q)]
    older = max((w for w, wb in h.acks.items() if wb == b and w < (s, q)),
                default=None)
    stale = "zero" if older is None else f"{older[0]}:{older[1]}"
    h.reads.append((2, q + 1, b, stale))
    ok(any("acknowledged before" in p for p in checker.check_reads(h)),
       "a read of an overwritten value is caught")
    h.reads[-1] = (1, 0, b, f"{s}:{q}")
    ok(any("after the read" in p for p in checker.check_reads(h)),
       "a read of a value from a later session is caught")
    other = next(x for x in range(BLOCKS) if x != b)
    h.reads[-1] = (2, q + 1, other, f"{s}:{q}")
    ok(any("never written" in p for p in checker.check_reads(h)),
       "a value in a block it was never written to is caught")


def lease_checks():
    """Node 1 leads term 1 and hands over to node 2 in term 2."""
    s = 1_000_000_000
    events = [Event(1, "a", 1 * s, 10.0, "serving", 1),
              Event(1, "a", 5 * s, 14.0, "fenced", 1),
              Event(2, "b", 7 * s, 16.0, "serving", 2)]
    h = checker.History(seed=SEED, blocks=BLOCKS)
    h.boots = {1: "a", 2: "b"}
    h.ack_times = {(1, 0): (2 * s, 3 * s), (2, 0): (8 * s, 9 * s)}
    nodes = {1: 1, 2: 2}
    found = leases.intervals(events, 30.0)
    ok(not leases.check_writes(h, nodes, found) and
       not leases.check_overlaps(found),
       "leases: a clean handover passes")
    down = leases.intervals(events[:1] + [Event(1, None, None, 12.0,
                                                "node-down", None)] +
                            events[2:], 30.0)
    ok(not leases.check_overlaps(down),
       "leases: a power cut ends the node's service")
    h.ack_times[(1, 1)] = (6 * s, 6 * s + 1000)
    ok(any("while it did not serve" in p for p in
           leases.check_writes(h, nodes, found)),
       "leases: a write completed after its node was fenced is caught")
    del h.ack_times[(1, 1)]
    events[1] = Event(1, "a", 8 * s, 17.0, "fenced", 1)
    found = leases.intervals(events, 30.0)
    ok(any("served together" in p for p in leases.check_overlaps(found)),
       "leases: two nodes serving at once are caught")
    paused_checks()


def paused_checks():
    """Node 1's VM stops at 12 s and runs again at 15 s; its lease ran
    out during the stop, but its "fenced" event comes only at 15.05 s.
    Node 2 serves from SERVE_AT."""
    s = 1_000_000_000

    def overlaps(serve_at, stopped=True):
        events = [Event(1, "a", 1 * s, 10.0, "serving", 1)]
        if stopped:
            events += [Event(1, None, None, 12.0, "node-stopped", None),
                       Event(1, None, None, 15.0, "node-running", None)]
        events += [Event(2, "b", 3 * s, serve_at, "serving", 2),
                   Event(1, "a", 6 * s, 15.05, "fenced", 1)]
        events.sort(key=lambda e: e.host)
        return leases.check_overlaps(leases.intervals(events, 30.0))

    ok(not overlaps(14.0),
       "leases: a node stopped (SIGSTOP) serves nothing while it stands still")
    ok(any("served together" in p for p in overlaps(14.0, stopped=False)),
       "leases: without the stop, the late expiry is an overlap")
    ok(any("served together" in p for p in overlaps(11.0)),
       "leases: serving together before the stop is still caught")
    frozen_checks()


def frozen_checks():
    """Node 1's VM is frozen (its clock stands still) from 12 s to 15 s;
    node 2 serves from 13 s; node 1's lease ends at FENCED_AT."""
    s = 1_000_000_000

    def overlaps(fenced_at, notes):
        events = [Event(1, "a", 1 * s, 10.0, "serving", 1),
                  Event(1, None, None, 12.0, "node-frozen", None),
                  Event(2, "b", 3 * s, 13.0, "serving", 2),
                  Event(1, None, None, 15.0, "node-running", None),
                  Event(1, "a", 4 * s, fenced_at, "fenced", 1)]
        return leases.check_overlaps(leases.intervals(events, 30.0), notes)

    notes = []
    ok(not overlaps(15.6, notes) and len(notes) == 1,
       "leases: a lease that outlives a freeze by less than a lease is "
       "reported, not failed", str(notes))
    ok(any("served together" in p for p in overlaps(16.5, [])),
       "leases: one that outlives it by more than a lease is caught")


main()
