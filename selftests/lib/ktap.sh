# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for the shell tests, sourced by selftests/host/*.sh and
# selftests/vm/*.sh.  A test calls ktap_plan N once, then one ktap_* result
# per check, then ktap_finish, which exits non-zero if any check failed.

KTAP_COUNT=0
KTAP_FAILED=0
STOCKADE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTBED_CMD=$STOCKADE_REPO/scripts/testbed

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_diag() { sed 's/^/# /' <<<"$*"; }

# ktap_result STATUS DESCRIPTION: STATUS 0 is a pass.
ktap_result() {
	KTAP_COUNT=$((KTAP_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $KTAP_COUNT $2"
	else
		echo "not ok $KTAP_COUNT $2"
		KTAP_FAILED=$((KTAP_FAILED + 1))
	fi
}

# ktap_check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
ktap_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || ktap_diag "$desc: '$*' exited $rc: $out"
	ktap_result $rc "$desc"
}

ktap_finish() {
	[ "$KTAP_FAILED" -eq 0 ] && exit 0
	exit 1
}

# tb VERB ARGS...: the test bed, on the cluster the runner booted.
tb() { "$TESTBED_CMD" "$@"; }
