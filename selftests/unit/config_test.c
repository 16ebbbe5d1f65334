// SPDX-License-Identifier: GPL-2.0
/*
 * stockaded's configuration parser (agent/config.c, over libinih): a good
 * file parses to the right values; each kind of mistake is refused with a
 * message that names the line and the key.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "config.h"

#define GOOD	"[node]\nid = 2\naddress = 10.0.0.2:7788\n" \
		"[peer.1]\naddress = 10.0.0.1:7788\n" \
		"[peer.3]\naddress = 10.0.0.3:7788\n"

static char err[320];

static int parse(const char *text, struct stockade_config *cfg)
{
	err[0] = '\0';
	return stockade_config_parse(text, "test.conf", cfg, err, sizeof(err));
}

TEST(good_file)
{
	struct stockade_config cfg;

	ASSERT_EQ(0, parse(GOOD "# comment\n; comment\n\n[timing]\n"
			   "heartbeat_ms = 50\nelection_timeout_ms = 900\n",
			   &cfg)) TH_LOG("%s", err);
	EXPECT_EQ(2u, cfg.node_id);
	EXPECT_EQ(7788, cfg.listen.port);
	EXPECT_EQ(2u, cfg.n_peers);
	EXPECT_EQ(3u, cfg.peers[1].id);
	EXPECT_EQ(50u, cfg.heartbeat_ms);
	EXPECT_EQ(900u, cfg.election_timeout_ms);
	EXPECT_EQ(800u, cfg.lease_ms);	/* default */
}

TEST(missing_node_id)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse("[node]\naddress = 10.0.0.2:1\n", &cfg));
	EXPECT_STREQ("test.conf: [node] id is required", err);
}

TEST(bad_values_name_line_and_key)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse("[node]\nid = 2\naddress = 10.0.0.300:1\n", &cfg));
	EXPECT_STREQ("test.conf:3: [node] address: '10.0.0.300:1' is not IPV4:PORT",
		     err);
	EXPECT_EQ(-1, parse("[node]\nid = 256\n", &cfg));
	EXPECT_STREQ("test.conf:2: [node] id: '256' is not 1 to 255", err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nheartbeat_ms = 5\n", &cfg));
	EXPECT_STREQ("test.conf:9: [timing] heartbeat_ms: '5' is out of range (10 to 10000)",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nlease_ms = -1\n", &cfg));
	EXPECT_NE(NULL, strstr(err, ":9: [timing] lease_ms"));
}

TEST(unknown_sections_and_keys)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse(GOOD "[nodes]\nid = 1\n", &cfg));
	EXPECT_STREQ("test.conf:8: unknown section [nodes]", err);
	EXPECT_EQ(-1, parse("[node]\nid = 1\nport = 2\n", &cfg));
	EXPECT_STREQ("test.conf:3: unknown key 'port' in [node]", err);
	EXPECT_EQ(-1, parse("id = 1\n", &cfg));
	EXPECT_STREQ("test.conf:1: key 'id' outside any section", err);
	EXPECT_EQ(-1, parse("[node\n", &cfg));
	EXPECT_STREQ("test.conf:1: bad section header", err);
	EXPECT_EQ(-1, parse("[node]\njust words\n", &cfg));
	EXPECT_STREQ("test.conf:2: expected 'key = value'", err);
}

TEST(peers_must_be_distinct)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse(GOOD "[peer.1]\naddress = 10.0.0.9:1\n", &cfg));
	EXPECT_STREQ("test.conf:8: [peer.1] given twice", err);
	EXPECT_EQ(-1, parse(GOOD "address = 10.0.0.9:1\n", &cfg));
	EXPECT_STREQ("test.conf:8: [peer.3] address given twice", err);
	EXPECT_EQ(-1, parse(GOOD "[peer.2]\naddress = 10.0.0.9:1\n", &cfg));
	EXPECT_STREQ("test.conf: [peer.2] has this node's own id", err);
	EXPECT_EQ(-1, parse(GOOD "[peer.5]\n", &cfg));
	EXPECT_STREQ("test.conf: [peer.5] address is required", err);
	EXPECT_EQ(-1, parse(GOOD "[peer.4]\naddress = 10.0.0.2:7788\n", &cfg));
	EXPECT_STREQ("test.conf: [peer.4] has this node's address", err);
	EXPECT_EQ(-1, parse(GOOD "[peer.4]\naddress = 10.0.0.3:7788\n", &cfg));
	EXPECT_STREQ("test.conf: [peer.3] and [peer.4] have the same address",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[peer.0]\naddress = 10.0.0.9:1\n", &cfg));
	EXPECT_STREQ("test.conf:8: bad section [peer.0]: peer ids are 1 to 255",
		     err);
}

TEST(timing_rules_across_keys)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse(GOOD "[timing]\nheartbeat_ms = 400\n", &cfg));
	EXPECT_STREQ("test.conf: [timing] election_timeout_ms must be at least 3 heartbeats",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nlease_ms = 1000\n", &cfg));
	EXPECT_STREQ("test.conf: [timing] lease_ms must be below election_timeout_ms",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nheartbeat_ms = 400\nlease_ms = 300\n"
			    "election_timeout_ms = 1200\n", &cfg));
	EXPECT_STREQ("test.conf: [timing] heartbeat_ms must be below lease_ms",
		     err);
	/* A fixed election timeout: 3 heartbeats up to the maximum. */
	EXPECT_EQ(0, parse(GOOD "[timing]\nfixed_timeout_ms = 300\n", &cfg));
	EXPECT_EQ(300u, cfg.fixed_timeout_ms);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nfixed_timeout_ms = 299\n", &cfg));
	EXPECT_STREQ("test.conf: [timing] fixed_timeout_ms must be 0, or from 3 heartbeats to election_timeout_ms",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nfixed_timeout_ms = 1001\n", &cfg));
	EXPECT_STREQ("test.conf: [timing] fixed_timeout_ms must be 0, or from 3 heartbeats to election_timeout_ms",
		     err);
}

TEST(long_line_and_missing_file)
{
	struct stockade_config cfg;
	char text[1024];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	EXPECT_EQ(-1, parse(text, &cfg));
	EXPECT_STREQ("test.conf:1: line too long (at most 199 characters)",
		     err);
	EXPECT_EQ(-1, stockade_config_load("/nonexistent/stockade.conf", &cfg,
					   err, sizeof(err)));
	EXPECT_STREQ("/nonexistent/stockade.conf: cannot read: No such file or directory",
		     err);
}

TEST(bad_addresses)
{
	static const char *const bad[] = {
		"10.0.0.2", "10.0.0.2:", "10.0.0.2:0", "10.0.0.2:65536",
		"10.0.0.2:x", "host.example:7788", "::1:7788", "10.0.0:7788",
		"",
	};
	struct stockade_config cfg;
	char text[128], want[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nid = 2\naddress = %s\n",
			 bad[i]);
		snprintf(want, sizeof(want),
			 "test.conf:3: [node] address: '%s' is not IPV4:PORT",
			 bad[i]);
		EXPECT_EQ(-1, parse(text, &cfg));
		EXPECT_STREQ(want, err);
	}
}

/* "Last one wins" would hide a typo; every key is given at most once. */
TEST(duplicate_keys)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse("[node]\nid = 2\nid = 3\n", &cfg));
	EXPECT_STREQ("test.conf:3: [node] id given twice", err);
	EXPECT_EQ(-1, parse(GOOD "[node]\naddress = 10.0.0.9:1\n", &cfg));
	EXPECT_STREQ("test.conf:9: [node] address given twice", err);
	EXPECT_EQ(-1, parse(GOOD "[timing]\nlease_ms = 500\n[timing]\n"
			    "lease_ms = 600\n", &cfg));
	EXPECT_STREQ("test.conf:11: [timing] lease_ms given twice", err);
}

TEST(too_many_peers)
{
	struct stockade_config cfg;
	char text[1024];
	int n = snprintf(text, sizeof(text),
			 "[node]\nid = 1\naddress = 10.0.0.1:1\n");
	int i;

	for (i = 2; i <= 8; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "[peer.%d]\naddress = 10.0.0.%d:1\n", i, i);
	EXPECT_EQ(-1, parse(text, &cfg));
	EXPECT_STREQ("test.conf:16: too many peers at [peer.8] (at most 6)",
		     err);
}

/* What libinih accepts beyond the plain form, and what it must not do. */
TEST(layout)
{
	struct stockade_config cfg;

	ASSERT_EQ(0, parse("\xef\xbb\xbf[node]\r\n  id: 2 ; inline comment\n"
			   "\taddress = 10.0.0.2:7788\n", &cfg)) TH_LOG("%s", err);
	EXPECT_EQ(2u, cfg.node_id);
	/* An indented line is a key of its own, not a continuation. */
	EXPECT_EQ(-1, parse("[node]\nid = 2\n   4\n", &cfg));
	EXPECT_STREQ("test.conf:3: expected 'key = value'", err);
	EXPECT_EQ(-1, parse("[node] x\nid = 2\n", &cfg));
	EXPECT_STREQ("test.conf:1: bad section header", err);
	EXPECT_EQ(-1, parse("[]\n", &cfg));
	EXPECT_STREQ("test.conf:1: bad section header", err);
	EXPECT_EQ(-1, parse("[node]\nid =\n", &cfg));
	EXPECT_STREQ("test.conf:2: [node] id: '' is not 1 to 255", err);
	/* An empty unknown section is refused at its header. */
	EXPECT_EQ(-1, parse(GOOD "[timming]\n", &cfg));
	EXPECT_STREQ("test.conf:8: unknown section [timming]", err);
	EXPECT_EQ(-1, parse("", &cfg));
	EXPECT_STREQ("test.conf: [node] id is required", err);
}

#define CLUSTER	"[cluster]\nuuid = 3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2\n" \
		"secret_file = /etc/stockade/secret\n"
#define DEVICE	"[device.0]\nuuid = 4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c3\n" \
		"backing = /dev/vdb\nport = 7789\n"

TEST(devices_cluster_and_detector)
{
	struct stockade_config cfg;

	ASSERT_EQ(0, parse(GOOD CLUSTER DEVICE "read_policy = quorum\n"
			   "io_policy = suspend\n[device.3]\n"
			   "uuid = 5f607182-93a4-45b6-87d8-e9f0a1b2c3d4\n"
			   "backing = /dev/vdc\nport = 7790\n"
			   "[detector]\nphi_threshold = 9.5\nwindow = 50\n"
			   "[timing]\nmax_clock_offset_ms = 100\n", &cfg))
		TH_LOG("%s", err);
	EXPECT_EQ(2u, cfg.n_devices);
	EXPECT_EQ(0u, cfg.devices[0].minor);
	EXPECT_STREQ("/dev/vdb", cfg.devices[0].backing);
	EXPECT_EQ(7789, cfg.devices[0].port);
	EXPECT_EQ(1, cfg.devices[0].read_policy);
	EXPECT_EQ(1, cfg.devices[0].io_policy);
	EXPECT_EQ(3u, cfg.devices[1].minor);
	EXPECT_EQ(0, cfg.devices[1].read_policy);	/* default: lease */
	EXPECT_EQ(30000u, cfg.devices[1].suspend_timeout_ms);
	EXPECT_EQ(0x3d, cfg.cluster_uuid[0]);
	EXPECT_STREQ("/etc/stockade/secret", cfg.secret_file);
	EXPECT_TRUE(cfg.phi_threshold > 9.4 && cfg.phi_threshold < 9.6);
	EXPECT_EQ(50u, cfg.phi_window);
	EXPECT_EQ(10u, cfg.phi_min_stddev_ms);		/* default */
	EXPECT_EQ(100u, cfg.max_clock_offset_ms);
}

TEST(device_mistakes_are_named)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse(GOOD CLUSTER "[device.0]\nbacking = /dev/vdb\n"
			    "port = 7789\n", &cfg));
	EXPECT_STREQ("test.conf: [device.0] uuid is required", err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "read_policy = fast\n", &cfg));
	EXPECT_STREQ("test.conf:15: [device.0] read_policy: bad value 'fast'",
		     err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "port = 7790\n", &cfg));
	EXPECT_STREQ("test.conf:15: [device.0] port given twice", err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER "[device.16]\n", &cfg));
	EXPECT_STREQ("test.conf:11: bad section [device.16]: devices are 0 to 15",
		     err);
	EXPECT_EQ(-1, parse(GOOD DEVICE, &cfg));
	EXPECT_STREQ("test.conf: [cluster] uuid is required with devices", err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER "[device.0]\nuuid = 4e5f6071-8293-44a5-b6c7-d8e9f0a1b2c3\n"
			    "backing = /dev/vdb\nport = 7788\n", &cfg));
	EXPECT_STREQ("test.conf: [device.0] port is the agent's own port", err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "backing = dev/vdb\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD "[cluster]\nsecret_file = relative\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD "[detector]\nphi_threshold = 0.5\n", &cfg));
	EXPECT_STREQ("test.conf:9: [detector] phi_threshold: '0.5' is out of range (1 to 30)",
		     err);
	EXPECT_EQ(-1, parse(GOOD "[detector]\nphi_threshold = nan\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD "[detector]\nbogus = 1\n", &cfg));
	EXPECT_STREQ("test.conf:9: unknown key 'bogus' in [detector]", err);
}

TEST(application_actions)
{
	struct stockade_config cfg;
	const struct stockade_actions *a = &cfg.devices[0].actions;

	ASSERT_EQ(0, parse(GOOD CLUSTER DEVICE "mount_point = /srv/x\n"
			   "fs_type = ext4\nmount_options = noatime,data=ordered\n"
			   "units = a.service b@1.service\n"
			   "start = echo up >/run/m && systemctl start c\n"
			   "stop = rm -f /run/m\naction_timeout_ms = 5000\n"
			   "action_retries = 0\ngive_up_hold_ms = 1000\n",
			   &cfg)) TH_LOG("%s", err);
	EXPECT_STREQ("/srv/x", a->mount_point);
	EXPECT_STREQ("ext4", a->fs_type);
	EXPECT_STREQ("noatime,data=ordered", a->mount_options);
	EXPECT_STREQ("a.service b@1.service", a->units);
	EXPECT_STREQ("echo up >/run/m && systemctl start c", a->start);
	EXPECT_STREQ("rm -f /run/m", a->stop);
	EXPECT_EQ(5000u, a->timeout_ms);
	EXPECT_EQ(0u, a->retries);
	EXPECT_EQ(1000u, a->give_up_hold_ms);
	/* Defaults, and nothing configured. */
	ASSERT_EQ(0, parse(GOOD CLUSTER DEVICE, &cfg));
	EXPECT_STREQ("", a->mount_point);
	EXPECT_STREQ("", a->start);
	EXPECT_EQ(60000u, a->timeout_ms);
	EXPECT_EQ(3u, a->retries);
	EXPECT_EQ(300000u, a->give_up_hold_ms);
}

TEST(action_mistakes_are_named)
{
	struct stockade_config cfg;

	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "mount_point = srv\n", &cfg));
	EXPECT_STREQ("test.conf:15: [device.0] mount_point: bad value 'srv'",
		     err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "mount_point = /\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "fs_type = ext 4\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "mount_point = /m\n"
			    "mount_options = a b\n", &cfg));
	EXPECT_STREQ("test.conf:16: [device.0] mount_options: bad value 'a b'",
		     err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "units = a.service ../x\n",
			    &cfg));
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE
			    "units = 1 2 3 4 5 6 7 8 9\n", &cfg));
	EXPECT_STREQ("test.conf:15: [device.0] units: bad value '1 2 3 4 5 6 7 8 9'",
		     err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "action_retries = -1\n", &cfg));
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "action_timeout_ms = 10\n",
			    &cfg));
	EXPECT_STREQ("test.conf:15: [device.0] action_timeout_ms: bad value '10'",
		     err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "start = a\nstart = b\n", &cfg));
	EXPECT_STREQ("test.conf:16: [device.0] start given twice", err);
	EXPECT_EQ(-1, parse(GOOD CLUSTER DEVICE "fs_type = xfs\n", &cfg));
	EXPECT_STREQ("test.conf: [device.0] fs_type and mount_options need mount_point",
		     err);
}

TEST_HARNESS_MAIN
