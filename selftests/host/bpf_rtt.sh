#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sock_ops RTT program (bpf/rtt.bpf.c) on the host, as root: two
# stockade-rtt loaders, one unfiltered and one with --port, attach to a
# fresh cgroup v2 child; an echo server and a ping-pong client inside that
# cgroup exchange a few hundred messages on 127.0.0.1 over two ports; the
# loaders' final dumps must show samples for the filtered port on both
# sides of the connection, sane statistics, and nothing for the other port.
# Two more ports for addresses: one on ::1 (IPv6 peers are keyed by their
# address) and a dual-stack listener reached over IPv4 (its accepted
# AF_INET6 socket sees ::ffff:127.0.0.1, which must count as 127.0.0.1).
# Loopback only; everything created here is removed by the EXIT trap.
set -u

REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
source "$REPO/selftests/lib/ktap.sh"

RTT=$REPO/build/bpf/stockade-rtt
MESSAGES=300
NTESTS=12
TMP=
CG=
LOADER_PIDS=()
SERVER_PIDS=()

cleanup() {
	local pid i

	for pid in "${LOADER_PIDS[@]}" "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LOADER_PIDS[@]}" "${SERVER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# socat's per-connection children may take a moment to leave.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$CG" ] && [ -d "$CG" ] || break
		rmdir "$CG" 2>/dev/null && break
		sleep 0.2
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT

# fail_all REASON: report every remaining check as failed, then stop.
fail_all() {
	ktap_diag "$1"
	while [ "$KTAP_COUNT" -lt "$NTESTS" ]; do
		ktap_result 1 "not run: $1"
	done
	ktap_finish
}

cgroup2_root() {
	findmnt -n -o TARGET -t cgroup2 2>/dev/null | head -n 1 | grep . ||
		awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# A TCP port nothing on this host is using right now.
free_port() {
	local p

	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Htan "( sport = :$p or dport = :$p )" | grep -q . || break
	done
	echo "$p"
}

# wait_for FILE REGEX: up to 10 s for a line to appear.
wait_for() {
	local i

	for i in $(seq 50); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# in_cgroup CMD...: run CMD in the test cgroup (sockets it creates are
# charged to the cgroup at creation, so the move must come first).
in_cgroup() {
	echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
	exec "$@"
}

# start_server PORT [SOCAT-ADDRESS]: an echo server, IPv4 by default.
start_server() {
	local addr=${2:-TCP-LISTEN:$1,bind=127.0.0.1}

	(in_cgroup socat "$addr,reuseaddr,fork" PIPE) &
	SERVER_PIDS+=($!)
}

# ping_pong PORT [HOST]: MESSAGES request/reply rounds over one
# connection, so every reply acknowledges a request and yields an RTT
# sample.
ping_pong() {
	local i line n=0

	exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1" || return 1
	for ((i = 0; i < MESSAGES; i++)); do
		echo "stockade rtt probe $i" >&3
		read -r -t 5 line <&3 || break
		[ "$line" = "stockade rtt probe $i" ] && n=$((n + 1))
	done
	exec 3>&-
	echo "$n"
}

exchange() {
	(echo "$BASHPID" >"$CG/cgroup.procs" && ping_pong "$@")
}

# last_dump FILE: the entries of the loader's final dump.
last_dump() {
	awk '/^# dump/ { n = 0; delete l; next }
	     /^peer=/ { l[n++] = $0 }
	     END { for (i = 0; i < n; i++) print l[i] }' "$1"
}

# entries FILE PORT: final-dump lines whose local or remote port is PORT.
entries() {
	last_dump "$1" | grep -E "^peer=[0-9.]+:$2 |lport=$2 "
}

field() {
	sed -n "s/.* $1=\([0-9.]*\).*/\1/p"
}

# Both sides of the connection measured, each with samples > 0.
check_samples() {
	local out=$1 port=$2 client server

	client=$(entries "$out" "$port" | grep "^peer=127.0.0.1:$port " |
		 field samples)
	server=$(entries "$out" "$port" | grep " lport=$port " | field samples)
	ktap_diag "port $port: samples client=${client:-none}" \
		"server=${server:-none}"
	[ "${client:-0}" -gt 0 ] && [ "${server:-0}" -gt 0 ]
}

check_min_mean_max() {
	local lines

	lines=$(entries "$1" "$2")
	[ -n "$lines" ] || return 1
	awk '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2] + 0
		}
		if (!(v["min_us"] > 0 && v["min_us"] <= v["mean_us"] &&
		      v["mean_us"] <= v["max_us"]))
			bad = 1
	} END { exit bad }' <<<"$lines"
}

# The client side's histogram of raw samples: it holds samples, and its
# quantiles are ordered and of loopback's size: p50 within a factor of 2
# of the smoothed RTT's range (the same path, measured another way), and
# p99 under 10 ms (room for a loaded host, not for a unit error of 1000).
check_hist() {
	local line

	line=$(entries "$1" "$2" | grep "^peer=127.0.0.1:$2 ")
	[ -n "$line" ] || return 1
	awk -v msgs="$MESSAGES" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		n = v["hist_n"] + 0; p50 = v["p50_us"] + 0; p99 = v["p99_us"] + 0
		printf "# hist_n=%d p50_us=%s p99_us=%s\n", n, v["p50_us"], v["p99_us"]
		exit !(n >= msgs / 2 && p50 > 0 && p99 >= p50 && p99 < 10000 &&
		       p50 >= v["min_us"] / 2 && p50 <= v["max_us"] * 2)
	}' <<<"$line"
}

# The filtered loader must hold nothing for PORT2 while the unfiltered one
# does: otherwise an empty result would prove nothing about the filter.
check_filter() {
	local all=$1 filtered=$2 port1=$3 port2=$4

	entries "$all" "$port2" | grep -q . || return 1
	entries "$filtered" "$port1" | grep -q . || return 1
	! entries "$filtered" "$port2" | grep -q .
}

# Both sides of the ::1 connection, under their IPv6 address, with samples
# in their histograms.
check_ipv6() {
	local lines

	lines=$(last_dump "$1" | grep -E "^peer=\[::1\]:[0-9]+ " |
		grep -E "^peer=\[::1\]:$2 | lport=$2 ")
	ktap_diag "::1: $(wc -l <<<"$lines") entries"
	[ "$(grep -c . <<<"$lines")" -eq 2 ] &&
		! grep -qE "hist_n=0 |samples=0 " <<<"$lines"
}

# The dual-stack listener's side of the IPv4 connection: keyed as IPv4.
check_mapped() {
	local server

	server=$(last_dump "$1" | grep -E " lport=$2 ")
	ktap_diag "dual-stack server side: $server"
	grep -qE "^peer=127\.0\.0\.1:[0-9]+ lport=$2 samples=[1-9]" <<<"$server" &&
		! last_dump "$1" | grep -qi "ffff"
}

check_missing_cgroup() {
	local out rc

	out=$("$RTT" --cgroup "$TMP/no-such-cgroup" --once 2>&1)
	rc=$?
	ktap_diag "missing cgroup: exit $rc: $out"
	[ "$rc" -ne 0 ] && grep -q "does not exist" <<<"$out"
}

stop_loaders() {
	local pid rc=0

	for pid in "${LOADER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" || rc=1
	done
	LOADER_PIDS=()
	return $rc
}

ktap_plan "$NTESTS"

[ -x "$RTT" ]
ktap_result $? "stockade-rtt is built"
[ -x "$RTT" ] || fail_all "$RTT missing: run make -C bpf"
[ "$(id -u)" -eq 0 ] || fail_all "must run as root"
command -v socat >/dev/null || fail_all "socat is not installed"

TMP=$(mktemp -d /tmp/stockade-bpf-rtt.XXXXXX) || fail_all "mktemp failed"
ROOT=$(cgroup2_root)
[ -n "$ROOT" ] || fail_all "no cgroup2 mount found"
CG=$ROOT/stockade-rtt-test.$$
mkdir "$CG"
ktap_result $? "cgroup v2 child created under $ROOT"
[ -d "$CG" ] || fail_all "cannot create $CG"

P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
P3=$(free_port)
while [ "$P3" = "$P1" ] || [ "$P3" = "$P2" ]; do P3=$(free_port); done
P4=$(free_port)
while [ "$P4" = "$P1" ] || [ "$P4" = "$P2" ] || [ "$P4" = "$P3" ]; do
	P4=$(free_port)
done
ktap_diag "ports: measured $P1, filtered out $P2, ::1 $P3, dual-stack $P4"

"$RTT" --cgroup "$CG" --interval 200 >"$TMP/all.out" 2>&1 &
LOADER_PIDS+=($!)
"$RTT" --cgroup "$CG" --port "$P1" --once >"$TMP/filtered.out" 2>&1 &
LOADER_PIDS+=($!)
wait_for "$TMP/all.out" "attached to cgroup"
ktap_result $? "loader attached to the cgroup"
wait_for "$TMP/filtered.out" "attached to cgroup .*ports: $P1\)"
ktap_result $? "loader with --port $P1 attached to the cgroup"
command -v bpftool >/dev/null && ktap_diag "$(bpftool cgroup show "$CG" 2>&1)"

start_server "$P1"
start_server "$P2"
start_server "$P3" "TCP6-LISTEN:$P3,bind=[::1]"
start_server "$P4" "TCP6-LISTEN:$P4,ipv6only=0"
for i in $(seq 50); do
	n=0
	for p in "$P1" "$P2" "$P3" "$P4"; do
		ss -Hltn | grep -q ":$p " && n=$((n + 1))
	done
	[ "$n" -eq 4 ] && break
	sleep 0.1
done
ktap_diag "port $P1: $(exchange "$P1") of $MESSAGES replies"
ktap_diag "port $P2: $(exchange "$P2") of $MESSAGES replies"
ktap_diag "port $P3 (::1): $(exchange "$P3" ::1) of $MESSAGES replies"
ktap_diag "port $P4 (dual-stack): $(exchange "$P4") of $MESSAGES replies"
sleep 0.5		# let the unfiltered loader print one more dump

stop_loaders
ktap_result $? "loaders exit 0 on SIGTERM"
ktap_diag "unfiltered: $(last_dump "$TMP/all.out")"
ktap_diag "filtered: $(last_dump "$TMP/filtered.out")"

check_samples "$TMP/all.out" "$P1"
ktap_result $? "samples > 0 on port $P1, client and server side"
check_min_mean_max "$TMP/all.out" "$P1"
ktap_result $? "min <= mean <= max on port $P1"
check_hist "$TMP/all.out" "$P1"
ktap_result $? "histogram on port $P1: samples, p99 >= p50 > 0, p50 near srtt, p99 < 10 ms"
check_filter "$TMP/all.out" "$TMP/filtered.out" "$P1" "$P2"
ktap_result $? "--port $P1 excludes port $P2"
check_ipv6 "$TMP/all.out" "$P3"
ktap_result $? "IPv6: both sides of the ::1 connection on port $P3, with samples"
check_mapped "$TMP/all.out" "$P4"
ktap_result $? "dual-stack listener on $P4: its IPv4 peer keyed as 127.0.0.1, not ::ffff:"
check_missing_cgroup
ktap_result $? "nonexistent cgroup: non-zero exit and clear message"

ktap_finish
