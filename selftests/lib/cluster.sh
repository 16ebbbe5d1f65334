# SPDX-License-Identifier: GPL-2.0
#
# Helpers for VM tests that build a stockade cluster on the test bed.
# Sourced after ktap.sh.

# wait_for SECONDS CMD...: poll CMD every half second until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.5
	done
}

# peer_args NODE PORT: the --peer options of NODE in a 3-node cluster.
peer_args() {
	local j
	for j in 1 2 3; do
		[ "$j" = "$1" ] || echo -n " --peer $j=$(tb addr "$j"):$2"
	done
}
