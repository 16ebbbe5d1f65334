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

# peer_args NODE PORT: the --peer options of NODE in a cluster of nodes 1
# to NODES (default 3).
peer_args() {
	local j
	for j in $(seq "${NODES:-3}"); do
		[ "$j" = "$1" ] || echo -n " --peer $j=$(tb addr "$j"):$2"
	done
}

# The test sets CLUSTER, DEVICE, PORT, SECRET and LOG_BLOCKS.
CTL=$STOCKADE_REPO/build/agent/stockadectl

# join NODE: load the module, attach the disk, connect to the peers.
join() {
	tb run "$1" "lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		$CTL attach /dev/mapper/backing --cluster $CLUSTER --device $DEVICE >/dev/null &&
		printf '%s' '$SECRET' >/run/secret &&
		$CTL peers 0 --node $1 --listen $(tb addr "$1"):$PORT$(peer_args "$1" "$PORT") \
			--secret-file /run/secret &&
		$CTL policy 0 --max-lease ${MAX_LEASE:-2s}"
}

# setup NODE: format its disk afresh, then join.
setup() {
	tb run "$1" "pkill -f '^$CTL lease'
		lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE \
			--node $1 --log-blocks $LOG_BLOCKS --force >/dev/null" && join "$1"
}

# field NODE NAME: a number from 'stockadectl --json show 0' on NODE.
field() { tb run "$1" "$CTL --json show 0" | grep -o "\"$2\":[0-9]*" | cut -d: -f2; }

# lead NODE TERM: NODE leads TERM under a lease that a background
# 'stockadectl lease --hold' keeps renewing (until step 4 brings the
# agent, the test plays its part).  A holder of an older test goes first.
lead() {
	tb run "$1" "pkill -f '^$CTL lease'
		$CTL role 0 leader --term $2 &&
		(setsid $CTL lease 0 --term $2 --duration ${MAX_LEASE:-2s} --hold \
			</dev/null >>/run/lease.log 2>&1 &)"
}
