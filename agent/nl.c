// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nl.h"

/* Keep the kernel's errno and its extended-ack message. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct stockade_nl *nl = arg;
	struct nlattr *tlvs, *msg;
	int len;

	(void)who;
	nl->error = err->error;
	nl->errmsg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*err);
	tlvs = (struct nlattr *)(err + 1);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		len -= (int)(err->msg.nlmsg_len - sizeof(err->msg));
		tlvs = (struct nlattr *)((char *)tlvs + err->msg.nlmsg_len -
					 sizeof(err->msg));
	}
	msg = len > 0 ? nla_find(tlvs, len, NLMSGERR_ATTR_MSG) : NULL;
	if (msg)
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(msg), (const char *)nla_data(msg));
	return NL_STOP;
}

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct stockade_nl *nl = arg;

	nlmsg_free(nl->reply);
	nlmsg_get(msg);
	nl->reply = msg;
	return NL_OK;
}

int stockade_nl_open(struct stockade_nl *nl)
{
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	err = genl_connect(nl->sk);
	if (err) {
		stockade_nl_close(nl);
		return -ECONNREFUSED;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, STOCKADE_GENL_NAME);
	if (nl->family < 0) {
		stockade_nl_close(nl);
		return -ENOENT;
	}
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, nl);
	return 0;
}

void stockade_nl_close(struct stockade_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	nlmsg_free(nl->reply);
	nl->reply = NULL;
}

static int send_request(struct stockade_nl *nl, uint8_t cmd,
			stockade_nl_build_fn build, const void *ctx)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err = -ENOMEM;

	if (!msg)
		return err;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_ACK, cmd, STOCKADE_GENL_VERSION))
		goto out;
	err = build ? build(msg, ctx) : 0;
	if (err)
		goto out;
	err = nl_send_auto(nl->sk, msg) < 0 ? -EIO : 0;
out:
	nlmsg_free(msg);
	return err;
}

static const struct nla_policy reply_policy[STOCKADE_A_MAX + 1] = {
	[STOCKADE_A_VERSION]		= { .type = NLA_NUL_STRING },
	[STOCKADE_A_GENL_VERSION]	= { .type = NLA_U32 },
	[STOCKADE_A_WIRE_VERSION]	= { .type = NLA_U32 },
	[STOCKADE_A_DISK_VERSION]	= { .type = NLA_U32 },
	[STOCKADE_A_NODE_ID]		= { .type = NLA_U32 },
	[STOCKADE_A_DEVICE_COUNT]	= { .type = NLA_U32 },
	[STOCKADE_A_DEVICE_INDEX]	= { .type = NLA_U32 },
	[STOCKADE_A_ROLE]		= { .type = NLA_U8 },
	[STOCKADE_A_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_LAST_INDEX]		= { .type = NLA_U64 },
	[STOCKADE_A_COMMIT_INDEX]	= { .type = NLA_U64 },
	[STOCKADE_A_APPLIED_INDEX]	= { .type = NLA_U64 },
	[STOCKADE_A_SIZE_BYTES]		= { .type = NLA_U64 },
	[STOCKADE_A_PEERS]		= { .type = NLA_NESTED },
	[STOCKADE_A_COUNTERS]		= { .type = NLA_NESTED },
};

int stockade_nl_request(struct stockade_nl *nl, uint8_t cmd,
			stockade_nl_build_fn build, const void *ctx,
			struct nlattr **tb)
{
	int err;

	nl->error = 0;
	nl->errmsg[0] = '\0';
	nlmsg_free(nl->reply);
	nl->reply = NULL;
	err = send_request(nl, cmd, build, ctx);
	if (err)
		return err;
	err = nl_wait_for_ack(nl->sk);
	if (nl->error)
		return nl->error;
	if (err < 0)
		return -EIO;
	if (!tb)
		return 0;
	if (!nl->reply)
		return -EBADMSG;
	return genlmsg_parse(nlmsg_hdr(nl->reply), 0, tb, STOCKADE_A_MAX,
			     (struct nla_policy *)reply_policy) ? -EBADMSG : 0;
}

const char *stockade_nl_strerror(const struct stockade_nl *nl, int err)
{
	if (nl->errmsg[0])
		return nl->errmsg;
	if (err == -EPERM)
		return "permission denied: needs CAP_NET_ADMIN (run as root)";
	return strerror(-err);
}
