// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family of a loaded stockade.ko: it answers what the
 * headers promise, and it refuses bad input (unknown attributes, attributes
 * a request may not carry, malformed lengths, unknown commands, callers
 * without CAP_NET_ADMIN) with a precise errno.  Run as root in a VM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/stockade.h>
#include <stockade/version.h>

#include "kselftest_harness.h"
#include "nlraw.h"

FIXTURE(genl)
{
	int fd;
	int family;
	unsigned char reply[NLRAW_BUF_SIZE];
};

FIXTURE_SETUP(genl)
{
	self->fd = nlraw_open();
	ASSERT_LE(0, self->fd);
	self->family = nlraw_family_id(self->fd, STOCKADE_GENL_NAME);
	ASSERT_LT(0, self->family)
		TH_LOG("family '%s' not registered: is stockade.ko loaded?",
		       STOCKADE_GENL_NAME);
}

FIXTURE_TEARDOWN(genl)
{
	close(self->fd);
}

static int request(FIXTURE_DATA(genl) *self, uint8_t cmd,
		   const struct nlraw_msg *m)
{
	return nlraw_request(self->fd, self->family, cmd,
			     STOCKADE_GENL_VERSION, m, self->reply,
			     sizeof(self->reply));
}

TEST_F(genl, version_matches_headers)
{
	const struct nlattr *a;
	int len = request(self, STOCKADE_CMD_GET_VERSION, NULL);

	ASSERT_LT(0, len);
	a = nlraw_find(self->reply, len, STOCKADE_A_VERSION);
	ASSERT_NE(NULL, a);
	EXPECT_STREQ(STOCKADE_RELEASE, nlraw_get_str(a));
	a = nlraw_find(self->reply, len, STOCKADE_A_GENL_VERSION);
	ASSERT_NE(NULL, a);
	EXPECT_EQ((uint32_t)STOCKADE_GENL_VERSION, nlraw_get_u32(a));
	a = nlraw_find(self->reply, len, STOCKADE_A_WIRE_VERSION);
	ASSERT_NE(NULL, a);
	EXPECT_EQ((uint32_t)STOCKADE_WIRE_VERSION, nlraw_get_u32(a));
	a = nlraw_find(self->reply, len, STOCKADE_A_DISK_VERSION);
	ASSERT_NE(NULL, a);
	EXPECT_EQ((uint32_t)STOCKADE_DISK_VERSION, nlraw_get_u32(a));
}

TEST_F(genl, sysfs_version_matches)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/stockade/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	EXPECT_STREQ(STOCKADE_RELEASE, buf);
}

TEST_F(genl, status_reports_no_devices)
{
	const struct nlattr *a;
	int len = request(self, STOCKADE_CMD_GET_STATUS, NULL);

	ASSERT_LT(0, len);
	a = nlraw_find(self->reply, len, STOCKADE_A_DEVICE_COUNT);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0u, nlraw_get_u32(a));
	EXPECT_NE(NULL, nlraw_find(self->reply, len, STOCKADE_A_NODE_ID));
}

TEST_F(genl, unknown_attribute_rejected)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_MAX + 1, 7);
	EXPECT_EQ(-EINVAL, request(self, STOCKADE_CMD_GET_STATUS, &m));
}

TEST_F(genl, reply_only_attribute_rejected)
{
	struct nlraw_msg m = { 0 };

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_COUNT, 7);
	EXPECT_EQ(-EINVAL, request(self, STOCKADE_CMD_GET_STATUS, &m));
}

TEST_F(genl, overlong_attribute_rejected)
{
	struct nlraw_msg m = { 0 };
	struct nlattr *a;

	nlraw_put_u32(&m, STOCKADE_A_DEVICE_COUNT, 7);
	a = (struct nlattr *)m.attrs;
	a->nla_len = 200;	/* claims more bytes than the message has */
	EXPECT_EQ(-EINVAL, request(self, STOCKADE_CMD_GET_VERSION, &m));
}

TEST_F(genl, unknown_command_rejected)
{
	EXPECT_EQ(-EOPNOTSUPP, request(self, STOCKADE_CMD_MAX + 1, NULL));
	EXPECT_EQ(-EOPNOTSUPP, request(self, STOCKADE_CMD_UNSPEC, NULL));
}

TEST_F(genl, unprivileged_caller_gets_eperm)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* nobody: no CAP_NET_ADMIN once the uid is not 0 */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(request(self, STOCKADE_CMD_GET_STATUS, NULL) == -EPERM ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
