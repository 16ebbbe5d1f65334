#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The write-ahead log after a power cut, driven through stockadectl on
# node 2: an acknowledged write whose data-region copy is lost (we wipe it,
# as a lost volatile cache would) comes back from the log on attach; the
# persisted term survives; a second attach of the same disk is refused.
source "$(dirname "$0")/../lib/ktap.sh"

R=$STOCKADE_REPO
CTL=$R/build/agent/stockadectl
N=2
CLUSTER=5f0c3a52-8d1e-4b6a-9c2d-0a1b2c3d4e5f
DEVICE=7a6b5c4d-3e2f-4a1b-8c9d-e0f1a2b3c4d5
LOG_BLOCKS=1024
# block 5 of /dev/stockade0 lies at 2 + LOG_BLOCKS + 5 on the backing disk
BACKING_BLOCK=$((2 + LOG_BLOCKS + 5))

ktap_plan 9

# --force: other tests may have left a stockade device on this disk.
ktap_check "create formats the backing device" tb run $N \
	"insmod $R/stockade.ko && $CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE --log-blocks $LOG_BLOCKS --node $N --force"
out=$(tb run $N "$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE" 2>&1)
[ $? -eq 1 ] && grep -q "already a stockade device" <<<"$out"
ktap_result $? "create refuses to overwrite a stockade device without --force"
ktap_check "attach, then leader at term 7" tb run $N \
	"$CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE &&
	 $CTL role 0 leader --term 7 && $CTL lease 0 --term 7 --duration 10s"
ktap_check "an acknowledged write (O_DIRECT)" tb run $N \
	"yes stockade-marker | head -c 32768 | dd of=/dev/stockade0 bs=4096 seek=5 oflag=direct status=none"

tb crash $N
tb start $N >/dev/null 2>&1
# The data-region copy is lost; only the log has the write.
ktap_check "after the power cut, wipe the data-region copy" tb run $N \
	"dd if=/dev/zero of=/dev/mapper/backing bs=4096 seek=$BACKING_BLOCK count=8 oflag=direct status=none"
out=$(tb run $N "insmod $R/stockade.ko && $CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE && dmesg | grep recovered" 2>&1)
ktap_diag "$out"
grep -q "recovered [1-9][0-9]* log entries" <<<"$out"
ktap_result $? "attach finds the entries in the log"
out=$(tb run $N "$CTL --json show 0")
ktap_diag "$out"
grep -q '"term":7' <<<"$out" && grep -q '"role":"follower"' <<<"$out"
ktap_result $? "the term survived the crash; the node starts as a follower"
ktap_check "the acknowledged write is back" tb run $N \
	"$CTL role 0 leader --term 7 && $CTL lease 0 --term 7 --duration 10s &&
	 cmp <(dd if=/dev/stockade0 bs=4096 skip=5 count=8 iflag=direct status=none) \
	     <(yes stockade-marker | head -c 32768)"
out=$(tb run $N "$CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE" 2>&1)
[ $? -eq 1 ]
ktap_result $? "a second attach of the same disk is refused"
tb run $N "$CTL detach 0; rmmod stockade" >/dev/null 2>&1
ktap_finish
