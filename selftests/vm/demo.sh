#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The story of make demo on the test bed's running cluster, with a short
# workload, its checks as KTAP: the agents elect a leader that mounts the
# file system and starts PostgreSQL; a client commits rows; the leader
# loses power; another node takes over; no committed row is lost; the old
# node rejoins as a follower and catches up.
source "$(dirname "$0")/../lib/ktap.sh"

DEMO_KTAP=1 DEMO_REUSE=1 DEMO_SECONDS=${DEMO_SECONDS:-5} \
	exec "$STOCKADE_REPO/scripts/demo"
