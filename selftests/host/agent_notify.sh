#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sd_notify on the host, without the module: the agent talks to the
# datagram socket in NOTIFY_SOCKET as systemd's Type=notify expects.
# It says what it waits for (STATUS=), keeps the watchdog fed at half
# WATCHDOG_USEC, does not claim READY=1 while the module is missing
# (ready means the module answers), and says STOPPING=1 on SIGTERM.
source "$(dirname "$0")/../lib/ktap.sh"
source "$STOCKADE_REPO/selftests/lib/agents.sh"

ktap_plan 4

# A stand-in for systemd: every datagram on one line of $TMP/notify.
python3 - "$TMP/notify.sock" "$TMP/notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg.replace("\n", " | ") + "\n")
PY
AGENTS_EXTRA_PIDS="$AGENTS_EXTRA_PIDS $!"
for _ in $(seq 50); do
	[ -S "$TMP/notify.sock" ] && break
	sleep 0.1
done

agents_config 1
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=400000 \
	"$AGENT" -c "$TMP/a1.conf" --control "$TMP/s1.sock" 2>"$TMP/log1" &
AGENT_PID[1]=$!
sleep 2
ktap_diag "$(sort "$TMP/notify" | uniq -c)"

grep -q "^STATUS=waiting for the stockade module$" "$TMP/notify"
ktap_result $? "STATUS= says what the agent waits for"
# 2 s at a 400 ms watchdog: one every 200 ms, so about 10.
n=$(grep -c "^WATCHDOG=1$" "$TMP/notify")
ktap_diag "$n WATCHDOG=1 in 2 s with WATCHDOG_USEC=400000"
[ "$n" -ge 5 ]
ktap_result $? "WATCHDOG=1 at least every half WATCHDOG_USEC"
! grep -q "READY=1" "$TMP/notify"
ktap_result $? "no READY=1 while the module is missing"
kill -TERM "${AGENT_PID[1]}"
wait "${AGENT_PID[1]}"
sleep 0.2
grep -q "STOPPING=1" "$TMP/notify"
ktap_result $? "STOPPING=1 on SIGTERM"
ktap_finish
