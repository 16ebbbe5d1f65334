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

static const struct nla_policy stockade_policy[STOCKADE_A_MAX + 1] = {
	[STOCKADE_A_VERSION]		= { .type = NLA_REJECT },
	[STOCKADE_A_GENL_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_WIRE_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_DISK_VERSION]	= { .type = NLA_REJECT },
	[STOCKADE_A_NODE_ID]		= { .type = NLA_REJECT },
	[STOCKADE_A_DEVICE_COUNT]	= { .type = NLA_REJECT },
};

static struct genl_family stockade_genl_family;

/* Start a reply to @info for command @cmd; NULL when memory is short. */
static struct sk_buff *stockade_reply_new(struct genl_info *info, u8 cmd,
					  void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &stockade_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int stockade_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = stockade_reply_new(info, STOCKADE_CMD_GET_VERSION, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, STOCKADE_A_VERSION, STOCKADE_RELEASE) ||
	    nla_put_u32(msg, STOCKADE_A_GENL_VERSION, STOCKADE_GENL_VERSION) ||
	    nla_put_u32(msg, STOCKADE_A_WIRE_VERSION, STOCKADE_WIRE_VERSION) ||
	    nla_put_u32(msg, STOCKADE_A_DISK_VERSION, STOCKADE_DISK_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int stockade_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = stockade_reply_new(info, STOCKADE_CMD_GET_STATUS, &hdr);
	if (!msg)
		return -ENOMEM;
	/* Nodes and devices are configured by later steps; none yet. */
	if (nla_put_u32(msg, STOCKADE_A_NODE_ID, 0) ||
	    nla_put_u32(msg, STOCKADE_A_DEVICE_COUNT, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
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
