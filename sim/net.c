// SPDX-License-Identifier: GPL-2.0
#include "net.h"

static u64 delay(struct sim_net *net, struct sim_rng *r)
{
	if (net->spike_ppm && sim_rng_ppm(r, net->spike_ppm)) {
		net->spikes++;
		return sim_rng_range(r, net->delay_max_ns, net->spike_max_ns);
	}
	return sim_rng_range(r, net->delay_min_ns, net->delay_max_ns);
}

/* One bit of the header or body, as sealed. */
static void corrupt(struct sim_net *net, struct sim_rng *r,
		    struct sim_append *a)
{
	u32 len = sizeof(a->hdr) + le32_to_cpu(a->hdr.body_len);
	u64 bit;

	if (len > sizeof(*a))
		len = sizeof(*a);
	bit = sim_rng_below(r, (u64)len * 8);
	((u8 *)a)[bit / 8] ^= (u8)(1U << (bit % 8));
	net->corrupted++;
}

static void schedule(struct sim_net *net, struct sim_queue *q,
		     struct sim_rng *r, u64 now, const struct sim_msg *m)
{
	struct sim_event *ev = sim_queue_new(q);

	if (!ev)
		return;		/* out of memory: a lost message */
	ev->at = now + delay(net, r);
	ev->kind = SIM_EV_DELIVER;
	ev->node = m->to;
	ev->msg = *m;
	if (m->kind == SIM_MSG_APPEND && net->corrupt_ppm &&
	    sim_rng_ppm(r, net->corrupt_ppm))
		corrupt(net, r, &ev->msg.u.append);
	sim_queue_push(q, ev);
}

void sim_net_send(struct sim_net *net, struct sim_queue *q,
		  struct sim_rng *r, u64 now, const struct sim_msg *m)
{
	net->sent++;
	if (net->cut[m->from][m->to]) {
		net->cut_drops++;
		return;
	}
	if (net->loss_ppm && sim_rng_ppm(r, net->loss_ppm)) {
		net->lost++;
		return;
	}
	schedule(net, q, r, now, m);
	if (net->dup_ppm && sim_rng_ppm(r, net->dup_ppm)) {
		net->duplicated++;
		schedule(net, q, r, now, m);
	}
}

bool sim_net_deliverable(struct sim_net *net, const struct sim_msg *m)
{
	if (!net->cut[m->from][m->to])
		return true;
	net->cut_drops++;
	return false;
}

void sim_net_heal(struct sim_net *net)
{
	memset(net->cut, 0, sizeof(net->cut));
}
