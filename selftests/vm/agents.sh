#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockaded on three nodes: each brings its device up in the module
# (attach, peers, policies) from its configuration alone, the kernel's
# replication connections come up, and the agents measure each other
# (heartbeats, round trip, clock offset) and stop cleanly.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

AGENT=$STOCKADE_REPO/build/agent/stockaded
CLUSTER=9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b
DEVICE=0f1a2b3c-4d5e-4f6a-9b7c-8d9e0f1a2b3c
SECRET=agents-test-secret-0123456789ab
LOG_BLOCKS=1024

ktap_plan 6

# conf NODE: its stockaded.conf
conf() {
	local j
	echo "[node]"
	echo "id = $1"
	echo "address = $(tb addr "$1"):7800"
	for j in 1 2 3; do
		[ "$j" = "$1" ] && continue
		echo "[peer.$j]"
		echo "address = $(tb addr "$j"):7800"
	done
	cat <<CONF
[timing]
heartbeat_ms = 100
election_timeout_ms = 1500
lease_ms = 1000
[cluster]
uuid = $CLUSTER
secret_file = /run/stockade-test/secret
[device.0]
uuid = $DEVICE
backing = /dev/mapper/backing
port = 7801
CONF
}

ok=0
for i in 1 2 3; do
	tb run "$i" "pkill -f '^$AGENT'; lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE \
			--node $i --log-blocks $LOG_BLOCKS --force >/dev/null &&
		mkdir -p /run/stockade-test && printf '%s' '$SECRET' >/run/stockade-test/secret &&
		cat >/run/stockade-test/stockaded.conf <<'CONF'
$(conf "$i")
CONF
		$AGENT --check-config -c /run/stockade-test/stockaded.conf" >/dev/null || ok=1
done
ktap_result $ok "three configurations pass stockaded --check-config"

for i in 1 2 3; do
	tb run "$i" "(setsid $AGENT -c /run/stockade-test/stockaded.conf \
		</dev/null >/run/stockade-test/agent.log 2>&1 &)"
done
all_up() { [ "$(tb run 1 "$CTL show 0" | grep -c ' up$')" = 2 ]; }
wait_for 20 all_up
ktap_result $? "the agents attach the devices and the kernel's peers connect"

sleep 3
st=$(tb run 1 "$CTL --json status")
ktap_diag "$st"
grep -q '"ready":true' <<<"$st"
ktap_result $? "stockadectl status shows the agent's device ready"
n=$(grep -o '"received":[0-9]*' <<<"$st" | cut -d: -f2 | sort -n | head -n 1)
[ "${n:-0}" -gt 10 ]
ktap_result $? "node 1 hears both other agents ($n datagrams from the quieter)"
grep -o '"rtt_us":[0-9]*' <<<"$st" | cut -d: -f2 | while read -r r; do
	[ "$r" -gt 0 ] || exit 1
done
ktap_result $? "round trips are measured between VMs"

ok=0
for i in 1 2 3; do
	tb run "$i" "pkill -TERM -f '^$AGENT'; sleep 0.5
		! pgrep -f '^$AGENT' >/dev/null && grep -q 'stopping on signal 15' /run/stockade-test/agent.log" || ok=1
	tb run "$i" "$CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_result $ok "the agents stop on SIGTERM"
ktap_finish
