/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Versions of everything stockade puts on a wire or a disk.  The module,
 * the agent and the simulator all include this file, so the numbers they
 * compare can never drift apart.
 */
#ifndef _STOCKADE_VERSION_H
#define _STOCKADE_VERSION_H

#define STOCKADE_RELEASE	"0.1.0"
/*
 * Replication protocol between peers (docs/wire-format.md).  2: the
 * conflict term hint in APPEND_REPLY.
 */
#define STOCKADE_WIRE_VERSION	2
/* Write-ahead log layout on the backing device (docs/disk-format.md). */
#define STOCKADE_DISK_VERSION	1

#endif /* _STOCKADE_VERSION_H */
