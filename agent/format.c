// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/fs.h>

#include "format.h"
#include "superblock.h"

#define BLOCK	STOCKADE_BLOCK_SIZE

static int fail(char *why, size_t size, int err, const char *what)
{
	snprintf(why, size, "%s", what);
	return err;
}

/* Does the device hold a stockade superblock already? */
static bool already_formatted(int fd, uint64_t disk_blocks)
{
	struct stockade_disk_super *slots = aligned_alloc(BLOCK, 2 * BLOCK);
	struct stockade_super sb;
	enum stockade_super_error err;
	bool found = false;

	if (!slots)
		return false;
	if (pread(fd, slots, 2 * BLOCK, 0) == 2 * BLOCK) {
		memmove((char *)slots + sizeof(*slots), (char *)slots + BLOCK,
			sizeof(*slots));
		found = stockade_super_pick(slots, disk_blocks, &sb, &err) >= 0;
	}
	free(slots);
	return found;
}

/* Slot A, an empty slot B, and a zeroed first log block; then fsync. */
static int write_super(int fd, const struct stockade_super *sb)
{
	uint8_t *blocks = aligned_alloc(BLOCK, 3 * BLOCK);
	int ret = -EIO;

	if (!blocks)
		return -ENOMEM;
	memset(blocks, 0, 3 * BLOCK);
	stockade_super_encode(sb, (struct stockade_disk_super *)blocks);
	if (pwrite(fd, blocks, 2 * BLOCK, 0) == 2 * BLOCK &&
	    pwrite(fd, blocks + 2 * BLOCK, BLOCK,
		   (off_t)(sb->log_start * BLOCK)) == BLOCK && fsync(fd) == 0)
		ret = 0;
	free(blocks);
	return ret;
}

/*
 * Replicas must read the same everywhere, including blocks never written
 * through stockade, or a read after a failover could return the other
 * disk's old contents.  The old superblock goes first, so that a failure
 * half way leaves no stockade device rather than one with mixed data.
 */
static int zero_data(int fd, const struct stockade_super *sb)
{
	uint8_t *slots = aligned_alloc(BLOCK, 2 * BLOCK);
	uint64_t range[2] = { sb->data_start * BLOCK, sb->data_blocks * BLOCK };
	int ret = -EIO;

	if (!slots)
		return -ENOMEM;
	memset(slots, 0, 2 * BLOCK);
	if (pwrite(fd, slots, 2 * BLOCK, 0) == 2 * BLOCK && fsync(fd) == 0)
		ret = ioctl(fd, BLKZEROOUT, range) ? -errno : 0;
	free(slots);
	return ret;
}

static int format_fd(int fd, const struct stockade_format_args *a,
		     char *why, size_t size)
{
	struct stockade_super sb;
	uint64_t bytes, log_id;

	if (ioctl(fd, BLKGETSIZE64, &bytes))
		return fail(why, size, -ENOTBLK, "not a block device");
	if (!a->force && already_formatted(fd, bytes / BLOCK))
		return fail(why, size, -EEXIST,
			    "already a stockade device (use --force to overwrite)");
	if (getrandom(&log_id, sizeof(log_id), 0) != sizeof(log_id))
		return fail(why, size, -errno, "no random bytes");
	if (stockade_super_format(&sb, bytes / BLOCK, a->log_blocks,
				  a->cluster_uuid, a->device_uuid, a->node_id,
				  log_id))
		return fail(why, size, -ENOSPC,
			    "device too small for the log and data regions");
	/* An empty log must not vote as if it had never acknowledged. */
	if (a->join)
		sb.flags |= STOCKADE_SUPER_NEEDS_RESYNC;
	/* A joining replica is copied in full anyway. */
	if (!a->join && !a->no_zero && zero_data(fd, &sb))
		return fail(why, size, -EIO, "zeroing the data region failed");
	if (write_super(fd, &sb))
		return fail(why, size, -EIO, "writing the superblock failed");
	return 0;
}

int stockade_format(const struct stockade_format_args *args, char *why,
		    size_t why_size)
{
	int fd, err;

	/* O_EXCL on a block device: refuse one that is mounted or attached. */
	fd = open(args->path, O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot open %s exclusively: %s",
			 args->path, strerror(errno));
		return err;
	}
	err = format_fd(fd, args, why, why_size);
	close(fd);
	return err;
}
