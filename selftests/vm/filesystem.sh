#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A filesystem on a device replicated on three nodes, roles set by hand:
# ext4 on the leader, files with known checksums and fio's own crc32c
# verification; every replica's data region ends up identical; after a
# power cut of the leader another node mounts it and finds every file and
# every block fio wrote intact.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/cluster.sh"

CLUSTER=6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d
DEVICE=7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e
SECRET=filesystem-test-secret-01234567
PORT=7797
LOG_BLOCKS=4096
MNT=/run/stockade-mnt
# The same job writes, and later only verifies: same size, seed, pattern.
FIO="fio --name=verify --filename=$MNT/fio.dat --size=4M --rw=randwrite \
	--bs=4k --iodepth=16 --ioengine=libaio --direct=1 --verify=crc32c \
	--randseed=4242 --output-format=terse"

ktap_plan 7

caught_up() { [ "$(field "$1" applied_index)" = "$(field 1 last_index)" ]; }

# The whole data region, read from the backing disk, on every node at once.
sums() {
	local i
	for i in 1 2 3; do
		tb run "$i" "dd if=/dev/mapper/backing bs=1M iflag=direct,skip_bytes \
			skip=$(((2 + LOG_BLOCKS) * 4096)) status=none |
			sha256sum | cut -c1-16" >"$TMP/sum$i" &
	done
	wait
	cat "$TMP/sum1" "$TMP/sum2" "$TMP/sum3" | tr '\n' ' '
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok=0
for i in 1 2 3; do setup "$i" >/dev/null || ok=1; done
lead 1 1 >/dev/null || ok=1
tb run -t 120 1 "mkfs.ext4 -q /dev/stockade0 && mkdir -p $MNT &&
	mount /dev/stockade0 $MNT" || ok=1
ktap_result $ok "node 1 leads; ext4 is made and mounted on /dev/stockade0"

tb run -t 120 1 "cd $MNT && for i in \$(seq 1 20); do
		head -c \$((RANDOM * 32)) /dev/urandom >file\$i || exit 1
	done && sync && sha256sum file*" >"$TMP/files"
[ "$(wc -l <"$TMP/files")" = 20 ]
ktap_result $? "20 files of random content are written and synced"

out=$(tb run -t 300 1 "$FIO --do_verify=1" 2>&1)
rc=$?
ktap_diag "fio: $(cut -d';' -f3,5 <<<"$out" | head -n 1) (terse: job;error)"
[ $rc = 0 ] && [ "$(cut -d';' -f5 <<<"$out" | head -n 1)" = 0 ]
ktap_result $? "fio's random writes pass its crc32c verification"

tb run -t 60 1 "umount $MNT"
wait_for 30 caught_up 2 && wait_for 30 caught_up 3
s=$(sums)
ktap_diag "data region sha256: $s"
read -r a b c <<<"$s"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
ktap_result $? "after the unmount, the three data regions are identical"

# Mounted again and written to, then the power is cut.
tb run 1 "mount /dev/stockade0 $MNT && echo last >$MNT/last && sync" &&
	tb crash 1
ktap_result $? "node 1 mounts it again, writes, syncs, and loses power"

# The follower with the longer log leads, as an election would choose.
new=2
[ "$(field 3 last_index)" -gt "$(field 2 last_index)" ] && new=3
lead $new 2 >/dev/null &&
	tb run -t 120 $new "mkdir -p $MNT && mount /dev/stockade0 $MNT &&
		cd $MNT && test \"\$(cat last)\" = last &&
		printf '%s\n' '$(cat "$TMP/files")' | sha256sum -c --quiet"
ktap_result $? "node $new leads term 2, mounts it, and every file is intact"

out=$(tb run -t 300 $new "$FIO --verify_only" 2>&1)
rc=$?
[ $rc = 0 ] && [ "$(cut -d';' -f5 <<<"$out" | head -n 1)" = 0 ]
ktap_result $? "every block fio wrote verifies on node $new"

for i in 2 3; do
	tb run "$i" "umount $MNT; pkill -f '^$CTL lease'; $CTL detach 0; rmmod stockade" \
		>/dev/null 2>&1
done
# The next test gets three nodes again.
tb run 1 true >/dev/null 2>&1 || tb start 1 >/dev/null 2>&1
ktap_finish
