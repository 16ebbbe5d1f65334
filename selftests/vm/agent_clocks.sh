#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockaded's clock monitoring on three nodes: a follower whose wall clock
# is stepped 2 s ahead, and another whose clocks run 5% fast, are each
# found clock-unhealthy within a bounded time (max_clock_offset_ms is
# 250, heartbeats every 100 ms), may not lead even when asked, and the
# stepped one is healthy again soon after its clock is put back, in
# place: its estimators find the step (core/clockskew.h).
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"
source "$(dirname "$0")/../lib/vm_agents.sh"

CLUSTER=1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
DEVICE=2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e
SECRET=agent-clocks-secret-0123456789ab
LOG_BLOCKS=1024

ktap_plan 6

healthy() {	# healthy NODE: its agent says its clock is healthy
	tb run "$1" "$CTL --json status" | grep -q '"clock_healthy":true'
}
unhealthy() { ! healthy "$1"; }

# since SECONDS_AT: seconds elapsed, with a tenth.
since() { echo "$1 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }'; }

tb clock-sync 1 2 3
agents_prepare && agents_start 1 2 3 && wait_for 30 one_leader 1 2 3 &&
	wait_for 10 healthy 1 && wait_for 10 healthy 2 && wait_for 10 healthy 3
ktap_result $? "three agents elect one leader; every clock is healthy"
lead=$(leaders 1 2 3)
set -- $(for i in 1 2 3; do [ "$i" != "$lead" ] && echo "$i"; done)
stepped=$1 fast=$2

t0=$(date +%s.%N)
tb clock-step "$stepped" +2000
wait_for 10 unhealthy "$stepped"
rc=$?
ktap_diag "node $stepped, clock stepped +2 s: unhealthy after $(since "$t0") s"
ktap_result $rc "a follower whose clock is stepped 2 s ahead is unhealthy within 10 s"

tb run "$stepped" "$CTL promote 0" >/dev/null 2>&1
sleep 3
[ "$(leaders 1 2 3)" = "$lead" ]
ktap_result $? "asked to lead, it does not: node $lead still leads alone"

t0=$(date +%s.%N)
tb clock-rate "$fast" 50000
wait_for 30 unhealthy "$fast"
rc=$?
ktap_diag "node $fast, clocks 5% fast: unhealthy after $(since "$t0") s"
tb clock-rate "$fast" 0
tb clock-sync "$fast"		# for the tests that follow
ktap_result $rc "a follower whose clocks run 5% fast is unhealthy within 30 s"

# Put right, in place, from the host's clock (a relative step of -2 s
# would not do: each clock-step loses the time its shell takes in the
# guest, 0.1 s or more under TCG, and 0.24 s off is more than half the
# margin).  Both of its estimators, and the leader's of it, find the
# step and start their offset filters over from after it, keeping the
# drift measured before.  (The 5% node's drift, from the stepped node's
# view, still counts until it leaves the drift window: a real drift,
# not a step.)  Healthy again needs a majority with the leader's clock
# judged within half the margin, from measurements: the agent was not
# restarted, and it was unhealthy.
t0=$(date +%s.%N)
tb clock-sync "$stepped"
leader_ok() {
	local st
	st=$(tb run "$1" "$CTL --json status")
	grep -q '"clock_healthy":true' <<<"$st" &&
		grep -q "{\"id\":$lead,[^}]*\"clock\":\"ok\"" <<<"$st"
}
wait_for 10 leader_ok "$stepped"
rc=$?
[ $rc -eq 0 ] || for i in 1 2 3; do
	ktap_diag "node $i: $(tb run "$i" "$CTL status" 2>&1 | grep -i 'clock\|peer')"
done
ktap_diag "node $stepped, clock put back in place: healthy again after $(since "$t0") s"
ktap_result $rc "the stepped clock put back, it is healthy again within 10 s, in place"
tb clock-sync 1 2 3		# for the tests that follow

agents_stop
ktap_result $? "the agents stop on SIGTERM"
ktap_finish
