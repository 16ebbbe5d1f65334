// SPDX-License-Identifier: GPL-2.0
/*
 * A backing device that fails.  Under the detach policy (the default) the
 * node stops using it at the first error: it steps down, serves no I/O,
 * acknowledges no append and grants no vote, so that a node whose disk
 * may have lost writes never counts toward a majority.  Under pass-on a
 * failed log write fails only the I/O that needed it.  A failed apply or
 * superblock write detaches under either policy: the data region, or the
 * durable term and vote, would no longer match what the node promised.
 * Detaching and attaching the device (after replacing the disk) is the
 * way back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netlink.h"
#include "stockade.h"

void stockade_disk_error(struct stockade_dev *dev, int err, bool fatal)
{
	atomic64_inc(&dev->io_errors);
	stockade_event(dev, STOCKADE_EVENT_IO_ERROR, 0);
	if (!fatal &&
	    READ_ONCE(dev->fence.disk_policy) == STOCKADE_DISK_PASS_ON)
		return;
	if (xchg(&dev->disk_failed, true))
		return;
	pr_err("stockade%d: backing device %s failed (%d): detached; this node no longer serves, acknowledges or votes\n",
	       dev->index, dev->backing_path, err);
	WRITE_ONCE(dev->role, STOCKADE_ROLE_FOLLOWER);
	stockade_event(dev, STOCKADE_EVENT_DISK_FAILED, 0);
	wake_up_all(&dev->applied_wait);
	stockade_fence_kick(dev);
	stockade_readq_kick(dev);
}
