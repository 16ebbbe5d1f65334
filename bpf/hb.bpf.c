// SPDX-License-Identifier: GPL-2.0
/*
 * stockade: kernel timestamps of the agents' heartbeat datagrams.
 *
 * Two tc programs, attached through clsact (TCX needs 6.6; the test bed
 * runs 6.1): stockade_hb_in at ingress, stockade_hb_out at egress.  Each
 * recognises an agent datagram by the agent's UDP port (destination at
 * ingress, source at egress), its length and its magic, and notes
 * bpf_ktime_get_ns() under the other end's address and the datagram's
 * sequence number.  The agent reads the ingress stamp after it read the
 * datagram: what lies between is its own delay, not the network's.
 *
 * Nothing is dropped or changed: both return TC_ACT_UNSPEC, so the next
 * filter on the hook (if any) runs as if we were not there.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "hb.h"

/* From uapi headers that vmlinux.h (types only) does not carry. */
#define TC_ACT_UNSPEC	(-1)
#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IP_MF_OFFSET	0x3fff

/* The magic's bytes as on the wire (little-endian), read as a __u32. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HB_MAGIC_RAW	HB_MAGIC
#else
#define HB_MAGIC_RAW	__builtin_bswap32(HB_MAGIC)
#endif

char LICENSE[] SEC("license") = "GPL";

/* The agent's UDP port, host order; set by the loader before loading. */
const volatile __u16 hb_port;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HB_MAX_STAMPS);
	__type(key, struct hb_key);
	__type(value, __u64);
} hb_ingress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HB_MAX_STAMPS);
	__type(key, struct hb_key);
	__type(value, __u64);
} hb_egress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HB_COUNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hb_counts SEC(".maps");

/* Where the IP header starts, what follows it, and the address to note. */
struct hb_pkt {
	__u32 l4;		/* offset of the UDP header */
	struct hb_key key;
};

/*
 * The network header is at 14 on an Ethernet-like device (loopback
 * included) and at 0 on an L3 one (tun, WireGuard): take 14 if the
 * Ethernet type there says so, else 0, and let the version nibble decide.
 */
static __u32 l3_offset(struct __sk_buff *skb, __be16 protocol)
{
	__be16 proto;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) == 0 &&
	    proto == protocol)
		return ETH_HLEN;
	return 0;
}

static void map_v4(struct hb_key *key, __be32 a)
{
	key->addr[0] = 0;
	key->addr[1] = 0;
	key->addr[2] = bpf_htonl(0xffff);
	key->addr[3] = a;
}

/* IPv4, not a fragment, UDP: the other end's address and where UDP is. */
static bool parse_v4(struct __sk_buff *skb, __u32 nh, bool in,
		     struct hb_pkt *p)
{
	struct iphdr ip;

	if (bpf_skb_load_bytes(skb, nh, &ip, sizeof(ip)))
		return false;
	if (ip.version != 4 || ip.ihl < 5 || ip.protocol != IPPROTO_UDP ||
	    (bpf_ntohs(ip.frag_off) & IP_MF_OFFSET))
		return false;
	map_v4(&p->key, in ? ip.saddr : ip.daddr);
	p->l4 = nh + ip.ihl * 4;
	return true;
}

/* IPv6 with UDP right after the fixed header (no extension headers). */
static bool parse_v6(struct __sk_buff *skb, __u32 nh, bool in,
		     struct hb_pkt *p)
{
	struct ipv6hdr ip6;

	if (bpf_skb_load_bytes(skb, nh, &ip6, sizeof(ip6)))
		return false;
	if (ip6.version != 6 || ip6.nexthdr != IPPROTO_UDP)
		return false;
	__builtin_memcpy(p->key.addr, in ? &ip6.saddr : &ip6.daddr,
			 sizeof(p->key.addr));
	p->l4 = nh + sizeof(ip6);
	return true;
}

/*
 * An agent datagram for (in) or from (!in) our port: the UDP length is
 * exactly one datagram and the body starts with the magic.  Then the
 * sequence number goes into the key.
 */
static bool agent_dgram(struct __sk_buff *skb, bool in, struct hb_pkt *p)
{
	struct udphdr udp;
	__u32 magic;
	__u16 port;

	if (bpf_skb_load_bytes(skb, p->l4, &udp, sizeof(udp)))
		return false;
	port = bpf_ntohs(in ? udp.dest : udp.source);
	if (port != hb_port ||
	    bpf_ntohs(udp.len) != sizeof(udp) + HB_DGRAM_LEN)
		return false;
	if (bpf_skb_load_bytes(skb, p->l4 + sizeof(udp), &magic,
			       sizeof(magic)) ||
	    magic != HB_MAGIC_RAW)
		return false;
	return !bpf_skb_load_bytes(skb, p->l4 + sizeof(udp) + HB_SEQ_OFF,
				   &p->key.seq_le, sizeof(p->key.seq_le));
}

static void count(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&hb_counts, &which);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static int stamp(struct __sk_buff *skb, bool in)
{
	struct hb_pkt p = {};
	__u64 now = bpf_ktime_get_ns();
	__be16 protocol = skb->protocol;
	__u32 nh;
	bool ok;

	/*
	 * One load of skb->protocol, pinned: otherwise clang may merge
	 * the field loads into one through a computed context pointer,
	 * which the verifier refuses ("dereference of modified ctx ptr").
	 */
	barrier_var(protocol);
	nh = l3_offset(skb, protocol);
	if (protocol == bpf_htons(ETH_P_IP))
		ok = parse_v4(skb, nh, in, &p);
	else if (protocol == bpf_htons(ETH_P_IPV6))
		ok = parse_v6(skb, nh, in, &p);
	else
		ok = false;
	if (!ok || !agent_dgram(skb, in, &p))
		return TC_ACT_UNSPEC;
	/*
	 * BPF_ANY: a copy arriving later (a replay) overwrites the stamp
	 * with a later time, which can only make our own delay look
	 * smaller, never blame the network for it.
	 */
	if (in) {
		bpf_map_update_elem(&hb_ingress, &p.key, &now, BPF_ANY);
		count(HB_COUNT_INGRESS);
	} else {
		bpf_map_update_elem(&hb_egress, &p.key, &now, BPF_ANY);
		count(HB_COUNT_EGRESS);
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int stockade_hb_in(struct __sk_buff *skb)
{
	return stamp(skb, true);
}

SEC("tc")
int stockade_hb_out(struct __sk_buff *skb)
{
	return stamp(skb, false);
}
