#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The agent's own events on its control socket ("watch"), and
# stockadectl monitor --agent, on loopback without the module: the
# initial state, the failure detector's verdicts, the agent's own pauses,
# reloads, JSON output, and a watcher that does not read, which is
# dropped without slowing the agent down.
source "$(dirname "$0")/../lib/ktap.sh"
source "$STOCKADE_REPO/selftests/lib/agents.sh"

ktap_plan 11

# monitor N OUT [--json] [ARGS]: stockadectl monitor --agent on agent N,
# in the background, into OUT; returns once it has the initial state.
monitor() {
	local n=$1 out=$2 json=
	shift 2
	[ "$1" = --json ] && json=$1 && shift
	STOCKADE_CONTROL=$TMP/s$n.sock "$CTL" $json monitor --agent "$@" >"$out" 2>&1 &
	AGENTS_EXTRA_PIDS="$AGENTS_EXTRA_PIDS $!"
	MONITOR_PID=$!
	for _ in $(seq 50); do
		grep -q "synced" "$out" && return
		sleep 0.1
	done
}

STOCKADE_CONTROL=$TMP/none.sock "$CTL" monitor --agent >"$TMP/none.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "the agent does not answer" "$TMP/none.out"
ktap_result $? "monitor --agent without an agent: exit 1 and a message"

agents_start
sleep 2
monitor 1 "$TMP/mon1"
mon1=$MONITOR_PID
monitor 2 "$TMP/mon2"
ktap_diag "$(cat "$TMP/mon1")"
[ "$(head -n 1 "$TMP/mon1")" = "agent watching node=1 clock=healthy" ] &&
	[ "$(sed -n 2p "$TMP/mon1")" = "agent synced" ]
ktap_result $? "a watcher first gets the current state, then 'agent synced'"

# Agent 2 stands still for a second: agent 1 suspects it, then trusts it
# again; agent 2 notices its own pause and does not blame agent 1.
kill -STOP "${AGENT_PID[2]}"
sleep 1
kill -CONT "${AGENT_PID[2]}"
sleep 1
ktap_diag "agent 1: $(cat "$TMP/mon1")"
ktap_diag "agent 2: $(cat "$TMP/mon2")"
grep -q "^agent peer-suspected peer=2 phi=[0-9.]* silent_ms=[0-9]*$" "$TMP/mon1"
ktap_result $? "a silent peer is reported suspected"
sed -n '/peer-suspected peer=2/,$p' "$TMP/mon1" | grep -q "^agent peer-recovered peer=2 "
ktap_result $? "and recovered once it speaks again"
grep -q "^agent paused ms=[0-9]*$" "$TMP/mon2" && ! grep -q "peer-suspected" "$TMP/mon2"
ktap_result $? "the paused agent reports its own pause and suspects nobody for it"

# A reload is an event too; with --json each event is one object.
monitor 1 "$TMP/json1" --json --count 1
json=$MONITOR_PID
kill -HUP "${AGENT_PID[1]}"
sleep 0.5
grep -q "^agent reloaded changed=none$" "$TMP/mon1"
ktap_result $? "a reload is reported"
kill -0 "$json" 2>/dev/null
wait "$json"
rc=$?
ktap_diag "$(cat "$TMP/json1")"
[ $rc -eq 0 ] && [ "$(tail -n 1 "$TMP/json1")" = '{"source":"agent","event":"reloaded","changed":"none"}' ] &&
	grep -q '^{"source":"agent","event":"watching","node":1,"clock":"healthy"}$' "$TMP/json1"
ktap_result $? "--json monitor --agent --count 1: JSON objects, numbers as numbers, exit 0"

# A watcher that never reads: its buffer fills, the agent drops it, and
# it answers all the while.
python3 - "$TMP/s1.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"watch\n")
time.sleep(120)
PY
AGENTS_EXTRA_PIDS="$AGENTS_EXTRA_PIDS $!"
sleep 0.5
[ "$(json_num "$(agent_ask 1 "status json")" watchers)" = 2 ]
ktap_result $? "status counts the watchers"
slowest=0
for i in $(seq 3000); do
	kill -HUP "${AGENT_PID[1]}"
	if [ $((i % 100)) -eq 0 ]; then
		start=$(date +%s%N)
		echo status | socat -t 5 - "UNIX-CONNECT:$TMP/s1.sock" >/dev/null
		took=$((($(date +%s%N) - start) / 1000000))
		[ "$took" -gt "$slowest" ] && slowest=$took
		grep -q "dropping an event watcher" "$TMP/log1" && break
	fi
	sleep 0.001
done
sleep 0.5
st=$(agent_ask 1 "status json")
reloads=$(json_num "$st" reloads)
ktap_diag "after $i SIGHUPs: $reloads reloads; the slowest status took $slowest ms"
grep -q "^<4>dropping an event watcher that does not keep up" "$TMP/log1" &&
	[ "$(json_num "$st" watchers)" = 1 ] && [ "$slowest" -lt 1000 ]
ktap_result $? "a watcher that does not read is dropped; the agent answers all along"
[ "$(grep -c "^agent reloaded" "$TMP/mon1")" -eq "$reloads" ]
ktap_result $? "the watcher that reads got every event: $reloads reloads"

kill -TERM "${AGENT_PID[1]}"
wait "$mon1"
rc=$?
[ $rc -eq 1 ] && grep -q "the agent closed the connection" "$TMP/mon1"
ktap_result $? "monitor --agent ends with exit 1 when the agent stops"
ktap_finish
