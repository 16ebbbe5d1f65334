#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Full resync on three nodes with a 4 MiB log, roles set by hand:
#  - a follower that was down while the leader wrote far more than its log
#    holds is copied in full while a writer goes on; the copy shows in
#    stockadectl show; a cut in the middle only pauses it, and a restart
#    of the follower costs at most the few MiB it had not yet persisted
#    (it resumes, never restarts); the three data regions end up
#    identical and the follower applies new writes;
#  - a wiped replacement disk (create --join) may not lead before it is
#    copied, is copied no faster than the rate limit, and then follows.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

CLUSTER=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d
DEVICE=6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e
SECRET=resync-test-secret-0123456789abc
PORT=7796
LOG_BLOCKS=1024		# 4 MiB: three 1 MiB writes fill it
RATE_MIB=12		# the rate limit of the second copy, MiB/s

ktap_plan 18

all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }
caught_up() { [ "$(field "$1" applied_index)" = "$(field 1 last_index)" ]; }

# peer_field NODE PEER NAME: a value of PEER's entry in NODE's show.
peer_field() {
	tb run "$1" "$CTL --json show 0" | grep -o "{\"id\":$2,[^}]*}" |
		grep -o "\"$3\":[^,}]*" | cut -d: -f2 | tr -d '"'
}

# resync_of NODE: this replica's own resync state (none, copying...).
resync_of() {
	tb run "$1" "$CTL --json show 0" | grep -o '"resync":{"state":"[a-z-]*"' |
		cut -d'"' -f6
}

# For wait_for, which runs its command again each time:
copying_to() { [ "$(peer_field 1 "$1" resync)" = copying ]; }	# PEER
in_sync() { [ "$(resync_of "$1")" = none ]; }			# NODE
peer_up() { [ "$(peer_field 1 "$1" state)" = up ]; }		# PEER
copied_beyond() {						# PEER BLOCKS
	[ "$(peer_field 1 "$1" resync_done_blocks)" -gt "$2" ]
}

# The whole data region, read from the backing disk, on every node at once.
sums() {
	local i
	for i in "$@"; do
		tb run "$i" "dd if=/dev/mapper/backing bs=1M iflag=direct,skip_bytes \
			skip=$(((2 + LOG_BLOCKS) * 4096)) status=none |
			sha256sum | cut -c1-16" >"$TMP/sum$i" &
	done
	wait
	for i in "$@"; do cat "$TMP/sum$i"; done | tr '\n' ' '
}

# When the data regions differ: where each node is, and which MiB differ.
explain() {
	local i
	for i in 1 2 3; do
		ktap_diag "node $i: $(tb run "$i" "$CTL --json show 0" |
			grep -o '"[a-z_]*index":[0-9]*' | tr '\n' ' ')"
		tb run "$i" "for m in \$(seq 0 63); do dd if=/dev/mapper/backing bs=1M \
			iflag=direct,skip_bytes skip=\$(((2 + $LOG_BLOCKS) * 4096 + m * 1048576)) \
			count=1 status=none | md5sum | cut -c1-8; done" >"$TMP/mib$i"
	done
	ktap_diag "MiB that differ: $(paste -d' ' "$TMP/mib1" "$TMP/mib2" "$TMP/mib3" |
		awk '$1 != $2 || $1 != $3 { printf "%d ", NR - 1 }')"
	tb run 1 "cat /run/writer.log" >"$TMP/written"
	for i in 1 2 3; do
		ktap_diag "node $i: blocks unlike the writer's last write: $(blocks_unlike "$i")"
	done
	return 1
}

# blocks_unlike NODE: the blocks of the slow writer's 16 MiB whose content
# on NODE's backing disk is not what the writer wrote there last.
blocks_unlike() {
	tb run "$1" "rm -rf /run/blocks; mkdir /run/blocks; cd /run/blocks &&
		dd if=/dev/mapper/backing bs=1M count=16 iflag=direct,skip_bytes \
			skip=$(((2 + LOG_BLOCKS) * 4096)) status=none |
		split -b 4096 -d -a 4 - b && md5sum b*" |
		awk 'NR == FNR { last[$1 + 0] = $2; next }
		     { h = substr($1, 1, 8); b = substr($2, 2) + 0 }
		     (b in last) && last[b] != h { printf "%d ", b }' "$TMP/written" -
}

same_sums() {	# same_sums "A B C": all equal and not empty
	local first=${1%% *} s
	[ -n "$first" ] || return 1
	for s in $1; do [ "$s" = "$first" ] || return 1; done
}

write() {	# write MiB OFFSET_MiB: 1 MiB writes through node 1's device
	tb run -t 120 1 "head -c $(($1 << 20)) /dev/urandom |
		dd of=/dev/stockade0 bs=1M seek=$2 oflag=direct iflag=fullblock status=none"
}

# A slow writer on the leader, 4 KiB every 0.25 s within the first 16 MiB:
# the 4 MiB log holds what it writes during a whole copy.
start_writer() {
	tb run 1 "rm -f /run/stop-writer /run/writer.* /run/block
		(setsid bash -c 'n=0; while [ ! -e /run/stop-writer ]; do
			b=\$((RANDOM % 4096)); head -c 4096 /dev/urandom >/run/block
			dd if=/run/block of=/dev/stockade0 bs=4096 seek=\$b \
				oflag=direct status=none ||
				{ echo \$n >/run/writer.failed; exit 1; }
			echo \$b \$(md5sum </run/block | cut -c1-8) >>/run/writer.log
			n=\$((n + 1)); echo \$n >/run/writer.count; sleep 0.25
		done' </dev/null >/dev/null 2>&1 &)"
}

stop_writer() {
	tb run 1 "touch /run/stop-writer; sleep 1; test ! -e /run/writer.failed &&
		cat /run/writer.count"
}

# Events with the time they arrived, on NODE, in /run/events.
monitor() {
	tb run "$1" "pkill -f '^$CTL monitor'; rm -f /run/events
		(setsid bash -c '$CTL monitor | while read -r l; do
			echo \"\$(date +%s.%N) \$l\"; done >/run/events' \
			</dev/null >/dev/null 2>&1 &)"
}

# resumed_at: the block the leader last resumed the copy to node 3 at.
resumed_at() {
	tb run 1 "dmesg | grep 'resync of peer 3 resumes at block' | tail -n 1" |
		grep -o '[0-9]*$'
}

# event_time NODE NAME PEER: when NODE saw event NAME about PEER, or nothing.
event_time() {
	tb run "$1" "grep ' $2 .*peer=$3 ' /run/events | tail -n 1 | cut -d' ' -f1"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
wait_for 15 all_up || ok=1
lead 1 1 >/dev/null || ok=1
monitor 1
write 2 0 && write 2 250 && write 2 500 || ok=1
wait_for 30 caught_up 3 || ok=1
ktap_result $ok "three replicas on a 4 MiB log, node 1 leads and writes"

# --- a follower the log has moved past ---------------------------------
last3=$(field 3 last_index)
tb crash 3
write 24 16
ktap_result $? "with node 3 down, the leader writes 24 MiB (six logs' worth)"
ktap_diag "node 3 stopped at index $last3; the leader is at $(field 1 applied_index)"

start_writer
tb start 3 >/dev/null 2>&1
join 3 >/dev/null
monitor 3
wait_for 30 copying_to 3
ktap_result $? "node 3 rejoins: the leader starts a full resync"

out=$(tb run 1 "$CTL show 0" | grep 'peer 3')
ktap_diag "$out"
grep -q 'resync copying [0-9]*/[0-9]* blocks' <<<"$out"
ktap_result $? "the leader's stockadectl show has the progress"
out=$(tb run 3 "cat /sys/block/stockade0/stockade/resync; $CTL role 0 leader --term 5" 2>&1)
ktap_diag "$out"
grep -q '^[0-9]*/[0-9]*$' <<<"$out" && grep -q 'NEEDS_RESYNC' <<<"$out" &&
	[ "$(field 3 term)" = 1 ]
ktap_result $? "node 3 shows it in sysfs, and may not lead while it is copied"

# The copy's speed, unlimited but for the 100 MiB/s default.
total=$(peer_field 1 3 resync_total_blocks)
t0=$(date +%s.%N) b0=$(peer_field 1 3 resync_done_blocks)
sleep 4
t1=$(date +%s.%N) b1=$(peer_field 1 3 resync_done_blocks)
ktap_diag "copy rate: $(echo "$t0 $b0 $t1 $b1" |
	awk '{ printf "%.1f", ($4 - $2) / 256 / ($3 - $1) }') MiB/s"

wait_for 60 copied_beyond 3 $((total / 4))
before=$(peer_field 1 3 resync_done_blocks)
tb cut 1 3
sleep 5
down=$(tb run 1 "$CTL show 0" | grep -c 'peer 3 .* down')
frozen=$(peer_field 1 3 resync_done_blocks)
sleep 2
still=$(peer_field 1 3 resync_done_blocks)
tb heal
wait_for 30 peer_up 3 && wait_for 30 copied_beyond 3 "$still"
after=$(resumed_at)
ktap_diag "copied before the cut: $before, during it: $frozen then $still, resumed at: $after of $total"
[ "$down" = 1 ] && [ "$frozen" -ge "$before" ] && [ "$still" = "$frozen" ] &&
	[ "${after:-0}" -ge "$still" ] && [ "$after" -le $((still + 64)) ]
ktap_result $? "a cut pauses the copy; after the heal it goes on from there"

# Slower, so that the restart lands in the middle of the copy.
tb run 1 "$CTL policy 0 --resync-rate 8M" >/dev/null
wait_for 60 copied_beyond 3 $((after + 4096))
at_crash=$(peer_field 1 3 resync_done_blocks)
tb crash 3
tb start 3 >/dev/null 2>&1
join 3 >/dev/null
monitor 3
wait_for 30 peer_up 3 && wait_for 30 copying_to 3
resumed=$(resumed_at)
tb run 1 "$CTL policy 0 --resync-rate 100M" >/dev/null
ktap_diag "copied when node 3 crashed: $at_crash; resumed at: $resumed (persisted every 1024)"
# (chunks in flight when it crashed may have made it further)
[ "${resumed:-0}" -ge $((at_crash - 1024)) ] &&
	[ "$resumed" -le $((at_crash + 4096)) ] && [ $((resumed % 1024)) = 0 ]
ktap_result $? "a restart of node 3 resumes the copy from what it persisted"

wait_for 120 in_sync 3
ok=$?
t0=$(event_time 1 resync-start 3) t1=$(event_time 1 resync-end 3)
ktap_diag "node 3's copy, with the cut and the restart, took $(echo "$t0 $t1" |
	awk '{ printf "%.1f", $2 - $1 }') s"
ktap_result $ok "the copy completes while the writer goes on"
n=$(stop_writer)
ktap_diag "the writer wrote $n blocks meanwhile"
[ "${n:-0}" -gt 0 ]
ktap_result $? "every write of the writer succeeded"

sent=$(field 1 resync_blocks_sent)
aborts=$(field 1 resync_aborts)
ktap_diag "blocks sent: $sent of $total; copies given up: $aborts"
[ "$sent" -ge "$total" ] && [ "$sent" -lt $((total + before)) ] &&
	[ "$aborts" = 0 ]
ktap_result $? "the copy was sent once, but for what the crash lost"

wait_for 60 caught_up 3; wait_for 60 caught_up 2
s=$(sums 1 2 3)
ktap_diag "data region sha256: $s"
same_sums "$s" || explain
ktap_result $? "the three data regions are identical"

write 1 40 && wait_for 30 caught_up 3
ktap_result $? "node 3 applies new writes"
[ -n "$(event_time 1 resync-start 3)" ] && [ -n "$(event_time 1 resync-end 3)" ] &&
	[ -n "$(event_time 3 resync-end 1)" ]
ktap_result $? "resync-start and resync-end events on both sides"

# --- a wiped replacement disk ------------------------------------------
tb run 1 "$CTL policy 0 --resync-rate ${RATE_MIB}M" >/dev/null
tb run 2 "$CTL detach 0 && $CTL create /dev/mapper/backing --cluster $CLUSTER \
	--device $DEVICE --node 2 --log-blocks $LOG_BLOCKS --force --join" >/dev/null
ktap_result $? "node 2's disk is replaced: create --join"
start_writer
join 2 >/dev/null
out=$(tb run 2 "$CTL role 0 leader --term 7" 2>&1)
ktap_diag "$out"
grep -q 'NEEDS_RESYNC' <<<"$out" && [ "$(field 2 term)" != 7 ]
ktap_result $? "the new replica may not lead before its copy"

wait_for 180 in_sync 2
ok=$?
n=$(stop_writer)
t0=$(event_time 1 resync-start 2) t1=$(event_time 1 resync-end 2)
mib=$((total / 256))
secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
ktap_diag "$mib MiB copied in $secs s at ${RATE_MIB} MiB/s (at least $((mib / RATE_MIB)) s); writer: $n"
[ $ok = 0 ] && [ -n "$t0" ] && [ -n "$t1" ] &&
	awk -v s="$secs" -v m="$mib" -v r="$RATE_MIB" 'BEGIN { exit !(s >= m / r - 0.1) }'
ktap_result $? "it is copied, no faster than the rate limit"

wait_for 60 caught_up 2
s=$(sums 1 2 3)
ktap_diag "data region sha256: $s"
{ same_sums "$s" || explain; } &&
	[ "$(tb run 2 'cat /sys/block/stockade0/stockade/resync')" = none ]
ktap_result $? "then its data region equals the others' and it may vote again"

ok=0
for i in 1 2 3; do
	tb run "$i" "pkill -f '^$CTL lease'; pkill -f '^$CTL monitor'
		dmesg | grep -E 'BUG|WARNING|Oops' && exit 1
		$CTL detach 0; rmmod stockade" >/dev/null 2>&1 || ok=1
done
ktap_result $ok "no kernel warning; every node detaches"
ktap_finish
