/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockadectl create: write a fresh superblock (docs/on-disk-format.md).
 */
#ifndef STOCKADE_AGENT_FORMAT_H
#define STOCKADE_AGENT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

struct stockade_format_args {
	const char *path;
	uint8_t cluster_uuid[16];
	uint8_t device_uuid[16];
	uint32_t node_id;
	uint64_t log_blocks;
	bool force;		/* overwrite an existing stockade device */
	/*
	 * A replacement replica of an existing cluster: it needs a full
	 * resync from the leader, and neither votes nor leads before it.
	 */
	bool join;
	/*
	 * The data region is left as it is: the operator vouches that every
	 * replica's disk reads the same (new thin volumes, or zeroed ones).
	 */
	bool no_zero;
};

/*
 * 0, or a negative errno with a message for a human in @why: -EEXIST when
 * the device already holds a stockade superblock and !force.
 */
int stockade_format(const struct stockade_format_args *args, char *why,
		    size_t why_size);

#endif /* STOCKADE_AGENT_FORMAT_H */
