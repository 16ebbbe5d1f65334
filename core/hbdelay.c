// SPDX-License-Identifier: GPL-2.0
/* A heartbeat's delay, split into network and local (hbdelay.h). */
#include "hbdelay.h"

#define NS_PER_US	1000

void stockade_hbdelay_init(struct stockade_hbdelay *d, u64 hold_ns)
{
	memset(d, 0, sizeof(*d));
	d->hold_ns = hold_ns;
}

static void stats_add(struct stockade_hb_stats *s, u64 ns)
{
	u32 b;

	s->last_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	/* Halving keeps roughly the last thousand, as the BPF map does. */
	if (s->total >= STOCKADE_HB_HIST_AGE_AT) {
		s->total = 0;
		for (b = 0; b < STOCKADE_RTT_HIST_BUCKETS; b++) {
			s->hist[b] >>= 1;
			s->total += s->hist[b];
		}
	}
	s->hist[stockade_rtt_hist_bucket(ns / NS_PER_US)]++;
	s->total++;
}

bool stockade_hb_stats_quantile(const struct stockade_hb_stats *s,
				u32 permille, u64 *ns)
{
	if (!stockade_rtt_hist_quantile_ns(s->hist, permille, ns))
		return false;
	/* A bucket's estimate may pass the largest sample: not beyond. */
	if (*ns > s->max_ns)
		*ns = s->max_ns;
	return true;
}

static void base_restart(struct stockade_hbdelay *d, s64 owd, u64 now)
{
	d->have_base = true;
	d->base_cur = owd;
	d->base_prev = owd;
	d->epoch_start = now;
}

/*
 * The fastest one-way delay of the last one or two epochs.  A new epoch
 * starts from the current sample, and the one before still counts, so
 * the base never rests on fewer than 10 s of samples and follows a
 * slowly drifting offset within 20 s.
 */
static u64 network_delay(struct stockade_hbdelay *d, s64 owd, u64 now)
{
	s64 base;

	if (!d->have_base) {
		base_restart(d, owd, now);
		return 0;
	}
	if (now - d->epoch_start >= STOCKADE_HB_EPOCH_NS) {
		d->base_prev = d->base_cur;
		d->base_cur = owd;
		d->epoch_start = now;
	}
	if (owd < d->base_cur)
		d->base_cur = owd;
	base = d->base_cur < d->base_prev ? d->base_cur : d->base_prev;
	if ((u64)(owd - base) > STOCKADE_HB_RESET_NS) {
		d->resets++;
		base_restart(d, owd, now);
		return 0;
	}
	return (u64)(owd - base);
}

static void note_held(struct stockade_hbdelay *d,
		      const struct stockade_hb_rx *rx,
		      struct stockade_hb_split *out)
{
	out->held = out->local_ns > d->hold_ns;
	if (!out->held)
		return;
	d->held++;
	/* Read after the same stall: it reached us before the last was read. */
	out->new_episode = !d->held_until || rx->ingress_ns >= d->held_until;
	if (out->new_episode)
		d->episodes++;
	if (rx->user_ns > d->held_until)
		d->held_until = rx->user_ns;
}

void stockade_hbdelay_add(struct stockade_hbdelay *d,
			  const struct stockade_hb_rx *rx,
			  struct stockade_hb_split *out)
{
	u64 ingress = rx->ingress_ns;

	memset(out, 0, sizeof(*out));
	d->stamp = rx->stamp;
	out->arrival_ns = rx->user_ns;
	if (rx->stamp == STOCKADE_HB_STAMP_NONE || !ingress) {
		d->stamp = STOCKADE_HB_STAMP_NONE;
		d->unsplit++;
		return;
	}
	/* Read before it arrived cannot be: the stamp is from elsewhere. */
	if (ingress > rx->user_ns)
		ingress = rx->user_ns;
	out->known = true;
	out->arrival_ns = ingress;
	out->local_ns = rx->user_ns - ingress;
	out->net_ns = network_delay(d, (s64)(ingress - rx->sent_ns),
				    rx->user_ns);
	d->split++;
	stats_add(&d->local, out->local_ns);
	stats_add(&d->net, out->net_ns);
	note_held(d, rx, out);
}

u64 stockade_hb_socket_ingress(u64 user_mono, u64 user_real, u64 stamp_real)
{
	u64 waited;

	if (stamp_real >= user_real)
		return user_mono;
	waited = user_real - stamp_real;
	return waited < user_mono ? user_mono - waited : 0;
}

const char *stockade_hb_stamp_name(enum stockade_hb_stamp s)
{
	switch (s) {
	case STOCKADE_HB_STAMP_TC:
		return "tc";
	case STOCKADE_HB_STAMP_SOCKET:
		return "socket";
	default:
		return "none";
	}
}
