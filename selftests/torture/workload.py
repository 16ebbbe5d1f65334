# SPDX-License-Identifier: GPL-2.0
"""The torture workload: one client session at a time on whichever node
leads, reporting over TCP to the host as it goes (so that a power cut
loses no report of an acknowledgement), and the history they make."""

import json
import os
import signal
import socket
import subprocess
import threading
import time

from checker import History
from leases import Event
from cluster import CLIENT, HOST_ADDR

BLOCKS = 2048         # the first 8 MiB of the device
READ_EVERY = 4


class ReportServer:
    """socat in the test bed's namespace hands each client connection to
    a unix socket, where this server reads it line by line."""

    def __init__(self, workdir, netns, port, history):
        self.path = os.path.join(workdir, "reports.sock")
        self.history = history
        self.lock = threading.Lock()
        self.ack_times = []             # host time of every acknowledgement
        self.events = []                # the modules' events, as relayed
        self.lines = open(os.path.join(workdir, "reports.log"), "w")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.socat = subprocess.Popen(
            ["ip", "netns", "exec", netns, "socat",
             f"TCP-LISTEN:{port},bind={HOST_ADDR},reuseaddr,fork",
             f"UNIX-CONNECT:{self.path}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)    # its children go with it
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,),
                             daemon=True).start()

    def _read(self, conn):
        """A session's reports, or a node's relayed module events."""
        lines = conn.makefile(errors="replace")
        first = lines.readline().split()
        if len(first) == 3 and first[0] == "S":
            self._session(int(first[1]), first[2], lines)
        elif len(first) == 3 and first[0] == "N":
            self._relay(int(first[1]), first[2], lines)
        conn.close()

    def _session(self, session, boot, lines):
        with self.lock:
            self.history.boots[session] = boot
        for line in lines:
            line = line.strip()
            now = time.monotonic()
            with self.lock:
                if self.lines.closed:
                    return
                self.lines.write(f"{now:.3f} {session} {line}\n")
                self.history.add_line(session, line)
                if line.startswith("W "):
                    self.ack_times.append(now)

    def _relay(self, node, boot, lines):
        for line in lines:
            f = line.split(maxsplit=2)
            if len(f) == 3 and f[0] == "M":
                self._event(node, boot, int(f[1]), f[2])
        self._event(node, boot, None, '{"event":"relay-closed"}')

    def _event(self, node, boot, mono, text):
        now = time.monotonic()
        try:
            ev = json.loads(text)
        except ValueError:
            return
        with self.lock:
            if self.lines.closed:
                return
            self.lines.write(f"{now:.3f} node{node} {mono} {text.strip()}\n")
            self.events.append(Event(node, boot, mono, now, ev.get("event"),
                                     ev.get("term")))

    def node_down(self, node):
        """NODE loses power: its relay's connection will never close."""
        with self.lock:
            self.events.append(Event(node, None, None, time.monotonic(),
                                     "node-down", None))

    def node_stopped(self, node, how):
        """NODE's VM is "stopped" (SIGSTOP) or "frozen" (QMP stop, its
        clock too) from now, or "running" again."""
        with self.lock:
            self.events.append(Event(node, None, None, time.monotonic(),
                                     f"node-{how}", None))

    def close(self):
        """Reports that arrive from now on are not part of the run."""
        os.killpg(self.socat.pid, signal.SIGKILL)
        self.socat.wait()
        self.sock.close()
        with self.lock:
            self.lines.close()


class Workload:
    """Keeps a session running on the leader until stopped."""

    def __init__(self, cluster, seed, workdir, log):
        self.cluster = cluster
        self.seed = seed
        self.log = log
        self.history = History(seed=seed, blocks=BLOCKS)
        self.reports = ReportServer(workdir, f"stockade-{cluster.testbed}",
                                    9200, self.history)
        self.leaders = []               # (node, term) as they were seen
        self.session = 0
        self.nodes = {}                 # session -> the node it ran on
        self.where = None               # (node, term) of the session
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self.thread.start()

    def finish(self):
        """No new session, and the last one ends: the data stands still."""
        self.stop.set()
        self.thread.join()
        for n in self.cluster.nodes:
            self.cluster.run(n, f"pkill -KILL -f '^{CLIENT} write '", timeout=5)

    def _start_session(self, node, term):
        """A fresh session on NODE, after any older one there is gone."""
        self.session += 1
        with self.reports.lock:
            self.history.sessions.add(self.session)
        # Before the command: it may start the client and still fail (a
        # timeout), and the client's writes must name the node they ran on.
        self.nodes[self.session] = node
        rc, out = self.cluster.run(node, f"""
            pkill -KILL -f '^{CLIENT} write '
            for i in $(seq 20); do pgrep -f '^{CLIENT} write ' >/dev/null || break; sleep 0.1; done
            ! pgrep -f '^{CLIENT} write ' >/dev/null &&
            (setsid {CLIENT} write /dev/stockade0 {self.seed} {self.session} \
                {BLOCKS} {READ_EVERY} {HOST_ADDR}:9200 \
                </dev/null >/dev/null 2>&1 &)""", timeout=5)
        if rc == 0:
            self.where = (node, term)
            self.log(f"session {self.session} on node {node} (term {term})")
        else:
            self.log(f"session {self.session} on node {node} (term {term}):"
                     f" the start did not answer (rc {rc})")
        return rc == 0

    def _session_alive(self):
        node = self.where[0]
        rc, _ = self.cluster.run(node, f"pgrep -f '^{CLIENT} write ' >/dev/null",
                                 timeout=3)
        return rc == 0

    def _loop(self):
        while not self.stop.is_set():
            lead = self.cluster.leader()
            if lead and (not self.leaders or self.leaders[-1] != lead):
                self.leaders.append(lead)
            if lead and (lead != self.where or not self._session_alive()):
                self._start_session(*lead)
            self.stop.wait(0.3)

    def longest_gap(self, since, until):
        """The longest time without an acknowledgement in [since, until]."""
        with self.reports.lock:
            times = [since] + [t for t in self.reports.ack_times
                               if since <= t <= until] + [until]
        return max(b - a for a, b in zip(times, times[1:]))
