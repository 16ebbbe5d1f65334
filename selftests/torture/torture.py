#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make torture: a seeded schedule of faults against a VM cluster running
stockaded, a workload that follows the leader, and a checker at the end.

  torture.py [--seed N] [--nodes 3|5] [--steps N] [--reuse] [--keep]

--reuse runs on a test bed that is already up (selftests/vm/torture.sh).
Prints the seed, the fault timeline, the verdict and figures; exits 1 on
a violation.  The run's directory under build/torture/ keeps the reports
and, when the run fails, the VMs' consoles."""

import argparse
import os
import random
import shutil
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checker  # noqa: E402
import nemesis  # noqa: E402
from cluster import CLIENT, REPO, Cluster  # noqa: E402
from faults import Faults  # noqa: E402
from leases import check_overlaps, check_writes, intervals  # noqa: E402
from replicas import compare_replicas  # noqa: E402
from workload import BLOCKS, Workload  # noqa: E402

SETTLE = 2.0          # seconds between a heal and the next fault
RECOVERY = 90         # seconds the healed cluster has to serve again


class Run:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.dir = os.path.join(REPO, "build", "torture",
                                f"seed-{args.seed}-{args.nodes}")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.timeline = open(os.path.join(self.dir, "timeline"), "w")
        # Half the seeds read under the lease, half by a quorum round.
        read_policy = ("lease", "quorum")[args.seed % 2]
        self.cluster = Cluster(args.nodes, read_policy, self.log)
        self.rng = random.Random(args.seed ^ 0x5eed)
        self.faults = Faults(self.cluster, self.rng, self.log)

    def log(self, msg):
        line = f"[{time.monotonic() - self.t0:7.1f}s] {msg}"
        print(line, flush=True)
        self.timeline.write(line + "\n")

    def target(self, role):
        nodes = self.cluster.nodes
        lead = self.cluster.leader()
        if role == "leader" and lead:
            return lead[0]
        if role == "follower" and lead:
            return self.rng.choice([n for n in nodes if n != lead[0]])
        return self.rng.choice(nodes)

    def nemesis(self, plan):
        for i, step in enumerate(plan, 1):
            node = self.target(step.target)
            self.log(f"fault {i}/{len(plan)}: {step.fault} on node {node}"
                     f" ({step.target}), {step.hold}s, arg {step.arg}")
            heal = self.faults.inject(step, node)
            try:
                time.sleep(step.hold)
            finally:
                heal()
            self.log(f"healed {step.fault} on node {node}")
            time.sleep(SETTLE)

    def recovered(self, workload):
        """After the heal: the cluster serves writes again."""
        acked = len(workload.history.acks)
        deadline = time.monotonic() + RECOVERY
        while time.monotonic() < deadline:
            time.sleep(1)
            if len(workload.history.acks) > acked + 10:
                return True
        return False

    def final_dump(self):
        lead = self.cluster.leader()
        if not lead:
            return None, {}
        rc, out = self.cluster.run(lead[0], f"{CLIENT} dump /dev/stockade0 "
                                   f"{BLOCKS}", timeout=60)
        if rc:
            return lead[0], {}
        return lead[0], {int(b): w for b, w in
                         (line.split() for line in out.splitlines())}

    def main(self):
        a = self.args
        plan = nemesis.schedule(a.seed, a.steps, a.nodes)
        print(f"torture: seed {a.seed}, {a.nodes} nodes, {a.steps} faults,"
              f" read_policy {self.cluster.env['AGENTS_READ_POLICY']}"
              f" (replay: make torture SEED={a.seed} NODES={a.nodes}"
              f" STEPS={a.steps}); logs in {self.dir}")
        for i, s in enumerate(plan, 1):
            print(f"  plan {i}: {s}")
        self.cluster.boot(a.reuse)
        workload = Workload(self.cluster, a.seed, self.dir, self.log)
        self.faults.on_crash = workload.reports.node_down
        self.faults.on_stop = workload.reports.node_stopped
        self.cluster.install()
        workload.start()
        start = time.monotonic()
        problems = []
        try:
            time.sleep(5)
            self.nemesis(plan)
        finally:
            self.faults.heal_all()
        self.log("all healed")
        if not self.recovered(workload):
            problems.append(f"the cluster did not serve within {RECOVERY}s"
                            " of the heal")
        workload.finish()
        end = time.monotonic()
        time.sleep(2)                  # the last reports
        workload.reports.close()
        node, dump = self.final_dump()
        if dump:
            problems += checker.check(workload.history, dump)
        else:
            problems.append("no leader could read the blocks back")
        leases = intervals(workload.reports.events, time.monotonic())
        problems += check_writes(workload.history, workload.nodes, leases)
        notes = []
        problems += check_overlaps(leases, notes)
        for note in notes:
            self.log(note)
        self.log(f"{len(leases)} times a node served, in "
                 f"{len(workload.reports.events)} module events")
        problems += compare_replicas(self.cluster, self.log)
        self.figures(workload, start, end, node)
        return problems

    def figures(self, workload, start, end, node):
        h = workload.history
        print(f"torture: {len(self.cluster.nodes)} nodes, "
              f"{self.args.steps} faults injected, "
              f"{len(h.sessions)} sessions, {len(h.acks)} writes "
              f"acknowledged, {len(h.reads)} reads checked, "
              f"{max(len(workload.leaders) - 1, 0)} leader changes, longest "
              f"unavailability {workload.longest_gap(start, end):.1f}s, "
              f"final leader node {node}")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int,
                   default=int.from_bytes(os.urandom(3), "big"))
    p.add_argument("--nodes", type=int, choices=(3, 5), default=3)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--keep", action="store_true")
    return p.parse_args()


def keep_logs(run):
    """The VMs' consoles and the agents' logs, for a failed run."""
    for n in run.cluster.nodes:
        rc, path = run.cluster.tb("console", n)
        if rc == 0 and os.path.exists(path.strip()):
            shutil.copy(path.strip(), os.path.join(run.dir, f"console{n}"))
        rc, out = run.cluster.run(n, "cat /run/stockade-test/agent.log")
        with open(os.path.join(run.dir, f"agent{n}.log"), "w") as f:
            f.write(out)


def main():
    args = parse_args()
    os.environ.setdefault("TESTBED", "torture")
    run = Run(args)
    problems = []
    try:
        problems = run.main()
    except Exception as e:      # report it as the verdict, then clean up
        traceback.print_exc()
        problems = [f"the run stopped: {e!r}"]
    finally:
        if problems or args.keep:
            keep_logs(run)
        if not args.reuse:
            run.cluster.tb("down", timeout=120)
        else:
            run.cluster.helper("agents_stop")
    verdict = "PASS" if not problems else f"FAIL ({len(problems)} problems)"
    for p in problems[:20]:
        print(f"torture: {p}")
    print(f"torture: seed {args.seed}: {verdict}")
    if not problems and not args.keep:
        shutil.rmtree(run.dir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
