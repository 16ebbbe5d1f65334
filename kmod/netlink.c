// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "stockade": how stockaded and stockadectl
 * drive the module.  Every command needs CAP_NET_ADMIN and every request
 * is validated strictly against the policy, so a malformed or unknown
 * attribute is refused before any handler runs (docs/netlink.md).
 */
#include <net/genetlink.h>
#include <uapi/linux/stockade.h>
#include <stockade/version.h>

#include "netlink.h"
#include "stockade.h"

static const struct nla_policy stockade_peer_policy[STOCKADE_PEER_A_MAX + 1] = {
	[STOCKADE_PEER_A_ID]	= NLA_POLICY_RANGE(NLA_U32, 1, 255),
	[STOCKADE_PEER_A_ADDR]	= { .type = NLA_U32 },
	[STOCKADE_PEER_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[STOCKADE_PEER_A_STATE]	= { .type = NLA_REJECT },
	[STOCKADE_PEER_A_RESYNC_STATE]	= { .type = NLA_REJECT },
	[STOCKADE_PEER_A_RESYNC_DONE_BLOCKS]	= { .type = NLA_REJECT },
	[STOCKADE_PEER_A_RESYNC_TOTAL_BLOCKS]	= { .type = NLA_REJECT },
	[STOCKADE_PEER_A_PAD]	= { .type = NLA_REJECT },
};

/* Ranges beyond what the s16 bounds of NLA_POLICY_RANGE can say. */
static struct netlink_range_validation stockade_lease_range = {
	.min = 1,
	.max = STOCKADE_LEASE_MAX_NS,
};

static struct netlink_range_validation stockade_suspend_range = {
	.min = 1,
	.max = 3600 * MSEC_PER_SEC,
};

static struct netlink_range_validation stockade_max_lease_range = {
	.min = 1,
	.max = STOCKADE_LEASE_MAX_NS / NSEC_PER_MSEC,
};

static struct netlink_range_validation stockade_drift_range = {
	.min = 0,
	.max = STOCKADE_DRIFT_PPM_MAX,
};

static const struct nla_policy stockade_policy[STOCKADE_A_MAX + 1] = {
	[STOCKADE_A_VERSION]		= { .type = NLA_REJECT },
	[STOCKADE_A_GENL_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_WIRE_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_DISK_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_NODE_ID]		= NLA_POLICY_RANGE(NLA_U32, 1, 255),
	[STOCKADE_A_DEVICE_COUNT]	= { .type = NLA_REJECT },
	[STOCKADE_A_DEVICE_INDEX]	=
		NLA_POLICY_MAX(NLA_U32, STOCKADE_MAX_DEVICES - 1),
	[STOCKADE_A_BACKING_PATH]	= { .type = NLA_NUL_STRING, .len = 63 },
	[STOCKADE_A_CLUSTER_UUID]	= NLA_POLICY_EXACT_LEN(16),
	[STOCKADE_A_DEVICE_UUID]	= NLA_POLICY_EXACT_LEN(16),
	[STOCKADE_A_ROLE]		=
		NLA_POLICY_MAX(NLA_U8, __STOCKADE_ROLE_MAX - 1),
	[STOCKADE_A_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_LAST_INDEX]		= { .type = NLA_U64 },
	[STOCKADE_A_COMMIT_INDEX]	= { .type = NLA_REJECT },
	[STOCKADE_A_APPLIED_INDEX]	= { .type = NLA_REJECT },
	[STOCKADE_A_SIZE_BYTES]		= { .type = NLA_REJECT },
	[STOCKADE_A_PAD]		= { .type = NLA_REJECT },
	[STOCKADE_A_LISTEN]		=
		NLA_POLICY_NESTED(stockade_peer_policy),
	[STOCKADE_A_PEERS]		=
		NLA_POLICY_NESTED_ARRAY(stockade_peer_policy),
	[STOCKADE_A_PEER]		= { .type = NLA_REJECT },
	[STOCKADE_A_SECRET]		=
		NLA_POLICY_RANGE(NLA_BINARY, STOCKADE_SECRET_MIN,
				 STOCKADE_SECRET_MAX),
	[STOCKADE_A_COUNTERS]		= { .type = NLA_REJECT },
	[STOCKADE_A_EVENT]		= { .type = NLA_REJECT },
	[STOCKADE_A_LAST_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_VOTED_FOR]		= { .type = NLA_REJECT },
	[STOCKADE_A_PRE_VOTE]		= { .type = NLA_FLAG },
	[STOCKADE_A_VOTE_RESULT]	= { .type = NLA_REJECT },
	[STOCKADE_A_LEASE_DURATION_NS]	=
		NLA_POLICY_FULL_RANGE(NLA_U64, &stockade_lease_range),
	[STOCKADE_A_LEASE_START_NS]	= NLA_POLICY_MIN(NLA_U64, 1),
	[STOCKADE_A_REVOKE]		= { .type = NLA_FLAG },
	[STOCKADE_A_IO_POLICY]		=
		NLA_POLICY_MAX(NLA_U8, __STOCKADE_IO_POLICY_MAX - 1),
	[STOCKADE_A_READ_POLICY]	=
		NLA_POLICY_MAX(NLA_U8, __STOCKADE_READ_POLICY_MAX - 1),
	[STOCKADE_A_SUSPEND_TIMEOUT_MS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &stockade_suspend_range),
	[STOCKADE_A_MAX_LEASE_MS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &stockade_max_lease_range),
	[STOCKADE_A_MAX_DRIFT_PPM]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &stockade_drift_range),
	[STOCKADE_A_REVOKE_ON_CLOSE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[STOCKADE_A_LEASE_TERM]		= { .type = NLA_REJECT },
	[STOCKADE_A_LEASE_REMAINING_NS]	= { .type = NLA_REJECT },
	[STOCKADE_A_FENCE_REASON]	= { .type = NLA_REJECT },
	[STOCKADE_A_CLOCK_WAIT_NS]	= { .type = NLA_REJECT },
	[STOCKADE_A_DISK_POLICY]	=
		NLA_POLICY_MAX(NLA_U8, __STOCKADE_DISK_POLICY_MAX - 1),
	[STOCKADE_A_DISK_FAILED]	= { .type = NLA_REJECT },
	/* Any rate; 0 lifts the limit. */
	[STOCKADE_A_RESYNC_RATE_KBPS]	= { .type = NLA_U32 },
	[STOCKADE_A_RESYNC_STATE]	= { .type = NLA_REJECT },
	[STOCKADE_A_RESYNC_DONE_BLOCKS]	= { .type = NLA_REJECT },
	[STOCKADE_A_RESYNC_TOTAL_BLOCKS] = { .type = NLA_REJECT },
	[STOCKADE_A_RESYNC_CATCH_UP_INDEX] = { .type = NLA_REJECT },
};

static struct genl_family stockade_genl_family;

typedef int (*stockade_fill_fn)(struct sk_buff *msg, const void *ctx);

/* Answer @info with a @cmd message that @fill puts its attributes in. */
static int stockade_reply(struct genl_info *info, u8 cmd,
			  stockade_fill_fn fill, const void *ctx)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &stockade_genl_family, 0, cmd);
	if (!hdr || fill(msg, ctx)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int fill_version(struct sk_buff *msg, const void *ctx)
{
	if (nla_put_string(msg, STOCKADE_A_VERSION, STOCKADE_RELEASE) ||
	    nla_put_u32(msg, STOCKADE_A_GENL_VERSION, STOCKADE_GENL_VERSION) ||
	    nla_put_u32(msg, STOCKADE_A_WIRE_VERSION, STOCKADE_WIRE_VERSION) ||
	    nla_put_u32(msg, STOCKADE_A_DISK_VERSION, STOCKADE_DISK_VERSION))
		return -EMSGSIZE;
	return 0;
}

static int stockade_get_version(struct sk_buff *skb, struct genl_info *info)
{
	return stockade_reply(info, STOCKADE_CMD_GET_VERSION, fill_version,
			      NULL);
}

static int fill_status(struct sk_buff *msg, const void *ctx)
{
	/* The node id is configured with peers (a later step). */
	if (nla_put_u32(msg, STOCKADE_A_NODE_ID, 0) ||
	    nla_put_u32(msg, STOCKADE_A_DEVICE_COUNT, stockade_dev_count()))
		return -EMSGSIZE;
	return 0;
}

static int stockade_get_status(struct sk_buff *skb, struct genl_info *info)
{
	return stockade_reply(info, STOCKADE_CMD_GET_STATUS, fill_status, NULL);
}

static int fill_index(struct sk_buff *msg, const void *ctx)
{
	const u32 *index = ctx;

	return nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, *index);
}

static int stockade_attach(struct sk_buff *skb, struct genl_info *info)
{
	int index;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_BACKING_PATH) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_CLUSTER_UUID) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_UUID))
		return -EINVAL;
	index = stockade_dev_attach(nla_data(info->attrs[STOCKADE_A_BACKING_PATH]),
				    nla_data(info->attrs[STOCKADE_A_CLUSTER_UUID]),
				    nla_data(info->attrs[STOCKADE_A_DEVICE_UUID]),
				    info->extack);
	if (index < 0)
		return index;
	return stockade_reply(info, STOCKADE_CMD_ATTACH, fill_index,
			      &(u32){ index });
}

static int stockade_detach(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX))
		return -EINVAL;
	return stockade_dev_detach(nla_get_u32(info->attrs[STOCKADE_A_DEVICE_INDEX]),
				   info->extack);
}

static int stockade_set_role(struct sk_buff *skb, struct genl_info *info)
{
	u8 role;
	u64 term;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_ROLE) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_TERM))
		return -EINVAL;
	role = nla_get_u8(info->attrs[STOCKADE_A_ROLE]);
	term = nla_get_u64(info->attrs[STOCKADE_A_TERM]);
	if (role == STOCKADE_ROLE_LEADER && term == 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[STOCKADE_A_TERM],
				    "a leader needs a term of at least 1");
		return -EINVAL;
	}
	return stockade_dev_set_role(nla_get_u32(info->attrs[STOCKADE_A_DEVICE_INDEX]),
				     role, term, info->extack);
}

/* Peer @i of @st: its connection, and our full resync of it. */
static int fill_peer(struct sk_buff *msg,
		     const struct stockade_dev_status *st, u32 i)
{
	struct nlattr *nest = nla_nest_start(msg, STOCKADE_A_PEER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, STOCKADE_PEER_A_ID, st->peers[i].id) ||
	    nla_put_in_addr(msg, STOCKADE_PEER_A_ADDR,
			    st->peers[i].addr.sin_addr.s_addr) ||
	    nla_put_u16(msg, STOCKADE_PEER_A_PORT,
			ntohs(st->peers[i].addr.sin_port)) ||
	    nla_put_u8(msg, STOCKADE_PEER_A_STATE, st->peers[i].state) ||
	    nla_put_u8(msg, STOCKADE_PEER_A_RESYNC_STATE,
		       st->peers[i].resync_state) ||
	    nla_put_u64_64bit(msg, STOCKADE_PEER_A_RESYNC_DONE_BLOCKS,
			      st->peers[i].resync_done, STOCKADE_PEER_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_PEER_A_RESYNC_TOTAL_BLOCKS,
			      st->peers[i].resync_total, STOCKADE_PEER_A_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int fill_peers(struct sk_buff *msg,
		      const struct stockade_dev_status *st)
{
	struct nlattr *nest = nla_nest_start(msg, STOCKADE_A_PEERS);
	u32 i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < st->n_peers; i++) {
		if (fill_peer(msg, st, i)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int fill_counters(struct sk_buff *msg,
			 const struct stockade_dev_status *st)
{
	struct nlattr *nest = nla_nest_start(msg, STOCKADE_A_COUNTERS);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = STOCKADE_COUNTER_FENCED_IOS; i <= STOCKADE_COUNTER_MAX; i++) {
		if (i == STOCKADE_COUNTER_PAD)
			continue;
		if (nla_put_u64_64bit(msg, i, st->counters[i],
				      STOCKADE_COUNTER_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int fill_fence(struct sk_buff *msg,
		      const struct stockade_dev_status *st)
{
	if (nla_put_u8(msg, STOCKADE_A_FENCE_REASON, st->fence_reason) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_LEASE_TERM, st->lease_term,
			      STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_LEASE_REMAINING_NS,
			      st->lease_remaining_ns, STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_CLOCK_WAIT_NS, st->clock_wait_ns,
			      STOCKADE_A_PAD) ||
	    nla_put_u8(msg, STOCKADE_A_IO_POLICY, st->io_policy) ||
	    nla_put_u8(msg, STOCKADE_A_READ_POLICY, st->read_policy) ||
	    nla_put_u32(msg, STOCKADE_A_SUSPEND_TIMEOUT_MS,
			div_u64(st->suspend_timeout_ns, NSEC_PER_MSEC)) ||
	    nla_put_u32(msg, STOCKADE_A_MAX_LEASE_MS,
			div_u64(st->max_lease_ns, NSEC_PER_MSEC)) ||
	    nla_put_u32(msg, STOCKADE_A_MAX_DRIFT_PPM, st->max_drift_ppm) ||
	    nla_put_u8(msg, STOCKADE_A_REVOKE_ON_CLOSE, st->revoke_on_close) ||
	    nla_put_u8(msg, STOCKADE_A_DISK_POLICY, st->disk_policy) ||
	    nla_put_u8(msg, STOCKADE_A_DISK_FAILED, st->disk_failed))
		return -EMSGSIZE;
	return 0;
}

static int fill_resync(struct sk_buff *msg,
		       const struct stockade_dev_status *st)
{
	if (nla_put_u32(msg, STOCKADE_A_RESYNC_RATE_KBPS,
			st->resync_rate_kbps) ||
	    nla_put_u8(msg, STOCKADE_A_RESYNC_STATE, st->resync_state) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_RESYNC_DONE_BLOCKS,
			      st->resync_done, STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_RESYNC_TOTAL_BLOCKS,
			      st->resync_total, STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_RESYNC_CATCH_UP_INDEX,
			      st->resync_catch_up, STOCKADE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int fill_device(struct sk_buff *msg, const void *ctx)
{
	const struct stockade_dev_status *st = ctx;

	if (nla_put_u32(msg, STOCKADE_A_NODE_ID, st->node_id) ||
	    fill_counters(msg, st) || fill_peers(msg, st))
		return -EMSGSIZE;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, st->index) ||
	    nla_put_u8(msg, STOCKADE_A_ROLE, st->role) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_TERM, st->term, STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_LAST_INDEX, st->last_index,
			      STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_COMMIT_INDEX, st->commit_index,
			      STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_APPLIED_INDEX, st->applied_index,
			      STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_SIZE_BYTES, st->size_bytes,
			      STOCKADE_A_PAD) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_LAST_TERM, st->last_term,
			      STOCKADE_A_PAD) ||
	    nla_put_u32(msg, STOCKADE_A_VOTED_FOR, st->voted_for))
		return -EMSGSIZE;
	return fill_fence(msg, st) ?: fill_resync(msg, st);
}

static int stockade_get_device(struct sk_buff *skb, struct genl_info *info)
{
	struct stockade_dev_status st;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX))
		return -EINVAL;
	err = stockade_dev_status(nla_get_u32(info->attrs[STOCKADE_A_DEVICE_INDEX]),
				  &st);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return err;
	}
	return stockade_reply(info, STOCKADE_CMD_GET_DEVICE, fill_device, &st);
}

struct vote_answer {
	u32 index;
	struct stockade_vote_reply reply;
};

static int fill_vote(struct sk_buff *msg, const void *ctx)
{
	const struct vote_answer *a = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, a->index) ||
	    nla_put_u8(msg, STOCKADE_A_VOTE_RESULT, a->reply.result) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_TERM, a->reply.term,
			      STOCKADE_A_PAD) ||
	    nla_put_u32(msg, STOCKADE_A_VOTED_FOR, a->reply.voted_for))
		return -EMSGSIZE;
	return 0;
}

static int stockade_vote_op(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct stockade_vote_req req;
	struct vote_answer a;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_TERM) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_NODE_ID) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_LAST_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_LAST_TERM))
		return -EINVAL;
	req = (struct stockade_vote_req) {
		.term		= nla_get_u64(attrs[STOCKADE_A_TERM]),
		.candidate	= nla_get_u32(attrs[STOCKADE_A_NODE_ID]),
		.last_index	= nla_get_u64(attrs[STOCKADE_A_LAST_INDEX]),
		.last_term	= nla_get_u64(attrs[STOCKADE_A_LAST_TERM]),
		.pre_vote	= nla_get_flag(attrs[STOCKADE_A_PRE_VOTE]),
	};
	a.index = nla_get_u32(attrs[STOCKADE_A_DEVICE_INDEX]);
	err = stockade_dev_vote(a.index, &req, &a.reply, info->extack);
	if (err == -ENODEV)
		NL_SET_ERR_MSG(info->extack, "no such device");
	else if (err && !info->extack->_msg)
		NL_SET_ERR_MSG(info->extack, "cannot persist term and vote");
	if (err)
		return err;
	return stockade_reply(info, STOCKADE_CMD_VOTE, fill_vote, &a);
}

static int stockade_set_lease(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct stockade_dev *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX))
		return -EINVAL;
	if (!attrs[STOCKADE_A_REVOKE] &&
	    (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_TERM) ||
	     GENL_REQ_ATTR_CHECK(info, STOCKADE_A_LEASE_DURATION_NS)))
		return -EINVAL;
	dev = stockade_dev_get_locked(nla_get_u32(attrs[STOCKADE_A_DEVICE_INDEX]));
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return -ENODEV;
	}
	if (attrs[STOCKADE_A_REVOKE]) {
		stockade_fence_revoke(dev);
		err = 0;
	} else {
		err = stockade_fence_grant(dev,
					   nla_get_u64(attrs[STOCKADE_A_TERM]),
					   attrs[STOCKADE_A_LEASE_START_NS] ?
					   nla_get_u64(attrs[STOCKADE_A_LEASE_START_NS]) : 0,
					   nla_get_u64(attrs[STOCKADE_A_LEASE_DURATION_NS]),
					   info->snd_portid, info->extack);
	}
	stockade_dev_put_locked(dev);
	return err;
}

static int get_u8_or(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u8(attrs[type]) : -1;
}

static u64 get_ms_as_ns(struct nlattr **attrs, int type)
{
	return attrs[type] ? (u64)nla_get_u32(attrs[type]) * NSEC_PER_MSEC : 0;
}

static int stockade_set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct stockade_fence_policy p = {
		.io_policy	= get_u8_or(attrs, STOCKADE_A_IO_POLICY),
		.read_policy	= get_u8_or(attrs, STOCKADE_A_READ_POLICY),
		.revoke_on_close = get_u8_or(attrs, STOCKADE_A_REVOKE_ON_CLOSE),
		.disk_policy	= get_u8_or(attrs, STOCKADE_A_DISK_POLICY),
		.max_drift_ppm	= attrs[STOCKADE_A_MAX_DRIFT_PPM] ?
			nla_get_u32(attrs[STOCKADE_A_MAX_DRIFT_PPM]) : -1,
		.suspend_timeout_ns =
			get_ms_as_ns(attrs, STOCKADE_A_SUSPEND_TIMEOUT_MS),
		.max_lease_ns	= get_ms_as_ns(attrs, STOCKADE_A_MAX_LEASE_MS),
	};
	struct stockade_dev *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX))
		return -EINVAL;
	dev = stockade_dev_get_locked(nla_get_u32(attrs[STOCKADE_A_DEVICE_INDEX]));
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return -ENODEV;
	}
	err = stockade_fence_set_policy(dev, &p);
	if (!err && attrs[STOCKADE_A_RESYNC_RATE_KBPS]) {
		WRITE_ONCE(dev->resync_rate_kbps,
			   nla_get_u32(attrs[STOCKADE_A_RESYNC_RATE_KBPS]));
		/* A copy waiting on the old rate goes on at the new one. */
		dev->resync_pacer.next_ns = 0;
		stockade_resync_kick(dev);
	}
	stockade_dev_put_locked(dev);
	return err;
}

/* One peer nest (already validated by the policy) into @id and @addr. */
static int parse_peer(const struct nlattr *nest, u32 *id,
		      struct sockaddr_in *addr, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[STOCKADE_PEER_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, STOCKADE_PEER_A_MAX, nest,
			       stockade_peer_policy, extack);
	if (err)
		return err;
	if (!tb[STOCKADE_PEER_A_ADDR] || !tb[STOCKADE_PEER_A_PORT] ||
	    (id && !tb[STOCKADE_PEER_A_ID])) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a peer needs ID, ADDR and PORT");
		return -EINVAL;
	}
	if (id)
		*id = nla_get_u32(tb[STOCKADE_PEER_A_ID]);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = nla_get_in_addr(tb[STOCKADE_PEER_A_ADDR]);
	addr->sin_port = htons(nla_get_u16(tb[STOCKADE_PEER_A_PORT]));
	return 0;
}

static bool id_taken(const struct stockade_net_config *cfg, u32 id)
{
	u32 i;

	if (id == cfg->node_id)
		return true;
	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == id)
			return true;
	return false;
}

static int parse_peers(const struct nlattr *peers,
		       struct stockade_net_config *cfg,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	u32 id;
	int rem, err;

	nla_for_each_nested(nest, peers, rem) {
		if (cfg->n_peers == ARRAY_SIZE(cfg->peers)) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "too many peers");
			return -E2BIG;
		}
		err = parse_peer(nest, &id, &cfg->peers[cfg->n_peers].addr,
				 extack);
		if (err)
			return err;
		if (id_taken(cfg, id)) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "peer id used twice");
			return -EINVAL;
		}
		cfg->peers[cfg->n_peers++].id = id;
	}
	return 0;
}

static int stockade_set_peers(struct sk_buff *skb, struct genl_info *info)
{
	struct stockade_net_config *cfg;
	const struct nlattr *secret;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, STOCKADE_A_DEVICE_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_NODE_ID) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_LISTEN) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_PEERS) ||
	    GENL_REQ_ATTR_CHECK(info, STOCKADE_A_SECRET))
		return -EINVAL;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	cfg->node_id = nla_get_u32(info->attrs[STOCKADE_A_NODE_ID]);
	secret = info->attrs[STOCKADE_A_SECRET];
	cfg->secret_len = nla_len(secret);
	memcpy(cfg->secret, nla_data(secret), cfg->secret_len);
	err = parse_peer(info->attrs[STOCKADE_A_LISTEN], NULL,
			 &cfg->listen_addr, info->extack) ?:
	      parse_peers(info->attrs[STOCKADE_A_PEERS], cfg, info->extack) ?:
	      stockade_dev_set_peers(nla_get_u32(info->attrs[STOCKADE_A_DEVICE_INDEX]),
				     cfg, info->extack);
	kfree_sensitive(cfg);
	return err;
}

static const struct genl_small_ops stockade_ops[] = {
	{
		.cmd	= STOCKADE_CMD_GET_VERSION,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_get_version,
	},
	{
		.cmd	= STOCKADE_CMD_GET_STATUS,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_get_status,
	},
	{
		.cmd	= STOCKADE_CMD_ATTACH,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_attach,
	},
	{
		.cmd	= STOCKADE_CMD_DETACH,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_detach,
	},
	{
		.cmd	= STOCKADE_CMD_SET_ROLE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_set_role,
	},
	{
		.cmd	= STOCKADE_CMD_GET_DEVICE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_get_device,
	},
	{
		.cmd	= STOCKADE_CMD_SET_PEERS,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_set_peers,
	},
	{
		.cmd	= STOCKADE_CMD_VOTE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_vote_op,
	},
	{
		.cmd	= STOCKADE_CMD_SET_LEASE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_set_lease,
	},
	{
		.cmd	= STOCKADE_CMD_SET_POLICY,
		.flags	= GENL_ADMIN_PERM,
		.doit	= stockade_set_policy,
	},
};

static const struct genl_multicast_group stockade_mcgrps[] = {
	{ .name = STOCKADE_GENL_MCGRP_EVENTS, .flags = GENL_UNS_ADMIN_PERM },
};

static struct genl_family stockade_genl_family __ro_after_init = {
	.name		= STOCKADE_GENL_NAME,
	.version	= STOCKADE_GENL_VERSION,
	.maxattr	= STOCKADE_A_MAX,
	.policy		= stockade_policy,
	.netnsok	= false,
	.module		= THIS_MODULE,
	.small_ops	= stockade_ops,
	.n_small_ops	= ARRAY_SIZE(stockade_ops),
	.mcgrps		= stockade_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(stockade_mcgrps),
};

/*
 * Tell the "events" group.  Nobody listening is the usual case, not an
 * error; a message that cannot be built is dropped (events are advisory:
 * the state is always in GET_DEVICE and sysfs).
 */
void stockade_event(const struct stockade_dev *dev, enum stockade_event ev,
		    u32 peer)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &stockade_genl_family, 0,
			  STOCKADE_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, dev->index) ||
	    nla_put_u8(msg, STOCKADE_A_EVENT, ev) ||
	    nla_put_u8(msg, STOCKADE_A_ROLE, READ_ONCE(dev->role)) ||
	    nla_put_u64_64bit(msg, STOCKADE_A_TERM,
			      READ_ONCE(dev->sb.current_term), STOCKADE_A_PAD) ||
	    nla_put_u8(msg, STOCKADE_A_FENCE_REASON,
		       READ_ONCE(dev->fence.reason)) ||
	    (peer && nla_put_u32(msg, STOCKADE_A_NODE_ID, peer))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&stockade_genl_family, msg, 0, 0, GFP_KERNEL);
}

static void socket_closed(struct stockade_dev *dev, void *ctx)
{
	stockade_fence_socket_closed(dev, *(u32 *)ctx);
}

/* A lease holder's socket closed: revoke its leases if so configured. */
static int stockade_netlink_notify(struct notifier_block *nb,
				   unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (state == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		stockade_visit_devs(socket_closed, &n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block stockade_netlink_nb = {
	.notifier_call = stockade_netlink_notify,
};

int __init stockade_genl_register(void)
{
	int err = genl_register_family(&stockade_genl_family);

	if (err)
		return err;
	err = netlink_register_notifier(&stockade_netlink_nb);
	if (err)
		genl_unregister_family(&stockade_genl_family);
	return err;
}

void stockade_genl_unregister(void)
{
	netlink_unregister_notifier(&stockade_netlink_nb);
	genl_unregister_family(&stockade_genl_family);
}
