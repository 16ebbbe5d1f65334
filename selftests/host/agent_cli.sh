#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stockadectl and stockaded on the host, where the module cannot be
# loaded: clear errors and exit codes, configuration checks, and the
# systemd unit passing systemd-analyze verify.
source "$(dirname "$0")/../lib/ktap.sh"

R=$STOCKADE_REPO	# set by ktap.sh from this script's path
CTL=$R/build/agent/stockadectl
AGENT=$R/build/agent/stockaded
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ktap_plan 16

# expect RC PATTERN CMD...: exit status RC and PATTERN in the output
expect() {
	local rc=$1 pattern=$2 out got
	shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -ne "$rc" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		ktap_diag "'$*' exited $got (want $rc): $out"
		return 1
	fi
}

if lsmod 2>/dev/null | grep -q '^stockade '; then
	ktap_diag "the module is loaded on this host: module-absent checks are moot"
fi

expect 3 "stockade kernel module is not loaded.*modprobe stockade" "$CTL" version
ktap_result $? "stockadectl version without the module: exit 3 and a hint"
expect 3 "^stockadectl 0\.1\.0" "$CTL" version
ktap_result $? "stockadectl version still prints its own version"
expect 3 "stockade kernel module is not loaded" "$CTL" status
ktap_result $? "stockadectl status without the module: exit 3"
expect 3 '^\{"tool":"0\.1\.0","module":null\}$' "$CTL" --json version
ktap_result $? "stockadectl --json version without the module: one JSON object"
expect 0 "^usage: stockadectl" "$CTL" --help
ktap_result $? "stockadectl --help: usage, exit 0"
expect 2 "unknown command 'frobnicate'" "$CTL" frobnicate
ktap_result $? "unknown command: exit 2"
expect 2 "usage" "$CTL" role 0 leader
ktap_result $? "role without --term: usage error"
expect 1 "not a block device|cannot open" "$CTL" create "$TMP"
ktap_result $? "create refuses something that is not a block device"

expect 0 "ok \(node 1, 2 peers\)" "$AGENT" --check-config -c "$R/agent/stockade.conf.example"
ktap_result $? "stockaded --check-config accepts the example"
printf '[node]\nid = 1\naddress = 10.0.0.1:1\n[timing]\nheartbeat_ms = 0\n' >"$TMP/bad.conf"
expect 1 "bad.conf:5: \[timing\] heartbeat_ms: '0' is out of range" "$AGENT" --check-config -c "$TMP/bad.conf"
ktap_result $? "a bad configuration names file, line and key"
printf '[node]\nid = 1\nadress = 10.0.0.1:1\n' >"$TMP/typo.conf"
expect 1 "typo.conf:3: unknown key 'adress' in \[node\]" "$AGENT" --check-config -c "$TMP/typo.conf"
ktap_result $? "a misspelt key is refused by name"

# Invariant: a bad configuration is refused before the agent does anything,
# so not even systemd hears from it.
: >"$TMP/bad-notify.log"
socat -u "UNIX-RECVFROM:$TMP/bad.sock,fork" "OPEN:$TMP/bad-notify.log,creat,append" &
listener=$!
sleep 0.3
NOTIFY_SOCKET=$TMP/bad.sock "$AGENT" -c "$TMP/bad.conf" 2>"$TMP/bad-agent.log"
rc=$?
sleep 0.2
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
[ "$rc" -eq 1 ] && [ ! -s "$TMP/bad-notify.log" ] &&
	grep -q "^<3>.*bad.conf:5: \[timing\] heartbeat_ms" "$TMP/bad-agent.log"
ktap_result $? "stockaded with a bad configuration: exit 1, an error, nothing sent"
expect 1 "cannot read" "$AGENT" -c "$TMP/missing.conf"
ktap_result $? "a missing configuration is an error"

# stockaded runs under systemd's protocol: status, watchdog, stop.  The
# module is absent here, so the agent waits for it and is never READY.
sock=$TMP/notify.sock
socat -u "UNIX-RECVFROM:$sock,fork" "OPEN:$TMP/notify.log,creat,append" &
listener=$!
sleep 0.3
# The example, with a secret and addresses this host has.
head -c 32 /dev/urandom >"$TMP/secret"
port=$((20000 + RANDOM % 20000))
sed -e "s|^secret_file = .*|secret_file = $TMP/secret|" \
	-e "s|^address = 10.213.0.1:7788|address = 127.0.0.1:$port|" \
	"$R/agent/stockade.conf.example" >"$TMP/example.conf"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 \
	"$AGENT" -c "$TMP/example.conf" --control "$TMP/control.sock" \
	2>"$TMP/agent.log" &
agent=$!
sleep 2
kill -TERM "$agent"
wait "$agent"
rc=$?
sleep 0.3
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
ktap_diag "notify messages: $(tr '\n' ' ' <"$TMP/notify.log" 2>/dev/null)"
ktap_diag "agent log: $(cat "$TMP/agent.log")"
# At least every half WATCHDOG_USEC: 200 ms, so about 10 in the 2 s.
[ "$rc" -eq 0 ] && ! grep -q READY=1 "$TMP/notify.log" &&
	[ "$(grep -o WATCHDOG=1 "$TMP/notify.log" | wc -l)" -ge 5 ] &&
	grep -q STOPPING=1 "$TMP/notify.log" &&
	grep -q "STATUS=waiting for the stockade module" "$TMP/notify.log"
ktap_result $? "stockaded without the module: STATUS, WATCHDOG, no READY, clean stop on SIGTERM"
[ "$(grep -c "waiting for the stockade module" "$TMP/agent.log")" -eq 1 ] &&
	grep -q "^<4>waiting for the stockade module: not loaded.*modprobe stockade" "$TMP/agent.log" &&
	grep -q "^<6>stopping on signal 15" "$TMP/agent.log"
ktap_result $? "stockaded logs the wait once, with a level prefix and a hint"

# The unit, with paths pointing into the build tree.
mkdir -p "$TMP/man/man8"
cp "$R"/man/*.8 "$TMP/man/man8/"
sed -e "s|/usr/sbin/stockaded|$AGENT|g" -e "s|/sbin/modprobe stockade|/bin/true|" \
	-e "s|/etc/stockade/stockade.conf|$R/agent/stockade.conf.example|g" \
	"$R/agent/stockaded.service" >"$TMP/stockaded.service"
out=$(MANPATH=$TMP/man systemd-analyze verify "$TMP/stockaded.service" 2>&1)
rc=$?
[ -z "$out" ] || ktap_diag "$out"
[ $rc -eq 0 ] && [ -z "$out" ]
ktap_result $? "stockaded.service passes systemd-analyze verify"
ktap_finish
