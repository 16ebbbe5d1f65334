#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockade.ko in every node of the 3-node test bed: it loads, answers over
# generic netlink (genl_test, stockadectl), unloads, and leaves no kernel
# warning behind.
source "$(dirname "$0")/../lib/ktap.sh"

R=$STOCKADE_REPO
NODES="1 2 3"
ktap_plan 17

for i in $NODES; do
	ktap_check "node$i: insmod stockade.ko" \
		tb run "$i" "rmmod stockade 2>/dev/null; insmod $R/stockade.ko"
done
for i in $NODES; do
	ktap_check "node$i: genl_test passes" \
		tb run "$i" "$R/build/selftests/vm/genl_test"
done
for i in $NODES; do
	out=$(tb run "$i" "$R/build/agent/stockadectl version" 2>&1)
	rc=$?
	ktap_diag "node$i: $out"
	grep -q '^module 0\.1\.0 (genl 1, wire 2, disk 1)$' <<<"$out"
	ktap_result $(( rc != 0 || $? != 0 )) "node$i: stockadectl version reports the module"
done
out=$(tb run 1 "$R/build/agent/stockadectl status" 2>&1)
rc=$?
ktap_diag "node1 status: $out"
[ $rc -eq 0 ] && grep -q '^devices: 0$' <<<"$out"
ktap_result $? "node1: stockadectl status reports no devices"
out=$(tb run 1 "setpriv --reuid=65534 --regid=65534 --clear-groups \
	$R/build/agent/stockadectl status" 2>&1)
rc=$?
ktap_diag "node1 as nobody: $out"
[ $rc -eq 4 ] && grep -q 'permission denied' <<<"$out"
ktap_result $? "node1: stockadectl as nobody: exit 4, permission denied"
for i in $NODES; do
	ktap_check "node$i: rmmod stockade" tb run "$i" "rmmod stockade"
done
for i in $NODES; do
	out=$(tb run "$i" "dmesg | grep -E 'BUG|WARNING|Oops|refcount|leak' || true")
	[ -z "$out" ] || ktap_diag "node$i: $out"
	[ -z "$out" ]
	ktap_result $? "node$i: no kernel warnings after load and unload"
done
ktap_finish
