// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink client of stockadectl and stockaded, over libnl-genl-3.
 * libnl turns the kernel's errnos into its own NLE_* codes, which merge
 * some (EPERM and EACCES...); an error callback keeps the errno instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nl.h"

/*
 * The extended-ack TLVs follow struct nlmsgerr and, unless the kernel
 * capped the echo, the payload of the request it echoes.
 */
static void keep_ext_ack(struct stockade_nl *nl, const struct nlmsghdr *nlh,
			 const struct nlmsgerr *err)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *tlvs = (const char *)(err + 1);
	struct nlattr *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(err->msg))
			return;
		tlvs += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(err->msg));
	}
	if (tlvs >= end)
		return;
	msg = nla_find((struct nlattr *)tlvs, (int)(end - tlvs),
		       NLMSGERR_ATTR_MSG);
	if (msg) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(msg), (const char *)nla_data(msg));
		return;
	}
	/* Required attributes are reported by number, without a text. */
	msg = nla_find((struct nlattr *)tlvs, (int)(end - tlvs),
		       NLMSGERR_ATTR_MISS_TYPE);
	if (msg && nla_len(msg) == sizeof(uint32_t))
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "the module requires attribute %u, which was not sent",
			 nla_get_u32(msg));
}

/*
 * libnl would turn the kernel's errno into an NLE_* code and lose it
 * (EPERM and EACCES, EINVAL and ERANGE...): keep it as it came.
 */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct stockade_nl *nl = arg;

	(void)who;
	nl->done = true;
	nl->error = err->error;
	nl->errmsg[0] = '\0';
	keep_ext_ack(nl, nlh, err);
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

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct stockade_nl *nl = arg;

	(void)msg;
	nl->done = true;
	return NL_STOP;
}

/*
 * libnl folds errnos into its own NLE_* codes.  The kernel's errno comes
 * through on_error(); this only covers failures inside libnl itself.
 */
static int nle_to_errno(int nle)
{
	static const int map[NLE_MAX + 1] = {
		[NLE_INTR] = EINTR,		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,	[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT, [NLE_BUSY] = EBUSY,
		[NLE_NOACCESS] = EACCES,	[NLE_PERM] = EPERM,
		[NLE_NODEV] = ENODEV,		[NLE_MSG_TRUNC] = EMSGSIZE,
	};

	nle = nle < 0 ? -nle : nle;
	if (nle > NLE_MAX || !map[nle])
		return -EIO;
	return -map[nle];
}

/*
 * Resolve the family with our error callback already in place, so that
 * "no such family" is the controller's own ENOENT and not any failure.
 */
static int resolve_family(struct stockade_nl *nl)
{
	int id;

	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	nl->error = 0;
	id = genl_ctrl_resolve(nl->sk, STOCKADE_GENL_NAME);
	if (id >= 0) {
		nl->family = id;
		return 0;
	}
	if (nl->error)
		return nl->error;
	/*
	 * libnl can also give up by itself when no answer names the family;
	 * that is an absent family too.
	 */
	return id == -NLE_OBJ_NOTFOUND ? -ENOENT : nle_to_errno(id);
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
		err = nle_to_errno(err);
		goto fail;
	}
	/*
	 * Extended acks only add the kernel's message to an error; a kernel
	 * without them (before 4.12) still works, so a failure is ignored.
	 */
	(void)setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK,
			 NETLINK_EXT_ACK, &one, sizeof(one));
	err = resolve_family(nl);
	if (err)
		goto fail;
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, nl);
	nl_socket_modify_cb(nl->sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, nl);
	return 0;
fail:
	stockade_nl_close(nl);
	return err;
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
	err = nl_send_auto(nl->sk, msg);
	err = err < 0 ? nle_to_errno(err) : 0;
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
	[STOCKADE_A_EVENT]		= { .type = NLA_U8 },
	[STOCKADE_A_LAST_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_VOTED_FOR]		= { .type = NLA_U32 },
	[STOCKADE_A_VOTE_RESULT]	= { .type = NLA_U8 },
	[STOCKADE_A_IO_POLICY]		= { .type = NLA_U8 },
	[STOCKADE_A_READ_POLICY]	= { .type = NLA_U8 },
	[STOCKADE_A_SUSPEND_TIMEOUT_MS]	= { .type = NLA_U32 },
	[STOCKADE_A_MAX_LEASE_MS]	= { .type = NLA_U32 },
	[STOCKADE_A_MAX_DRIFT_PPM]	= { .type = NLA_U32 },
	[STOCKADE_A_REVOKE_ON_CLOSE]	= { .type = NLA_U8 },
	[STOCKADE_A_LEASE_TERM]		= { .type = NLA_U64 },
	[STOCKADE_A_LEASE_REMAINING_NS]	= { .type = NLA_U64 },
	[STOCKADE_A_FENCE_REASON]	= { .type = NLA_U8 },
	[STOCKADE_A_CLOCK_WAIT_NS]	= { .type = NLA_U64 },
	[STOCKADE_A_DISK_POLICY]	= { .type = NLA_U8 },
	[STOCKADE_A_DISK_FAILED]	= { .type = NLA_U8 },
	[STOCKADE_A_RESYNC_RATE_KBPS]	= { .type = NLA_U32 },
	[STOCKADE_A_RESYNC_STATE]	= { .type = NLA_U8 },
	[STOCKADE_A_RESYNC_DONE_BLOCKS]	= { .type = NLA_U64 },
	[STOCKADE_A_RESYNC_TOTAL_BLOCKS] = { .type = NLA_U64 },
	[STOCKADE_A_RESYNC_CATCH_UP_INDEX] = { .type = NLA_U64 },
};

int stockade_nl_request(struct stockade_nl *nl, uint8_t cmd,
			stockade_nl_build_fn build, const void *ctx,
			struct nlattr **tb)
{
	int err;

	nl->error = 0;
	nl->done = false;
	nl->errmsg[0] = '\0';
	nlmsg_free(nl->reply);
	nl->reply = NULL;
	err = send_request(nl, cmd, build, ctx);
	if (err)
		return err;
	/*
	 * The reply and the ack are separate datagrams and one
	 * nl_recvmsgs() call reads one: read until the ack (or the error),
	 * or the next request would take this one's ack for its own.
	 */
	while (!nl->done) {
		err = nl_recvmsgs_default(nl->sk);
		if (err < 0)
			break;
	}
	if (nl->error)
		return nl->error;
	if (err < 0)
		return nle_to_errno(err);
	if (!tb)
		return 0;
	if (!nl->reply)
		return -EBADMSG;
	err = genlmsg_parse(nlmsg_hdr(nl->reply), 0, tb, STOCKADE_A_MAX,
			    reply_policy);
	return err ? -EBADMSG : 0;
}

/* The last message received, if it is an event: its attributes in @tb. */
static bool take_event(struct stockade_nl *nl, struct nlattr **tb)
{
	struct nlmsghdr *nlh;

	if (!nl->reply)
		return false;
	nlh = nlmsg_hdr(nl->reply);
	if (genlmsg_hdr(nlh)->cmd != STOCKADE_CMD_EVENT)
		return false;
	return genlmsg_parse(nlh, 0, tb, STOCKADE_A_MAX, reply_policy) == 0;
}

int stockade_nl_monitor(struct stockade_nl *nl, stockade_nl_event_fn fn,
			void *ctx)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1];
	int group, err;

	group = genl_ctrl_resolve_grp(nl->sk, STOCKADE_GENL_NAME,
				      STOCKADE_GENL_MCGRP_EVENTS);
	if (group < 0)
		return nle_to_errno(group);
	err = nl_socket_add_membership(nl->sk, group);
	if (err)
		return nle_to_errno(err);
	/* Events are not answers to requests: no sequence numbers. */
	nl_socket_disable_seq_check(nl->sk);
	for (;;) {
		nlmsg_free(nl->reply);
		nl->reply = NULL;
		err = nl_recvmsgs_default(nl->sk);
		if (err < 0)
			return nle_to_errno(err);
		if (take_event(nl, tb) && fn(tb, ctx))
			return 0;
	}
}

const char *stockade_nl_strerror(const struct stockade_nl *nl, int err)
{
	if (nl->errmsg[0])
		return nl->errmsg;
	if (err == -EPERM)
		return "permission denied: needs CAP_NET_ADMIN (run as root)";
	return strerror(-err);
}
