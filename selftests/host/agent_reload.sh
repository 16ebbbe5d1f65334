#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockaded reloads its configuration on SIGHUP (systemctl reload), on
# loopback without the module: what may change live changes and takes
# effect; an invalid file, or one that changes what cannot change while
# the agent runs, is refused and the agent keeps its old settings.
source "$(dirname "$0")/../lib/ktap.sh"
source "$STOCKADE_REPO/selftests/lib/agents.sh"

ktap_plan 10

# reload N: SIGHUP agent N, then wait until it has dealt with it.
reload() {
	local before
	before=$(grep -c "reload" "$TMP/log$1")
	kill -HUP "${AGENT_PID[$1]}"
	for _ in $(seq 50); do
		[ "$(grep -c "reload" "$TMP/log$1")" -gt "$before" ] && return
		sleep 0.1
	done
}
# peer_of N: agent N's status of its one peer, as JSON
peer_of() { agent_ask "$1" "status json" | grep -o '"peers":\[{[^]]*'; }

agents_start
sleep 2
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$STOCKADE_REPO/agent/stockaded.service"
ktap_result $? "stockaded.service reloads with SIGHUP"

# A valid change: timing, detector, and the address agent 1 sends to.
cp "$TMP/a1.conf" "$TMP/a1.good"
sed -i -e 's/^heartbeat_ms = 50/heartbeat_ms = 80/' \
	-e "s/^address = 127.0.0.1:$((AGENTS_PORT + 2))/address = 127.0.0.1:$((AGENTS_PORT + 3))/" \
	"$TMP/a1.conf"
sed -i 's/^election_timeout_ms = 500/&\nfixed_timeout_ms = 300/' "$TMP/a1.conf"
printf '[detector]\nphi_threshold = 6\n' >>"$TMP/a1.conf"
reload 1
st=$(agent_ask 1 "status json")
ktap_diag "$st"
[ "$(json_num "$st" heartbeat_ms)" = 80 ] &&
	[ "$(json_num "$st" fixed_timeout_ms)" = 300 ] &&
	grep -q '"timeout_ms":300[,}]' <<<"$st" &&
	[ "$(json_num "$st" phi_threshold)" = 6.00 ] &&
	[ "$(json_num "$st" reloads)" = 1 ] &&
	grep -q "\"address\":\"127.0.0.1:$((AGENTS_PORT + 3))\"" <<<"$st"
ktap_result $? "a valid reload is applied: heartbeat, fixed timeout, phi threshold, peer address"
grep -q "^<6>reloaded $TMP/a1.conf: changed timing,detector,peers" "$TMP/log1"
ktap_result $? "the journal says what the reload changed"

# Agent 1 now sends to a port nobody listens on: agent 2 hears nothing.
sleep 2
grep -q '"suspect":true' <<<"$(peer_of 2)"
ktap_result $? "the new peer address is in effect: the other agent suspects this one"

# An invalid file changes nothing, and the agent runs on.
cp "$TMP/a1.conf" "$TMP/a1.applied"
sed -i 's/^heartbeat_ms = 80/heartbeat_ms = 0/' "$TMP/a1.conf"
reload 1
st=$(agent_ask 1 "status json")
kill -0 "${AGENT_PID[1]}" && [ "$(json_num "$st" heartbeat_ms)" = 80 ] &&
	[ "$(json_num "$st" reloads_refused)" = 1 ] &&
	grep -q "^<3>reload refused, the running configuration is unchanged: $TMP/a1.conf:[0-9]*: \[timing\] heartbeat_ms: '0' is out of range" "$TMP/log1"
ktap_result $? "an invalid file is refused with its line, the agent keeps running with the old values"

# What cannot change live is refused by name, even with a valid change.
for change in 's/^id = 1/id = 7/:node.id' 's/^lease_ms = 400/lease_ms = 300/:timing.lease_ms' \
	's/^\[peer.2\]/[peer.3]/:peers'; do
	sed -e "${change%:*}" -e 's/^phi_threshold = 6/phi_threshold = 5/' \
		"$TMP/a1.applied" >"$TMP/a1.conf"
	reload 1
	grep -q "^<3>reload refused.*: ${change##*:} cannot change while stockaded runs" "$TMP/log1" ||
		ktap_diag "not refused: ${change##*:}"
done
st=$(agent_ask 1 "status json")
[ "$(grep -c "cannot change while stockaded runs" "$TMP/log1")" = 3 ] &&
	[ "$(json_num "$st" reloads_refused)" = 4 ] &&
	[ "$(json_num "$st" phi_threshold)" = 6.00 ] && [ "$(json_num "$st" node)" = 1 ] &&
	[ "$(json_num "$st" lease_ms)" = 400 ]
ktap_result $? "node id, lease and the set of peers cannot change live: refused, nothing applied"

# The election needs the heartbeat below the lease: --check-config says
# so, and a reload to it is refused.
sed -e 's/^heartbeat_ms = 80/heartbeat_ms = 450/' \
	-e 's/^election_timeout_ms = 500/election_timeout_ms = 2000/' \
	"$TMP/a1.applied" >"$TMP/a1.conf"
"$AGENT" --check-config -c "$TMP/a1.conf" 2>&1 | grep -q "heartbeat_ms must be below lease_ms" &&
	reload 1 &&
	[ "$(json_num "$(agent_ask 1 "status json")" heartbeat_ms)" = 80 ] &&
	grep -q "^<3>reload refused.*heartbeat_ms must be below lease_ms" "$TMP/log1"
ktap_result $? "a heartbeat the election cannot use is refused"

# Back to the first file: agent 2 hears agent 1 again.
cp "$TMP/a1.good" "$TMP/a1.conf"
reload 1
sleep 1.5
st=$(agent_ask 1 "status json")
[ "$(json_num "$st" heartbeat_ms)" = 50 ] && [ "$(json_num "$st" phi_threshold)" = 8.00 ] &&
	[ "$(json_num "$st" reloads)" = 2 ]
ktap_result $? "a later valid reload is applied after refused ones"
grep -q '"suspect":false' <<<"$(peer_of 2)"
ktap_result $? "with the old address back, the other agent trusts this one again"
st=$(agent_ask 1 status)
ktap_diag "$st"
grep -q "^config: heartbeat 50 ms, election timeout adaptive up to 500 ms, lease 400 ms, .* 2 reloads, 5 refused" <<<"$st" &&
	kill -0 "${AGENT_PID[1]}" && kill -0 "${AGENT_PID[2]}"
ktap_result $? "stockadectl status text shows the settings in force and the reloads"
ktap_finish
