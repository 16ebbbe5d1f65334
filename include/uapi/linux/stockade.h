/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * stockade generic netlink API, shared by stockade.ko, stockaded and
 * stockadectl.  docs/netlink.md describes every command and attribute.
 *
 * Rules that keep old tools working with new modules:
 *  - numbers are never reused or renumbered; new ones go at the end;
 *  - the kernel rejects attributes it does not know (strict validation),
 *    so a tool learns at once that the module is older than it is.
 */
#ifndef _UAPI_LINUX_STOCKADE_H
#define _UAPI_LINUX_STOCKADE_H

#define STOCKADE_GENL_NAME		"stockade"
#define STOCKADE_GENL_VERSION		1
#define STOCKADE_GENL_MCGRP_EVENTS	"events"

enum stockade_cmd {
	STOCKADE_CMD_UNSPEC,
	/* reply: VERSION, GENL_VERSION, WIRE_VERSION, DISK_VERSION */
	STOCKADE_CMD_GET_VERSION,
	/* reply: NODE_ID, DEVICE_COUNT */
	STOCKADE_CMD_GET_STATUS,

	__STOCKADE_CMD_MAX,
	STOCKADE_CMD_MAX = __STOCKADE_CMD_MAX - 1
};

enum stockade_attr {
	STOCKADE_A_UNSPEC,
	STOCKADE_A_VERSION,		/* string: module release, "0.1.0" */
	STOCKADE_A_GENL_VERSION,	/* u32: STOCKADE_GENL_VERSION */
	STOCKADE_A_WIRE_VERSION,	/* u32: replication protocol version */
	STOCKADE_A_DISK_VERSION,	/* u32: on-disk log format version */
	STOCKADE_A_NODE_ID,		/* u32: this node's id, 0 = unset */
	STOCKADE_A_DEVICE_COUNT,	/* u32: number of /dev/stockadeN */

	__STOCKADE_A_MAX,
	STOCKADE_A_MAX = __STOCKADE_A_MAX - 1
};

#endif /* _UAPI_LINUX_STOCKADE_H */
