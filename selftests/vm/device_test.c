// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/stockadeN on one node, roles set by hand: attach validates the
 * superblock and refuses foreign or unformatted disks with a clear
 * message; a follower completes no I/O; a leader's writes read back and
 * survive detach and attach; terms are persisted and never go back.
 * Run as root in a VM, with stockade.ko loaded, on a scratch disk given by
 * $STOCKADE_BACKING (default /dev/mapper/backing).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/stockade.h>

#include "kselftest_harness.h"
#include "nlraw.h"
#include "superblock.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
#define LOG_BLOCKS	1024

static const u8 cluster[16] = "test-cluster-01";
static const u8 device[16] = "test-device-001";

static const char *backing(void)
{
	const char *p = getenv("STOCKADE_BACKING");

	return p ? p : "/dev/mapper/backing";
}

/* Write slot A, zero slot B and the first log block: a fresh device. */
static int format(const u8 *cluster_uuid)
{
	u8 *blocks = aligned_alloc(BLOCK, 3 * BLOCK);
	struct stockade_super sb;
	u64 size, log_id;
	int fd, ret = -1;

	fd = open(backing(), O_RDWR | O_DIRECT);
	if (fd < 0 || !blocks || ioctl(fd, BLKGETSIZE64, &size) ||
	    getrandom(&log_id, sizeof(log_id), 0) != sizeof(log_id))
		goto out;
	if (stockade_super_format(&sb, size / BLOCK, LOG_BLOCKS, cluster_uuid,
				  device, 1, log_id))
		goto out;
	memset(blocks, 0, 3 * BLOCK);
	stockade_super_encode(&sb, (void *)blocks);
	if (pwrite(fd, blocks, 2 * BLOCK, 0) == 2 * BLOCK &&
	    pwrite(fd, blocks + 2 * BLOCK, BLOCK, sb.log_start * BLOCK) == BLOCK)
		ret = fsync(fd);
out:
	if (fd >= 0)
		close(fd);
	free(blocks);
	return ret;
}

static int wipe(void)
{
	u8 *zero = aligned_alloc(BLOCK, 2 * BLOCK);
	int fd = open(backing(), O_RDWR | O_DIRECT);
	int ret = -1;

	if (fd >= 0 && zero) {
		memset(zero, 0, 2 * BLOCK);
		ret = pwrite(fd, zero, 2 * BLOCK, 0) == 2 * BLOCK ? 0 : -1;
	}
	if (fd >= 0)
		close(fd);
	free(zero);
	return ret;
}

FIXTURE(dev)
{
	int nl, family, index;
	unsigned char reply[NLRAW_BUF_SIZE];
	char path[32];
};

static int request(FIXTURE_DATA(dev) *self, uint8_t cmd,
		   const struct nlraw_msg *m)
{
	return nlraw_request(self->nl, self->family, cmd,
			     STOCKADE_GENL_VERSION, m, self->reply,
			     sizeof(self->reply));
}

static int attach(FIXTURE_DATA(dev) *self, const u8 *cluster_uuid)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *a;
	int len;

	nlraw_put_str(&m, STOCKADE_A_BACKING_PATH, backing());
	nlraw_put(&m, STOCKADE_A_CLUSTER_UUID, cluster_uuid, 16);
	nlraw_put(&m, STOCKADE_A_DEVICE_UUID, device, 16);
	len = request(self, STOCKADE_CMD_ATTACH, &m);
	if (len < 0)
		return len;
	a = nlraw_find(self->reply, len, STOCKADE_A_DEVICE_INDEX);
	if (!a)
		return -EBADMSG;
	self->index = nlraw_get_u32(a);
	snprintf(self->path, sizeof(self->path), "/dev/stockade%d",
		 self->index);
	return 0;
}

static int detach(FIXTURE_DATA(dev) *self)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	return request(self, STOCKADE_CMD_DETACH, &m);
}

static int set_role(FIXTURE_DATA(dev) *self, uint8_t role, uint64_t term)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put_u8(&m, STOCKADE_A_ROLE, role);
	nlraw_put_u64(&m, STOCKADE_A_TERM, term);
	return request(self, STOCKADE_CMD_SET_ROLE, &m);
}

static int set_policy_ms(FIXTURE_DATA(dev) *self, uint16_t attr,
			 uint32_t value)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put_u32(&m, attr, value);
	return request(self, STOCKADE_CMD_SET_POLICY, &m);
}

static int set_policy_u8(FIXTURE_DATA(dev) *self, uint16_t attr,
			 uint8_t value)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put_u8(&m, attr, value);
	return request(self, STOCKADE_CMD_SET_POLICY, &m);
}

static int revoke_lease(FIXTURE_DATA(dev) *self)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put(&m, STOCKADE_A_REVOKE, NULL, 0);
	return request(self, STOCKADE_CMD_SET_LEASE, &m);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A lease of @ms counted from @start (CLOCK_MONOTONIC), on socket @nl. */
static int grant_on(FIXTURE_DATA(dev) *self, int nl, uint64_t term,
		    uint64_t start, uint32_t ms)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put_u64(&m, STOCKADE_A_TERM, term);
	nlraw_put_u64(&m, STOCKADE_A_LEASE_START_NS, start);
	nlraw_put_u64(&m, STOCKADE_A_LEASE_DURATION_NS, ms * 1000000ULL);
	return nlraw_request(nl, self->family, STOCKADE_CMD_SET_LEASE,
			     STOCKADE_GENL_VERSION, &m, self->reply,
			     sizeof(self->reply));
}

static int grant(FIXTURE_DATA(dev) *self, uint64_t term, uint32_t ms)
{
	return grant_on(self, self->nl, term, now_ns(), ms);
}

/* Leader of @term under a lease that outlasts any one test. */
static int lead(FIXTURE_DATA(dev) *self, uint64_t term)
{
	int err = set_role(self, STOCKADE_ROLE_LEADER, term);

	if (!err)
		err = set_policy_ms(self, STOCKADE_A_MAX_LEASE_MS, 60000);
	if (!err)
		err = grant(self, term, 60000);
	return err < 0 ? err : 0;
}

static uint64_t status_u64(FIXTURE_DATA(dev) *self, uint16_t attr)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *a;
	int len;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	len = request(self, STOCKADE_CMD_GET_DEVICE, &m);
	a = len > 0 ? nlraw_find(self->reply, len, attr) : NULL;
	return a ? nlraw_get_u64(a) : UINT64_MAX;
}

static int status_role(FIXTURE_DATA(dev) *self)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *a;
	int len;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	len = request(self, STOCKADE_CMD_GET_DEVICE, &m);
	a = len > 0 ? nlraw_find(self->reply, len, STOCKADE_A_ROLE) : NULL;
	return a ? nlraw_get_u8(a) : -1;
}

struct vote {
	uint64_t term, last_index, last_term;
	uint32_t candidate;
	bool pre;
	/* the answer */
	int result;
	uint64_t new_term;
	uint32_t voted_for;
};

static int vote(FIXTURE_DATA(dev) *self, struct vote *v)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *r, *t, *f;
	int len;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	nlraw_put_u64(&m, STOCKADE_A_TERM, v->term);
	nlraw_put_u32(&m, STOCKADE_A_NODE_ID, v->candidate);
	nlraw_put_u64(&m, STOCKADE_A_LAST_INDEX, v->last_index);
	nlraw_put_u64(&m, STOCKADE_A_LAST_TERM, v->last_term);
	if (v->pre)
		nlraw_put(&m, STOCKADE_A_PRE_VOTE, NULL, 0);
	len = request(self, STOCKADE_CMD_VOTE, &m);
	if (len < 0)
		return len;
	r = nlraw_find(self->reply, len, STOCKADE_A_VOTE_RESULT);
	t = nlraw_find(self->reply, len, STOCKADE_A_TERM);
	f = nlraw_find(self->reply, len, STOCKADE_A_VOTED_FOR);
	if (!r || !t || !f)
		return -EBADMSG;
	v->result = nlraw_get_u8(r);
	v->new_term = nlraw_get_u64(t);
	v->voted_for = nlraw_get_u32(f);
	return 0;
}

/* Write @n blocks of @fill at block @at through the device, O_DIRECT. */
static ssize_t dev_write(const char *path, off_t at, int n, int fill)
{
	u8 *buf = aligned_alloc(BLOCK, (size_t)n * BLOCK);
	int fd = open(path, O_WRONLY | O_DIRECT);
	ssize_t ret = -1;

	if (fd < 0) {
		ret = -errno;
	} else if (buf) {
		memset(buf, fill, (size_t)n * BLOCK);
		ret = pwrite(fd, buf, (size_t)n * BLOCK, at * BLOCK);
		if (ret < 0)
			ret = -errno;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Read back: 1 if every byte is @fill, 0 if not, -errno on error. */
static int dev_check(const char *path, off_t at, int n, int fill)
{
	u8 *buf = aligned_alloc(BLOCK, (size_t)n * BLOCK);
	int fd = open(path, O_RDONLY | O_DIRECT);
	int ret = -1;
	ssize_t got;

	if (fd < 0) {
		ret = -errno;
	} else if (buf) {
		got = pread(fd, buf, (size_t)n * BLOCK, at * BLOCK);
		if (got < 0)
			ret = -errno;
		else
			ret = got == (ssize_t)n * BLOCK;
		for (size_t i = 0; ret == 1 && i < (size_t)n * BLOCK; i++)
			ret = buf[i] == fill;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

FIXTURE_SETUP(dev)
{
	self->nl = nlraw_open();
	ASSERT_LE(0, self->nl);
	self->family = nlraw_family_id(self->nl, STOCKADE_GENL_NAME);
	ASSERT_LT(0, self->family) TH_LOG("is stockade.ko loaded?");
	ASSERT_EQ(0, format(cluster)) TH_LOG("cannot format %s", backing());
	ASSERT_EQ(0, attach(self, cluster)) TH_LOG("attach: %s", nlraw_errmsg);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->path[0])
		detach(self);
	close(self->nl);
}

TEST_F(dev, attach_presents_a_device_of_the_data_size)
{
	u64 size = 0;
	int fd = open(self->path, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, BLKGETSIZE64, &size));
	close(fd);
	EXPECT_EQ(status_u64(self, STOCKADE_A_SIZE_BYTES), size);
	EXPECT_LT(0u, size);
	EXPECT_EQ(0u, status_u64(self, STOCKADE_A_TERM));
}

TEST_F(dev, follower_completes_no_io)
{
	EXPECT_EQ(-EROFS, dev_write(self->path, 0, 1, 'x'));
	EXPECT_EQ(-EIO, dev_check(self->path, 0, 1, 0));
}

TEST_F(dev, leader_writes_read_back)
{
	ASSERT_EQ(0, lead(self, 1));
	EXPECT_EQ(4 * BLOCK, dev_write(self->path, 10, 4, 'a'));
	EXPECT_EQ(256 * BLOCK, dev_write(self->path, 100, 256, 'b'));
	EXPECT_EQ(1, dev_check(self->path, 10, 4, 'a'));
	EXPECT_EQ(1, dev_check(self->path, 100, 256, 'b'));
	/* the leader's first entry is a barrier, then the two writes */
	EXPECT_EQ(3u, status_u64(self, STOCKADE_A_LAST_INDEX));
	EXPECT_EQ(3u, status_u64(self, STOCKADE_A_APPLIED_INDEX));
}

TEST_F(dev, demoted_leader_is_fenced)
{
	int fd;
	u8 *buf = aligned_alloc(BLOCK, BLOCK);

	ASSERT_NE(NULL, buf);
	memset(buf, 'z', BLOCK);
	ASSERT_EQ(0, lead(self, 3));
	fd = open(self->path, O_WRONLY | O_DIRECT);
	ASSERT_LE(0, fd);
	EXPECT_EQ(BLOCK, pwrite(fd, buf, BLOCK, 0));
	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_FOLLOWER, 3));
	/* the write path is closed even for a descriptor opened before */
	EXPECT_EQ(-1, pwrite(fd, buf, BLOCK, BLOCK));
	EXPECT_EQ(EIO, errno);
	close(fd);
	free(buf);
}

TEST_F(dev, terms_never_go_back)
{
	ASSERT_EQ(0, lead(self, 5));
	EXPECT_EQ(-ESTALE, set_role(self, STOCKADE_ROLE_LEADER, 4));
	EXPECT_EQ(5u, status_u64(self, STOCKADE_A_TERM));
	EXPECT_EQ(-EINVAL, set_role(self, STOCKADE_ROLE_LEADER, 0));
	EXPECT_EQ(-ERANGE, set_role(self, 7, 6));	/* no such role */
}

TEST_F(dev, data_and_term_survive_reattach)
{
	ASSERT_EQ(0, lead(self, 9));
	ASSERT_EQ(8 * BLOCK, dev_write(self->path, 1000, 8, 'p'));
	ASSERT_EQ(0, detach(self));
	ASSERT_EQ(0, attach(self, cluster)) TH_LOG("%s", nlraw_errmsg);
	EXPECT_EQ(9u, status_u64(self, STOCKADE_A_TERM));
	EXPECT_EQ(2u, status_u64(self, STOCKADE_A_LAST_INDEX));
	ASSERT_EQ(0, lead(self, 9));
	EXPECT_EQ(1, dev_check(self->path, 1000, 8, 'p'));
}

/* 2-block batches through a 1024-block log: it must checkpoint and wrap. */
TEST_F(dev, log_wraps_with_checkpoints)
{
	int i;

	ASSERT_EQ(0, lead(self, 2));
	for (i = 0; i < 700; i++)
		ASSERT_EQ(BLOCK, dev_write(self->path, 2000 + i, 1, i & 0xff));
	EXPECT_EQ(701u, status_u64(self, STOCKADE_A_LAST_INDEX));
	ASSERT_EQ(0, detach(self));
	ASSERT_EQ(0, attach(self, cluster)) TH_LOG("%s", nlraw_errmsg);
	ASSERT_EQ(0, lead(self, 2));
	for (i = 0; i < 700; i++)
		ASSERT_EQ(1, dev_check(self->path, 2000 + i, 1, i & 0xff));
	EXPECT_EQ(702u, status_u64(self, STOCKADE_A_LAST_INDEX));
}

TEST_F(dev, one_vote_per_term_and_it_survives_reattach)
{
	struct vote v = { .term = 5, .candidate = 2 };

	ASSERT_EQ(0, vote(self, &v)) TH_LOG("%s", nlraw_errmsg);
	EXPECT_EQ(STOCKADE_VOTE_RESULT_GRANTED, v.result);
	EXPECT_EQ(5u, v.new_term);
	EXPECT_EQ(2u, v.voted_for);
	v.candidate = 3;
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_ALREADY_VOTED, v.result);
	EXPECT_EQ(2u, v.voted_for);
	v.candidate = 2;	/* a retransmitted request is granted again */
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_GRANTED, v.result);

	ASSERT_EQ(0, detach(self));
	ASSERT_EQ(0, attach(self, cluster)) TH_LOG("%s", nlraw_errmsg);
	EXPECT_EQ(5u, status_u64(self, STOCKADE_A_TERM));
	v.candidate = 3;
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_ALREADY_VOTED, v.result);
	v.term = 6;		/* a new term, a new vote */
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_GRANTED, v.result);
	EXPECT_EQ(3u, v.voted_for);
}

TEST_F(dev, vote_in_newer_term_deposes_the_leader)
{
	struct vote v = { .term = 4, .candidate = 2, .last_index = 100,
			  .last_term = 2 };

	ASSERT_EQ(0, lead(self, 3));
	ASSERT_EQ(BLOCK, dev_write(self->path, 0, 1, 'l'));
	/* our last entry has term 3: a log ending in term 2 is behind */
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_LOG_BEHIND, v.result);
	EXPECT_EQ(4u, v.new_term);	/* the newer term is adopted anyway */
	EXPECT_EQ(0u, v.voted_for);
	EXPECT_EQ(STOCKADE_ROLE_FOLLOWER, status_role(self));
	EXPECT_EQ(-EIO, dev_check(self->path, 0, 1, 'l'));
	/* the same position as ours is up to date */
	v.last_index = status_u64(self, STOCKADE_A_LAST_INDEX);
	v.last_term = status_u64(self, STOCKADE_A_LAST_TERM);
	EXPECT_EQ(3u, v.last_term);
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_GRANTED, v.result);
}

TEST_F(dev, stale_pre_and_bad_votes_change_nothing)
{
	struct vote v = { .term = 7, .candidate = 2 };

	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_FOLLOWER, 7));
	v.term = 6;
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_STALE_TERM, v.result);
	EXPECT_EQ(7u, v.new_term);
	EXPECT_EQ(0u, v.voted_for);
	v.term = 9;
	v.pre = true;
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_GRANTED, v.result);
	EXPECT_EQ(7u, v.new_term);	/* a pre-vote persists nothing */
	EXPECT_EQ(0u, v.voted_for);
	v.pre = false;
	v.last_term = 10;		/* a log from the future */
	ASSERT_EQ(0, vote(self, &v));
	EXPECT_EQ(STOCKADE_VOTE_RESULT_BAD_REQUEST, v.result);
	EXPECT_EQ(7u, v.new_term);
	v.last_term = 0;
	v.candidate = 0;		/* outside the policy's range */
	EXPECT_EQ(-ERANGE, vote(self, &v));
	EXPECT_EQ(7u, status_u64(self, STOCKADE_A_TERM));
}

static int fence_reason(FIXTURE_DATA(dev) *self)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *a;
	int len;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	len = request(self, STOCKADE_CMD_GET_DEVICE, &m);
	a = len > 0 ? nlraw_find(self->reply, len, STOCKADE_A_FENCE_REASON) :
		      NULL;
	return a ? nlraw_get_u8(a) : -1;
}

static uint64_t counter(FIXTURE_DATA(dev) *self, uint16_t which)
{
	struct nlraw_msg m = { 0 };
	const struct nlattr *nest;
	int len;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_INDEX, self->index);
	len = request(self, STOCKADE_CMD_GET_DEVICE, &m);
	nest = len > 0 ? nlraw_find(self->reply, len, STOCKADE_A_COUNTERS) :
			 NULL;
	if (!nest)
		return UINT64_MAX;
	nest = nlraw_find((const unsigned char *)nest + NLA_HDRLEN,
			  nest->nla_len - NLA_HDRLEN, which);
	return nest ? nlraw_get_u64(nest) : UINT64_MAX;
}

TEST_F(dev, leader_without_a_lease_completes_no_io)
{
	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_LEADER, 2));
	EXPECT_EQ(STOCKADE_FENCE_WHY_NO_LEASE, fence_reason(self));
	EXPECT_EQ(-EIO, dev_write(self->path, 0, 1, 'n'));
	EXPECT_EQ(-EIO, dev_check(self->path, 0, 1, 0));
	EXPECT_EQ(1u, counter(self, STOCKADE_COUNTER_FENCED_READS));
	EXPECT_LE(1u, counter(self, STOCKADE_COUNTER_FENCED_WRITES));
	ASSERT_LE(0, grant(self, 2, 5000)) TH_LOG("%s", nlraw_errmsg);
	EXPECT_EQ(STOCKADE_FENCE_WHY_NONE, fence_reason(self));
	EXPECT_EQ(BLOCK, dev_write(self->path, 0, 1, 'y'));
	EXPECT_EQ(1, dev_check(self->path, 0, 1, 'y'));
}

/*
 * Writes one after another while the lease runs: none completes after
 * the lease (counted from its start, shortened by the drift bound) and
 * the first one issued after it fails.
 */
TEST_F(dev, lease_runs_out_by_itself)
{
	const uint64_t lease = 500 * 1000000ULL;
	uint64_t start, t0, t1, ok_until = 0;
	ssize_t r;

	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_LEADER, 3));
	start = now_ns();
	ASSERT_LE(0, grant_on(self, self->nl, 3, start, 500));
	for (;;) {
		t0 = now_ns();
		r = dev_write(self->path, 7, 1, 'r');
		t1 = now_ns();
		if (r != BLOCK)
			break;
		ok_until = t1;
		ASSERT_GT(start + 2 * lease, t1);
	}
	EXPECT_EQ(-EIO, r);
	EXPECT_GT(start + lease, ok_until);	/* none completed after */
	EXPECT_GT(t0, start + lease * 99 / 100);	/* not fenced early */
	TH_LOG("fenced %llu ms after the lease began",
	       (unsigned long long)(t1 - start) / 1000000);
	usleep(50000);
	EXPECT_EQ(STOCKADE_FENCE_WHY_LEASE_EXPIRED, fence_reason(self));
	EXPECT_EQ(1u, counter(self, STOCKADE_COUNTER_LEASE_EXPIRIES));
	/* a renewal brings it back */
	ASSERT_LE(0, grant(self, 3, 5000));
	EXPECT_EQ(BLOCK, dev_write(self->path, 7, 1, 's'));
}

struct timed_write {
	const char *path;
	ssize_t result;
	uint64_t took_ns;
};

static void *write_in_thread(void *arg)
{
	struct timed_write *w = arg;
	uint64_t t0 = now_ns();

	w->result = dev_write(w->path, 20, 1, 'h');
	w->took_ns = now_ns() - t0;
	return NULL;
}

TEST_F(dev, suspend_holds_io_until_renewed_or_timeout)
{
	struct timed_write w = { .path = self->path };
	pthread_t t;

	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_LEADER, 4));
	ASSERT_LE(0, set_policy_ms(self, STOCKADE_A_SUSPEND_TIMEOUT_MS, 600));
	ASSERT_LE(0, set_policy_u8(self, STOCKADE_A_IO_POLICY,
				   STOCKADE_IO_POLICY_SUSPEND));
	/* no lease: the write waits, and the grant lets it through */
	ASSERT_EQ(0, pthread_create(&t, NULL, write_in_thread, &w));
	usleep(200000);
	ASSERT_LE(0, grant(self, 4, 5000));
	pthread_join(t, NULL);
	EXPECT_EQ(BLOCK, w.result);
	EXPECT_LE(150000000ull, w.took_ns);
	/* revoked: the write waits out the suspend timeout, then fails */
	ASSERT_LE(0, revoke_lease(self));
	write_in_thread(&w);
	EXPECT_EQ(-EIO, w.result);
	EXPECT_LE(550000000ull, w.took_ns);
	EXPECT_GT(5000000000ull, w.took_ns);
}

TEST_F(dev, closing_the_holders_socket_revokes_if_asked)
{
	int holder = nlraw_open();

	ASSERT_LE(0, holder);
	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_LEADER, 5));
	ASSERT_LE(0, grant_on(self, holder, 5, now_ns(), 5000));
	close(holder);
	usleep(100000);
	/* by default a lease outlives its holder, up to its expiry */
	EXPECT_EQ(BLOCK, dev_write(self->path, 0, 1, 'c'));
	ASSERT_LE(0, set_policy_u8(self, STOCKADE_A_REVOKE_ON_CLOSE, 1));
	holder = nlraw_open();
	ASSERT_LE(0, holder);
	ASSERT_LE(0, grant_on(self, holder, 5, now_ns(), 5000));
	EXPECT_EQ(BLOCK, dev_write(self->path, 0, 1, 'd'));
	close(holder);
	usleep(100000);
	EXPECT_EQ(STOCKADE_FENCE_WHY_NO_LEASE, fence_reason(self));
	EXPECT_EQ(-EIO, dev_write(self->path, 0, 1, 'e'));
}

/* BLKDISCARD or BLKZEROOUT over @n blocks at @at; -errno on error. */
static int range_ioctl(const char *path, unsigned long req, off_t at, int n)
{
	uint64_t range[2] = { at * BLOCK, (uint64_t)n * BLOCK };
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, req, range) ? -errno : 0;
	close(fd);
	return ret;
}

TEST_F(dev, discard_and_write_zeroes_are_logged_and_read_as_zeroes)
{
	u64 before;

	ASSERT_EQ(0, lead(self, 2));
	ASSERT_EQ(64 * BLOCK, dev_write(self->path, 500, 64, 'x'));
	before = status_u64(self, STOCKADE_A_LAST_INDEX);
	EXPECT_EQ(0, range_ioctl(self->path, BLKDISCARD, 500, 16));
	EXPECT_EQ(0, range_ioctl(self->path, BLKZEROOUT, 530, 8));
	EXPECT_EQ(1, dev_check(self->path, 500, 16, 0));
	EXPECT_EQ(1, dev_check(self->path, 516, 14, 'x'));
	EXPECT_EQ(1, dev_check(self->path, 530, 8, 0));
	EXPECT_EQ(1, dev_check(self->path, 538, 26, 'x'));
	/* each is an entry of the log (the ioctls may also flush) */
	EXPECT_LE(before + 2, status_u64(self, STOCKADE_A_LAST_INDEX));
	/* and survives a reattach */
	ASSERT_EQ(0, detach(self));
	ASSERT_EQ(0, attach(self, cluster)) TH_LOG("%s", nlraw_errmsg);
	ASSERT_EQ(0, lead(self, 2));
	EXPECT_EQ(1, dev_check(self->path, 500, 16, 0));
	EXPECT_EQ(1, dev_check(self->path, 530, 8, 0));
	EXPECT_EQ(1, dev_check(self->path, 538, 26, 'x'));
}

TEST_F(dev, quorum_reads_of_a_lone_leader)
{
	ASSERT_EQ(0, lead(self, 8));
	ASSERT_LE(0, set_policy_u8(self, STOCKADE_A_READ_POLICY,
				   STOCKADE_READ_QUORUM));
	ASSERT_EQ(4 * BLOCK, dev_write(self->path, 40, 4, 'q'));
	EXPECT_EQ(1, dev_check(self->path, 40, 4, 'q'));
	EXPECT_EQ(-ERANGE, set_policy_u8(self, STOCKADE_A_READ_POLICY, 2));
	ASSERT_LE(0, revoke_lease(self));
	EXPECT_EQ(-EIO, dev_check(self->path, 40, 4, 'q'));
}

TEST_F(dev, bad_leases_are_refused_and_change_nothing)
{
	ASSERT_EQ(0, set_role(self, STOCKADE_ROLE_LEADER, 6));
	EXPECT_EQ(-ESTALE, grant(self, 5, 1000));
	EXPECT_EQ(-EINVAL, grant(self, 7, 1000));	/* not persisted */
	EXPECT_EQ(-EINVAL, grant(self, 6, 20000));	/* over the maximum */
	EXPECT_EQ(-EINVAL, grant_on(self, self->nl, 6,
				    now_ns() + 1000000000ull, 1000));
	EXPECT_EQ(-ETIME, grant_on(self, self->nl, 6,
				   now_ns() - 2000000000ull, 1000));
	EXPECT_EQ(-ERANGE, grant(self, 6, 0));
	EXPECT_EQ(STOCKADE_FENCE_WHY_NO_LEASE, fence_reason(self));
	EXPECT_EQ(-EIO, dev_write(self->path, 0, 1, 'b'));
}

/* One line of /sys/block/stockadeN/stockade/@name, newline dropped. */
static void sysfs_read(FIXTURE_DATA(dev) *self, const char *name, char *buf,
		       size_t size)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/stockade%d/stockade/%s",
		 self->index, name);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

TEST_F(dev, sysfs_shows_state_and_counters)
{
	char v[64];

	sysfs_read(self, "role", v, sizeof(v));
	EXPECT_STREQ("follower", v);
	sysfs_read(self, "fenced_ios", v, sizeof(v));
	EXPECT_STREQ("0", v);
	EXPECT_EQ(-EIO, dev_check(self->path, 0, 1, 0));
	sysfs_read(self, "fenced_ios", v, sizeof(v));
	EXPECT_STREQ("1", v);
	ASSERT_EQ(0, lead(self, 4));
	ASSERT_EQ(3 * BLOCK, dev_write(self->path, 0, 3, 'q'));
	sysfs_read(self, "role", v, sizeof(v));
	EXPECT_STREQ("leader", v);
	sysfs_read(self, "term", v, sizeof(v));
	EXPECT_STREQ("4", v);
	sysfs_read(self, "last_log_index", v, sizeof(v));
	EXPECT_STREQ("2", v);
	sysfs_read(self, "applied_index", v, sizeof(v));
	EXPECT_STREQ("2", v);
	sysfs_read(self, "backing", v, sizeof(v));
	EXPECT_STREQ(backing(), v);
}

TEST_F(dev, open_device_cannot_be_detached)
{
	int fd = open(self->path, O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, detach(self));
	close(fd);
}

TEST_F(dev, foreign_and_blank_disks_are_refused)
{
	u8 other[16] = "other-cluster-1";

	ASSERT_EQ(0, detach(self));
	self->path[0] = '\0';
	EXPECT_EQ(-EINVAL, attach(self, other));
	EXPECT_STREQ("device belongs to another cluster", nlraw_errmsg);
	ASSERT_EQ(0, wipe());
	EXPECT_EQ(-EINVAL, attach(self, cluster));
	EXPECT_STREQ("not a stockade device (no superblock magic)",
		     nlraw_errmsg);
}

TEST_F(dev, backing_device_is_held_exclusively)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_str(&m, STOCKADE_A_BACKING_PATH, backing());
	nlraw_put(&m, STOCKADE_A_CLUSTER_UUID, cluster, 16);
	nlraw_put(&m, STOCKADE_A_DEVICE_UUID, device, 16);
	EXPECT_EQ(-EBUSY, request(self, STOCKADE_CMD_ATTACH, &m));
}

TEST_HARNESS_MAIN
