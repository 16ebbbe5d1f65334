// SPDX-License-Identifier: GPL-2.0
/*
 * Devices in the module (devices.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <linux/stockade.h>

#include "devices.h"

/* The index of an attached device with our backing device, or -ENOENT. */
static int find_attached(struct agent_device *d, struct stockade_nl *nl)
{
	struct stockade_mod_state st;

	/* The module numbers devices in attach order; try ours first. */
	if (!stockade_mod_state(nl, d->cfg->minor, &st)) {
		d->index = d->cfg->minor;
		return 0;
	}
	return -ENOENT;
}

int agent_device_setup(struct agent_device *d, struct stockade_nl *nl,
		       const struct stockade_config *c, const uint8_t *secret,
		       size_t secret_len, char *why, size_t why_size)
{
	int err;

	if (d->ready)
		return 0;
	err = stockade_mod_attach(nl, c, d->cfg, &d->index);
	if (err == -EBUSY)
		err = find_attached(d, nl);
	if (err) {
		snprintf(why, why_size, "attach %s: %s", d->cfg->backing,
			 stockade_nl_strerror(nl, err));
		return err;
	}
	err = stockade_mod_set_peers(nl, c, d->cfg, d->index, secret,
				     secret_len);
	if (err) {
		snprintf(why, why_size, "stockade%u peers: %s", d->index,
			 stockade_nl_strerror(nl, err));
		return err;
	}
	err = stockade_mod_set_policy(nl, c, d->cfg, d->index);
	if (err) {
		snprintf(why, why_size, "stockade%u policy: %s", d->index,
			 stockade_nl_strerror(nl, err));
		return err;
	}
	d->ready = true;
	return agent_device_refresh(d, nl);
}

int agent_device_refresh(struct agent_device *d, struct stockade_nl *nl)
{
	int err = stockade_mod_state(nl, d->index, &d->st);

	if (err == -ENODEV)
		d->ready = false;	/* detached behind our back */
	return err;
}

static const char *const fence_names[] = {
	"none", "not-leader", "no-lease", "lease-expired", "clock-wait",
	"disk-failed",
};

const char *agent_device_fence_name(const struct agent_device *d)
{
	return d->st.fenced < sizeof(fence_names) / sizeof(fence_names[0]) ?
	       fence_names[d->st.fenced] : "unknown";
}

void agent_device_status(const struct agent_device *d, bool json, FILE *out)
{
	fprintf(out, json ?
		"{\"device\":%u,\"ready\":%s,\"role\":\"%s\",\"term\":%" PRIu64
		",\"commit_index\":%" PRIu64 ",\"lease_left_ms\":%" PRIu64
		",\"fenced\":\"%s\"" :
		"stockade%u: %s, %s, term %" PRIu64 ", commit %" PRIu64
		", lease left %" PRIu64 " ms, fenced: %s\n",
		d->index, json ? (d->ready ? "true" : "false") :
		(d->ready ? "ready" : "not ready"),
		d->st.role == STOCKADE_ROLE_LEADER ? "leader" : "follower",
		d->st.term, d->st.commit_index, d->st.lease_left_ns / 1000000,
		agent_device_fence_name(d));
}
