#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The torture run's checker (selftests/torture/checker.py) against the
# real torture client writing to a file: a true history passes, lost
# acknowledged writes, torn blocks and stale or impossible reads do not.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TORTURE_TMP=$REPO/build exec python3 "$REPO/selftests/torture/checker_test.py" \
	"$REPO/build/selftests/vm/torture_client"
