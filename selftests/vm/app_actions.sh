#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The application actions of stockaded on three nodes: the leader checks
# and mounts the file system and runs the start command once its device
# serves; after the leader's power cut the new leader does the same (the
# fsck replays ext4's journal); a demoted leader runs the stop command,
# then unmounts; a node whose start command always fails gives up its
# leadership, and another node runs the application; a leader's agent
# stopped with SIGTERM stops the application before it exits.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"
source "$(dirname "$0")/../lib/vm_agents.sh"

CLUSTER=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d
DEVICE=6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e
SECRET=app-actions-test-secret-0123456
LOG_BLOCKS=1024
DIR=/run/stockade-app
MNT=/run/stockade-app-mnt
AGENTS_DIR=$DIR
AGENTS_PORT=7820

ktap_plan 12

# conf_actions NODE [actions]: its stockaded.conf, with the actions or
# without.
conf_actions() {
	conf "$1"
	[ "$2" = actions ] || return 0
	cat <<CONF
mount_point = $MNT
fs_type = ext4
start = $DIR/start.sh
stop = $DIR/stop.sh
action_timeout_ms = 20000
action_retries = 2
give_up_hold_ms = 600000
CONF
}

# The start command fails while $DIR/fail exists; both leave a trace in
# the node's own log, and the start one in the replicated file system.
START='#!/bin/sh
test -e '$DIR'/fail && { echo "start-failed $STOCKADE_TERM" >>'$DIR'/log; exit 1; }
echo "start $STOCKADE_DEVICE $STOCKADE_TERM" >>'$DIR'/log
echo "node $(cat '$DIR'/id) term $STOCKADE_TERM" >>'$MNT'/history && sync'
STOP='#!/bin/sh
mountpoint -q '$MNT' && m=mounted || m=unmounted
echo "stop $STOCKADE_TERM $m" >>'$DIR'/log'

# install NODE [actions]: module, disk (formatted once), scripts, config.
install_node() {
	tb run "$1" "lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		mkdir -p $DIR && printf '%s' '$SECRET' >$DIR/secret && echo $1 >$DIR/id &&
		cat >$DIR/start.sh <<'EOF'
$START
EOF
		cat >$DIR/stop.sh <<'EOF'
$STOP
EOF
		chmod +x $DIR/start.sh $DIR/stop.sh &&
		cat >$DIR/stockaded.conf <<'CONF'
$(conf_actions "$1" "$2")
CONF
		$AGENT --check-config -c $DIR/stockaded.conf >/dev/null"
}
start_agent() {
	tb run "$1" "(setsid $AGENT -c $DIR/stockaded.conf \
		</dev/null >>$DIR/agent.log 2>&1 &)"
}
mounted() { tb run "$1" "mountpoint -q $MNT"; }
app_state() { tb run "$1" "$CTL status" | sed -n 's/^  application: \([a-z-]*\).*/\1/p'; }
running() { [ "$(app_state "$1")" = running ] && mounted "$1"; }
others() { local i; for i in 1 2 3; do [ "$i" = "$1" ] || echo "$i"; done; }

ok=0
for i in 1 2 3; do
	tb run "$i" "pkill -f '^$AGENT'; lsmod | grep -q '^stockade ' || insmod $STOCKADE_REPO/stockade.ko
		$CTL create /dev/mapper/backing --cluster $CLUSTER --device $DEVICE \
			--node $i --log-blocks $LOG_BLOCKS --force >/dev/null" || ok=1
	install_node "$i" || ok=1
	start_agent "$i"
done
wait_for 30 one_leader 1 2 3
first=$(leaders 1 2 3)
# ext4, once, on the first leader, as soon as its device serves.
[ $ok = 0 ] && [ -n "$first" ] &&
	wait_for 20 tb run -t 60 "$first" "mkfs.ext4 -q -F /dev/stockade0 2>/dev/null"
ktap_result $? "three agents elect node $first, which makes ext4 on /dev/stockade0"

# The actions come with a reload: allowed, since no application runs.
ok=0
for i in 1 2 3; do
	install_node "$i" actions && tb run "$i" "pkill -HUP -f '^$AGENT'" || ok=1
done
wait_for 30 running "$first" || ok=1
st=$(tb run "$first" "$CTL status; $CTL --json status")
ktap_diag "$(grep -E 'stockade0|application' <<<"$st" | head -n 2 | tr '\n' ';')"
t1=$(field "$first" term)
[ $ok = 0 ] && grep -q "\"app\":{\"state\":\"running\",\"step\":\"none\",\"term\":$t1," <<<"$st" &&
	tb run "$first" "grep -q 'changed actions' $DIR/agent.log &&
		grep -qx 'start 0 $t1' $DIR/log && grep -qx 'node $first term $t1' $MNT/history"
ktap_result $? "after a reload adds them, the leader mounts and starts in term $t1"
n=$(for i in $(others "$first"); do mounted "$i" && echo "$i"; done | wc -l)
[ "$n" = 0 ]
ktap_result $? "the followers mount nothing"

# Power cut: another node leads, checks the file system and starts.
tb crash "$first"
rest=$(others "$first")
wait_for 30 one_leader $rest
second=$(leaders $rest)
wait_for 30 running "$second"
t2=$(field "$second" term)
log=$(tb run "$second" "cat $DIR/agent.log")
ktap_diag "$(grep 'application' <<<"$log" | tail -n 6 | tr '\n' ';')"
grep -q 'stockade0: application: fsck done' <<<"$log" &&
	grep -q 'stockade0: application: mount done' <<<"$log" &&
	tb run "$second" "grep -qx 'start 0 $t2' $DIR/log &&
		grep -qx 'node $first term $t1' $MNT/history &&
		grep -qx 'node $second term $t2' $MNT/history"
ktap_result $? "after node $first's crash node $second runs fsck, mounts and starts in term $t2"

# Demote: stop first (still mounted), then unmount; the third node takes over.
third=$(others "$first" | grep -vx "$second")
tb run "$third" "rm -f /run/app-events
	(setsid $CTL monitor --agent </dev/null >/run/app-events 2>&1 &)"
tb run "$second" "$CTL demote 0" >/dev/null
wait_for 20 eval '! mounted "$second"'
ktap_diag "node $second: $(tb run "$second" "tail -n 2 $DIR/log" | tr '\n' ';')"
tb run "$second" "tail -n 1 $DIR/log | grep -qx 'stop $t2 mounted'" &&
	grep -q "stockade0: application: umount done" <<<"$(tb run "$second" "cat $DIR/agent.log")"
ktap_result $? "demoted, node $second runs the stop command, then unmounts"
wait_for 30 running "$third"
t3=$(field "$third" term)
tb run "$third" "grep -qx 'node $third term $t3' $MNT/history"
ktap_result $? "node $third leads term $t3 and runs the application"
ev=$(tb run "$third" "cat /run/app-events")
grep -q "stockade0 app state=starting term=$t3" <<<"$ev" &&
	grep -q "stockade0 app-step step=fsck term=$t3" <<<"$ev" &&
	grep -q "stockade0 app state=running term=$t3" <<<"$ev"
ktap_result $? "node $third's watcher sees the application start, step by step"

# A start that always fails: node $second takes over, fails twice, gives
# up, and stands aside; node $third runs the application again.
tb run "$second" "touch $DIR/fail && $CTL promote 0" >/dev/null
wait_for 40 eval '[ "$(app_state "$second")" = gave-up ]'
st=$(tb run "$second" "$CTL status")
ktap_diag "$(grep application <<<"$st")"
log=$(tb run "$second" "cat $DIR/log")
[ "$(grep -c '^start-failed' <<<"$log")" = 2 ] &&
	grep -q "application: gave up after 2 failed attempts" <<<"$(tb run "$second" "cat $DIR/agent.log")" &&
	grep -q "stands aside from leadership" <<<"$st" && ! mounted "$second"
ktap_result $? "node $second's start fails twice: it stops what it began and gives up"
wait_for 30 running "$third"
t4=$(field "$third" term)
[ "$t4" -gt "$t3" ] && one_leader $rest &&
	tb run "$third" "grep -qx 'node $third term $t4' $MNT/history" &&
	tb run "$second" "grep -q 'stockade0: stepped down in term [0-9]*: gave-up' $DIR/agent.log"
ktap_result $? "node $second stepped down (gave-up); node $third runs the application in term $t4"

# A reload may not change the actions of a running application.
tb run "$third" "sed -i 's/^action_retries = 2/action_retries = 5/' $DIR/stockaded.conf &&
	pkill -HUP -f '^$AGENT'; sleep 1
	grep -q 'reload refused.*actions of device 0 cannot change while its application is running' $DIR/agent.log"
ktap_result $? "a reload that changes a running application's actions is refused"

# SIGTERM to the leader's agent: the application stops before it exits.
tb run "$third" "pkill -TERM -f '^$AGENT'; for i in \$(seq 40); do
		pgrep -f '^$AGENT' >/dev/null || break; sleep 0.5; done
	! pgrep -f '^$AGENT' >/dev/null && ! mountpoint -q $MNT &&
	tail -n 1 $DIR/log | grep -qx 'stop $t4 mounted'"
ktap_result $? "the leader's agent stops on SIGTERM after stopping the application"

ok=0
for i in $rest; do
	tb run "$i" "pkill -TERM -f '^$AGENT'; pkill -f '^$CTL monitor'; sleep 1
		! pgrep -f '^$AGENT' >/dev/null" || ok=1
	tb run "$i" "umount $MNT; $CTL detach 0; rmmod stockade" >/dev/null 2>&1
done
ktap_result $ok "the agents stop"
ktap_finish
