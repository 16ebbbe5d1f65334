#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short torture run (selftests/torture/torture.py) on the test bed that
# selftests/run booted: a random seed (TORTURE_SEED= replays one), eight
# faults, the workload following the leader, then the checker.  The full
# run is 'make torture'.
source "$(dirname "$0")/../lib/ktap.sh"

STEPS=8
seed=${TORTURE_SEED:-$((RANDOM * 32768 + RANDOM))}
ktap_plan 4

out=$("$STOCKADE_REPO/selftests/torture/torture.py" --reuse --seed "$seed" \
	--steps $STEPS 2>&1)
rc=$?
ktap_diag "$out"

[ "$(grep -c '\] fault [0-9]*/' <<<"$out")" = $STEPS ] &&
	[ "$(grep -c '\] healed ' <<<"$out")" = $STEPS ]
ktap_result $? "seed $seed: $STEPS faults injected and healed"
acks=$(sed -n 's/.* \([0-9]*\) writes acknowledged.*/\1/p' <<<"$out")
# The runner lists the nodes in the order they caught up (leader first).
caught=$(sed -n 's/.*caught up: nodes \[\([0-9, ]*\)\] of .*/\1/p' <<<"$out" |
	tr -d ' ' | tr ',' '\n' | sort -n | paste -sd,)
[ "${acks:-0}" -gt 100 ] && [ "$caught" = 1,2,3 ]
ktap_result $? "the workload had $acks writes acknowledged; every replica caught up"
! grep -q 'the cluster did not serve within\|no leader could read' <<<"$out"
ktap_result $? "after the heal a leader serves again"
[ $rc -eq 0 ] && grep -q "seed $seed: PASS" <<<"$out"
ktap_result $? "the checker: no acknowledged write lost, reads current, replicas identical"
ktap_finish
