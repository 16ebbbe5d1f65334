#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Group commit across the end of the log region, on one node (node 1),
# roles set by hand: a 64-block log and writes of 4, 8 and 12 KiB with 16
# in flight, so that groups of batches meet the end of the region again
# and again, in every alignment.  A group must stop at the end: one write
# running on from the last log block would put the next batch on the data
# region instead of at the start of the log, and reading that entry back
# to apply it fails (the node detaches).  Every write must succeed, the
# disk must stay attached, the data must verify, and survive an attach.
source "$(dirname "$0")/../lib/ktap.sh"

R=$STOCKADE_REPO
CTL=$R/build/agent/stockadectl
N=1
CLUSTER=0e1d2c3b-4a59-4687-9a5b-4c3d2e1f0a9b
DEVICE=1f2e3d4c-5b6a-4798-8a6b-5c4d3e2f1a0b
LOG_BLOCKS=64
FIO="fio --name=wrap --filename=/dev/stockade0 --size=8M --rw=randwrite \
	--bssplit=4k/50:8k/30:12k/20 --iodepth=16 --ioengine=libaio \
	--direct=1 --verify=crc32c --randseed=4080 --output-format=terse"

lead() {
	echo "$CTL policy 0 --max-lease 60s && $CTL role 0 leader --term $1 &&
	      $CTL lease 0 --term $1 --duration 60s"
}

disk_ok() {
	tb run $N "$CTL --json show 0" | grep -q '"disk":"ok"'
}

ktap_plan 6

ktap_check "a device with a $LOG_BLOCKS-block log leads at term 3" tb run $N \
	"insmod $R/stockade.ko &&
	 $CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE --log-blocks $LOG_BLOCKS --node $N --force &&
	 $CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE &&
	 $(lead 3)"

dmesg_before=$(tb run $N "dmesg | wc -l")
out=$(tb run -t 300 $N "$FIO --do_verify=1" 2>&1)
rc=$?
ktap_diag "fio: $(cut -d';' -f3,5 <<<"$out" | head -n 1) (terse: job;error)"
[ $rc = 0 ] && [ "$(cut -d';' -f5 <<<"$out" | head -n 1)" = 0 ]
ktap_result $? "8 MiB of writes through the log wrap it and verify"

out=$(tb run $N "dmesg | tail -n +$((dmesg_before + 1)) | grep stockade")
ktap_diag "$(grep -E 'cannot apply|failed' <<<"$out" | head -n 5)"
! grep -q "cannot apply entry" <<<"$out"
ktap_result $? "every entry reads back from the log to be applied"

disk_ok
ktap_result $? "the backing device stays attached"

ktap_check "detach and attach again; it leads at term 4" tb run $N \
	"$CTL detach 0 &&
	 $CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE &&
	 $(lead 4)"
out=$(tb run -t 300 $N "$FIO --do_verify=1 --verify_only" 2>&1)
rc=$?
ktap_diag "fio: $(cut -d';' -f3,5 <<<"$out" | head -n 1) (terse: job;error)"
[ $rc = 0 ] && [ "$(cut -d';' -f5 <<<"$out" | head -n 1)" = 0 ]
ktap_result $? "after the attach every block still verifies"

tb run $N "$CTL detach 0; rmmod stockade" >/dev/null 2>&1
ktap_finish
