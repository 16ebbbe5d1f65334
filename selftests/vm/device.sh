#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# device_test (the WAL block device with roles set by hand) on node 1 of
# the test bed; its KTAP output is this test's output.
source "$(dirname "$0")/../lib/ktap.sh"

R=$STOCKADE_REPO
tb run 1 "insmod $R/stockade.ko || exit 1
	$R/build/selftests/vm/device_test; rc=\$?
	rmmod stockade || rc=1
	dmesg | grep -E 'BUG|WARNING|Oops' && rc=1
	exit \$rc"
