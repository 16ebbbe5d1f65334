#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two agents on loopback (no module needed): they exchange authenticated
# datagrams, measure round trip and clock offset, refuse forged and
# replayed datagrams, answer status on their control socket, and notice
# when their peer goes silent.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/agents.sh"

ktap_plan 6

agents_start
ask() { agent_ask "$1" "status json"; }	# ask NODE: its status, as JSON

sleep 3
st=$(ask 1)
ktap_diag "$st"
[ "$(json_num "$st" received)" -gt 20 ]
ktap_result $? "the agents hear each other (heartbeat 50 ms)"
rtt=$(json_num "$st" rtt_us)
[ -n "$rtt" ] && [ "$rtt" -gt 0 ] && [ "$rtt" -lt 100000 ]
ktap_result $? "round trip measured from the echoed timestamps: $rtt us"
off=$(json_num "$st" offset_us)
[ -n "$off" ] && [ "${off#-}" -lt 10000 ]
ktap_result $? "clock offset between two agents on one host: $off us"

# A forged datagram (right size, wrong MAC) and garbage are refused.
head -c 152 /dev/urandom | socat -u - "UDP:127.0.0.1:$((AGENTS_PORT + 1))"
head -c 7 /dev/urandom | socat -u - "UDP:127.0.0.1:$((AGENTS_PORT + 1))"
sleep 0.3
st=$(ask 1)
[ "$(json_num "$st" bad_mac)" -ge 2 ]
ktap_result $? "forged and truncated datagrams are refused and counted"

# Agent 2 stops: agent 1 suspects it.
kill -STOP "${AGENT_PID[2]}"
sleep 2
st=$(ask 1)
ktap_diag "$st"
grep -q '"suspect":true' <<<"$st"
ktap_result $? "a silent peer is suspected (phi)"
kill -CONT "${AGENT_PID[2]}"
sleep 1
grep -q '"suspect":false' <<<"$(ask 1)"
ktap_result $? "and trusted again once it speaks"
ktap_finish
