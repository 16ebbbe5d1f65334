# SPDX-License-Identifier: GPL-2.0
#
# Helpers for VM tests that run stockaded on the test bed's nodes (three,
# or NODES), one device each.  Sourced after ktap.sh and cluster.sh; the
# test sets CLUSTER, DEVICE, SECRET and LOG_BLOCKS, and may set AGENTS_DIR
# (where the secret lives, /run/stockade-test), AGENTS_PORT (the agents'
# port, 7800; the device's is the next one), AGENTS_READ_POLICY (lease
# or quorum), AGENTS_ELECTION_TIMEOUT_MS (1500) and
# AGENTS_FIXED_TIMEOUT_MS (unset: the timeout adapts).

AGENT=$STOCKADE_REPO/build/agent/stockaded
AGENTS_NODES=$(seq "${NODES:-3}")

# conf NODE: its stockaded.conf
conf() {
	local j
	echo "[node]"
	echo "id = $1"
	echo "address = $(tb addr "$1"):${AGENTS_PORT:-7800}"
	for j in $AGENTS_NODES; do
		[ "$j" = "$1" ] && continue
		echo "[peer.$j]"
		echo "address = $(tb addr "$j"):${AGENTS_PORT:-7800}"
	done
	cat <<CONF
[timing]
heartbeat_ms = 100
election_timeout_ms = ${AGENTS_ELECTION_TIMEOUT_MS:-1500}
lease_ms = 1000
${AGENTS_FIXED_TIMEOUT_MS:+fixed_timeout_ms = $AGENTS_FIXED_TIMEOUT_MS}
[cluster]
uuid = $CLUSTER
secret_file = ${AGENTS_DIR:-/run/stockade-test}/secret
[device.0]
uuid = $DEVICE
backing = /dev/mapper/backing
port = $((${AGENTS_PORT:-7800} + 1))
read_policy = ${AGENTS_READ_POLICY:-lease}
CONF
}

# agent_install NODE: load the module, write the secret and the
# configuration; fails unless the configuration passes --check-config.
agent_install() {
	tb run "$1" "lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		mkdir -p /run/stockade-test && printf '%s' '$SECRET' >/run/stockade-test/secret &&
		cat >/run/stockade-test/stockaded.conf <<'CONF'
$(conf "$1")
CONF
		$AGENT --check-config -c /run/stockade-test/stockaded.conf" >/dev/null
}

# agents_prepare: format each node's disk and install its agent.
agents_prepare() {
	local i ok=0
	for i in $AGENTS_NODES; do
		tb run "$i" "pkill -f '^$AGENT'; lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
			$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE \
				--node $i --log-blocks $LOG_BLOCKS --force >/dev/null" &&
			agent_install "$i" || ok=1
	done
	return $ok
}

# agent_rejoin NODE: after a reboot, install and start its agent, which
# attaches the disk as it was.
agent_rejoin() { agent_install "$1" && agents_start "$1"; }

# agents_start NODE...: start stockaded on each.
agents_start() {
	local i
	for i in "$@"; do
		tb run "$i" "(setsid $AGENT -c /run/stockade-test/stockaded.conf \
			</dev/null >>/run/stockade-test/agent.log 2>&1 &)"
	done
}

# leaders NODE...: those whose module leads the device.
leaders() {
	local i
	for i in "$@"; do
		tb run "$i" "$CTL show 0 | grep -q 'role: leader'" 2>/dev/null && echo "$i"
	done
}
one_leader() { [ "$(leaders "$@" | wc -l)" = 1 ]; }

# agents_stop: SIGTERM every agent, stop event watchers, detach, unload.
agents_stop() {
	local i ok=0
	for i in $AGENTS_NODES; do
		tb run "$i" "pkill -TERM -f '^$AGENT'; sleep 0.5
			! pgrep -f '^$AGENT' >/dev/null" || ok=1
		tb run "$i" "pkill -f '^$CTL (events|monitor)'
			$CTL detach 0; rmmod stockade" >/dev/null 2>&1
	done
	return $ok
}
