// SPDX-License-Identifier: GPL-2.0
/* Counting the filters on a clsact hook (tcdump.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tcdump.h"

static int dump_request(int fd, int ifindex, bool egress)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETTFILTER,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.tc = {
			.tcm_family = AF_UNSPEC,
			.tcm_ifindex = ifindex,
			.tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ?
						TC_H_MIN_EGRESS :
						TC_H_MIN_INGRESS),
		},
	};

	return send(fd, &req, sizeof(req), 0) == sizeof(req) ? 0 : -errno;
}

/*
 * One reply buffer's messages: each filter (and each priority's
 * classifier) is one RTM_NEWTFILTER.  1 when the dump is done.
 */
static int count_msgs(const char *buf, ssize_t len, int *n)
{
	const struct nlmsghdr *nh;
	const struct nlmsgerr *e;

	for (nh = (const struct nlmsghdr *)buf; NLMSG_OK(nh, len);
	     nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			e = NLMSG_DATA(nh);
			return e->error ? e->error : 1;
		}
		if (nh->nlmsg_type == RTM_NEWTFILTER)
			(*n)++;
	}
	return 0;
}

int agent_tc_filters(int ifindex, bool egress)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, rc, n = 0;
	ssize_t len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	rc = dump_request(fd, ifindex, egress);
	while (!rc) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			rc = -errno;
			break;
		}
		rc = count_msgs(buf, len, &n);
	}
	close(fd);
	return rc < 0 ? rc : n;
}
