// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "nlraw.h"

char nlraw_errmsg[256];

int nlraw_open(void)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* Ask for extended acks so errors carry the kernel's message. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void nlraw_put(struct nlraw_msg *m, uint16_t type, const void *data,
	       uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->attrs + m->len);

	if (m->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->attrs))
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
}

void nlraw_put_u32(struct nlraw_msg *m, uint16_t type, uint32_t value)
{
	nlraw_put(m, type, &value, sizeof(value));
}

void nlraw_put_u8(struct nlraw_msg *m, uint16_t type, uint8_t value)
{
	nlraw_put(m, type, &value, sizeof(value));
}

void nlraw_put_u64(struct nlraw_msg *m, uint16_t type, uint64_t value)
{
	nlraw_put(m, type, &value, sizeof(value));
}

void nlraw_put_str(struct nlraw_msg *m, uint16_t type, const char *s)
{
	nlraw_put(m, type, s, strlen(s) + 1);
}

/* The NLMSGERR_ATTR_MSG of an error that carries TLVs, if any. */
static void save_errmsg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const unsigned char *tlvs;
	const struct nlattr *msg;
	int len;

	nlraw_errmsg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	tlvs = (const unsigned char *)e + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		tlvs += e->msg.nlmsg_len - sizeof(e->msg);
	len = (int)nlh->nlmsg_len - (int)(tlvs - (const unsigned char *)nlh);
	msg = nlraw_find(tlvs, len, NLMSGERR_ATTR_MSG);
	if (msg)
		snprintf(nlraw_errmsg, sizeof(nlraw_errmsg), "%.*s",
			 (int)(msg->nla_len - NLA_HDRLEN), nlraw_get_str(msg));
}

static int nlraw_send(int fd, uint16_t family, uint8_t cmd, uint8_t version,
		      const struct nlraw_msg *m)
{
	unsigned char buf[NLRAW_BUF_SIZE] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t attrs_len = m ? m->len : 0;

	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + attrs_len;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = version;
	if (attrs_len)
		memcpy((unsigned char *)g + GENL_HDRLEN, m->attrs, attrs_len);
	if (send(fd, buf, nlh->nlmsg_len, 0) < 0)
		return -errno;
	return 0;
}

/* Copy a reply's attributes out; then keep reading until the ack. */
static int nlraw_recv(int fd, void *reply, size_t reply_size)
{
	unsigned char buf[NLRAW_BUF_SIZE] __attribute__((aligned(4)));
	int copied = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (n < 0)
			return -errno;
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				save_errmsg(nlh);
				return e->error ? e->error : copied;
			}
			if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				return -EBADMSG;
			size_t len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

			if (len > reply_size)
				return -EMSGSIZE;
			memcpy(reply, (unsigned char *)NLMSG_DATA(nlh) +
			       GENL_HDRLEN, len);
			copied = (int)len;
		}
	}
}

int nlraw_request(int fd, uint16_t family, uint8_t cmd, uint8_t version,
		  const struct nlraw_msg *m, void *reply, size_t reply_size)
{
	int err = nlraw_send(fd, family, cmd, version, m);

	return err ? err : nlraw_recv(fd, reply, reply_size);
}

const struct nlattr *nlraw_find(const void *attrs, int len, uint16_t type)
{
	const unsigned char *p = attrs;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

uint64_t nlraw_get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, (const unsigned char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

uint8_t nlraw_get_u8(const struct nlattr *a)
{
	return *((const uint8_t *)a + NLA_HDRLEN);
}

uint32_t nlraw_get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, (const unsigned char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

const char *nlraw_get_str(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

int nlraw_family_id(int fd, const char *name)
{
	unsigned char reply[NLRAW_BUF_SIZE] __attribute__((aligned(4)));
	struct nlraw_msg m = { 0 };
	const struct nlattr *id;
	int len;

	nlraw_put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	len = nlraw_request(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, &m,
			    reply, sizeof(reply));
	if (len < 0)
		return len;
	id = nlraw_find(reply, len, CTRL_ATTR_FAMILY_ID);
	if (!id)
		return -EBADMSG;
	return *(const uint16_t *)((const unsigned char *)id + NLA_HDRLEN);
}
