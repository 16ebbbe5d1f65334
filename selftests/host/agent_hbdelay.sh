#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The heartbeat path's kernel timestamps, on the host, in a network
# namespace of our own (its loopback only; deleted at the end): two
# agents attach the tc programs (clsact, one filter each per direction,
# the agent's port as handle), the programs stamp their datagrams at
# ingress and egress (IPv4, and IPv6 from a stand-in sender), and the
# agents split each datagram's delay into network and local.  Agent 2 is
# stopped (SIGSTOP) for 400 ms: the delay of what waited in its socket is
# local, not network, it counts one stall of its own, and it does not
# suspect its peer.  A killed agent's filters are replaced at its
# restart; on exit the filters go, and the clsact qdisc goes only if the
# agent created it.  Unprivileged, tc is off with its reason and the
# socket's timestamps stand in.
source "$(dirname "$0")/../lib/ktap.sh"

AGENT=$STOCKADE_REPO/build/agent/stockaded
TMP=$(mktemp -d)
chmod 755 "$TMP"
NS=stk-hb-$$
PORT=$((20000 + RANDOM % 20000))
pids=
cleanup() {
	kill $pids 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_plan 12

if [ "$(id -u)" != 0 ] || ! command -v tc >/dev/null; then
	for i in $(seq 12); do ktap_result 0 "# SKIP needs root and tc"; done
	ktap_finish
fi

ip netns add "$NS" && ip -n "$NS" link set lo up
nsx() { ip netns exec "$NS" "$@"; }

head -c 32 /dev/urandom >"$TMP/secret"
chmod 644 "$TMP/secret"
for i in 1 2; do
	j=$((3 - i))
	cat >"$TMP/a$i.conf" <<CONF
[node]
id = $i
address = 127.0.0.1:$((PORT + i))
[peer.$j]
address = 127.0.0.1:$((PORT + j))
[timing]
heartbeat_ms = 50
election_timeout_ms = 500
lease_ms = 400
[cluster]
uuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2
secret_file = $TMP/secret
CONF
done

declare -a PID
start() {	# start N [setpriv args...]: agent N in the namespace
	local n=$1
	shift
	rm -f "$TMP/s$n.sock"
	# ip netns exec execs the agent: $! is the agent itself.
	ip netns exec "$NS" "$@" "$AGENT" -c "$TMP/a$n.conf" \
		--control "$TMP/s$n.sock" 2>>"$TMP/log$n" &
	PID[$n]=$!
	pids="$pids $!"
	for _ in $(seq 50); do
		[ -S "$TMP/s$n.sock" ] && break
		sleep 0.1
	done
}
ask() {		# ask N [json]
	python3 - "$TMP/s$1.sock" "${2:-}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"status json\n" if sys.argv[2] else b"status\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())
PY
}
num() { grep -o "\"$2\":[0-9.-]*" <<<"$1" | head -n 1 | cut -d: -f2; }
# filters DIR PORT: our filters for PORT's agent on lo's DIR hook
filters() {
	nsx tc filter show dev lo "$1" |
		grep -c "handle 0x$(printf %x "$2") stockade_hb_"
}
clsact() { nsx tc qdisc show dev lo | grep -c clsact; }

start 1
start 2
sleep 2
[ "$(filters ingress $((PORT + 1)))" = 1 ] &&
	[ "$(filters egress $((PORT + 1)))" = 1 ] &&
	[ "$(filters ingress $((PORT + 2)))" = 1 ] &&
	[ "$(filters egress $((PORT + 2)))" = 1 ] && [ "$(clsact)" = 1 ]
ktap_result $? "both agents attach one filter each at ingress and egress of lo's clsact"

st=$(ask 1 json)
ktap_diag "$(grep -o '"tc":{[^}]*}' <<<"$st")"
in=$(num "$st" stamped_in)
out=$(num "$st" stamped_out)
found=$(num "$st" found_in)
rcvd=$(num "$st" received)
grep -q '"tc":{"active":true,"port":'$((PORT + 1))',"ifaces":\["lo"\]' <<<"$st" &&
	[ "${in:-0}" -ge 20 ] && [ "${out:-0}" -ge 20 ] &&
	[ "${found:-0}" -ge $((rcvd - 2)) ]
ktap_result $? "tc active on lo: $in datagrams stamped in, $out out; $found of $rcvd received had their stamp"

split=$(num "$st" hb_split)
tx=$(num "$st" hb_tx_stamped)
net=$(num "$st" hb_net_p99_us)
grep -q '"hb_stamps":"tc"' <<<"$st" && [ "${split:-0}" -ge 20 ] &&
	[ "${tx:-0}" -ge 20 ] && [ "${net:-99999}" -lt 20000 ]
ktap_result $? "the split uses the tc stamps: $split split, $tx sent stamped at egress, network p99 $net us"

# An IPv6 datagram to agent 1's port: no socket takes it, so its stamp
# stays in the ingress map, under ::1 and its sequence number.
nsx python3 - $((PORT + 1)) <<'PY'
import socket, struct, sys
body = struct.pack("<IBBBBHHIIIQ", 0x484b5453, 1, 8, 0, 0, 0, 0, 2, 1, 0,
                   0x1122334455667788)
body += b"\0" * (152 - len(body))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(body, ("::1", int(sys.argv[1])))
PY
bpftool -j map dump name hb_ingress 2>/dev/null | python3 -c '
import json, sys
want = [0] * 15 + [1] + [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
maps = json.load(sys.stdin)
if maps and isinstance(maps[0], dict) and "elements" in maps[0]:
    entries = [e for m in maps for e in m["elements"]]
else:
    entries = maps
sys.exit(0 if any([int(b, 16) for b in e["key"]] == want
                  for e in entries) else 1)'
ktap_result $? "an IPv6 agent datagram on ::1 is stamped at ingress, keyed by ::1 and its number"

# Agent 2 stands still for 400 ms.
kill -STOP "${PID[2]}"
sleep 0.4
kill -CONT "${PID[2]}"
sleep 1
st=$(ask 2 json)
ktap_diag "$(grep -E 'clock:|heartbeat delay' <<<"$(ask 2)")"
lmax=$(num "$st" hb_local_max_us)
nmax=$(num "$st" hb_net_max_us)
stalls=$(num "$st" hb_held_stalls)
held=$(num "$st" held_pauses)
[ "${lmax:-0}" -ge 250000 ] && [ "${nmax:-999999}" -lt 50000 ] &&
	[ "${stalls:-0}" -ge 1 ] && [ "${held:-0}" -ge 1 ]
ktap_result $? "stopped 400 ms: local delay up to $lmax us, network at most $nmax us, $stalls stall(s) of its own"
! grep -q "peer 1 suspected" "$TMP/log2" &&
	grep -q "a datagram of peer 1 waited" "$TMP/log2"
ktap_result $? "the stopped agent does not suspect its peer, and logs the delay as its own"
st=$(ask 1 json)
nmax=$(num "$st" hb_net_max_us)
[ "${nmax:-999999}" -lt 50000 ]
ktap_result $? "its peer's view: the silence was not network delay (max $nmax us)"

# Killed, agent 1 leaves its filters; started again, it replaces them.
kill -KILL "${PID[1]}"
wait "${PID[1]}" 2>/dev/null
start 1
sleep 1
[ "$(filters ingress $((PORT + 1)))" = 1 ] &&
	[ "$(filters egress $((PORT + 1)))" = 1 ] &&
	grep -q '"tc":{"active":true' <<<"$(ask 1 json)"
ktap_result $? "after SIGKILL and a restart, still one filter per direction for agent 1"

# Agent 1 made the clsact qdisc, but the SIGKILL lost that: it is not
# its own now and stays.  Agent 2 goes first, then agent 1.
for n in 2 1; do
	kill -TERM "${PID[$n]}"
	wait "${PID[$n]}"
done
[ "$(nsx tc filter show dev lo ingress | grep -c stockade)" = 0 ] &&
	[ "$(nsx tc filter show dev lo egress | grep -c stockade)" = 0 ] &&
	[ "$(clsact)" = 1 ]
ktap_result $? "on SIGTERM the filters are gone, and a clsact the agents did not create stays"

nsx tc qdisc del dev lo clsact
: >"$TMP/log1"
start 1
sleep 0.5
kill -TERM "${PID[1]}"
wait "${PID[1]}"
ktap_diag "$(grep -E "cannot|libbpf" "$TMP/log1")"
[ "$(clsact)" = 0 ] && grep -q "tc heartbeat timestamps on" "$TMP/log1" &&
	! grep -qE "cannot (detach|remove)|libbpf" "$TMP/log1"
ktap_result $? "an agent that created the clsact qdisc, alone on it, removes it on exit, without a warning"

# Unprivileged: no tc, the socket's timestamps.
mkdir "$TMP/u" && chown nobody "$TMP/u"
sed -i "s|^secret_file.*|secret_file = $TMP/secret|" "$TMP/a2.conf"
start 1
ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all "$AGENT" -c "$TMP/a2.conf" --control "$TMP/u/s2.sock" 2>"$TMP/logu" &
pids="$pids $!"
sleep 2
st=$(python3 - "$TMP/u/s2.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"status json\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())
PY
)
ktap_diag "$(grep -o '"tc":{[^}]*}' <<<"$st")"
grep -q '"tc":{"active":false,"reason":"cannot load the programs: Operation not permitted' <<<"$st" &&
	grep -q "tc heartbeat timestamps off" "$TMP/logu"
ktap_result $? "unprivileged: tc off, with the reason, in status and log"
split=$(num "$st" hb_split)
grep -q '"hb_stamps":"socket"' <<<"$st" && [ "${split:-0}" -ge 20 ]
ktap_result $? "unprivileged: the split comes from SO_TIMESTAMPNS ($split datagrams)"
ktap_finish
