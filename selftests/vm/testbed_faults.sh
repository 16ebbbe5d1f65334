#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test bed's fault verbs take effect, each checked from inside the VMs:
# a test that relies on a verb must be able to trust it.  Every fault is
# undone before the next check, so the cluster is clean afterwards.
source "$(dirname "$0")/../lib/ktap.sh"

ktap_plan 23

reaches() {		# reaches I J: VM I gets an ICMP echo reply from VM J
	tb run "$1" "ping -c 2 -i 0.2 -W 1 $(tb addr "$2") >/dev/null"
}

udp_arrives() {		# udp_arrives I J: a datagram from VM I arrives in VM J
	tb run "$2" "rm -f /run/udp.out; (timeout 4 socat -u UDP-RECV:9000 \
		OPEN:/run/udp.out,creat </dev/null >/dev/null 2>&1 &)" &&
	sleep 1 &&
	tb run "$1" "for n in 1 2 3; do echo hello | socat -u - \
		UDP-SENDTO:$(tb addr "$2"):9000; sleep 0.2; done" &&
	sleep 4 &&
	tb run "$2" "grep -q hello /run/udp.out"
}

isolated() {		# isolated I J: ping from VM I to VM J gets no reply
	local rc
	tb run "$1" "ping -c 2 -i 0.2 -W 1 $(tb addr "$2") >/dev/null"
	rc=$?
	[ $rc -eq 1 ]	# 1: no reply; anything else is another failure
}

avg_rtt_ms() {		# avg_rtt_ms I J: mean ping RTT from VM I to VM J
	tb run "$1" "ping -c 5 -i 0.2 $(tb addr "$2")" |
		awk -F/ '/^rtt/ { printf "%d\n", $5 }'
}

guest_uptime() { tb run "$1" "cut -d' ' -f1 /proc/uptime"; }

# greater A B: A > B for decimal numbers
greater() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

for i in 1 2 3; do
	[ "$(tb run "$i" hostname)" = "node$i" ]
	ktap_result $? "node$i answers on the control channel"
done

# --- cut / heal --------------------------------------------------------------
ktap_check "1 reaches 2 before a cut" reaches 1 2
tb cut 1 2
isolated 1 2 && isolated 2 1
ktap_result $? "cut 1 2: no traffic either way"
ktap_check "cut 1 2 leaves 1 <-> 3 alone" reaches 1 3
tb heal 1 2
ktap_check "heal 1 2 restores traffic" reaches 1 2
tb cut 1 2 --one-way
udp_arrives 2 1 && ! udp_arrives 1 2
ktap_result $? "cut 1 2 --one-way drops 1->2 only"
tb heal

# --- netem -------------------------------------------------------------------
tb netem 1 2 delay 100ms
rtt12=$(avg_rtt_ms 1 2) rtt13=$(avg_rtt_ms 1 3)
ktap_diag "with netem delay 100ms on 1->2: rtt 1->2 ${rtt12}ms, 1->3 ${rtt13}ms"
[ "${rtt12:-0}" -ge 100 ] && [ "${rtt13:-999}" -lt 100 ]
ktap_result $? "netem 1 2 delay 100ms delays 1->2 only"
tb netem 1 2 off
rtt12=$(avg_rtt_ms 1 2)
[ "${rtt12:-999}" -lt 100 ]
ktap_result $? "netem 1 2 off removes the delay (${rtt12}ms)"

# --- pause / resume, freeze / thaw -------------------------------------------
tb pause 2
! tb run -t 3 2 true 2>/dev/null
ktap_result $? "a paused VM stops answering"
tb resume 2
ktap_check "a resumed VM answers again" tb run -t 20 2 true

before=$(guest_uptime 3)
tb freeze 3
! tb run -t 3 3 true 2>/dev/null
ktap_result $? "a frozen VM stops answering"
sleep 3
tb thaw 3
after=$(guest_uptime 3)
ktap_diag "6 s of host time across a freeze: guest uptime $before -> $after"
# The guest's clock stood still while frozen: much less than 6 s passed.
greater "$(awk -v a="$before" -v b="$after" 'BEGIN { print b - a }')" 0 &&
	! greater "$(awk -v a="$before" -v b="$after" 'BEGIN { print b - a }')" 4
ktap_result $? "the guest clock stands still while frozen"

# --- clocks ------------------------------------------------------------------
before=$(tb run 1 "date +%s")
tb clock-step 1 +60000
after=$(tb run 1 "date +%s")
ktap_diag "date before/after clock-step +60000: $before $after"
[ $((after - before)) -ge 60 ] && [ $((after - before)) -le 75 ]
ktap_result $? "clock-step 1 +60000 moves the wall clock a minute ahead"
tb clock-step 1 -60000

tb clock-rate 1 100000
before=$(guest_uptime 1) t0=$(date +%s.%N)
sleep 10
after=$(guest_uptime 1) t1=$(date +%s.%N)
tb clock-rate 1 0
ratio=$(awk -v a="$before" -v b="$after" -v s="$t0" -v e="$t1" \
	'BEGIN { printf "%.3f\n", (b - a) / (e - s) }')
ktap_diag "clock-rate 1 +100000 ppm: guest/host elapsed ratio $ratio"
greater "$ratio" 1.05
ktap_result $? "clock-rate 1 +100000 makes the guest clock run fast"

tb clock-sync 1
# Against the midpoint of the host's times around the guest's reading.
h0=$(date +%s%3N) g=$(tb run 1 "date +%s%3N") h1=$(date +%s%3N)
off=$((g - (h0 + h1) / 2))
ktap_diag "node 1's wall clock after clock-sync: ${off} ms from the host's"
[ "${off#-}" -lt 500 ]
ktap_result $? "clock-sync 1 sets it from the host's again"

# --- disk faults ---------------------------------------------------------------
read_backing='dd if=/dev/mapper/backing of=/dev/null bs=4k count=1 iflag=direct'
tb disk 2 error
out=$(tb run 2 "$read_backing" 2>&1)
grep -q 'Input/output error' <<<"$out"
ktap_result $? "disk 2 error: reads fail with EIO"
tb disk 2 flakey 1 2
out=$(tb run 2 "for n in \$(seq 40); do $read_backing 2>&1 | \
	grep -q 'Input/output error' && { echo EIO; exit 0; }; sleep 0.1; done; exit 1")
ktap_result $? "disk 2 flakey 1 2: reads fail with EIO within the down interval"
tb disk 2 delay 300
start=$(date +%s%N)
tb run 2 "$read_backing" >/dev/null 2>&1
ms=$((($(date +%s%N) - start) / 1000000))
ktap_diag "one 4 KiB read with disk delay 300: ${ms}ms"
[ "$ms" -ge 300 ]
ktap_result $? "disk 2 delay 300 delays I/O"
tb disk 2 ok
ktap_check "disk 2 ok: reads succeed again" tb run 2 "$read_backing"

# --- crash / start -------------------------------------------------------------
tb run 3 "echo marker-$$ | dd of=/dev/mapper/backing bs=4k conv=sync oflag=direct 2>/dev/null"
tb crash 3
! tb run -t 3 3 true 2>/dev/null
ktap_result $? "a crashed VM is gone"
tb start 3 >/dev/null 2>&1
ktap_check "a crashed VM boots again with its disk" \
	tb run 3 "dd if=/dev/mapper/backing bs=4k count=1 iflag=direct 2>/dev/null | grep -qa marker-$$"
# The pause, the freeze and the clock faults left clocks behind or ahead.
tb clock-sync 1 2 3
ktap_finish
