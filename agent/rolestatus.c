// SPDX-License-Identifier: GPL-2.0
/* The STATUS= line for systemd (rolestatus.h). */
#include <stdio.h>
#include <string.h>

#include "rolestatus.h"

static int device_part(char *p, size_t left, const struct agent_role_view *v)
{
	bool live = !strcmp(v->fenced, "none");

	if (!v->electing)
		return snprintf(p, left, "; device %u not set up", v->index);
	return snprintf(p, left, "; stockade%u %s term %llu leader %u, %s%s",
			v->index, v->role, (unsigned long long)v->term,
			v->leader, live ? "lease live" : "fenced: ",
			live ? "" : v->fenced);
}

bool agent_role_status(char *buf, uint32_t node, bool clock_healthy,
		       const struct agent_role_view *v, unsigned int n)
{
	char line[AGENT_ROLE_STATUS_MAX];
	size_t used;
	unsigned int i;
	int w;

	w = snprintf(line, sizeof(line), "node %u, clock %s", node,
		     clock_healthy ? "healthy" : "unhealthy");
	for (i = 0; i < n && w > 0 && (size_t)w < sizeof(line); i++) {
		used = (size_t)w;
		w = device_part(line + used, sizeof(line) - used, &v[i]);
		w = w < 0 ? w : (int)used + w;
	}
	/* Cut short if it must be: it is only a status line. */
	if (!strcmp(line, buf))
		return false;
	memcpy(buf, line, sizeof(line));
	return true;
}
