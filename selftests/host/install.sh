#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install DESTDIR=...: every file lands where a Debian system expects
# it, and an existing configuration is never overwritten.
source "$(dirname "$0")/../lib/ktap.sh"

KVER=$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -n 1)
DEST=$(mktemp -d)
trap 'rm -rf "$DEST"' EXIT
files=(
	"lib/modules/$KVER/updates/stockade.ko"
	usr/sbin/stockadectl
	usr/sbin/stockaded
	lib/systemd/system/stockaded.service
	usr/share/man/man8/stockadectl.8
	usr/share/man/man8/stockaded.8
	etc/stockade/stockade.conf
)
ktap_plan $((${#files[@]} + 2))

out=$(make -C "$STOCKADE_REPO" install DESTDIR="$DEST" 2>&1)
rc=$?
[ $rc -eq 0 ] || ktap_diag "$(tail -n 20 <<<"$out")"
ktap_result $rc "make install DESTDIR=... succeeds"
for f in "${files[@]}"; do
	[ -s "$DEST/$f" ]
	ktap_result $? "installed: /$f"
done
echo "# edited by the operator" >"$DEST/etc/stockade/stockade.conf"
make -C "$STOCKADE_REPO" install DESTDIR="$DEST" >/dev/null 2>&1
grep -q "edited by the operator" "$DEST/etc/stockade/stockade.conf"
ktap_result $? "a second install keeps the existing configuration"
ktap_finish
