#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One device replicated on three nodes, roles set by hand.  A write is
# acknowledged only once a majority has it; every replica's data region
# ends up identical; with one follower gone writes go on, with both gone
# a write blocks until one comes back; a follower that was down catches up
# from the leader's log.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

R=$STOCKADE_REPO
CLUSTER=8c3b1a2d-4e5f-4a6b-9c7d-8e9f0a1b2c3d
DEVICE=2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901
SECRET=replication-test-secret-0123456
PORT=7790
LOG_BLOCKS=4096
DATA_MB=8

ktap_plan 10

caught_up() {	# caught_up NODE: applied everything the leader (node 1) has
	[ "$(field "$1" applied_index)" = "$(field 1 last_index)" ]
}

# The first DATA_MB MiB of the data region, read from the backing disk.
data_sum() {
	tb run "$1" "dd if=/dev/mapper/backing bs=4096 skip=$((2 + LOG_BLOCKS)) \
		count=$((DATA_MB * 256)) iflag=direct status=none | sha256sum | cut -c1-16"
}

write() {	# write MiB OFFSET_MiB: random data through node 1's device
	tb run 1 "head -c $(($1 << 20)) /dev/urandom |
		dd of=/dev/stockade0 bs=1M seek=$2 oflag=direct iflag=fullblock status=none"
}

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
lead 1 1 || ok=1
ktap_result $ok "three replicas, node 1 leads term 1"

write 4 0 && tb run 1 "blkdiscard -o $((1 << 20)) -l $((1 << 20)) /dev/stockade0 &&
	blkdiscard -z -o $((3 << 20)) -l 65536 /dev/stockade0"
ktap_result $? "the leader's writes, a discard and a zero-out are acknowledged"
wait_for 20 caught_up 2 && wait_for 20 caught_up 3
ktap_result $? "both followers apply every committed entry"
s1=$(data_sum 1) s2=$(data_sum 2) s3=$(data_sum 3)
ktap_diag "data region sha256: $s1 $s2 $s3"
[ -n "$s1" ] && [ "$s1" = "$s2" ] && [ "$s1" = "$s3" ]
ktap_result $? "the three data regions are identical"

tb crash 3
write 1 4
ktap_result $? "with one follower down, writes go on"

tb cut 1 2
sleep 4		# both peers are now seen down
tb run 1 "rm -f /run/dd.rc; (head -c 4096 /dev/urandom | dd of=/dev/stockade0 bs=4096 \
	seek=2000 oflag=direct status=none; echo \$? >/run/dd.rc) >/dev/null 2>&1 &"
sleep 5
! tb run 1 "test -e /run/dd.rc"
ktap_result $? "with both followers gone, a write is not acknowledged"
tb heal
wait_for 30 tb run 1 "test -e /run/dd.rc"
[ "$(tb run 1 "cat /run/dd.rc")" = 0 ]
ktap_result $? "when a follower returns, the blocked write completes"

tb start 3 >/dev/null 2>&1
join 3 >/dev/null
ktap_result $? "the crashed follower rejoins with its disk"
wait_for 60 caught_up 3
ktap_result $? "it catches up from the leader's log"
s1=$(data_sum 1) s3=$(data_sum 3)
ktap_diag "data region sha256 after catch-up: $s1 $s3"
[ -n "$s1" ] && [ "$s1" = "$s3" ]
ktap_result $? "and its data region equals the leader's"

for i in 1 2 3; do
	tb run "$i" "$CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_finish
