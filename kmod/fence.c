// SPDX-License-Identifier: GPL-2.0
/*
 * The fence: no bio completes successfully unless this node leads the
 * current term under a live lease and has waited out any lease an older
 * leader may still hold.  The decision is core/lease.c's; this file keeps
 * the lease, holds bios under the suspend policy, and runs a timer so
 * that a lease runs out on its own: no process has to be alive, or
 * scheduled, for the device to fence.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <net/netlink.h>

#include "netlink.h"
#include "stockade.h"

#define DEFAULT_MAX_LEASE_NS	(10ULL * NSEC_PER_SEC)
#define DEFAULT_SUSPEND_NS	(30ULL * NSEC_PER_SEC)
#define DEFAULT_DRIFT_PPM	1000

/* uapi numbers the same things as core/lease.h; keep them in step. */
static_assert((int)STOCKADE_IO_POLICY_ERROR == (int)STOCKADE_POLICY_IO_ERROR);
static_assert((int)STOCKADE_IO_POLICY_SUSPEND == (int)STOCKADE_POLICY_SUSPEND);
static_assert((int)STOCKADE_FENCE_WHY_CLOCK_WAIT ==
	      (int)STOCKADE_FENCE_CLOCK_WAIT);
static_assert((int)STOCKADE_FENCE_WHY_LEASE_EXPIRED ==
	      (int)STOCKADE_FENCE_LEASE_EXPIRED);
static_assert((int)STOCKADE_FENCE_WHY_NO_LEASE == (int)STOCKADE_FENCE_NO_LEASE);
static_assert((int)STOCKADE_FENCE_WHY_NOT_LEADER ==
	      (int)STOCKADE_FENCE_NOT_LEADER);
static_assert((int)STOCKADE_FENCE_WHY_DISK_FAILED ==
	      (int)STOCKADE_FENCE_DISK_FAILED);

static enum stockade_io_decision
decide_locked(struct stockade_dev *dev, u64 arrived, u64 now,
	      enum stockade_fence_reason *why)
{
	struct stockade_fence *f = &dev->fence;
	struct stockade_fence_input in = {
		.leader		= READ_ONCE(dev->role) == STOCKADE_ROLE_LEADER,
		.disk_failed	= READ_ONCE(dev->disk_failed),
		.term		= READ_ONCE(dev->sb.current_term),
		.lease		= &f->lease,
		.serve_after_ns	= f->serve_after_ns,
		.policy		= f->io_policy,
		.suspend_timeout_ns = f->suspend_timeout_ns,
	};

	lockdep_assert_held(&f->lock);
	return stockade_fence_decide(&in, arrived, now, why);
}

enum stockade_io_decision stockade_fence_check(struct stockade_dev *dev,
					       u64 arrived)
{
	enum stockade_fence_reason why;
	enum stockade_io_decision d;
	unsigned long flags;

	spin_lock_irqsave(&dev->fence.lock, flags);
	d = decide_locked(dev, arrived, ktime_get_ns(), &why);
	spin_unlock_irqrestore(&dev->fence.lock, flags);
	return d;
}

/* The earliest moment the decision can change without a netlink call. */
static u64 next_deadline_locked(struct stockade_dev *dev, u64 now)
{
	struct stockade_fence *f = &dev->fence;
	u64 next = U64_MAX;

	if (f->lease.held && f->lease.expires_ns > now)
		next = f->lease.expires_ns;
	if (f->serve_after_ns > now)
		next = min(next, f->serve_after_ns);
	if (!bio_list_empty(&f->held))
		next = min(next, f->held_since_ns + f->suspend_timeout_ns);
	return next;
}

static void arm_timer_locked(struct stockade_dev *dev, u64 now)
{
	u64 next = next_deadline_locked(dev, now);

	if (next == U64_MAX)
		return;
	/* A tick late is fine: the bio path decides on its own too. */
	hrtimer_start(&dev->fence.timer, ns_to_ktime(next), HRTIMER_MODE_ABS);
}

static enum hrtimer_restart fence_timer_fn(struct hrtimer *t)
{
	struct stockade_dev *dev = container_of(t, struct stockade_dev,
						 fence.timer);

	queue_work(system_highpri_wq, &dev->fence.work);
	return HRTIMER_NORESTART;
}

void stockade_fence_count(struct stockade_dev *dev, struct bio *bio)
{
	atomic64_inc(&dev->fenced_ios);
	if (op_is_write(bio_op(bio)) || op_is_flush(bio->bi_opf))
		atomic64_inc(&dev->fence.fenced_writes);
	else
		atomic64_inc(&dev->fence.fenced_reads);
}

/*
 * Tell the events group once per change of the reason: FENCED when I/O
 * stops, SERVING when it starts again, so that a log of events shows
 * exactly when this node served.
 */
static void report(struct stockade_dev *dev, enum stockade_fence_reason why)
{
	struct stockade_fence *f = &dev->fence;
	enum stockade_fence_reason was = xchg(&f->reason, why);

	if (was == why)
		return;
	if (why == STOCKADE_FENCE_LEASE_EXPIRED) {
		atomic64_inc(&f->expiries);
		pr_warn_ratelimited("stockade%d: lease of term %llu expired: fencing\n",
				    dev->index, f->lease.term);
		stockade_event(dev, STOCKADE_EVENT_LEASE_EXPIRED, 0);
	}
	stockade_event(dev, why == STOCKADE_FENCE_NONE ? STOCKADE_EVENT_SERVING :
						      STOCKADE_EVENT_FENCED, 0);
}

/*
 * Re-decide for the held bios and tell what changed.  Runs from the timer
 * and after every grant, role change and policy change.
 */
static void fence_work_fn(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(work, struct stockade_dev,
						 fence.work);
	struct stockade_fence *f = &dev->fence;
	enum stockade_fence_reason why;
	enum stockade_io_decision d;
	struct bio_list list;
	struct bio *bio;
	u64 now;

	spin_lock_irq(&f->lock);
	now = ktime_get_ns();
	d = decide_locked(dev, f->held_since_ns, now, &why);
	bio_list_init(&list);
	if (d != STOCKADE_IO_WAIT) {
		bio_list_merge(&list, &f->held);
		bio_list_init(&f->held);
	}
	arm_timer_locked(dev, now);
	spin_unlock_irq(&f->lock);

	report(dev, why);
	wake_up_all(&f->wait);
	while ((bio = bio_list_pop(&list))) {
		if (d == STOCKADE_IO_SERVE) {
			stockade_dispatch_bio(dev, bio);
		} else {
			stockade_fence_count(dev, bio);
			bio_io_error(bio);
		}
	}
}

void stockade_fence_kick(struct stockade_dev *dev)
{
	queue_work(system_highpri_wq, &dev->fence.work);
}

/* Submit path: true if the caller may go on with @bio now. */
bool stockade_fence_admit(struct stockade_dev *dev, struct bio *bio)
{
	struct stockade_fence *f = &dev->fence;
	enum stockade_fence_reason why;
	enum stockade_io_decision d;
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&f->lock, flags);
	now = ktime_get_ns();
	d = decide_locked(dev, now, now, &why);
	if (d == STOCKADE_IO_WAIT) {
		if (bio_list_empty(&f->held))
			f->held_since_ns = now;
		bio_list_add(&f->held, bio);
		arm_timer_locked(dev, now);
	}
	spin_unlock_irqrestore(&f->lock, flags);

	if (d == STOCKADE_IO_FAIL) {
		stockade_fence_count(dev, bio);
		bio_io_error(bio);
	}
	if (d != STOCKADE_IO_SERVE && why != READ_ONCE(f->reason))
		stockade_fence_kick(dev);
	return d == STOCKADE_IO_SERVE;
}

/*
 * Completion path of a write that reached the log: wait while the policy
 * holds I/O, then answer whether it may complete successfully.
 */
bool stockade_fence_may_complete(struct stockade_dev *dev, u64 arrived)
{
	enum stockade_io_decision d;

	for (;;) {
		d = stockade_fence_check(dev, arrived);
		if (d != STOCKADE_IO_WAIT || READ_ONCE(dev->stopping))
			return d == STOCKADE_IO_SERVE;
		/* The timer and every grant wake us; poll besides. */
		wait_event_timeout(dev->fence.wait,
				   stockade_fence_check(dev, arrived) !=
				   STOCKADE_IO_WAIT, HZ / 10);
	}
}

int stockade_fence_grant(struct stockade_dev *dev, u64 term, u64 start_ns,
			 u64 duration_ns, u32 portid,
			 struct netlink_ext_ack *extack)
{
	struct stockade_fence *f = &dev->fence;
	enum stockade_lease_verdict v;
	bool was_live, late;
	u64 now;

	lockdep_assert_held(&dev->lock);
	if (term < dev->sb.current_term) {
		NL_SET_ERR_MSG(extack, "lease for an older term");
		return -ESTALE;
	}
	if (term > dev->sb.current_term) {
		NL_SET_ERR_MSG(extack, "lease for a term this node has not persisted");
		return -EINVAL;
	}
	spin_lock_irq(&f->lock);
	now = ktime_get_ns();
	if (!start_ns)
		start_ns = now;
	if (duration_ns > f->max_lease_ns) {
		spin_unlock_irq(&f->lock);
		NL_SET_ERR_MSG(extack, "lease longer than the maximum lease");
		return -EINVAL;
	}
	was_live = stockade_lease_live(&f->lease, term, now);
	late = !was_live && f->lease.held && f->lease.term == term;
	v = stockade_lease_grant(&f->lease, term, start_ns, duration_ns,
				 f->max_drift_ppm, now);
	if (v == STOCKADE_LEASE_OK) {
		f->portid = portid;
		arm_timer_locked(dev, now);
	}
	spin_unlock_irq(&f->lock);

	switch (v) {
	case STOCKADE_LEASE_OK:
		break;
	case STOCKADE_LEASE_STALE_TERM:
		NL_SET_ERR_MSG(extack, "lease for an older term");
		return -ESTALE;
	case STOCKADE_LEASE_ALREADY_OVER:
		NL_SET_ERR_MSG(extack, "the lease would already be over");
		return -ETIME;
	default:
		/* Static strings, as extack wants. */
		if (extack)
			extack->_msg = stockade_lease_verdict_name(v);
		return -EINVAL;
	}
	if (!was_live)
		stockade_event(dev, late ? STOCKADE_EVENT_LEASE_LATE :
				    STOCKADE_EVENT_LEASE_GRANTED, 0);
	stockade_fence_kick(dev);
	return 0;
}

void stockade_fence_revoke(struct stockade_dev *dev)
{
	struct stockade_fence *f = &dev->fence;
	bool was_held;

	spin_lock_irq(&f->lock);
	was_held = f->lease.held;
	stockade_lease_revoke(&f->lease);
	spin_unlock_irq(&f->lock);
	if (was_held)
		stockade_event(dev, STOCKADE_EVENT_LEASE_EXPIRED, 0);
	stockade_fence_kick(dev);
}

/* The owner of the lease closed its netlink socket. */
void stockade_fence_socket_closed(struct stockade_dev *dev, u32 portid)
{
	struct stockade_fence *f = &dev->fence;
	bool mine;

	spin_lock_irq(&f->lock);
	mine = f->revoke_on_close && f->lease.held && f->portid == portid;
	spin_unlock_irq(&f->lock);
	if (mine) {
		pr_warn("stockade%d: the lease holder's socket closed: revoking\n",
			dev->index);
		stockade_fence_revoke(dev);
	}
}

/*
 * A new leader: whatever lease an older leader holds was granted before
 * this node's term won (every voter stopped acknowledging it before
 * voting), so it is over once the longest lease, stretched by the drift
 * bound, has passed from now.  A node without peers has no one to wait
 * for.
 */
void stockade_fence_new_leader(struct stockade_dev *dev, bool alone)
{
	struct stockade_fence *f = &dev->fence;

	spin_lock_irq(&f->lock);
	f->serve_after_ns = alone ? 0 :
		stockade_lease_wait_until(ktime_get_ns(), f->max_lease_ns,
					  f->max_drift_ppm);
	spin_unlock_irq(&f->lock);
	stockade_fence_kick(dev);
}

int stockade_fence_set_policy(struct stockade_dev *dev,
			      const struct stockade_fence_policy *p)
{
	struct stockade_fence *f = &dev->fence;

	spin_lock_irq(&f->lock);
	if (p->io_policy >= 0)
		f->io_policy = p->io_policy;
	if (p->read_policy >= 0)
		f->read_policy = p->read_policy;
	if (p->revoke_on_close >= 0)
		f->revoke_on_close = p->revoke_on_close;
	if (p->suspend_timeout_ns)
		f->suspend_timeout_ns = p->suspend_timeout_ns;
	if (p->max_lease_ns)
		f->max_lease_ns = p->max_lease_ns;
	if (p->max_drift_ppm >= 0)
		f->max_drift_ppm = p->max_drift_ppm;
	if (p->disk_policy >= 0)
		f->disk_policy = p->disk_policy;
	spin_unlock_irq(&f->lock);
	stockade_fence_kick(dev);
	return 0;
}

void stockade_fence_status(struct stockade_dev *dev,
			   struct stockade_dev_status *st)
{
	struct stockade_fence *f = &dev->fence;
	enum stockade_fence_reason why;
	u64 now;

	spin_lock_irq(&f->lock);
	now = ktime_get_ns();
	decide_locked(dev, now, now, &why);
	st->fence_reason = why;
	st->lease_term = f->lease.term;
	st->lease_remaining_ns = stockade_lease_live(&f->lease,
						     dev->sb.current_term, now) ?
				 f->lease.expires_ns - now : 0;
	st->clock_wait_ns = f->serve_after_ns > now ?
			    f->serve_after_ns - now : 0;
	st->io_policy = f->io_policy;
	st->read_policy = f->read_policy;
	st->suspend_timeout_ns = f->suspend_timeout_ns;
	st->max_lease_ns = f->max_lease_ns;
	st->max_drift_ppm = f->max_drift_ppm;
	st->revoke_on_close = f->revoke_on_close;
	st->disk_policy = f->disk_policy;
	st->disk_failed = READ_ONCE(dev->disk_failed);
	spin_unlock_irq(&f->lock);
	st->counters[STOCKADE_COUNTER_FENCED_READS] =
		atomic64_read(&f->fenced_reads);
	st->counters[STOCKADE_COUNTER_FENCED_WRITES] =
		atomic64_read(&f->fenced_writes);
	st->counters[STOCKADE_COUNTER_LEASE_EXPIRIES] =
		atomic64_read(&f->expiries);
}

void stockade_fence_init(struct stockade_dev *dev)
{
	struct stockade_fence *f = &dev->fence;

	spin_lock_init(&f->lock);
	bio_list_init(&f->held);
	init_waitqueue_head(&f->wait);
	hrtimer_init(&f->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	f->timer.function = fence_timer_fn;
	INIT_WORK(&f->work, fence_work_fn);
	f->io_policy = STOCKADE_POLICY_IO_ERROR;
	f->read_policy = STOCKADE_READ_LEASE;
	f->suspend_timeout_ns = DEFAULT_SUSPEND_NS;
	f->max_lease_ns = DEFAULT_MAX_LEASE_NS;
	f->max_drift_ppm = DEFAULT_DRIFT_PPM;
	f->reason = STOCKADE_FENCE_NOT_LEADER;
}

/* Detach: fail whatever is held; nothing may fire afterwards. */
void stockade_fence_stop(struct stockade_dev *dev)
{
	struct stockade_fence *f = &dev->fence;
	struct bio_list list;
	struct bio *bio;

	hrtimer_cancel(&f->timer);
	cancel_work_sync(&f->work);
	hrtimer_cancel(&f->timer);
	spin_lock_irq(&f->lock);
	list = f->held;
	bio_list_init(&f->held);
	spin_unlock_irq(&f->lock);
	while ((bio = bio_list_pop(&list)))
		bio_io_error(bio);
	wake_up_all(&f->wait);
}
