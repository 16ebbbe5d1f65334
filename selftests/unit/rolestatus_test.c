// SPDX-License-Identifier: GPL-2.0
/*
 * The STATUS= line the agent gives systemd (agent/rolestatus.c): each
 * device's role, term, leader and lease, and a new line only when one of
 * them changes.  On the host the agent never elects (no module), so the
 * line is checked here; agent_notify.sh checks the sd_notify path.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "rolestatus.h"

TEST(the_line_follows_roles_and_changes_only_with_them)
{
	struct agent_role_view v[2] = {
		{ .electing = true, .index = 0, .role = "follower", .term = 3,
		  .leader = 2, .fenced = "not-leader" },
		{ .electing = false, .index = 1, .role = "follower",
		  .fenced = "none" },
	};
	char buf[AGENT_ROLE_STATUS_MAX] = "";

	EXPECT_TRUE(agent_role_status(buf, 1, true, v, 2));
	EXPECT_STREQ("node 1, clock healthy; stockade0 follower term 3 leader 2, fenced: not-leader; device 1 not set up",
		     buf);
	/* the same again: nothing to send */
	EXPECT_FALSE(agent_role_status(buf, 1, true, v, 2));

	/* it wins term 4: leader, then the lease goes live */
	v[0].role = "leader";
	v[0].term = 4;
	v[0].leader = 1;
	v[0].fenced = "clock-wait";
	EXPECT_TRUE(agent_role_status(buf, 1, true, v, 1));
	EXPECT_STREQ("node 1, clock healthy; stockade0 leader term 4 leader 1, fenced: clock-wait",
		     buf);
	v[0].fenced = "none";
	EXPECT_TRUE(agent_role_status(buf, 1, true, v, 1));
	EXPECT_STREQ("node 1, clock healthy; stockade0 leader term 4 leader 1, lease live",
		     buf);
	EXPECT_FALSE(agent_role_status(buf, 1, true, v, 1));
	/* the clock turns unhealthy: a change too */
	EXPECT_TRUE(agent_role_status(buf, 1, false, v, 1));
	EXPECT_STREQ("node 1, clock unhealthy; stockade0 leader term 4 leader 1, lease live",
		     buf);
}

TEST(a_long_line_is_cut_not_overrun)
{
	struct agent_role_view v[64];
	char buf[AGENT_ROLE_STATUS_MAX] = "";
	unsigned int i;

	for (i = 0; i < 64; i++)
		v[i] = (struct agent_role_view) {
			.electing = true, .index = i, .role = "pre-candidate",
			.term = 18446744073709551615ULL, .leader = 255,
			.fenced = "lease-expired",
		};
	EXPECT_TRUE(agent_role_status(buf, 255, true, v, 64));
	EXPECT_EQ(AGENT_ROLE_STATUS_MAX - 1, strlen(buf));
	EXPECT_EQ(0, strncmp(buf, "node 255, clock healthy; stockade0 pre-candidate term 18446744073709551615 leader 255, fenced: lease-expired; stockade1 ",
			     120));
}

TEST_HARNESS_MAIN
