#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A failing backing device (dm-error under /dev/mapper/backing):
#  - pass-on on a follower: its failed log writes are not acknowledged,
#    the leader retries, and it catches up when the disk comes back;
#  - detach (the default) on a follower: it stops acknowledging and can
#    no longer lead, while the other two go on;
#  - detach on the leader: its write fails, it steps down and fences.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

CLUSTER=7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f
DEVICE=8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a
SECRET=diskerr-test-secret-0123456789
PORT=7795
LOG_BLOCKS=1024

ktap_plan 8

all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }
put() {		# put NODE BLOCK: a block of random data, O_DIRECT
	tb run -t 30 "$1" "head -c 4096 /dev/urandom |
		dd of=/dev/stockade0 bs=4096 seek=$2 oflag=direct status=none"
}
json() { tb run "$1" "$CTL --json show 0"; }
caught_up() { [ "$(field "$1" applied_index)" = "$(field 1 last_index)" ]; }

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
wait_for 15 all_up || ok=1
lead 1 1 >/dev/null || ok=1
put 1 0 || ok=1
ktap_result $ok "three replicas, node 1 leads and writes"

# pass-on on node 3: the error goes back to the leader as a refused
# append; node 3 keeps its disk and catches up once it heals.
tb run 3 "$CTL policy 0 --disk-error pass-on"
tb disk 3 error
put 1 1 && put 1 2
ok=$?
sleep 1
tb disk 3 ok
wait_for 20 caught_up 3 || ok=1
out=$(json 3)
grep -q '"disk":"ok"' <<<"$out" && grep -q '"io_errors":[1-9]' <<<"$out" || ok=1
ktap_result $ok "pass-on: a follower's failed log writes are retried; it catches up"

# detach (the default) on node 2.
tb disk 2 error
put 1 3 && put 1 4
ktap_result $? "with node 2's disk failing, node 1 and node 3 go on"
wait_for 10 eval 'json 2 | grep -q "\"disk\":\"failed\""'
out=$(json 2)
ktap_diag "$out"
grep -q '"fenced":"disk-failed"' <<<"$out"
ktap_result $? "detach: node 2 marks its disk failed and fences"
out=$(tb run 2 "$CTL role 0 leader --term 9" 2>&1)
[ $? -ne 0 ] && grep -q "backing device failed" <<<"$out"
ktap_result $? "a node with a failed disk cannot lead: $out"
before=$(field 1 commit_index)
tb disk 2 ok
put 1 5
[ "$(field 2 applied_index)" -lt "$(field 1 commit_index)" ] &&
	[ "$(field 1 commit_index)" -gt "$before" ]
ktap_result $? "a detached node acknowledges nothing, even after its disk returns"

# detach on the leader: the write that meets the error fails.
tb disk 1 error
put 1 6
[ $? -ne 0 ]
ktap_result $? "the leader's write fails when its disk does"
out=$(json 1)
grep -q '"role":"follower"' <<<"$out" && grep -q '"fenced":"disk-failed"' <<<"$out"
ktap_result $? "the leader steps down and fences"
tb disk 1 ok

for i in 1 2 3; do
	tb run "$i" "pkill -f '^$CTL lease'; $CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_finish
