/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a heartbeat's delay comes from: the network, or this agent.
 *
 * Each datagram from a peer carries the peer's CLOCK_MONOTONIC at send
 * (sent).  The kernel notes when it reached this host (ingress: a tc
 * program's bpf_ktime_get_ns(), or the socket's SO_TIMESTAMPNS turned
 * into monotonic time), and the agent when it read it (user).  Then
 *
 *	local   = user - ingress
 *	owd     = ingress - sent	(one-way delay + the clocks' offset)
 *	base    = min owd over the last one or two epochs of 10 s
 *	network = owd - base
 *
 * local is this agent's own delay: the datagram sat in its socket while
 * the agent was descheduled, stopped or busy.  network is how much longer
 * the path took than its fastest in the last 10 to 20 s: the clocks'
 * offset cancels out of the difference, and their drift moves it by at
 * most 20 s times the drift (0.2 ms at 10 ppm).  The sender's own
 * lateness is neither: it shows in the gaps between its sent times, and
 * is the peer's to answer for.
 *
 * The failure detector is given ingress as the arrival, so a heartbeat
 * that waited in our socket because we stood still arrives, for the
 * detector, when the kernel got it.  A local delay above hold_ns (one
 * heartbeat) is a stall of ours: the datagrams read after one stall
 * count once, as one held episode.
 *
 * Pure integer logic, like the rest of core/: times are passed in.
 */
#ifndef _STOCKADE_CORE_HBDELAY_H
#define _STOCKADE_CORE_HBDELAY_H

#include "compat.h"
#include "rtthist.h"

#define STOCKADE_HB_EPOCH_NS	(10ULL * 1000000000ULL)
/*
 * A one-way delay this far above the base is no delay: the peer's
 * monotonic clock started again (it rebooted).  The base starts over.
 */
#define STOCKADE_HB_RESET_NS	(10ULL * 1000000000ULL)
/* The histograms halve when they hold this many (as in bpf/rtt.h). */
#define STOCKADE_HB_HIST_AGE_AT	1024

enum stockade_hb_stamp {
	STOCKADE_HB_STAMP_NONE,		/* no ingress time: no split */
	STOCKADE_HB_STAMP_SOCKET,	/* SO_TIMESTAMPNS */
	STOCKADE_HB_STAMP_TC,		/* the tc ingress program */
};

/* One datagram, as received.  All ns; sent on the peer's clock. */
struct stockade_hb_rx {
	u64 sent_ns;
	u64 ingress_ns;		/* 0 if stamp is NONE */
	u64 user_ns;
	enum stockade_hb_stamp stamp;
};

struct stockade_hb_split {
	u64 arrival_ns;		/* for the detector: ingress, else user */
	u64 local_ns;		/* valid if known */
	u64 net_ns;		/* valid if known */
	bool known;		/* there was an ingress time */
	bool held;		/* local_ns > hold_ns */
	bool new_episode;	/* held, and the first of its stall */
};

/* A delay's distribution: last, largest, and a log2 histogram in us. */
struct stockade_hb_stats {
	u64 last_ns, max_ns;
	u32 total;
	u32 hist[STOCKADE_RTT_HIST_BUCKETS];
};

struct stockade_hbdelay {
	u64 hold_ns;
	bool have_base;
	s64 base_cur, base_prev;	/* min owd, this epoch and the last */
	u64 epoch_start;		/* user time it began */
	u64 held_until;			/* user time of the last held one */
	struct stockade_hb_stats local, net;
	u64 split;			/* datagrams with an ingress time */
	u64 unsplit;			/* without */
	u64 held;			/* held datagrams */
	u64 episodes;			/* stalls they came from */
	u64 resets;			/* bases started over */
	enum stockade_hb_stamp stamp;	/* of the last datagram */
};

void stockade_hbdelay_init(struct stockade_hbdelay *d, u64 hold_ns);

/* Account for one datagram; *@out says how its delay splits. */
void stockade_hbdelay_add(struct stockade_hbdelay *d,
			  const struct stockade_hb_rx *rx,
			  struct stockade_hb_split *out);

/*
 * The @permille quantile of @s in ns, never above the largest sample;
 * false (and 0) if it has none.
 */
bool stockade_hb_stats_quantile(const struct stockade_hb_stats *s,
				u32 permille, u64 *ns);

/*
 * A socket timestamp (CLOCK_REALTIME, @stamp_real) as CLOCK_MONOTONIC,
 * from both clocks read together at @user_mono, @user_real: the time it
 * waited is the same on either clock.  Never after @user_mono (a step of
 * the wall clock in between): then it waited 0.
 */
u64 stockade_hb_socket_ingress(u64 user_mono, u64 user_real, u64 stamp_real);

const char *stockade_hb_stamp_name(enum stockade_hb_stamp s);

#endif /* _STOCKADE_CORE_HBDELAY_H */
