// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/block/stockadeN/stockade/: the device's state for monitoring tools,
 * one value per file, read-only.  Writes go through netlink, where they
 * are validated and persisted in order.
 */
#include <linux/blkdev.h>
#include <linux/sysfs.h>

#include "stockade.h"

static struct stockade_dev *to_sdev(struct device *d)
{
	return dev_to_disk(d)->private_data;
}

static const char *const role_names[] = {
	[STOCKADE_ROLE_FOLLOWER]	= "follower",
	[STOCKADE_ROLE_LEADER]		= "leader",
};

static ssize_t role_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	enum stockade_role role = READ_ONCE(to_sdev(d)->role);

	return sysfs_emit(buf, "%s\n", role_names[role]);
}

/* A u64 field of the device, read under its lock. */
#define STOCKADE_U64_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct stockade_dev *dev = to_sdev(d);				\
	u64 v;								\
									\
	mutex_lock(&dev->lock);						\
	v = (_expr);							\
	mutex_unlock(&dev->lock);					\
	return sysfs_emit(buf, "%llu\n", v);				\
}									\
static DEVICE_ATTR_RO(_name)

STOCKADE_U64_ATTR(term, dev->sb.current_term);
STOCKADE_U64_ATTR(last_log_index, dev->last_index);
STOCKADE_U64_ATTR(commit_index, dev->commit_index);
STOCKADE_U64_ATTR(applied_index, dev->applied_index);
STOCKADE_U64_ATTR(fenced_ios, atomic64_read(&dev->fenced_ios));
STOCKADE_U64_ATTR(io_errors, atomic64_read(&dev->io_errors));
STOCKADE_U64_ATTR(log_entries, atomic64_read(&dev->log_entries));
STOCKADE_U64_ATTR(log_writes, atomic64_read(&dev->log_writes));
STOCKADE_U64_ATTR(append_refusals, atomic64_read(&dev->append_refusals));
static DEVICE_ATTR_RO(role);

/* The fence as status computes it, for the files below. */
static void fence_now(struct device *d, struct stockade_dev_status *st)
{
	memset(st, 0, sizeof(*st));
	stockade_fence_status(to_sdev(d), st);
}

static const char *const fence_names[] = {
	[STOCKADE_FENCE_NONE]		= "none",
	[STOCKADE_FENCE_NOT_LEADER]	= "not-leader",
	[STOCKADE_FENCE_NO_LEASE]	= "no-lease",
	[STOCKADE_FENCE_LEASE_EXPIRED]	= "lease-expired",
	[STOCKADE_FENCE_CLOCK_WAIT]	= "clock-wait",
};

static ssize_t fenced_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct stockade_dev_status st;

	fence_now(d, &st);
	return sysfs_emit(buf, "%s\n", fence_names[st.fence_reason]);
}
static DEVICE_ATTR_RO(fenced);

/* A number of the fence's status, one value per file. */
#define STOCKADE_FENCE_ATTR(_name, _expr)				\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct stockade_dev_status st;					\
									\
	fence_now(d, &st);						\
	return sysfs_emit(buf, "%llu\n", (u64)(_expr));			\
}									\
static DEVICE_ATTR_RO(_name)

STOCKADE_FENCE_ATTR(lease_term, st.lease_term);
STOCKADE_FENCE_ATTR(lease_remaining_ms,
		    div_u64(st.lease_remaining_ns, NSEC_PER_MSEC));
STOCKADE_FENCE_ATTR(clock_wait_ms, div_u64(st.clock_wait_ns, NSEC_PER_MSEC));
STOCKADE_FENCE_ATTR(max_lease_ms, div_u64(st.max_lease_ns, NSEC_PER_MSEC));
STOCKADE_FENCE_ATTR(max_drift_ppm, st.max_drift_ppm);

static ssize_t io_policy_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	struct stockade_dev_status st;

	fence_now(d, &st);
	return sysfs_emit(buf, "%s\n", st.io_policy ? "suspend" : "error");
}
static DEVICE_ATTR_RO(io_policy);

static ssize_t read_policy_show(struct device *d,
				struct device_attribute *attr, char *buf)
{
	struct stockade_dev_status st;

	fence_now(d, &st);
	return sysfs_emit(buf, "%s\n", st.read_policy ? "quorum" : "lease");
}
static DEVICE_ATTR_RO(read_policy);

STOCKADE_U64_ATTR(fenced_reads, atomic64_read(&dev->fence.fenced_reads));
STOCKADE_U64_ATTR(fenced_writes, atomic64_read(&dev->fence.fenced_writes));
STOCKADE_U64_ATTR(lease_expiries, atomic64_read(&dev->fence.expiries));

/* This replica's full resync: none, copied/total blocks, or catching-up. */
static ssize_t resync_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct stockade_dev *dev = to_sdev(d);
	bool needed, catching_up;
	u64 done, total;

	mutex_lock(&dev->lock);
	needed = stockade_resync_needed(dev);
	catching_up = needed && dev->sb.resync.catch_up_index;
	done = dev->resync_next;
	total = dev->sb.data_blocks;
	mutex_unlock(&dev->lock);
	if (!needed)
		return sysfs_emit(buf, "none\n");
	if (catching_up)
		return sysfs_emit(buf, "catching-up\n");
	return sysfs_emit(buf, "%llu/%llu\n", done, total);
}
static DEVICE_ATTR_RO(resync);

static ssize_t backing_show(struct device *d, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_sdev(d)->backing_path);
}
static DEVICE_ATTR_RO(backing);

static struct attribute *stockade_attrs[] = {
	&dev_attr_role.attr,
	&dev_attr_term.attr,
	&dev_attr_last_log_index.attr,
	&dev_attr_commit_index.attr,
	&dev_attr_applied_index.attr,
	&dev_attr_fenced_ios.attr,
	&dev_attr_io_errors.attr,
	&dev_attr_log_entries.attr,
	&dev_attr_log_writes.attr,
	&dev_attr_append_refusals.attr,
	&dev_attr_backing.attr,
	&dev_attr_fenced.attr,
	&dev_attr_lease_term.attr,
	&dev_attr_lease_remaining_ms.attr,
	&dev_attr_clock_wait_ms.attr,
	&dev_attr_max_lease_ms.attr,
	&dev_attr_max_drift_ppm.attr,
	&dev_attr_io_policy.attr,
	&dev_attr_read_policy.attr,
	&dev_attr_fenced_reads.attr,
	&dev_attr_fenced_writes.attr,
	&dev_attr_lease_expiries.attr,
	&dev_attr_resync.attr,
	NULL,
};

static const struct attribute_group stockade_attr_group = {
	.name	= "stockade",
	.attrs	= stockade_attrs,
};

const struct attribute_group *stockade_attr_groups[] = {
	&stockade_attr_group,
	NULL,
};
