# SPDX-License-Identifier: GPL-2.0
"""The torture runner's hands on the test bed: scripts/testbed's verbs and
the VM agent helpers of selftests/lib/vm_agents.sh, called as they are."""

import json
import os
import subprocess
import threading
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTBED = os.path.join(REPO, "scripts", "testbed")
CTL = os.path.join(REPO, "build", "agent", "stockadectl")
CLIENT = os.path.join(REPO, "build", "selftests", "vm", "torture_client")
HOST_ADDR = "10.213.0.254"        # the host's end of the test bed's bridge
LIBS = ("ktap.sh", "cluster.sh", "vm_agents.sh")


class Cluster:
    def __init__(self, nodes, read_policy, log):
        self.nodes = list(range(1, nodes + 1))
        self.testbed = os.environ.get("TESTBED", "tb")
        self.log = log                     # callable(str)
        self.env = dict(os.environ, NODES=str(nodes),
                        CLUSTER=str(uuid.uuid4()), DEVICE=str(uuid.uuid4()),
                        SECRET=uuid.uuid4().hex, LOG_BLOCKS="8192",
                        AGENTS_PORT="7820", AGENTS_READ_POLICY=read_policy)

    def tb(self, *args, timeout=60):
        """Run a test bed verb; its exit status and output."""
        try:
            p = subprocess.run([TESTBED, *map(str, args)], env=self.env,
                               capture_output=True, text=True,
                               timeout=timeout)
            return p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired:
            return 124, "timed out"

    def run(self, node, cmd, timeout=10):
        return self.tb("run", "-t", timeout, node, cmd, timeout=timeout + 5)

    def helper(self, *words, timeout=120):
        """Call a function of the shell test libraries."""
        libs = " ".join(f"source {REPO}/selftests/lib/{lib};" for lib in LIBS)
        script = f"{libs} {' '.join(map(str, words))}"
        try:
            p = subprocess.run(["bash", "-c", script], env=self.env,
                               capture_output=True, text=True,
                               timeout=timeout)
            return p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired:
            return 124, "timed out"

    def boot(self, reuse):
        if not reuse:
            rc, out = self.tb("up", len(self.nodes), timeout=300)
            if rc:
                raise RuntimeError(f"testbed up: {out}")

    def install(self):
        """Fresh disks, the relays, the agents."""
        rc, out = self.helper("agents_prepare")
        if rc:
            raise RuntimeError(f"agents_prepare: {out}")
        for n in self.nodes:
            self.start_relay(n)
        self.helper("agents_start", *self.nodes)

    def start_relay(self, node):
        """The module's events of NODE, relayed to the report server as
        they happen (before the agent starts: no lease goes unseen)."""
        self.run(node, f"pkill -f '^{CTL} monitor'; (setsid sh -c '{CTL} "
                 f"--json monitor | {CLIENT} relay {node} {HOST_ADDR}:9200'"
                 " </dev/null >/dev/null 2>&1 &)")

    def rejoin(self, node):
        """After a reboot: the module, the relay, the agent."""
        self.helper("agent_install", node)
        self.start_relay(node)
        self.helper("agents_start", node)

    def state(self, node):
        """The device as NODE's module sees it, or None if unreachable."""
        rc, out = self.run(node, f"{CTL} --json show 0", timeout=3)
        if rc:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    def states(self):
        """Every node's state, asked at once."""
        found = {}

        def ask(n):
            found[n] = self.state(n)
        threads = [threading.Thread(target=ask, args=(n,)) for n in self.nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return found

    def leader(self):
        """(node, term) of the node that leads unfenced in the newest
        term, or None."""
        best = None
        for n, st in self.states().items():
            if st and st.get("role") == "leader" and \
                    st.get("fence", {}).get("fenced") == "none" and \
                    (best is None or st["term"] > best[1]):
                best = (n, st["term"])
        return best
