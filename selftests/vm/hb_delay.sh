#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The heartbeat path's kernel timestamps on three VMs (Debian's 6.1
# kernel): every agent loads the tc programs (CO-RE; 6.1's verifier) and
# attaches them through clsact on eth0; the agents split each datagram's
# delay into network and local.  Then:
#   - 'netem delay 30ms' on the traffic from a follower F to the leader L
#     (tb netem F L): L sees F's datagrams 20 to 60 ms late on the network,
#     and its own part stays under 20 ms;
#   - F's agent stopped (SIGSTOP) for 600 ms: F sees what waited in its
#     socket as local (at least 400 ms), counts a stall of its own, and
#     the network part's p99 of its peers' datagrams stays under 50 ms
#     while the local part's is over 100 ms;
#   - on SIGTERM the filters are gone, and the clsact qdisc the agents
#     created with them.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"
source "$(dirname "$0")/../lib/vm_agents.sh"

CLUSTER=8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f
DEVICE=9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a
SECRET=hb-delay-secret-0123456789abcdef
LOG_BLOCKS=1024

ktap_plan 7

# peer NODE ID KEY...: the KEYs of peer ID in NODE's agent status.
peer() {
	tb run "$1" "$CTL --json status" | python3 -c '
import json, sys
st = json.load(sys.stdin)["agent"]
p = [p for p in st["peers"] if p["id"] == int(sys.argv[1])][0]
print(" ".join(str(p[k]) for k in sys.argv[2:]))' "${@:2}"
}
# agent NODE KEY: a top-level KEY of NODE's agent status (JSON).
agent() {
	tb run "$1" "$CTL --json status" | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["agent"][sys.argv[1]]))' "$2"
}

cleanup() {
	[ -n "${F:-}" ] && [ -n "${L:-}" ] && tb netem "$F" "$L" off >/dev/null 2>&1
	[ -n "${F:-}" ] && tb run "$F" "pkill -CONT -f '^$AGENT'" >/dev/null 2>&1
}
trap cleanup EXIT

# A clsact qdisc that was there before (an agent killed by an earlier
# test on the same test bed leaves one) is not ours to remove.
clsact() { tb run "$1" "tc qdisc show dev eth0 | grep -c clsact"; }
for i in 1 2 3; do had_clsact[$i]=$(clsact "$i"); done
agents_prepare && agents_start 1 2 3 && wait_for 30 one_leader 1 2 3
ktap_result $? "three agents elect one leader"
L=$(leaders 1 2 3)
F=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | head -n 1)
sleep 2

ok=0
for i in 1 2 3; do
	t=$(agent "$i" tc)
	ktap_diag "node $i: $t"
	grep -q '"active": true' <<<"$t" && grep -q '"ifaces": \["eth0"\]' <<<"$t" &&
		[ "$(tb run "$i" "tc filter show dev eth0 ingress | grep -c stockade_hb_in")" = 1 ] ||
		ok=1
done
ktap_result $ok "the tc programs load on 6.1 and attach to every node's eth0 through clsact"

set -- $(peer "$L" "$F" hb_stamps hb_split hb_net_us hb_local_us)
ktap_diag "calm, leader $L for node $F: stamps $1, $2 split, network $3 us, local $4 us"
[ "$1" = tc ] && [ "${2:-0}" -ge 10 ] && [ "${3:-99999}" -lt 20000 ]
ktap_result $? "calm: node $L splits node $F's datagrams from tc stamps ($2), network $3 us"

tb netem "$F" "$L" delay 30ms
sleep 3
set -- $(peer "$L" "$F" hb_net_us hb_net_p99_us hb_local_us hb_local_p99_us)
ktap_diag "netem 30 ms: network $1 us (p99 $2), local $3 us (p99 $4)"
[ "${1:-0}" -ge 20000 ] && [ "$1" -le 60000 ] && [ "${3:-99999}" -lt 20000 ]
ktap_result $? "netem delay 30 ms from $F to $L: the network part is $(( ${1:-0} / 1000 )) ms, the local $(( ${3:-0} / 1000 )) ms"
tb netem "$F" "$L" off

sleep 3
tb run "$F" "pkill -STOP -f '^$AGENT'; sleep 0.6; pkill -CONT -f '^$AGENT'"
sleep 2
set -- $(peer "$F" "$L" hb_local_max_us hb_held_stalls hb_net_us)
held=$(agent "$F" held_pauses)
ktap_diag "node $F stopped 600 ms, for leader $L: local max $1 us, $2 stall(s), network $3 us; held_pauses $held"
[ "${1:-0}" -ge 400000 ] && [ "${2:-0}" -ge 1 ] && [ "${held:-0}" -ge 1 ] &&
	[ "${3:-99999}" -lt 50000 ]
ktap_result $? "a stopped agent sees the delay as its own: local up to $(( ${1:-0} / 1000 )) ms, network $(( ${3:-0} / 1000 )) ms"
# The datagrams held are 2-3% of those received so far: counted as
# network they would put its p99 in the hundreds of ms.  (The netem run
# raised L's figures toward F, not F's toward L; the largest network
# delay under TCG, tens of ms, says nothing.)
ok=0
for i in 1 2 3; do
	[ "$i" = "$F" ] && continue
	set -- $(peer "$F" "$i" hb_net_p99_us hb_net_max_us hb_local_p99_us hb_split)
	ktap_diag "node $F for node $i: network p99 $1 us (max $2), local p99 $3 us, $4 datagrams"
	[ "${1:-999999}" -lt 50000 ] && [ "${3:-0}" -ge 100000 ] || ok=1
done
ktap_result $ok "and none of it counts as network delay: network p99 under 50 ms, local p99 over 100 ms"

agents_stop
ok=$?
for i in 1 2 3; do
	n=$(tb run "$i" "tc filter show dev eth0 ingress 2>/dev/null | grep -c stockade; tc filter show dev eth0 egress 2>/dev/null | grep -c stockade")
	q=$(clsact "$i")
	ktap_diag "node $i after stop: filters $(tr '\n' ' ' <<<"$n")clsact $q (before: ${had_clsact[$i]})"
	[ "$(tr -d ' \n' <<<"$n")" = 00 ] && [ "$q" -le "${had_clsact[$i]}" ] || ok=1
done
ktap_result $ok "the agents stop on SIGTERM and leave no filter and no clsact qdisc of theirs behind"
ktap_finish
