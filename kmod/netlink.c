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

static const struct nla_policy stockade_policy[STOCKADE_A_MAX + 1] = {
	[STOCKADE_A_VERSION]		= { .type = NLA_REJECT },
	[STOCKADE_A_GENL_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_WIRE_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_DISK_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_NODE_ID]		= { .type = NLA_REJECT },
	[STOCKADE_A_DEVICE_COUNT]	= { .type = NLA_REJECT },
	[STOCKADE_A_DEVICE_INDEX]	=
		NLA_POLICY_MAX(NLA_U32, STOCKADE_MAX_DEVICES - 1),
	[STOCKADE_A_BACKING_PATH]	= { .type = NLA_NUL_STRING, .len = 63 },
	[STOCKADE_A_CLUSTER_UUID]	= NLA_POLICY_EXACT_LEN(16),
	[STOCKADE_A_DEVICE_UUID]	= NLA_POLICY_EXACT_LEN(16),
	[STOCKADE_A_ROLE]		=
		NLA_POLICY_MAX(NLA_U8, __STOCKADE_ROLE_MAX - 1),
	[STOCKADE_A_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_LAST_INDEX]		= { .type = NLA_REJECT },
	[STOCKADE_A_COMMIT_INDEX]	= { .type = NLA_REJECT },
	[STOCKADE_A_APPLIED_INDEX]	= { .type = NLA_REJECT },
	[STOCKADE_A_SIZE_BYTES]		= { .type = NLA_REJECT },
	[STOCKADE_A_PAD]		= { .type = NLA_REJECT },
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

static int fill_device(struct sk_buff *msg, const void *ctx)
{
	const struct stockade_dev_status *st = ctx;

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
			      STOCKADE_A_PAD))
		return -EMSGSIZE;
	return 0;
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

int __init stockade_genl_register(void)
{
	return genl_register_family(&stockade_genl_family);
}

void stockade_genl_unregister(void)
{
	genl_unregister_family(&stockade_genl_family);
}
