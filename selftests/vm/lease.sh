#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fenced leases on three nodes, driven by 'stockadectl lease --hold' (the
# agent's part until step 4):
#  - a lease holder that is SIGSTOPped: its node fences at expiry;
#  - the case the project exists for: node 1 leads term 33 and is paused
#    for three leases; node 2 leads term 34 and writes; node 1 comes back
#    and tries to write: nothing of node 1 completes, every replica has
#    node 2's data;
#  - the same with a frozen VM (its clock stands still, so its lease still
#    looks live when it thaws): its writes still never complete, and the
#    window in which read = lease can serve a stale read is measured;
#  - a new leader's first I/O comes no earlier than the clock-bound wait.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

CLUSTER=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d
DEVICE=6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e
SECRET=lease-test-secret-0123456789ab
PORT=7793
LOG_BLOCKS=1024
MAX_LEASE=2s
LEASE_MS=2000
BLOCK=300		# the block both leaders write

ktap_plan 15

now_ms() { tb run "$1" "echo \$((\$(date +%s%N) / 1000000))"; }
fenced() { tb run "$1" "$CTL --json show 0" | grep -o '"fenced":"[a-z-]*"' | cut -d'"' -f4; }
# put NODE CHAR: one block of CHAR at $BLOCK through NODE's device
put() {
	tb run -t 30 "$1" "yes $2 2>/dev/null | head -c 4096 |
		dd of=/dev/stockade0 bs=4096 seek=$BLOCK oflag=direct status=none"
}
# the block as the device shows it, and as NODE's data region holds it
show_block() {
	tb run "$1" "dd if=/dev/stockade0 bs=4096 skip=$BLOCK count=1 iflag=direct status=none | head -c 1"
}
disk_block() {
	tb run "$1" "dd if=/dev/mapper/backing bs=4096 skip=$((2 + LOG_BLOCKS + BLOCK)) \
		count=1 iflag=direct status=none | head -c 1"
}
all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }
# read_until_fenced NODE STALE: read $BLOCK on NODE until its device fails.
# Prints the reads served, how many returned STALE, the ms to the last
# stale one, and the ms to the failure.
read_until_fenced() {
	tb run -t 30 "$1" "t0=\$(date +%s%N) reads=0 stale=0 last=\$t0
	while c=\$(dd if=/dev/stockade0 bs=4096 skip=$BLOCK count=1 iflag=direct \
			status=none 2>/dev/null | head -c 1) && [ -n \"\$c\" ]; do
		reads=\$((reads + 1))
		[ \"\$c\" = $2 ] && stale=\$((stale + 1)) last=\$(date +%s%N)
	done
	echo \$reads \$stale \$(( (last - t0) / 1000000 )) \$(( (\$(date +%s%N) - t0) / 1000000 ))"
}
applied_all() { [ "$(field "$1" applied_index)" = "$(field "$2" commit_index)" ]; }

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
wait_for 15 all_up || ok=1
lead 1 33 >/dev/null || ok=1
put 1 a || ok=1
ktap_result $ok "node 1 leads term 33 under a renewed lease and writes"

# The holder stops renewing: the module fences on its own at expiry.
# Timed inside the VM: from the stop to the first failed write.
holder=$(tb run 1 "pgrep -f '^$CTL lease'")
took=$(tb run -t 30 1 "t0=\$(date +%s%N); kill -STOP $holder
	while dd if=/dev/zero of=/dev/stockade0 bs=4096 seek=1 count=1 \
		oflag=direct status=none 2>/dev/null; do :; done
	echo \$(( (\$(date +%s%N) - t0) / 1000000 ))")
ktap_diag "holder stopped: the first write failed after $took ms (lease $LEASE_MS ms, renewed every $((LEASE_MS / 4)) ms)"
[ "$took" -le $((LEASE_MS + 300)) ] && [ "$(fenced 1)" = lease-expired ]
ktap_result $? "a stopped lease holder: writes fail at lease expiry (lease-expired)"
tb run 1 "kill -CONT $holder"
wait_for 5 test "$(fenced 1)" = none
put 1 b
ktap_result $? "the holder resumes: the next renewal lets writes through"

# Node 1 paused (SIGSTOP on QEMU: its clock jumps on resume) for three
# leases; node 2 takes term 34 meanwhile.
tb pause 1
sleep 1
t0=$(now_ms 2)
lead 2 34 >/dev/null
put 2 B
t1=$(now_ms 2)
ktap_diag "node 2: first write $((t1 - t0)) ms after it took term 34"
[ $((t1 - t0)) -ge $((LEASE_MS * 1001 / 1000)) ]
ktap_result $? "the new leader's first write waits out the old lease"
sleep 5
tb resume 1
put 1 X
[ $? -ne 0 ]
ktap_result $? "node 1, resumed, completes no write"
wait_for 20 applied_all 1 2 && wait_for 20 applied_all 3 2
for i in 1 2 3; do got[$i]=$(disk_block "$i"); done
ktap_diag "block $BLOCK on the data regions: ${got[1]} ${got[2]} ${got[3]}"
[ "${got[1]}${got[2]}${got[3]}" = BBB ] && [ "$(show_block 2)" = B ]
ktap_result $? "every replica holds node 2's write, none node 1's"
[ "$(field 1 term)" = 34 ] && [ "$(fenced 1)" = not-leader ]
ktap_result $? "node 1 has stepped down to term 34"

# Node 2 frozen (QMP stop: its clock stands still, so its lease looks
# live when it thaws) with its holder stopped and its links cut; node 3
# takes term 35 and writes.  On thaw node 2 tries a write, and reads in a
# tight loop until it fences: every read that returns B is a stale read
# that read = lease let through.
tb run 2 "$CTL policy 0 --read lease && kill -STOP \$(pgrep -f '^$CTL lease')"
tb freeze 2
tb cut 1 2; tb cut 2 3
lead 3 35 >/dev/null
put 3 C
ktap_result $? "node 3 leads term 35 while node 2 is frozen and cut off"
sleep 3
tb thaw 2
tb run 2 "rm -f /run/w.rc
	(yes Y 2>/dev/null | head -c 4096 | dd of=/dev/stockade0 bs=4096 seek=$BLOCK \
		oflag=direct status=none; echo \$? >/run/w.rc) >/dev/null 2>&1 &"
read -r reads stale window took <<<"$(read_until_fenced 2 B)"
ktap_diag "read = lease after thaw: $stale stale reads within $window ms"
[ -n "$window" ] && [ "$window" -le $((LEASE_MS + 300)) ]
ktap_result $? "the stale-read window of read = lease ends with the lease"
tb heal
wait_for 20 tb run 2 "test -e /run/w.rc"
rc=$(tb run 2 "cat /run/w.rc")
ktap_diag "node 2's write finished with status ${rc:-none}"
[ -n "$rc" ] && [ "$rc" != 0 ]
ktap_result $? "node 2, thawed with a lease that looked live, completes no write"
wait_for 20 applied_all 1 3 && wait_for 20 applied_all 2 3
for i in 1 2 3; do got[$i]=$(disk_block "$i"); done
ktap_diag "block $BLOCK on the data regions: ${got[1]} ${got[2]} ${got[3]}"
[ "${got[1]}${got[2]}${got[3]}" = CCC ]
ktap_result $? "every replica holds node 3's write"
[ "$(field 1 lease_expiries)" -ge 1 ] && [ "$(field 1 fenced_writes)" -ge 1 ]
ktap_result $? "node 1 counted its lease expiry and its fenced writes"

# read = quorum, the same freeze with node 3 leading: no stale read, since
# no majority confirms a deposed leader, whatever its clock says.
tb run 3 "$CTL policy 0 --read quorum && kill -STOP \$(pgrep -f '^$CTL lease')"
tb freeze 3
tb cut 1 3; tb cut 2 3
lead 1 36 >/dev/null
put 1 D
ktap_result $? "node 1 leads term 36 while node 3 is frozen and cut off"
sleep 3
tb thaw 3
read -r reads stale window took <<<"$(read_until_fenced 3 C)"
ktap_diag "read = quorum after thaw: $reads reads served, $stale stale; fenced after $took ms"
[ "$stale" = 0 ] && [ "$reads" = 0 ]
ktap_result $? "read = quorum serves no read on a deposed leader"
tb heal
tb run 1 "$CTL policy 0 --read quorum"
wait_for 20 applied_all 2 1 && wait_for 20 applied_all 3 1
[ "$(show_block 1)" = D ] && [ "$(disk_block 3)" = D ] && [ "$(disk_block 2)" = D ]
ktap_result $? "read = quorum on the live leader returns its latest write"

for i in 1 2 3; do
	tb run "$i" "pkill -f '^$CTL lease'; $CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_finish
