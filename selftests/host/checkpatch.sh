#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every file compiled into stockade.ko, and every header it shares, is
# clean under the kernel's checkpatch.pl --strict (taken from Debian's
# linux-source by selftests/Makefile).
source "$(dirname "$0")/../lib/ktap.sh"

CHECKPATCH=$STOCKADE_REPO/build/checkpatch/checkpatch.pl
cd "$STOCKADE_REPO" || exit 1
files=(kmod/*.[ch] core/*.[ch] include/uapi/linux/*.h include/stockade/*.h)
ktap_plan $((${#files[@]} + 1))

[ -x "$CHECKPATCH" ] || [ -r "$CHECKPATCH" ]
ktap_result $? "checkpatch.pl is available (make -C selftests)"

for f in "${files[@]}"; do
	out=$(perl "$CHECKPATCH" --no-tree --strict --quiet --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f "$f" 2>&1)
	[ -z "$out" ] || ktap_diag "$out"
	[ -z "$out" ]
	ktap_result $? "checkpatch --strict: $f"
done
ktap_finish
