#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Power cut of the leader in the middle of a stream of writes, then the
# most up-to-date follower is promoted at a higher term (as an election
# would pick it): every write the writer saw acknowledged is there, and
# the old leader's disk, booted again, follows the new leader.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

R=$STOCKADE_REPO
CLUSTER=3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2
DEVICE=4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c3
SECRET=failover-test-secret-0123456789
PORT=7791
LOG_BLOCKS=4096
ACK_PORT=9100
ACKS=$(mktemp)
trap 'rm -f "$ACKS"; kill $listener 2>/dev/null' EXIT

ktap_plan 7

all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
wait_for 15 all_up || ok=1
lead 1 1 || ok=1
ktap_result $ok "three replicas, node 1 leads term 1"

# Acknowledgements leave node 1 as they happen, to a listener on the
# bridge (the host's end of the test network): they survive its crash.
ip netns exec "stockade-$TESTBED" socat -u "TCP-LISTEN:$ACK_PORT,reuseaddr" \
	"OPEN:$ACKS,creat,append" &
listener=$!
sleep 0.5
tb run 1 "(for i in \$(seq 0 99999); do
		yes block-\$i | head -c 4096 |
			dd of=/dev/stockade0 bs=4096 seek=\$i oflag=direct status=none || break
		echo \$i
	done | socat -u - TCP:10.213.0.254:$ACK_PORT) >/dev/null 2>&1 &"
sleep 4
tb crash 1
sleep 0.5
acked=$(wc -l <"$ACKS")
ktap_diag "writes acknowledged before the power cut: $acked"
[ "$acked" -gt 10 ]
ktap_result $? "the leader acknowledged writes until its power cut"

# Promote the follower whose log is more up to date.
t2=$(field 2 term) i2=$(field 2 last_index) i3=$(field 3 last_index)
new=2
[ "${i3:-0}" -gt "${i2:-0}" ] && new=3
ktap_diag "last index: node2 $i2, node3 $i3 (term $t2): promoting node $new"
lead $new 2
ktap_result $? "node $new leads term 2"

# Every acknowledged block reads back with its own content.  (The list
# goes in the command: the test bed's run does not pass stdin on.)
out=$(tb run $new "n=0; for i in $(tr '\n' ' ' <"$ACKS"); do
		n=\$((n + 1))
		got=\$(dd if=/dev/stockade0 bs=4096 skip=\$i count=1 iflag=direct status=none |
			head -c 20 | head -n 1)
		[ \"\$got\" = block-\$i ] || echo \$i
	done; echo checked \$n")
checked=$(sed -n 's/^checked //p' <<<"$out")
missing=$(grep -vc '^checked' <<<"$out")
ktap_diag "acknowledged blocks checked on the new leader: $checked; missing or wrong: $missing"
[ "$missing" = 0 ] && [ "$acked" -gt 0 ] && [ "$checked" = "$acked" ]
ktap_result $? "every acknowledged write survived the failover"

tb run 1 true >/dev/null 2>&1 || tb start 1 >/dev/null 2>&1
join 1 >/dev/null
ktap_result $? "the old leader boots again and rejoins"
wait_for 60 test "$(field 1 applied_index)" = "$(field $new last_index)"
ktap_result $? "it follows the new leader and catches up"
[ "$(field 1 term)" = 2 ] && tb run 1 "$CTL show 0" | grep -q 'role: follower'
ktap_result $? "it is a follower at term 2"

for i in 1 2 3; do
	tb run "$i" "$CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_finish
