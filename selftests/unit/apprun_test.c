// SPDX-License-Identifier: GPL-2.0
/*
 * A device's application with real processes (agent/app.c, apprun.c and
 * appstate.c), without the module: the test plays the agent's loop, tells
 * it whether the device serves, and checks what the start and stop
 * commands did, the environment they got, that a step over its timeout
 * is killed with what it started, that the loop never waits for a step,
 * and the events a watcher sees.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "app.h"

#define MS	1000000ULL
#define TERM	7

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

FIXTURE(app) {
	char dir[64];
	struct stockade_config cfg;
	struct stockade_device_config *dev;
	struct agent_app app;
	struct agent_events ev;
	int watcher;			/* the test's end of the event stream */
	uint64_t slowest;		/* the longest tick, ns */
};

FIXTURE_SETUP(app)
{
	int sv[2];

	snprintf(self->dir, sizeof(self->dir), "/tmp/apprun.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	memset(&self->cfg, 0, sizeof(self->cfg));
	self->cfg.lease_ms = 800;
	self->cfg.n_devices = 1;
	self->dev = &self->cfg.devices[0];
	self->dev->minor = 3;
	self->dev->actions.timeout_ms = 5000;
	self->dev->actions.retries = 3;
	self->dev->actions.give_up_hold_ms = 60000;
	agent_events_init(&self->ev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, agent_events_add(&self->ev, sv[0]));
	self->watcher = sv[1];
	self->slowest = 0;
}

FIXTURE_TEARDOWN(app)
{
	char cmd[128];

	agent_events_close(&self->ev);
	close(self->watcher);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", self->dir);
}

/* The agent's loop, for up to @ms: until the state is @state and idle. */
static bool drive(struct _test_data_app *self, uint8_t lead, uint8_t state,
		  unsigned int ms)
{
	uint64_t end = mono() + ms * MS, t0, took;

	while (mono() < end) {
		t0 = mono();
		agent_app_reap(&self->app, &self->ev, lead, TERM, t0);
		agent_app_tick(&self->app, &self->ev, self->dev->minor, lead,
			       TERM, t0);
		took = mono() - t0;
		if (took > self->slowest)
			self->slowest = took;
		if (self->app.m.state == state && !self->app.pid)
			return true;
		usleep(10000);
	}
	return false;
}

static char *slurp(const char *dir, const char *name)
{
	static char buf[4096];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return "";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *events(struct _test_data_app *self)
{
	static char buf[8192];
	ssize_t n = recv(self->watcher, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void commands(struct _test_data_app *self, const char *start,
		     const char *stop)
{
	snprintf(self->dev->actions.start, sizeof(self->dev->actions.start),
		 start, self->dir);
	snprintf(self->dev->actions.stop, sizeof(self->dev->actions.stop),
		 stop, self->dir);
	agent_app_init(&self->app, &self->cfg, self->dev);
}

TEST_F(app, start_then_stop_with_the_environment)
{
	commands(self, "echo start $STOCKADE_DEVICE $STOCKADE_TERM >>%s/log",
		 "echo stop $STOCKADE_TERM >>%s/log");
	ASSERT_TRUE(self->app.configured);
	/* Leading, but the module does not serve yet: nothing runs. */
	EXPECT_FALSE(drive(self, STOCKADE_APP_LEADING_FENCED,
			   STOCKADE_APP_RUNNING, 200));
	EXPECT_STREQ("", slurp(self->dir, "log"));
	ASSERT_TRUE(drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_RUNNING,
			  3000));
	EXPECT_STREQ("start 3 7\n", slurp(self->dir, "log"));
	ASSERT_TRUE(drive(self, STOCKADE_APP_NOT_LEADING, STOCKADE_APP_STOPPED,
			  3000));
	EXPECT_STREQ("start 3 7\nstop 7\n", slurp(self->dir, "log"));
	EXPECT_NE(NULL, strstr(events(self),
		"stockade3 app state=starting term=7\n"
		"stockade3 app-step step=start term=7\n"));
}

TEST_F(app, a_step_over_its_timeout_is_killed_with_its_children)
{
	char *pid;
	int i;

	self->dev->actions.timeout_ms = 300;
	self->dev->actions.retries = 1;
	commands(self, "sleep 30 & echo $! >%s/pid; wait",
		 "echo stopped >%s/log");
	ASSERT_TRUE(drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_GAVE_UP,
			  5000));
	/* The loop never waited for the step that ran for 300 ms. */
	EXPECT_LT(self->slowest, 50 * MS);
	EXPECT_EQ(STOCKADE_APP_TIMED_OUT, self->app.m.fail_outcome);
	EXPECT_EQ(STOCKADE_APP_START, self->app.m.fail_step);
	/* The whole group went: the shell's own child too. */
	pid = slurp(self->dir, "pid");
	ASSERT_NE(0, atoi(pid));
	for (i = 0; i < 100 && !kill(atoi(pid), 0); i++)
		usleep(20000);
	EXPECT_EQ(-1, kill(atoi(pid), 0));
	/* What a killed start may have begun is stopped before giving up. */
	EXPECT_STREQ("stopped\n", slurp(self->dir, "log"));
	EXPECT_FALSE(agent_app_eligible(&self->app));
	EXPECT_NE(NULL, strstr(events(self),
		"stockade3 app-step-failed step=start result=timeout retries_left=0\n"));
}

TEST_F(app, failures_are_retried_then_the_node_gives_up)
{
	char *ev;
	uint64_t t0 = mono();

	self->dev->actions.retries = 2;
	commands(self, "echo try >>%s/log; exit 3", "echo stop >>%s/log");
	ASSERT_TRUE(drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_GAVE_UP,
			  6000));
	/* Two attempts, one second apart (the first backoff), one stop. */
	EXPECT_GE(mono() - t0, 1000 * MS);
	EXPECT_STREQ("try\ntry\nstop\n", slurp(self->dir, "log"));
	ev = events(self);
	EXPECT_NE(NULL, strstr(ev, "app-step-failed step=start result=exit:3 retries_left=1\n"));
	EXPECT_NE(NULL, strstr(ev, "app-step-failed step=start result=exit:3 retries_left=0\n"));
	EXPECT_NE(NULL, strstr(ev, "stockade3 app state=gave-up term=7\n"));
	/* Standing aside: leading again starts nothing... */
	EXPECT_FALSE(drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_RUNNING,
			   200));
	EXPECT_FALSE(agent_app_eligible(&self->app));
	/* ...until the operator promotes the node. */
	agent_app_promoted(&self->app);
	EXPECT_TRUE(agent_app_eligible(&self->app));
	drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_FAILED, 2000);
	EXPECT_STREQ("try\ntry\nstop\ntry\n", slurp(self->dir, "log"));
}

TEST_F(app, demotion_during_a_start_kills_it_and_stops)
{
	uint64_t t0;

	commands(self, "cd %s && echo begin >>log && sleep 20 && echo never >>log",
		 "echo stop >>%s/log");
	drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_RUNNING, 300);
	ASSERT_EQ(STOCKADE_APP_STARTING, self->app.m.state);
	ASSERT_NE(0, self->app.pid);
	t0 = mono();
	ASSERT_TRUE(drive(self, STOCKADE_APP_NOT_LEADING, STOCKADE_APP_STOPPED,
			  3000));
	EXPECT_LT(mono() - t0, 2000 * MS);
	EXPECT_STREQ("begin\nstop\n", slurp(self->dir, "log"));
	EXPECT_TRUE(agent_app_eligible(&self->app));
	EXPECT_NE(NULL, strstr(events(self),
		"app-step-failed step=start result=aborted retries_left=none\n"));
}

TEST_F(app, status_says_where_it_stands)
{
	char buf[512];
	FILE *out;

	self->dev->actions.retries = 0;
	commands(self, "exit 1", "true");
	drive(self, STOCKADE_APP_SERVING, STOCKADE_APP_FAILED, 2000);
	out = fmemopen(buf, sizeof(buf), "w");
	ASSERT_NE(NULL, out);
	agent_app_status(&self->app, mono(), false, out);
	agent_app_status(&self->app, mono(), true, out);
	fclose(out);
	EXPECT_NE(NULL, strstr(buf, "  application: failed, term 7; last failure: start exit:1; retrying forever, next in "));
	EXPECT_NE(NULL, strstr(buf, "{\"state\":\"failed\",\"step\":\"start\",\"term\":7,\"failures\":1,\"retries_left\":-1,"));
	EXPECT_NE(NULL, strstr(buf, "\"last_failure\":\"start exit:1\"}"));
	/* Without actions: none configured. */
	self->dev->actions.start[0] = self->dev->actions.stop[0] = '\0';
	drive(self, STOCKADE_APP_NOT_LEADING, STOCKADE_APP_STOPPED, 2000);
	agent_app_reconfigure(&self->app, &self->cfg);
	out = fmemopen(buf, sizeof(buf), "w");
	ASSERT_NE(NULL, out);
	agent_app_status(&self->app, mono(), true, out);
	fclose(out);
	EXPECT_STREQ("null", buf);
}

TEST_HARNESS_MAIN
