# SPDX-License-Identifier: GPL-2.0
"""After the heal, every replica that caught up holds the same blocks."""

import time

from workload import BLOCKS

CATCH_UP = 120        # seconds the replicas have to apply everything


def _caught_up(states, lead):
    """The nodes that applied all the leader has, none resyncing."""
    last = states[lead]["last_index"]
    return [n for n, st in states.items()
            if st and st.get("applied_index") == last and
            st.get("resync", {}).get("state", "none") in ("none", "done")]


def compare_replicas(cluster, log):
    deadline = time.monotonic() + CATCH_UP
    while True:
        lead = cluster.leader()
        states = cluster.states()
        done = _caught_up(states, lead[0]) if lead else []
        if len(done) == len(cluster.nodes) or time.monotonic() > deadline:
            break
        time.sleep(2)
    if not lead:
        return ["no leader to compare the replicas with"]
    log(f"caught up: nodes {done} of {cluster.nodes}")
    data_start = 2 + int(cluster.env["LOG_BLOCKS"])
    sums = {}
    for n in done:
        rc, out = cluster.run(n, f"dd if=/dev/mapper/backing bs=4096 "
                              f"skip={data_start} count={BLOCKS} "
                              "iflag=direct status=none | sha256sum",
                              timeout=60)
        sums[n] = out.split()[0] if rc == 0 and out else f"error {rc}"
    log(f"data sha256: " + ", ".join(f"node {n} {s[:16]}"
                                      for n, s in sums.items()))
    problems = []
    if len(set(sums.values())) > 1:
        problems.append(f"the replicas differ: {sums}")
    if len(done) < (len(cluster.nodes) // 2 + 1):
        problems.append(f"only nodes {done} caught up within {CATCH_UP}s")
    return problems
