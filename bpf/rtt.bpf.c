// SPDX-License-Identifier: GPL-2.0
/*
 * stockade: per-peer TCP RTT statistics from the kernel's own estimator.
 *
 * A cgroup sock_ops program.  When a TCP connection of a task in the cgroup
 * becomes established (either side), it asks the stack for RTT callbacks;
 * on every callback it folds the connection's smoothed RTT into a per-peer
 * entry of rtt_stats.  The agent reads that map to size its timeouts from
 * what the network actually does rather than from a constant.
 *
 * IPv4 and IPv6 connections are both tracked, under one IPv6 key (IPv4
 * as IPv4-mapped, bpf/rtt.h), so an IPv4 peer reached through a
 * dual-stack socket is the same peer as through an IPv4 one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rtt.h"

/* From linux/socket.h, which vmlinux.h (types only) does not carry. */
#define AF_INET		2
#define AF_INET6	10

char LICENSE[] SEC("license") = "GPL";

/*
 * LRU rather than plain hash: connections come and go for the life of the
 * agent, and a full plain hash would silently stop recording new peers.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RTT_MAX_PEERS);
	__type(key, struct rtt_key);
	__type(value, struct rtt_stats);
} rtt_stats SEC(".maps");

/*
 * Ports of interest, written by userspace before attaching.  A slot holding
 * 0 is unused; if every slot is 0 all connections are tracked.  A
 * connection matches if either its local or its remote port is listed, so
 * one entry covers both the client and the server side of a service.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTT_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} rtt_ports SEC(".maps");

static bool port_wanted(__u32 lport, __u32 rport)
{
	bool filtered = false;
	__u32 i;

	/*
	 * Unrolled, with the key a copy of i: with i itself on the stack
	 * (its address goes to the helper) the 6.1 verifier loses its
	 * bounds and rejects the loop as infinite.
	 */
#pragma unroll
	for (i = 0; i < RTT_MAX_PORTS; i++) {
		__u32 key = i;
		__u32 *port = bpf_map_lookup_elem(&rtt_ports, &key);

		if (!port || !*port)
			continue;
		filtered = true;
		if (*port == lport || *port == rport)
			return true;
	}
	return !filtered;
}

/* remote_port holds the port in network order in its upper 16 bits. */
static __u32 remote_port(const struct bpf_sock_ops *skops)
{
	return bpf_ntohl(skops->remote_port) & 0xffff;
}

static bool skops_wanted(const struct bpf_sock_ops *skops)
{
	if (skops->family != AF_INET && skops->family != AF_INET6)
		return false;
	return port_wanted(skops->local_port, remote_port(skops));
}

/*
 * OR the flag in: the flags are per socket and shared with any other
 * sock_ops program on the path, whose callbacks we must not switch off.
 */
static void enable_rtt_cb(struct bpf_sock_ops *skops)
{
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
					 BPF_SOCK_OPS_RTT_CB_FLAG);
}

/*
 * bpf_sock_ops has no deviation field nor the raw sample, but the tcp_sock
 * has both: bpf_skc_to_tcp_sock() hands it to us as a BTF pointer, and
 * vmlinux.h marks its types preserve_access_index, so field offsets are
 * relocated to the running kernel (CO-RE).  NULL if there is no socket.
 */
static struct tcp_sock *skops_tcp_sock(const struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;

	return sk ? bpf_skc_to_tcp_sock(sk) : NULL;
}

/*
 * What one RTT callback tells us.  mdev_us is the kernel's RFC 6298 mean
 * deviation of the raw samples (x4).  The raw sample itself: on 6.1 the
 * callback passes no argument, but tcp_clean_rtx_queue() has just set
 * rack.rtt_us to the RTT of the newest segment this ACK covered, before
 * the estimator ran and called us.  Without the socket, srtt stands in.
 */
struct rtt_cb {
	__u32 srtt_us8;
	__u32 mdev_us4;
	__u32 sample_us;
};

static void read_cb(const struct bpf_sock_ops *skops, struct rtt_cb *cb)
{
	struct tcp_sock *tp = skops_tcp_sock(skops);

	cb->srtt_us8 = skops->srtt_us;
	cb->mdev_us4 = tp ? tp->mdev_us : 0;
	cb->sample_us = tp ? tp->rack.rtt_us : cb->srtt_us8 / RTT_US8_PER_US;
}

/*
 * The sample's bit length, capped at the last bucket (core/rtthist.h):
 * a binary search over the shift, unrolled, so the verifier sees five
 * constant steps rather than a loop.
 */
static __u32 hist_bucket(__u32 us)
{
	__u32 b = 0, shift;

#pragma unroll
	for (shift = 16; shift; shift >>= 1) {
		if (us >= 1U << shift) {
			b += shift;
			us >>= shift;
		}
	}
	b += us;
	return b < RTT_HIST_BUCKETS ? b : RTT_HIST_BUCKETS - 1;
}

/* Halve every bucket: old samples weigh half as much as new ones. */
static void hist_age(struct rtt_stats *s)
{
	__u32 i, total = 0;

#pragma unroll
	for (i = 0; i < RTT_HIST_BUCKETS; i++) {
		s->hist[i] >>= 1;
		total += s->hist[i];
	}
	s->hist_total = total;
}

static void hist_add(struct rtt_stats *s, __u32 us)
{
	__u32 b = hist_bucket(us);

	if (s->hist_total >= RTT_HIST_AGE_AT)
		hist_age(s);
	/*
	 * The mask proves the bound to the verifier, which cannot follow
	 * it through hist_bucket()'s copies; the barrier stops clang from
	 * dropping it as redundant.
	 */
	barrier_var(b);
	s->hist[b & (RTT_HIST_BUCKETS - 1)]++;
	s->hist_total++;
	s->sample_us = us;
}

static void stats_init(struct rtt_stats *s, const struct rtt_cb *cb)
{
	__u32 srtt = cb->srtt_us8;

	__builtin_memset(s, 0, sizeof(*s));
	s->samples = 1;
	s->mdev_us4 = cb->mdev_us4;
	hist_add(s, cb->sample_us);
	s->sum_us8 = srtt;
	s->last_us8 = srtt;
	s->min_us8 = srtt;
	s->max_us8 = srtt;
	s->mean_us8 = srtt;
	s->updated_ns = bpf_ktime_get_ns();
}

/*
 * RFC 3550 6.4.1 / A.8: J += (|D| - J) / 16, with J kept scaled by 16 so
 * the division is a shift and small differences are not truncated away.
 * D is the change between successive smoothed RTTs, so this is the jitter
 * of srtt, not of raw samples: a lower bound, but a stable one.
 */
static __u32 jitter_update(__u32 j16, __u32 prev, __u32 cur)
{
	__u32 d = cur > prev ? cur - prev : prev - cur;

	return j16 + d - ((j16 + (1 << (RTT_JITTER_SHIFT - 1))) >>
			  RTT_JITTER_SHIFT);
}

/*
 * No lock: RTT callbacks run from ACK processing with the socket locked,
 * and a key names one connection, so each entry has a single writer.
 */
static void stats_add(struct rtt_stats *s, const struct rtt_cb *cb)
{
	__u32 srtt = cb->srtt_us8;

	s->updated_ns = bpf_ktime_get_ns();
	s->mdev_us4 = cb->mdev_us4;
	hist_add(s, cb->sample_us);
	s->jitter_x16 = jitter_update(s->jitter_x16, s->last_us8, srtt);
	s->samples++;
	s->sum_us8 += srtt;
	s->last_us8 = srtt;
	if (srtt < s->min_us8)
		s->min_us8 = srtt;
	if (srtt > s->max_us8)
		s->max_us8 = srtt;
	s->mean_us8 = s->sum_us8 / s->samples;
}

/*
 * The remote address as IPv6.  An AF_INET6 socket's address is taken as
 * it is: an IPv4 client of a dual-stack listener is already mapped there.
 * Each load is pinned in its branch by barrier_var(): otherwise clang
 * merges remote_ip4 and remote_ip6[3] into one load through a computed
 * context pointer, which the verifier refuses ("dereference of modified
 * ctx ptr").
 */
static void key_addr(const struct bpf_sock_ops *skops, struct rtt_key *key)
{
	__u32 last;

	if (skops->family == AF_INET) {
		last = skops->remote_ip4;
		barrier_var(last);
		key->raddr[2] = bpf_htonl(0xffff);
		key->raddr[3] = last;
		return;
	}
	key->raddr[0] = skops->remote_ip6[0];
	key->raddr[1] = skops->remote_ip6[1];
	key->raddr[2] = skops->remote_ip6[2];
	last = skops->remote_ip6[3];
	barrier_var(last);
	key->raddr[3] = last;
}

static void record_rtt(const struct bpf_sock_ops *skops)
{
	struct rtt_key key = {
		.rport = remote_port(skops),
		.lport = skops->local_port,
	};
	struct rtt_stats *s;
	struct rtt_stats init;
	struct rtt_cb cb;

	/* 0 means the estimator has no sample yet: nothing to learn. */
	if (!skops->srtt_us)
		return;
	key_addr(skops, &key);
	read_cb(skops, &cb);
	s = bpf_map_lookup_elem(&rtt_stats, &key);
	if (s) {
		stats_add(s, &cb);
		return;
	}
	stats_init(&init, &cb);
	bpf_map_update_elem(&rtt_stats, &key, &init, BPF_NOEXIST);
}

SEC("sockops")
int stockade_rtt(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		if (skops_wanted(skops))
			enable_rtt_cb(skops);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		/*
		 * Filter again: another program on this cgroup may have
		 * enabled RTT callbacks for sockets we did not ask for.
		 */
		if (skops_wanted(skops))
			record_rtt(skops);
		break;
	default:
		break;
	}
	/* The return value is only a reply for ops we do not handle. */
	return 1;
}
