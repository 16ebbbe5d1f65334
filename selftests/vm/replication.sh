#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One device replicated on three nodes, roles set by hand.  A write is
# acknowledged only once a majority has it; every replica's data region
# ends up identical; with one follower gone writes go on, with both gone
# a write blocks until one comes back; a follower that was down catches up
# from the leader's log.  Concurrent writers share log writes (group
# commit) on the leader and on the followers.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

R=$STOCKADE_REPO
CLUSTER=8c3b1a2d-4e5f-4a6b-9c7d-8e9f0a1b2c3d
DEVICE=2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901
SECRET=replication-test-secret-0123456
PORT=7790
LOG_BLOCKS=4096
DATA_MB=10

ktap_plan 13

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

# Old contents where the data region will be, on node 2 only: create
# must zero it, or the replicas would differ where nothing was written.
tb run 2 "head -c 1048576 /dev/urandom | dd of=/dev/mapper/backing bs=1M \
	seek=$(((2 + LOG_BLOCKS) * 4096 + (8 << 20))) oflag=direct,seek_bytes status=none"
ok=0
t0=$(date +%s.%N)
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
ktap_diag "three creates (zeroing $(tb run 1 "blockdev --getsize64 /dev/mapper/backing" |
	awk '{ printf "%d", $1 / 1048576 }') MiB each) and attaches took $(echo "$t0 $(date +%s.%N)" |
	awk '{ printf "%.1f", $2 - $1 }') s"
lead 1 1 || ok=1
ktap_result $ok "three replicas, node 1 leads term 1"

write 4 0 && tb run 1 "blkdiscard -o $((1 << 20)) -l $((1 << 20)) /dev/stockade0 &&
	blkdiscard -z -o $((3 << 20)) -l 65536 /dev/stockade0"
ktap_result $? "the leader's writes, a discard and a zero-out are acknowledged"
# Group commit: 16 writers of 4 KiB blocks at once, 64 blocks each.
counters() {	# counters NODE: "entries writes" of its log so far
	echo "$(field "$1" log_entries) $(field "$1" log_writes)"
}
read -r e1 w1 <<<"$(counters 1)"
read -r e2 w2 <<<"$(counters 2)"
tb run -t 120 1 "for w in \$(seq 0 15); do
	dd if=/dev/urandom of=/dev/stockade0 bs=4096 count=64 \
		seek=\$((1024 + w * 64)) oflag=direct status=none &
done; ok=0; for w in \$(seq 1 16); do wait -n || ok=1; done; exit \$ok"
ktap_result $? "16 concurrent writers: every write is acknowledged"
wait_for 20 caught_up 2
read -r e1b w1b <<<"$(counters 1)"
read -r e2b w2b <<<"$(counters 2)"
ktap_diag "leader: $((e1b - e1)) entries in $((w1b - w1)) log writes; follower: $((e2b - e2)) in $((w2b - w2))"
[ $((e1b - e1)) -ge 1024 ] && [ $((w1b - w1)) -lt $(((e1b - e1) / 2)) ] &&
	[ $((e2b - e2)) -ge 1024 ] && [ $((w2b - w2)) -lt $(((e2b - e2) / 2)) ]
ktap_result $? "they take fewer than half as many log writes, on the leader and a follower"

wait_for 20 caught_up 2 && wait_for 20 caught_up 3
ktap_result $? "both followers apply every committed entry"
s1=$(data_sum 1) s2=$(data_sum 2) s3=$(data_sum 3)
ktap_diag "data region sha256: $s1 $s2 $s3"
[ -n "$s1" ] && [ "$s1" = "$s2" ] && [ "$s1" = "$s3" ]
ktap_result $? "the three data regions are identical"
[ "$(tb run 2 "dd if=/dev/mapper/backing bs=1M count=1 iflag=direct,skip_bytes \
	skip=$(((2 + LOG_BLOCKS) * 4096 + (8 << 20))) status=none | tr -d '\\0' | wc -c")" = 0 ]
ktap_result $? "create zeroed the old contents of node 2's data region"

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
