/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockade: layout shared by the sock_ops RTT program (rtt.bpf.c) and its
 * userspace reader (rtt_loader.c).  Both sides see the same bytes, so only
 * fixed-width __u* types are used and every struct is padded by hand.
 *
 * Units.  The kernel keeps tp->srtt_us as the smoothed RTT shifted left by
 * 3, i.e. in 1/8 microsecond steps, and bpf_sock_ops->srtt_us exposes that
 * raw value.  We store it unchanged ("us8" = 1/8 us) so no precision is lost
 * on loopback, where the whole RTT is a few tens of microseconds; divide by
 * RTT_US8_PER_US to get microseconds.  The jitter estimate carries 4 more
 * fractional bits (RFC 3550 A.8 keeps J scaled by 16 to avoid rounding it
 * to zero), so it is in 1/128 us: divide by RTT_JITTER_PER_US.
 */
#ifndef STOCKADE_BPF_RTT_H
#define STOCKADE_BPF_RTT_H

#ifndef __VMLINUX_H__
#include <stdbool.h>
#include <string.h>
#include <linux/types.h>
#endif

#define RTT_US8_PER_US		8
#define RTT_JITTER_SHIFT	4
#define RTT_JITTER_PER_US	(RTT_US8_PER_US << RTT_JITTER_SHIFT)
#define RTT_MDEV_PER_US		4

/* Peers tracked at once; the map is LRU so old connections age out. */
#define RTT_MAX_PEERS		4096

/* Size of the port filter (see rtt_ports in rtt.bpf.c). */
#define RTT_MAX_PORTS		8

/*
 * The log2 histogram of raw RTT samples: bucket 0 counts samples of 0 us,
 * bucket b in [2^(b-1), 2^b) us, the last one everything from 2^30 us up
 * (core/rtthist.h reads it).  When RTT_HIST_AGE_AT samples are counted,
 * every bucket is halved, so the histogram follows the last thousand or
 * so samples instead of the connection's whole life.
 */
#define RTT_HIST_BUCKETS	32
#define RTT_HIST_AGE_AT		1024

/*
 * One entry per TCP connection as seen from this host.  The local port is
 * part of the key because stockade talks to the same peer address on two
 * ports (replication and heartbeat) whose RTTs must not be mixed.
 *
 * The address is an IPv6 one, IPv4 peers as IPv4-mapped (::ffff:a.b.c.d,
 * RFC 4291 2.5.5.2): an IPv4 client of a dual-stack (AF_INET6) socket
 * reaches us as a mapped address, and so gets the same key as over an
 * AF_INET socket.
 */
struct rtt_key {
	__u32 raddr[4];		/* remote address, network byte order */
	__u16 rport;		/* remote TCP port, host byte order */
	__u16 lport;		/* local TCP port, host byte order */
};

#ifndef __VMLINUX_H__
/* For readers: true, with the IPv4 address (network order), if mapped. */
static inline bool rtt_key_ipv4(const struct rtt_key *k, __u32 *v4)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	if (memcmp(k->raddr, prefix, sizeof(prefix)))
		return false;
	*v4 = k->raddr[3];
	return true;
}
#endif

struct rtt_stats {
	__u64 samples;		/* RTT callbacks seen */
	__u64 sum_us8;		/* sum of srtt samples, for an exact mean */
	__u32 last_us8;		/* most recent srtt */
	__u32 min_us8;
	__u32 max_us8;
	__u32 mean_us8;		/* sum_us8 / samples, kept for readers */
	__u32 jitter_x16;	/* RFC 3550 style jitter, 1/128 us */
	/*
	 * The socket's own RFC 6298 mean deviation (tp->mdev_us, read
	 * through BTF), of raw samples rather than of srtt: 1/4 us, as the
	 * kernel keeps it.  0 if the kernel would not give us the socket.
	 */
	__u32 mdev_us4;
	__u64 updated_ns;	/* bpf_ktime_get_ns() of the last sample */
	/*
	 * Raw samples (tp->rack.rtt_us, the RTT of the newest segment the
	 * ACK covered; srtt / 8 if the socket could not be had), in us.
	 */
	__u32 sample_us;	/* the latest */
	__u32 hist_total;	/* sum of hist[], after ageing */
	__u32 hist[RTT_HIST_BUCKETS];
};

#endif /* STOCKADE_BPF_RTT_H */
