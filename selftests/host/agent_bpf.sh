#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockaded's eBPF RTT measurement on loopback (as root, no module): an
# agent with a device on port P loads the sock_ops program and attaches it
# to the cgroup v2 root; TCP ping-pong on 127.0.0.1:P (standing in for the
# module's replication connection, made here by an ordinary process in
# whatever cgroup this test runs) fills the map; the status (text and
# JSON) shows BPF active and the peer's figure taken from BPF, with the
# election timeout.  On SIGTERM the program is detached and nothing is
# left pinned.  Unprivileged, the agent says BPF is off and why, and runs
# on its own round trips.
source "$(dirname "$0")/../lib/ktap.sh"

AGENT=$STOCKADE_REPO/build/agent/stockaded
CTL=$STOCKADE_REPO/build/agent/stockadectl
TMP=$(mktemp -d)
chmod 755 "$TMP"
PORT=$((20000 + RANDOM % 20000))
DPORT=$((PORT + 10))
pids=
trap 'kill $pids 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

ktap_plan 10

if [ "$(id -u)" != 0 ] || ! command -v bpftool >/dev/null; then
	for i in 1 2 3 4 5 6 7 8 9 10; do ktap_result 0 "# SKIP needs root and bpftool"; done
	ktap_finish
fi

head -c 32 /dev/urandom >"$TMP/secret"
chmod 644 "$TMP/secret"
conf() {	# conf NODE
	local j=$((3 - $1))
	cat <<CONF
[node]
id = $1
address = 127.0.0.1:$((PORT + $1))
[peer.$j]
address = 127.0.0.1:$((PORT + j))
[timing]
heartbeat_ms = 50
election_timeout_ms = 1000
lease_ms = 400
[cluster]
uuid = 4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c3
secret_file = $TMP/secret
[device.0]
uuid = 5f607182-93a4-45b6-87d8-e9f0a1b2c3d4
backing = /dev/null
port = $DPORT
CONF
}
conf 1 >"$TMP/a1.conf"
conf 2 >"$TMP/a2.conf"

ask() {		# ask SOCKET [json]: the agent's status
	python3 - "$1" "${2:-}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"status json\n" if sys.argv[2] else b"status\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())
PY
}
num() { grep -o "\"$2\":[0-9.-]*" <<<"$1" | head -n 1 | cut -d: -f2; }
cgroot=$(findmnt -n -o TARGET -t cgroup2 | head -n 1)
attached() { bpftool cgroup show "$cgroot" 2>/dev/null | grep -c stockade_rtt; }
before=$(attached)

"$AGENT" -c "$TMP/a1.conf" --control "$TMP/s1.sock" 2>"$TMP/log1" &
agent1=$!
pids="$pids $agent1"
# Agent 2 unprivileged: no capabilities, so no BPF.
mkdir "$TMP/n2" && chown nobody "$TMP/n2"
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	"$AGENT" -c "$TMP/a2.conf" --control "$TMP/n2/s2.sock" 2>"$TMP/log2" &
pids="$pids $!"
sleep 1

[ "$(attached)" -gt "${before:-0}" ]
ktap_result $? "the agent attaches stockade_rtt to the cgroup v2 root $cgroot"

# Replication-like traffic: a request/reply exchange every 5 ms for 3 s.
python3 - "$DPORT" <<'PY' &
import socket, sys, threading, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
def echo():
    c, _ = srv.accept()
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
threading.Thread(target=echo, daemon=True).start()
cl = socket.create_connection(("127.0.0.1", port))
for i in range(600):
    cl.sendall(b"x" * 512)
    got = 0
    while got < 512:
        got += len(cl.recv(4096))
    time.sleep(0.005)
PY
pids="$pids $!"
sleep 4

st=$(ask "$TMP/s1.sock" json)
ktap_diag "$st"
grep -q '"bpf":{"active":true' <<<"$st" && grep -q "\"ports\":\\[$DPORT\\]" <<<"$st"
ktap_result $? "status --json: BPF active on port $DPORT"
samples=$(num "$st" bpf_samples)
rtt=$(num "$st" bpf_rtt_us)
dev=$(num "$st" bpf_dev_us)
[ "$(grep -o '"net_source":"[a-z]*"' <<<"$st")" = '"net_source":"bpf"' ] &&
	[ "${samples:-0}" -ge 100 ] && [ "${rtt:-0}" -ge 1 ] &&
	[ "$rtt" -lt 50000 ] && [ "${dev:-0}" -ge 1 ]
ktap_result $? "the peer's RTT comes from BPF: $samples samples, $rtt us, mdev $dev us on loopback"
p50=$(num "$st" bpf_p50_us)
p99=$(num "$st" bpf_p99_us)
[ "${p50:-0}" -ge 1 ] && [ "${p99:-0}" -ge "$p50" ] && [ "$p99" -lt 10000 ]
ktap_result $? "the peer's raw-sample quantiles from the histogram: p50 $p50 us, p99 $p99 us"
# One heartbeat (50 ms, no acceptable_pause_ms) plus half of
# max(rtt, p99), or half the rtt plus the heartbeats' network p99 if
# more (agent/peer.c), within two microseconds of rounding.
w=$(num "$st" window_us)
hbp=$(num "$st" hb_net_p99_us)
late=$(( (rtt > p99 ? rtt : p99) / 2 ))
[ $((rtt / 2 + ${hbp:-0})) -le "$late" ] || late=$((rtt / 2 + hbp))
[ -n "$w" ] && [ "$w" -ge $((50000 + late - 2)) ] && [ "$w" -le $((50000 + late + 2)) ]
ktap_result $? "the heartbeat acceptance window follows p99: $w us = 50 ms + ${late} us (heartbeats' network p99 $hbp us)"
t=$(num "$st" timeout_ms)
[ "${t:-0}" -ge 150 ] && [ "$t" -le 1000 ]
ktap_result $? "the peer's election timeout is shown, within 3 heartbeats and the maximum: $t ms"

txt=$(ask "$TMP/s1.sock")
ktap_diag "$(grep -E '^bpf|network' <<<"$txt")"
grep -q "^bpf: active" <<<"$txt" && grep -q "network (bpf): rtt" <<<"$txt" &&
	grep -qE "p50 [0-9]+ us, p99 [0-9]+ us" <<<"$txt"
ktap_result $? "status (text): BPF active and the peer's network figure from bpf, with p50 and p99"

st2=$(ask "$TMP/n2/s2.sock" json)
ktap_diag "$(grep -o '"bpf":{[^}]*}' <<<"$st2")"
grep -q '"bpf":{"active":false,"reason":"cannot load the program: Operation not permitted (needs' <<<"$st2" &&
	grep -q "BPF RTT measurement off" "$TMP/log2"
ktap_result $? "unprivileged: BPF off, with the reason, in status and log"
grep -o '"net_source":"[a-z]*"' <<<"$st2" | grep -q '"agent"'
ktap_result $? "unprivileged: the peer's RTT falls back to the agent's datagrams"

kill -TERM "$agent1"
wait "$agent1"
[ "$(attached)" = "${before:-0}" ] &&
	! ls /sys/fs/bpf 2>/dev/null | grep -qi stockade
ktap_result $? "after SIGTERM the program is detached and nothing is pinned"
ktap_finish
