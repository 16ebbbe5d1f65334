// SPDX-License-Identifier: GPL-2.0
/*
 * How a run describes itself: each event into the trace hash and, when
 * tracing, as a line; each node's state for a failure report; the names
 * of bugs and faults.
 */
#include "../core/replica.h"
#include "world.h"

void sim_trace_event(struct sim_world *w, const struct sim_event *ev)
{
	const struct sim_msg *m = &ev->msg;
	struct sim_trace *t = &w->trace;
	const char *lost = "";

	sim_trace_mix(t, ev->at);
	sim_trace_mix(t, (u64)ev->kind << 32 | (u64)ev->node << 16 | m->kind);
	if (ev->kind != SIM_EV_DELIVER) {
		sim_trace_mix(t, ev->gen);
		return;
	}
	sim_trace_mix(t, (u64)m->from << 8 | m->to);
	sim_trace_mix(t, m->term);
	if (w->net.cut[m->from][m->to] || !sim_node(w, m->to)->up)
		lost = " (lost)";
	if (m->kind == SIM_MSG_ELECT) {
		sim_trace_mix(t, m->u.elect.type);
		sim_trace_line(t, ev->at, "n%u <- n%u %s term %llu%s%s%s",
			       m->to, m->from,
			       stockade_elect_msg_name(m->u.elect.type),
			       (unsigned long long)m->u.elect.term,
			       m->u.elect.pre_vote ? " pre" : "",
			       m->u.elect.granted ? " granted" : "", lost);
	} else if (m->kind == SIM_MSG_APPEND) {
		const struct stockade_wire_append *b =
			(const void *)m->u.append.body;

		sim_trace_mix(t, le32_to_cpu(m->u.append.hdr.crc));
		sim_trace_line(t, ev->at, "n%u <- n%u append term %llu prev %llu/%llu n %u commit %llu%s",
			       m->to, m->from, (unsigned long long)m->term,
			       (unsigned long long)le64_to_cpu(b->prev_index),
			       (unsigned long long)le64_to_cpu(b->prev_term),
			       le32_to_cpu(b->n_entries),
			       (unsigned long long)le64_to_cpu(b->leader_commit),
			       lost);
	} else if (m->kind == SIM_MSG_APPEND_REPLY) {
		const struct stockade_wire_append_reply *r = &m->u.reply.body;
		u32 verdict = le32_to_cpu(r->verdict);
		u64 match = le64_to_cpu(r->match_index);

		sim_trace_mix(t, match << 8 | verdict);
		sim_trace_mix(t, le64_to_cpu(r->conflict_index) << 8 |
				 le64_to_cpu(r->conflict_term));
		sim_trace_line(t, ev->at, "n%u <- n%u reply term %llu %s match %llu hint %llu/%llu%s",
			       m->to, m->from, (unsigned long long)m->term,
			       stockade_append_verdict_name(verdict),
			       (unsigned long long)match,
			       (unsigned long long)le64_to_cpu(r->conflict_index),
			       (unsigned long long)le64_to_cpu(r->conflict_term),
			       lost);
	} else {
		sim_trace_line(t, ev->at, "n%u <- n%u keepalive term %llu %s commit %llu%s",
			       m->to, m->from, (unsigned long long)m->term,
			       m->u.ka.role == SIM_LEADER ? "leader" : "follower",
			       (unsigned long long)m->u.ka.commit, lost);
	}
}

void sim_world_dump(const struct sim_world *w, FILE *f)
{
	const struct sim_node *nd;
	u32 i;

	fprintf(f, "# conditions: max drift %u ppm; delay %llu..%llu us, loss %u, duplication %u, spikes %u (to %llu ms), corruption %u ppm; disk %llu..%llu us; a fault every %llu ms; %u clients thinking %llu ms\n",
		w->max_drift_ppm,
		(unsigned long long)(w->net.delay_min_ns / 1000),
		(unsigned long long)(w->net.delay_max_ns / 1000),
		w->net.loss_ppm, w->net.dup_ppm, w->net.spike_ppm,
		(unsigned long long)(w->net.spike_max_ns / MS),
		w->net.corrupt_ppm,
		(unsigned long long)(w->disk_min_ns / 1000),
		(unsigned long long)(w->disk_max_ns / 1000),
		(unsigned long long)(w->fault_mean_ns / MS), w->clients,
		(unsigned long long)(w->client_mean_ns / MS));
	for (i = 0; i < w->n; i++) {
		nd = &w->node[i];
		fprintf(f, "# n%u %s %s term %llu vote %u log %llu/%llu durable %llu commit %llu%s%s deferred %u agent %s term %llu lease %s term %llu expires %llu clock %llu (%+d ppm)\n",
			nd->id, nd->up ? "up" : "down",
			nd->mod.role == SIM_LEADER ? "leader" : "follower",
			(unsigned long long)nd->mod.term, nd->mod.voted_for,
			(unsigned long long)nd->mod.last_index,
			(unsigned long long)nd->mod.last_term,
			(unsigned long long)nd->mod.durable,
			(unsigned long long)nd->mod.commit_index,
			nd->disk.busy ? " disk-busy" : "",
			nd->mod.fw.active ? " writing" : "",
			nd->mod.n_deferred,
			stockade_elect_role_name(stockade_elect_role(&nd->agent.e)),
			(unsigned long long)stockade_elect_term(&nd->agent.e),
			nd->mod.lease.held ? "held" : "none",
			(unsigned long long)nd->mod.lease.term,
			(unsigned long long)nd->mod.lease.expires_ns,
			(unsigned long long)sim_clock_local(&nd->clock, w->now),
			nd->clock.ppm);
	}
}

const char *sim_bug_name(enum sim_bug b)
{
	switch (b) {
	case SIM_BUG_NONE:
		return "none";
	case SIM_BUG_STALE_TERM:
		return "stale-term";
	case SIM_BUG_NO_DRIFT_MARGIN:
		return "no-drift-margin";
	case SIM_BUG_ACK_EARLY:
		return "ack-early";
	case SIM_BUG_VOTE_ANY:
		return "vote-any";
	case SIM_BUG_GROUP_FIRST:
		return "group-first";
	}
	return "unknown";
}

const char *sim_fault_name(enum sim_fault f)
{
	switch (f) {
	case SIM_FAULT_CRASH:
		return "crash";
	case SIM_FAULT_PARTITION:
		return "partition";
	case SIM_FAULT_CLOCK:
		return "clock";
	case SIM_FAULT_PAUSE:
		return "pause";
	case SIM_FAULT_TRANSFER:
		return "transfer";
	case SIM_FAULT_PROMOTE:
		return "promote";
	case SIM_FAULT_DEPOSE:
		return "depose";
	case SIM_FAULT_KINDS:
		break;
	}
	return "unknown";
}
