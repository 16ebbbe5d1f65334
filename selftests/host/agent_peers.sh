#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two agents on loopback (no module needed): they exchange authenticated
# datagrams, measure round trip and clock offset, refuse forged and
# replayed datagrams, answer status on their control socket, and notice
# when their peer goes silent.
source "$(dirname "$0")/../lib/ktap.sh"

AGENT=$STOCKADE_REPO/build/agent/stockaded
TMP=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
trap 'kill $pids 2>/dev/null; rm -rf "$TMP"' EXIT

ktap_plan 6

head -c 32 /dev/urandom >"$TMP/secret"
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
	"$AGENT" -c "$TMP/a$i.conf" --control "$TMP/s$i.sock" 2>"$TMP/log$i" &
	pids="$pids $!"
done

ask() {		# ask NODE: its status, as JSON
	python3 - "$TMP/s$1.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"status json\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())
PY
}
num() { grep -o "\"$2\":[0-9.-]*" <<<"$1" | head -n 1 | cut -d: -f2; }

sleep 3
st=$(ask 1)
ktap_diag "$st"
[ "$(num "$st" received)" -gt 20 ]
ktap_result $? "the agents hear each other (heartbeat 50 ms)"
rtt=$(num "$st" rtt_us)
[ -n "$rtt" ] && [ "$rtt" -gt 0 ] && [ "$rtt" -lt 100000 ]
ktap_result $? "round trip measured from the echoed timestamps: $rtt us"
off=$(num "$st" offset_us)
[ -n "$off" ] && [ "${off#-}" -lt 10000 ]
ktap_result $? "clock offset between two agents on one host: $off us"

# A forged datagram (right size, wrong MAC) and garbage are refused.
head -c 152 /dev/urandom | socat -u - "UDP:127.0.0.1:$((PORT + 1))"
head -c 7 /dev/urandom | socat -u - "UDP:127.0.0.1:$((PORT + 1))"
sleep 0.3
st=$(ask 1)
[ "$(num "$st" bad_mac)" -ge 2 ]
ktap_result $? "forged and truncated datagrams are refused and counted"

# Agent 2 stops: agent 1 suspects it.
kill -STOP ${pids##* }
sleep 2
st=$(ask 1)
ktap_diag "$st"
grep -q '"suspect":true' <<<"$st"
ktap_result $? "a silent peer is suspected (phi)"
kill -CONT ${pids##* }
sleep 1
grep -q '"suspect":false' <<<"$(ask 1)"
ktap_result $? "and trusted again once it speaks"
ktap_finish
