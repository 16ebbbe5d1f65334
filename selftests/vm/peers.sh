#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peer connections of one device on three nodes: they come up
# authenticated, notice a cut and come back after heal; a node with the
# wrong secret, or a connection speaking garbage, is refused and counted;
# a stale leader is counted and steps down as soon as it hears the newer
# term.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

R=$STOCKADE_REPO
CTL=$R/build/agent/stockadectl
CLUSTER=0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b
DEVICE=1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9
PORT=7788

ktap_plan 18


set_peers() {	# set_peers NODE SECRET
	tb run "$1" "printf '%s' '$2' >/run/secret &&
		$CTL peers 0 --node $1 --listen $(tb addr "$1"):$PORT$(peer_args "$1" $PORT) \
			--secret-file /run/secret"
}

setup() {
	tb run "$1" "insmod $R/stockade.ko &&
		$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE \
			--node $1 --log-blocks 1024 --force >/dev/null &&
		$CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE" \
		>/dev/null &&
	set_peers "$1" "a-shared-secret-of-32-bytes-long"
}

show() { tb run "$1" "$CTL --json show 0"; }

peer_state() {	# peer_state NODE PEER
	show "$1" | grep -o "\"id\":$2,[^}]*" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4
}

counter() { show "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2; }


all_up() {
	local i j
	for i in 1 2 3; do
		for j in 1 2 3; do
			[ "$i" = "$j" ] || [ "$(peer_state "$i" "$j")" = up ] || return 1
		done
	done
}

is() { [ "$(peer_state "$1" "$2")" = "$3" ]; }
term_is() { show "$1" | grep -q "\"term\":$2,"; }
follower() { show "$1" | grep -q '"role":"follower"'; }

ok=0
for i in 1 2 3; do setup "$i" || ok=1; done
ktap_result $ok "three nodes formatted, attached and given their peers"
wait_for 15 all_up
ktap_result $? "every pair of nodes connects and authenticates"

# Events from here on, as an operator's monitor would see them.
for i in 1 2; do
	tb run "$i" "(timeout 120 $CTL monitor >/run/events 2>&1 &)"
done
sleep 1

tb cut 1 2
wait_for 10 is 1 2 down && is 1 3 up
ktap_result $? "a cut link is noticed (keepalive timeout); the others stay up"
tb heal
wait_for 15 is 1 2 up
ktap_result $? "after heal the pair reconnects"

# The stale leader: node 2 is cut off while node 1 leads at a newer term.
tb cut 1 2; tb cut 2 3
wait_for 10 is 1 2 down
tb run 1 "$CTL role 0 leader --term 5" >/dev/null
wait_for 10 term_is 3 5
ktap_result $? "a follower adopts the leader's newer term"
tb run 2 "$CTL role 0 leader --term 3"
ktap_result $? "the cut-off node leads at an older term"
tb heal
wait_for 15 follower 2 && term_is 2 5
ktap_result $? "the stale leader steps down as soon as it hears term 5"
events1=$(tb run 1 "cat /run/events") events2=$(tb run 2 "cat /run/events")
ktap_diag "node1 events: $(tr '\n' ';' <<<"$events1")"
ktap_diag "node2 events: $(tr '\n' ';' <<<"$events2")"
grep -q "peer-down role=follower term=0 peer=2" <<<"$events1" &&
	grep -q "peer-up .* peer=2" <<<"$events1"
ktap_result $? "events: a peer going down and coming back"
grep -q "stockade0 role role=leader term=5 peer=0" <<<"$events1"
ktap_result $? "events: the role set by the operator"
grep -q "stepped-down role=follower term=5" <<<"$events2"
ktap_result $? "events: the stale leader stepping down"

# A fake peer 1 with the right secret talks to node 3 (the real node 1's
# connection is replaced while it does).
fake() {	# fake MODE TERM
	tb run 1 "$R/build/selftests/vm/fakepeer $(tb addr 3) $PORT 1 /run/secret \
		$CLUSTER $DEVICE $1 $2"
}
before=$(counter 3 stale_term_msgs)
fake stale 2
wait_for 5 test "$(counter 3 stale_term_msgs)" -gt "$before" &&
	term_is 3 5 && follower 3
ktap_result $? "a leader's keepalive with an older term is refused and counted"
before=$(counter 3 malformed_msgs)
fake garbage 5 &&
	wait_for 5 test "$(counter 3 malformed_msgs)" -gt "$before"
ktap_result $? "garbage after the handshake drops the connection and is counted"
before=$(counter 3 handshake_failures)
fake badmac 5 &&
	wait_for 5 test "$(counter 3 handshake_failures)" -gt "$before"
ktap_result $? "a wrong answer to the challenge is refused and counted"

before=$(counter 1 handshake_failures)
tb run 3 "head -c 200 /dev/urandom | socat -u - TCP:$(tb addr 1):$PORT"
wait_for 5 test "$(counter 1 handshake_failures)" -gt "$before"
ktap_result $? "a connection speaking garbage is refused and counted"

before=$(counter 1 handshake_failures)
set_peers 3 "not-the-secret-the-others-share"
wait_for 15 test "$(counter 1 handshake_failures)" -gt "$before" && is 1 3 down
ktap_result $? "a node with the wrong secret is refused and counted"
ktap_diag "$(tb run 1 "dmesg | grep -E 'refused|stepping down' | tail -n 3")"

out=$(tb run 1 "$CTL peers 0 --node 1 --listen $(tb addr 1):$PORT \
	--peer 2=10.213.0.2:1 --peer 2=10.213.0.3:1 --secret-file /run/secret" 2>&1)
[ $? -eq 1 ] && grep -q "peer id used twice" <<<"$out"
ktap_result $? "the module refuses a peer list with a repeated id"
out=$(tb run 1 "printf short >/run/short && $CTL peers 0 --node 1 \
	--listen $(tb addr 1):$PORT --peer 2=10.213.0.2:1 --secret-file /run/short" 2>&1)
[ $? -eq 2 ] && grep -q "16 to 64 bytes" <<<"$out"
ktap_result $? "stockadectl refuses a secret shorter than 16 bytes"

ok=0
for i in 1 2 3; do
	tb run "$i" "$CTL detach 0 && rmmod stockade" >/dev/null 2>&1 || ok=1
	out=$(tb run "$i" "dmesg | grep -E 'BUG|WARNING|Oops|refcount' || true")
	[ -z "$out" ] || { ktap_diag "node$i: $out"; ok=1; }
done
ktap_result $ok "detach and unload everywhere, with no kernel warning"
ktap_finish
