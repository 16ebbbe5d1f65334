# SPDX-License-Identifier: GPL-2.0
#
# Two agents on loopback, without the module, for the host tests of the
# agent's control socket.  Source it after ktap.sh; it sets TMP (removed
# on exit, when the agents are stopped), CTL and AGENT.
#
#   agents_config N [EXTRA]  write $TMP/aN.conf for node N (EXTRA appended)
#   agents_start             start both agents; their pids in AGENT_PID[N]
#   agent_ask N REQUEST      the answer to one control request
#   json_num JSON KEY        the first numeric value of KEY in JSON

CTL=$STOCKADE_REPO/build/agent/stockadectl
AGENT=$STOCKADE_REPO/build/agent/stockaded
TMP=$(mktemp -d)
AGENTS_PORT=$((20000 + RANDOM % 20000))
declare -a AGENT_PID
trap 'kill ${AGENT_PID[*]} $AGENTS_EXTRA_PIDS 2>/dev/null; rm -rf "$TMP"' EXIT

head -c 32 /dev/urandom >"$TMP/secret"

agents_config() {
	local i=$1 j=$((3 - $1))
	cat >"$TMP/a$i.conf" <<CONF
[node]
id = $i
address = 127.0.0.1:$((AGENTS_PORT + i))
[peer.$j]
address = 127.0.0.1:$((AGENTS_PORT + j))
[timing]
heartbeat_ms = 50
election_timeout_ms = 500
lease_ms = 400
[cluster]
uuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2
secret_file = $TMP/secret
CONF
	[ -z "$2" ] || printf '%s\n' "$2" >>"$TMP/a$i.conf"
}

agents_start() {
	local i
	for i in 1 2; do
		[ -e "$TMP/a$i.conf" ] || agents_config $i
		"$AGENT" -c "$TMP/a$i.conf" --control "$TMP/s$i.sock" \
			2>"$TMP/log$i" &
		AGENT_PID[$i]=$!
	done
	for i in 1 2; do
		for _ in $(seq 50); do
			[ -S "$TMP/s$i.sock" ] && break
			sleep 0.1
		done
	done
}

agent_ask() {
	python3 - "$TMP/s$1.sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode(), end="")
PY
}

json_num() { grep -o "\"$2\":[0-9.-]*" <<<"$1" | head -n 1 | cut -d: -f2; }
