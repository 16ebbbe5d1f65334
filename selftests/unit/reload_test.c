// SPDX-License-Identifier: GPL-2.0
/*
 * What a reload of stockaded's configuration may change (agent/reload.c):
 * live settings are copied in place and reported; a change to anything
 * fixed is refused by name; sections may move without it being a change.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "config.h"
#include "reload.h"

#define NODE	"[node]\nid = 1\naddress = 10.0.0.1:7788\n"
#define PEERS	"[peer.2]\naddress = 10.0.0.2:7788\n" \
		"[peer.3]\naddress = 10.0.0.3:7788\n"
#define CLUSTER	"[cluster]\nuuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2\n" \
		"secret_file = /etc/stockade/secret\n"
#define DEV0	"[device.0]\nuuid = 4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c3\n" \
		"backing = /dev/vdb\nport = 7789\n"
#define DEV1	"[device.1]\nuuid = 5f607182-93a4-45b6-c7d8-e9f0a1b2c3d4\n" \
		"backing = /dev/vdc\nport = 7790\n"
#define BASE	NODE PEERS CLUSTER DEV0 DEV1

static char err[320], what[64];

static void parse(struct __test_metadata *_metadata, const char *text,
		  struct stockade_config *cfg)
{
	ASSERT_EQ(0, stockade_config_parse(text, "t.conf", cfg, err,
					   sizeof(err))) TH_LOG("%s", err);
}

/* The fixed setting @text changes, or "" if it is accepted. */
static const char *refused(struct __test_metadata *_metadata,
			   const char *text)
{
	static struct stockade_config cur, next;

	parse(_metadata, BASE, &cur);
	parse(_metadata, text, &next);
	what[0] = '\0';
	if (agent_config_fixed_diff(&cur, &next, what, sizeof(what)))
		return what;
	return "";
}

TEST(same_file_changes_nothing)
{
	struct stockade_config cur, next;
	char names[64];

	parse(_metadata, BASE, &cur);
	parse(_metadata, BASE, &next);
	EXPECT_EQ(0, agent_config_fixed_diff(&cur, &next, what, sizeof(what)));
	EXPECT_EQ(0u, agent_config_apply(&cur, &next));
	agent_reload_names(0, names, sizeof(names));
	EXPECT_STREQ("none", names);
}

TEST(moved_sections_are_no_change)
{
	struct stockade_config cur, next;

	parse(_metadata, BASE, &cur);
	parse(_metadata, NODE "[peer.3]\naddress = 10.0.0.3:7788\n"
	      "[peer.2]\naddress = 10.0.0.2:7788\n" DEV1 CLUSTER DEV0, &next);
	EXPECT_EQ(0, agent_config_fixed_diff(&cur, &next, what, sizeof(what)));
	EXPECT_EQ(0u, agent_config_apply(&cur, &next));
}

TEST(fixed_settings_are_refused_by_name)
{
	EXPECT_STREQ("node.id", refused(_metadata,
		"[node]\nid = 4\naddress = 10.0.0.1:7788\n" PEERS CLUSTER DEV0 DEV1));
	EXPECT_STREQ("node.address", refused(_metadata,
		"[node]\nid = 1\naddress = 10.0.0.1:7799\n" PEERS CLUSTER DEV0 DEV1));
	EXPECT_STREQ("peers", refused(_metadata, NODE
		"[peer.2]\naddress = 10.0.0.2:7788\n" CLUSTER DEV0 DEV1));
	EXPECT_STREQ("peers", refused(_metadata, NODE
		"[peer.2]\naddress = 10.0.0.2:7788\n"
		"[peer.4]\naddress = 10.0.0.3:7788\n" CLUSTER DEV0 DEV1));
	EXPECT_STREQ("cluster.uuid", refused(_metadata, NODE PEERS
		"[cluster]\nuuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b3\n"
		"secret_file = /etc/stockade/secret\n" DEV0 DEV1));
	EXPECT_STREQ("cluster.secret_file", refused(_metadata, NODE PEERS
		"[cluster]\nuuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2\n"
		"secret_file = /etc/stockade/other\n" DEV0 DEV1));
	EXPECT_STREQ("timing.lease_ms", refused(_metadata,
		BASE "[timing]\nlease_ms = 700\n"));
	EXPECT_STREQ("timing.max_drift_ppm", refused(_metadata,
		BASE "[timing]\nmax_drift_ppm = 100\n"));
	EXPECT_STREQ("devices", refused(_metadata, NODE PEERS CLUSTER DEV0));
	EXPECT_STREQ("device.1.backing", refused(_metadata, NODE PEERS CLUSTER
		DEV0 "[device.1]\nuuid = 5f607182-93a4-45b6-c7d8-e9f0a1b2c3d4\n"
		"backing = /dev/vdd\nport = 7790\n"));
	EXPECT_STREQ("device.1.port", refused(_metadata, NODE PEERS CLUSTER
		DEV0 "[device.1]\nuuid = 5f607182-93a4-45b6-c7d8-e9f0a1b2c3d4\n"
		"backing = /dev/vdc\nport = 7791\n"));
	EXPECT_STREQ("device.0.uuid", refused(_metadata, NODE PEERS CLUSTER
		"[device.0]\nuuid = 4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c4\n"
		"backing = /dev/vdb\nport = 7789\n" DEV1));
}

TEST(live_settings_are_applied_in_place)
{
	struct stockade_config cur, next;
	struct stockade_device_config *dev1;
	char names[64];
	unsigned int changed;

	parse(_metadata, BASE, &cur);
	dev1 = &cur.devices[1];
	parse(_metadata, NODE "[peer.2]\naddress = 10.0.0.2:7788\n"
	      "[peer.3]\naddress = 10.0.0.9:7700\n" CLUSTER DEV0
	      DEV1 "read_policy = quorum\nsuspend_timeout_ms = 5000\n"
	      "[timing]\nheartbeat_ms = 50\nelection_timeout_ms = 900\n"
	      "max_clock_offset_ms = 100\n"
	      "[detector]\nphi_threshold = 5.5\nwindow = 20\n", &next);
	ASSERT_EQ(0, agent_config_fixed_diff(&cur, &next, what, sizeof(what)))
		TH_LOG("%s", what);
	changed = agent_config_apply(&cur, &next);
	EXPECT_EQ(AGENT_RELOAD_TIMING | AGENT_RELOAD_CLOCK |
		  AGENT_RELOAD_DETECTOR | AGENT_RELOAD_PEERS |
		  AGENT_RELOAD_POLICIES, changed);
	EXPECT_EQ(50u, cur.heartbeat_ms);
	EXPECT_EQ(900u, cur.election_timeout_ms);
	EXPECT_EQ(100u, cur.max_clock_offset_ms);
	EXPECT_EQ(5.5, cur.phi_threshold);
	EXPECT_EQ(20u, cur.phi_window);
	EXPECT_EQ(7700, cur.peers[1].ep.port);
	EXPECT_EQ(7788, cur.peers[0].ep.port);
	/* The same device, where it was: pointers into cur stay right. */
	EXPECT_EQ(1u, dev1->minor);
	EXPECT_EQ(1, dev1->read_policy);
	EXPECT_EQ(5000u, dev1->suspend_timeout_ms);
	EXPECT_EQ(0, cur.devices[0].read_policy);
	EXPECT_EQ(800u, cur.lease_ms);
	agent_reload_names(changed, names, sizeof(names));
	EXPECT_STREQ("timing,clock,detector,peers,policies", names);
}

TEST(one_change_names_one_thing)
{
	struct stockade_config cur, next;
	char names[64];

	parse(_metadata, BASE, &cur);
	parse(_metadata, BASE "[detector]\nacceptable_pause_ms = 20\n", &next);
	agent_reload_names(agent_config_apply(&cur, &next), names,
			   sizeof(names));
	EXPECT_STREQ("detector", names);
	EXPECT_EQ(20u, cur.acceptable_pause_ms);
}

/* Whether the application may change is the agent's call: reload.c only says. */
TEST(actions_are_applied_and_reported)
{
	struct stockade_config cur, next;
	char names[64];
	unsigned int changed;

	parse(_metadata, BASE, &cur);
	parse(_metadata, NODE PEERS CLUSTER DEV0 "start = touch /run/up\n"
	      "action_retries = 5\n" DEV1, &next);
	EXPECT_EQ(0, agent_config_fixed_diff(&cur, &next, what, sizeof(what)));
	EXPECT_TRUE(agent_config_actions_equal(&cur.devices[1].actions,
					       &next.devices[1].actions));
	EXPECT_FALSE(agent_config_actions_equal(&cur.devices[0].actions,
						&next.devices[0].actions));
	EXPECT_EQ(&next.devices[1], agent_config_device(&next, 1));
	EXPECT_EQ(NULL, agent_config_device(&next, 2));
	changed = agent_config_apply(&cur, &next);
	EXPECT_EQ(AGENT_RELOAD_ACTIONS, changed);
	EXPECT_STREQ("touch /run/up", cur.devices[0].actions.start);
	EXPECT_EQ(5u, cur.devices[0].actions.retries);
	agent_reload_names(changed, names, sizeof(names));
	EXPECT_STREQ("actions", names);
}

TEST_HARNESS_MAIN
