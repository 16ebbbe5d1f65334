#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A clock step found in place, end to end on the host: two agents on
# loopback, the second with its CLOCK_REALTIME stepped through an
# LD_PRELOAD (build/selftests/host/fakeclock.so; the machine's clock is
# never touched).  Stepped 2 s ahead, both find the step and the second
# is clock-unhealthy; put back, both find that step too and it is
# healthy again within seconds, without a restart (before steps were
# found, the step stayed in the drift fit for 70 s and more).
source "$(dirname "$0")/../lib/ktap.sh"
source "$STOCKADE_REPO/selftests/lib/agents.sh"

FAKECLOCK=$STOCKADE_REPO/build/selftests/host/fakeclock.so
ktap_plan 4
# Without it the dynamic loader only warns, and nothing would be stepped.
[ -r "$FAKECLOCK" ] || ktap_diag "missing $FAKECLOCK (make -C selftests)"

echo 0 >"$TMP/step"
agents_config 1
agents_config 2
"$AGENT" -c "$TMP/a1.conf" --control "$TMP/s1.sock" 2>"$TMP/log1" &
AGENT_PID[1]=$!
FAKECLOCK_FILE=$TMP/step LD_PRELOAD=$FAKECLOCK \
	"$AGENT" -c "$TMP/a2.conf" --control "$TMP/s2.sock" 2>"$TMP/log2" &
AGENT_PID[2]=$!

# healthy N true|false: agent N's verdict on its own clock.
healthy() { grep -q "\"clock_healthy\":$2" <<<"$(agent_ask "$1" "status json")"; }
# steps N: the clock steps agent N found of its peer's clock or its own.
steps() { json_num "$(agent_ask "$1" "status json")" clock_steps; }
# wait_until SECONDS CMD...: poll CMD until it succeeds or time is up.
wait_until() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.1
	done
}

# measured N: agent N judged its peer's clock ok, from measurements (a
# fresh agent is healthy until measured otherwise); the drift is known
# after 10 s of samples.
measured() {
	local st
	st=$(agent_ask "$1" "status json")
	grep -q '"clock_healthy":true' <<<"$st" && grep -q '"clock":"ok"' <<<"$st"
}
wait_until 30 measured 1 && wait_until 5 measured 2
ktap_result $? "two agents, both clocks healthy from measurements"

echo 2000000000 >"$TMP/step"
start=$(date +%s%N)
wait_until 10 healthy 2 false
rc=$?
ktap_diag "stepped 2 s ahead: unhealthy after $((($(date +%s%N) - start) / 1000000)) ms"
sleep 3
ktap_diag "steps found: agent 1 $(steps 1), agent 2 $(steps 2)"
[ $rc -eq 0 ] && [ "$(steps 1)" = 1 ] && [ "$(steps 2)" = 1 ] && healthy 2 false
ktap_result $? "stepped 2 s ahead: unhealthy, and both agents found one step"

echo 0 >"$TMP/step"
start=$(date +%s%N)
wait_until 10 healthy 2 true
rc=$?
ktap_diag "put back: healthy again after $((($(date +%s%N) - start) / 1000000)) ms"
[ $rc -eq 0 ] && [ "$(steps 1)" = 2 ] && [ "$(steps 2)" = 2 ]
ktap_result $? "put back: healthy again within 10 s in place, the step found by both"

# The step left nothing in the drift fit: still healthy 15 s on, when
# a step kept in the fit would show as drift.
sleep 15
measured 2 && measured 1
ktap_result $? "and still healthy 15 s later"
ktap_finish
