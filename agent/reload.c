// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of a reload (reload.h).  Peers and devices are matched by
 * their ids and minors, not by their order in the file: moving a section
 * is not a change.
 */
#include <stdio.h>
#include <string.h>

#include "reload.h"

static const struct stockade_peer *peer_of(const struct stockade_config *c,
					   uint32_t id)
{
	unsigned int i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

static const struct stockade_device_config *
device_of(const struct stockade_config *c, uint32_t minor)
{
	unsigned int i;

	for (i = 0; i < c->n_devices; i++)
		if (c->devices[i].minor == minor)
			return &c->devices[i];
	return NULL;
}

const struct stockade_device_config *
agent_config_device(const struct stockade_config *c, uint32_t minor)
{
	return device_of(c, minor);
}

bool agent_config_actions_equal(const struct stockade_actions *a,
				const struct stockade_actions *b)
{
	return !strcmp(a->mount_point, b->mount_point) &&
	       !strcmp(a->fs_type, b->fs_type) &&
	       !strcmp(a->mount_options, b->mount_options) &&
	       !strcmp(a->units, b->units) && !strcmp(a->start, b->start) &&
	       !strcmp(a->stop, b->stop) && a->timeout_ms == b->timeout_ms &&
	       a->retries == b->retries &&
	       a->give_up_hold_ms == b->give_up_hold_ms;
}

static bool same_endpoint(const struct stockade_endpoint *a,
			  const struct stockade_endpoint *b)
{
	return a->addr.s_addr == b->addr.s_addr && a->port == b->port;
}

static int refuse(char *what, size_t size, const char *name)
{
	snprintf(what, size, "%s", name);
	return -1;
}

static int devices_diff(const struct stockade_config *cur,
			const struct stockade_config *next, char *what,
			size_t size)
{
	const struct stockade_device_config *d, *n;
	const char *key = NULL;
	unsigned int i;

	if (cur->n_devices != next->n_devices)
		return refuse(what, size, "devices");
	for (i = 0; i < cur->n_devices; i++) {
		d = &cur->devices[i];
		n = device_of(next, d->minor);
		if (!n)
			return refuse(what, size, "devices");
		if (memcmp(d->uuid, n->uuid, sizeof(d->uuid)))
			key = "uuid";
		else if (strcmp(d->backing, n->backing))
			key = "backing";
		else if (d->port != n->port)
			key = "port";
		if (key) {
			snprintf(what, size, "device.%u.%s", d->minor, key);
			return -1;
		}
	}
	return 0;
}

int agent_config_fixed_diff(const struct stockade_config *cur,
			    const struct stockade_config *next, char *what,
			    size_t what_size)
{
	unsigned int i;

	if (cur->node_id != next->node_id)
		return refuse(what, what_size, "node.id");
	if (!same_endpoint(&cur->listen, &next->listen))
		return refuse(what, what_size, "node.address");
	if (cur->n_peers != next->n_peers)
		return refuse(what, what_size, "peers");
	for (i = 0; i < cur->n_peers; i++)
		if (!peer_of(next, cur->peers[i].id))
			return refuse(what, what_size, "peers");
	if (memcmp(cur->cluster_uuid, next->cluster_uuid,
		   sizeof(cur->cluster_uuid)))
		return refuse(what, what_size, "cluster.uuid");
	if (strcmp(cur->secret_file, next->secret_file))
		return refuse(what, what_size, "cluster.secret_file");
	if (cur->lease_ms != next->lease_ms)
		return refuse(what, what_size, "timing.lease_ms");
	if (cur->max_drift_ppm != next->max_drift_ppm)
		return refuse(what, what_size, "timing.max_drift_ppm");
	return devices_diff(cur, next, what, what_size);
}

/* *to = from, and @bit in *changed if that changed it. */
#define TAKE(to, from, bit, changed)			\
	do {						\
		if ((to) != (from)) {			\
			(to) = (from);			\
			*(changed) |= (bit);		\
		}					\
	} while (0)

static void apply_devices(struct stockade_config *cur,
			  const struct stockade_config *next,
			  unsigned int *changed)
{
	const struct stockade_device_config *n;
	struct stockade_device_config *d;
	unsigned int i;

	for (i = 0; i < cur->n_devices; i++) {
		d = &cur->devices[i];
		n = device_of(next, d->minor);
		if (!n)
			continue;
		TAKE(d->io_policy, n->io_policy, AGENT_RELOAD_POLICIES,
		     changed);
		TAKE(d->read_policy, n->read_policy, AGENT_RELOAD_POLICIES,
		     changed);
		TAKE(d->suspend_timeout_ms, n->suspend_timeout_ms,
		     AGENT_RELOAD_POLICIES, changed);
		if (!agent_config_actions_equal(&d->actions, &n->actions)) {
			d->actions = n->actions;
			*changed |= AGENT_RELOAD_ACTIONS;
		}
	}
}

unsigned int agent_config_apply(struct stockade_config *cur,
				const struct stockade_config *next)
{
	const struct stockade_peer *n;
	unsigned int changed = 0, i;

	TAKE(cur->heartbeat_ms, next->heartbeat_ms, AGENT_RELOAD_TIMING,
	     &changed);
	TAKE(cur->election_timeout_ms, next->election_timeout_ms,
	     AGENT_RELOAD_TIMING, &changed);
	TAKE(cur->fixed_timeout_ms, next->fixed_timeout_ms,
	     AGENT_RELOAD_TIMING, &changed);
	TAKE(cur->max_clock_offset_ms, next->max_clock_offset_ms,
	     AGENT_RELOAD_CLOCK, &changed);
	TAKE(cur->phi_threshold, next->phi_threshold, AGENT_RELOAD_DETECTOR,
	     &changed);
	TAKE(cur->phi_window, next->phi_window, AGENT_RELOAD_DETECTOR,
	     &changed);
	TAKE(cur->phi_min_stddev_ms, next->phi_min_stddev_ms,
	     AGENT_RELOAD_DETECTOR, &changed);
	TAKE(cur->acceptable_pause_ms, next->acceptable_pause_ms,
	     AGENT_RELOAD_DETECTOR, &changed);
	for (i = 0; i < cur->n_peers; i++) {
		n = peer_of(next, cur->peers[i].id);
		if (!n || same_endpoint(&cur->peers[i].ep, &n->ep))
			continue;
		cur->peers[i].ep = n->ep;
		changed |= AGENT_RELOAD_PEERS;
	}
	apply_devices(cur, next, &changed);
	return changed;
}

void agent_reload_names(unsigned int changed, char *buf, size_t size)
{
	static const char *const names[] = {
		"timing", "clock", "detector", "peers", "policies",
		"actions",
	};
	size_t len = 0;
	unsigned int i;

	snprintf(buf, size, "none");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(changed & (1u << i)) || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					len ? "," : "", names[i]);
	}
}
