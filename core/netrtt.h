/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the eBPF RTT map (bpf/rtt.h) into one figure per peer, and the
 * adaptive election timeout that follows from it.  Pure integer logic:
 * the agent reads the map and passes the entries in, with times in
 * monotonic ns (bpf_ktime_get_ns() and CLOCK_MONOTONIC are the same
 * clock).  Like the rest of core/ it makes no clock calls.
 *
 * One peer address has several TCP connections on the replication ports:
 * ours to it, its to us, one per device, and closed ones that the LRU
 * map still holds.  Each has its own smoothed RTT, but they do not
 * measure the same thing: the side that only sends small replies gets
 * its ACKs late (delayed ACKs, or piggybacked on the next request), which
 * inflates its srtt by up to the delayed-ACK timer.  Neither processing
 * nor delayed ACKs can make an RTT shorter, so the connection with the
 * smallest srtt is the best estimate of the path: its srtt and its own
 * deviation (the kernel's RFC 6298 mdev) are the peer's.  Connections
 * with fewer than STOCKADE_RTT_MIN_SAMPLES samples, or none within
 * max_age_ns, are ignored: the first is still the handshake's guess, the
 * second a closed or idle connection whose figure no longer says
 * anything about the path.
 */
#ifndef _STOCKADE_CORE_NETRTT_H
#define _STOCKADE_CORE_NETRTT_H

#include "compat.h"
#include "rtthist.h"

#define STOCKADE_RTT_MIN_SAMPLES	4
/* Default freshness: a few replication rounds of an idle device. */
#define STOCKADE_RTT_MAX_AGE_NS		(10ULL * 1000000000ULL)

/* One map entry, in the map's own units (bpf/rtt.h). */
struct stockade_rtt_conn {
	u64 samples;
	u32 srtt_us8;		/* smoothed RTT, 1/8 us */
	u32 mdev_us4;		/* RFC 6298 mean deviation, 1/4 us */
	u64 updated_ns;		/* last sample, monotonic */
	/* Its log2 histogram of raw samples (rtthist.h), or NULL. */
	const u32 *hist;
};

/*
 * A peer's figure: the chosen connection's srtt and mean deviation, and
 * the median and 99th percentile of its raw samples (0 without a
 * histogram).  Valid only if conns > 0.
 */
struct stockade_rtt_peer {
	u32 conns;		/* fresh connections seen */
	u64 samples;		/* of the chosen connection */
	u64 rtt_ns;		/* its srtt */
	u64 dev_ns;		/* its mean deviation */
	u64 p50_ns, p99_ns;	/* its raw samples' quantiles */
};

void stockade_rtt_peer_reset(struct stockade_rtt_peer *p);

/* Consider connection @c to the peer, at @now_ns. */
void stockade_rtt_peer_add(struct stockade_rtt_peer *p,
			   const struct stockade_rtt_conn *c, u64 now_ns,
			   u64 max_age_ns);

/*
 * The adaptive election timeout, after the last heartbeat:
 *
 *	floor   = k * (rtt + 4 * dev) + heartbeat
 *	timeout = clamp(max(phi_ns, floor), min_ns, max_ns)
 *
 * rtt + 4 * dev is what TCP itself waits before it declares a segment
 * lost (RFC 6298's RTO without its 1 s floor); k of those is k rounds of
 * the path going wrong in a row, and one heartbeat interval is added
 * because a heartbeat can be lost only once it was due.  phi_ns is the
 * phi-accrual detector's time to suspicion (stockade_phi_timeout_ns()),
 * which learns from the heartbeats' arrivals; the floor keeps a path whose
 * RTT is high or swings from being suspected before it could have
 * answered, even when the heartbeats happened to arrive regularly.
 * Overflow saturates; max_ns wins over min_ns if they cross.
 */
struct stockade_timeout_config {
	u64 min_ns, max_ns;
	u64 heartbeat_ns;
	u32 k;
};

#define STOCKADE_TIMEOUT_DEFAULT_K	4

/*
 * The heartbeat acceptance window: how much later than the heartbeats'
 * mean interval one may arrive and still be on time, i.e. what the phi
 * detector adds to that mean (phi.h):
 *
 *	late   = max(rtt, p99) / 2
 *	window = clamp(pause + late, pause, max(max_ns, pause))
 *
 * pause is the configured allowance (one heartbeat plus
 * acceptable_pause_ms): what a late heartbeat gets whatever the network.
 * late is a heartbeat's one-way delay when the path is at its 99th
 * percentile, each way taken as half the round trip; the mean stands in
 * when there is no histogram (p99 0) and bounds it from below, since a
 * histogram's quantile is only known to a factor of two.  max_ns keeps a
 * path that turns very slow from pushing the window to the point where a
 * dead peer is only suspected by the election timeout's hard limit.
 * Overflow saturates.
 */
struct stockade_window_config {
	u64 pause_ns;
	u64 max_ns;
};

u64 stockade_heartbeat_window_ns(const struct stockade_window_config *cfg,
				 u64 rtt_ns, u64 p99_ns);

u64 stockade_rtt_floor_ns(const struct stockade_timeout_config *cfg,
			  u64 rtt_ns, u64 dev_ns);
u64 stockade_adaptive_timeout_ns(const struct stockade_timeout_config *cfg,
				 u64 phi_ns, u64 rtt_ns, u64 dev_ns);

#endif /* _STOCKADE_CORE_NETRTT_H */
