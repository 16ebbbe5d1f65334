/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockade: layout shared by the tc heartbeat timestamp programs
 * (hb.bpf.c) and the agent that reads them (agent/bpfhb.c).
 *
 * The programs see the agents' UDP datagrams (docs/wire-format.md,
 * "Agent messages") where they enter and leave the host, and note
 * bpf_ktime_get_ns() (CLOCK_MONOTONIC) for each, keyed by the other
 * end's address and the datagram's sequence number.  The agent looks its
 * datagram up by the same two after it read or sent it.
 */
#ifndef STOCKADE_BPF_HB_H
#define STOCKADE_BPF_HB_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Datagrams in flight or waiting to be read, per direction.  LRU: a
 * stamp nobody takes (a datagram refused for its MAC, one for another
 * port) ages out instead of filling the map.
 */
#define HB_MAX_STAMPS		1024

/* The agent datagram: 120-byte body, 32-byte MAC (agent/peerwire.h). */
#define HB_DGRAM_LEN		152
#define HB_MAGIC		0x484b5453U	/* "STKH", little-endian */
#define HB_SEQ_OFF		24

struct hb_key {
	/* The other end: IPv6, IPv4 as IPv4-mapped (bpf/rtt.h), net order. */
	__u32 addr[4];
	/*
	 * The sequence number's 8 bytes as on the wire (little-endian),
	 * copied, not converted: the reader converts its own number.
	 */
	__u64 seq_le;
};

/* Index into hb_counts: datagrams stamped, per direction. */
enum hb_count {
	HB_COUNT_INGRESS,
	HB_COUNT_EGRESS,
	HB_COUNT_MAX,
};

#endif /* STOCKADE_BPF_HB_H */
