#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockaded on three nodes: each brings its device up in the module
# (attach, peers, policies) from its configuration alone, the kernel's
# replication connections come up, the agents measure each other
# (heartbeats, round trip, clock offset), elect one leader that holds a
# lease and serves writes, elect another when the leader's machine dies
# or its agent is killed, and stop cleanly.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"
source "$(dirname "$0")/../lib/vm_agents.sh"

CLUSTER=9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b
DEVICE=0f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b3c
SECRET=agents-test-secret-0123456789ab
LOG_BLOCKS=1024

ktap_plan 17

agents_prepare
ktap_result $? "three configurations pass stockaded --check-config"

agents_start 1 2 3
all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }
wait_for 20 all_up
ktap_result $? "the agents attach the devices and the kernel's peers connect"

sleep 3
st=$(tb run 1 "$CTL --json status")
ktap_diag "$st"
grep -q '"ready":true' <<<"$st"
ktap_result $? "stockadectl status shows the agent's device ready"
n=$(grep -o '"received":[0-9]*' <<<"$st" | cut -d: -f2 | sort -n | head -n 1)
[ "${n:-0}" -gt 10 ]
ktap_result $? "node 1 hears both other agents ($n datagrams from the quieter)"
grep -o '"rtt_us":[0-9]*' <<<"$st" | cut -d: -f2 | while read -r r; do
	[ "$r" -gt 0 ] || exit 1
done
ktap_result $? "round trips are measured between VMs"

put() {		# put NODE: one block through its device; prints ms taken
	tb run -t 30 "$1" "t0=\$(date +%s%N)
		head -c 4096 /dev/urandom | dd of=/dev/stockade0 bs=4096 seek=7 \
			oflag=direct status=none &&
		echo \$(( (\$(date +%s%N) - t0) / 1000000 ))"
}
term_of() { field "$1" term; }

wait_for 20 one_leader 1 2 3
ktap_result $? "the agents elect exactly one leader"
first=$(leaders 1 2 3)
t1=$(term_of "$first")
# The module's and the agent's events, on a node that outlives the crash.
watcher=$(for i in 1 2 3; do [ "$i" != "$first" ] && echo "$i"; done | head -n 1)
tb run "$watcher" "rm -f /run/agent-events
	(setsid $CTL events </dev/null >/run/agent-events 2>&1 &)"
ms=$(put "$first")
ktap_result $? "the leader (node $first, term $t1) holds a lease and serves a write (${ms} ms)"

# The leader's machine dies: a new leader, in a newer term, serves.
others=$(for i in 1 2 3; do [ "$i" != "$first" ] && echo "$i"; done)
start=$(date +%s%N)
tb crash "$first"
wait_for 20 one_leader $others
second=$(leaders $others)
ms=$(put "$second")
took=$(( ($(date +%s%N) - start) / 1000000 ))
ktap_diag "crash of node $first to a write acknowledged by node $second: $took ms"
[ -n "$second" ] && [ "$(term_of "$second")" -gt "$t1" ] && [ -n "$ms" ]
ktap_result $? "after the leader's crash, node $second leads a newer term and serves"
ev=$(tb run "$watcher" "cat /run/agent-events")
ktap_diag "$(grep -E "peer-suspected peer=$first|role=" <<<"$ev" | tail -n 2 | tr '\n' ';')"
grep -q "agent peer-suspected peer=$first " <<<"$ev" &&
	grep -q "stockade0 peer-down .*peer=$first " <<<"$ev" &&
	grep -q "stockade0 role role=[a-z]* term=$(term_of "$second") leader=$second" <<<"$ev"
ktap_result $? "stockadectl events on node $watcher: node $first down and suspected, the new leader"
# The election that made it, seen from the watcher: it ran it, or voted.
t2=$(term_of "$second")
if [ "$watcher" = "$second" ]; then
	grep -q "stockade0 election kind=vote term=$t2 transfer=no" <<<"$ev"
else
	grep -q "stockade0 vote-granted kind=vote term=$t2 candidate=$second" <<<"$ev"
fi
ktap_result $? "the events show the vote of term $t2 on node $watcher"

# The old node comes back, with its agent: it follows.
tb start "$first" >/dev/null 2>&1
agent_rejoin "$first"
follows() { tb run "$first" "$CTL show 0 | grep -q 'role: follower'" &&
	[ "$(term_of "$first")" = "$(term_of "$second")" ]; }
wait_for 30 follows && one_leader 1 2 3
ktap_result $? "the old leader restarts and follows the new one"

# The leader's agent is killed: the module revokes its lease at once
# (the netlink socket closed), and the others elect a new leader.
second=$(leaders 1 2 3)
fenced=$(tb run "$second" "pkill -KILL -f '^$AGENT'; sleep 0.05
	$CTL --json show 0" | grep -o '"fenced":"[a-z-]*"')
ktap_diag "node $second after its agent was killed: $fenced"
grep -q no-lease <<<"$fenced"
ktap_result $? "killing the leader's agent fences its node at once"
rest=$(for i in 1 2 3; do [ "$i" != "$second" ] && echo "$i"; done)
wait_for 20 one_leader $rest
third=$(leaders $rest)
[ -n "$third" ] && put "$third" >/dev/null
ktap_result $? "and node $third takes over and serves"

# Node $second lost its agent above; start it again for what follows.
tb run "$second" "(setsid $AGENT -c /run/stockade-test/stockaded.conf \
	</dev/null >>/run/stockade-test/agent.log 2>&1 &)"
sleep 2

# The operator hands leadership over, then demotes the new leader.
to=$(for i in 1 2 3; do [ "$i" != "$third" ] && echo "$i"; done | head -n 1)
tb run "$third" "$CTL transfer-leadership 0 --to $to" >/dev/null
wait_for 10 test "$(leaders 1 2 3)" = "$to"
ktap_result $? "transfer-leadership hands the lead from node $third to node $to"
tb run "$to" "$CTL demote 0" >/dev/null
wait_for 10 eval 'l=$(leaders 1 2 3); [ -n "$l" ] && [ "$l" != "$to" ]'
ktap_result $? "demote: node $to steps down and another node leads"

# The leader is cut off from both others: check-quorum makes it step
# down within a lease, and the majority elects a leader of its own.
cut=$(leaders 1 2 3)
rest=$(for i in 1 2 3; do [ "$i" != "$cut" ] && echo "$i"; done)
for i in $rest; do tb cut "$cut" "$i"; done
sleep 2.5
! tb run "$cut" "$CTL show 0 | grep -q 'role: leader'" && one_leader $rest
ktap_result $? "a leader cut off from the majority steps down; the majority elects"
tb heal

agents_stop
ktap_result $? "the agents stop on SIGTERM"
ktap_finish
