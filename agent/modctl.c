// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's typed calls to the module (modctl.h).  Each builds its
 * request in a small function and reads what it needs of the reply.
 */
#include <errno.h>
#include <string.h>
#include <linux/stockade.h>

#include "modctl.h"

struct attach_req {
	const struct stockade_config *c;
	const struct stockade_device_config *d;
};

static int build_attach(struct nl_msg *msg, const void *ctx)
{
	const struct attach_req *r = ctx;

	if (nla_put_string(msg, STOCKADE_A_BACKING_PATH, r->d->backing) ||
	    nla_put(msg, STOCKADE_A_CLUSTER_UUID, 16, r->c->cluster_uuid) ||
	    nla_put(msg, STOCKADE_A_DEVICE_UUID, 16, r->d->uuid))
		return -EMSGSIZE;
	return 0;
}

int stockade_mod_attach(struct stockade_nl *nl, const struct stockade_config *c,
			const struct stockade_device_config *d,
			uint32_t *index)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct attach_req r = { .c = c, .d = d };
	int err;

	err = stockade_nl_request(nl, STOCKADE_CMD_ATTACH, build_attach, &r,
				  tb);
	if (err)
		return err;
	if (!tb[STOCKADE_A_DEVICE_INDEX])
		return -EBADMSG;
	*index = nla_get_u32(tb[STOCKADE_A_DEVICE_INDEX]);
	return 0;
}

struct peers_req {
	const struct stockade_config *c;
	const struct stockade_device_config *d;
	uint32_t index;
	const uint8_t *secret;
	size_t secret_len;
};

static int put_endpoint(struct nl_msg *msg, int type, uint32_t id,
			struct in_addr addr, uint16_t port)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || (id && nla_put_u32(msg, STOCKADE_PEER_A_ID, id)) ||
	    nla_put_u32(msg, STOCKADE_PEER_A_ADDR, addr.s_addr) ||
	    nla_put_u16(msg, STOCKADE_PEER_A_PORT, port))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int build_peers(struct nl_msg *msg, const void *ctx)
{
	const struct peers_req *r = ctx;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, r->index) ||
	    nla_put_u32(msg, STOCKADE_A_NODE_ID, r->c->node_id) ||
	    nla_put(msg, STOCKADE_A_SECRET, (int)r->secret_len, r->secret) ||
	    put_endpoint(msg, STOCKADE_A_LISTEN, 0, r->c->listen.addr,
			 r->d->port))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, STOCKADE_A_PEERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < r->c->n_peers; i++)
		if (put_endpoint(msg, STOCKADE_A_PEER, r->c->peers[i].id,
				 r->c->peers[i].ep.addr, r->d->port))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int stockade_mod_set_peers(struct stockade_nl *nl,
			   const struct stockade_config *c,
			   const struct stockade_device_config *d,
			   uint32_t index, const uint8_t *secret,
			   size_t secret_len)
{
	struct peers_req r = { .c = c, .d = d, .index = index,
			       .secret = secret, .secret_len = secret_len };

	return stockade_nl_request(nl, STOCKADE_CMD_SET_PEERS, build_peers, &r,
				   NULL);
}

struct policy_req {
	const struct stockade_config *c;
	const struct stockade_device_config *d;
	uint32_t index;
};

static int build_policy(struct nl_msg *msg, const void *ctx)
{
	const struct policy_req *r = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, r->index) ||
	    nla_put_u8(msg, STOCKADE_A_IO_POLICY, r->d->io_policy) ||
	    nla_put_u8(msg, STOCKADE_A_READ_POLICY, r->d->read_policy) ||
	    nla_put_u32(msg, STOCKADE_A_SUSPEND_TIMEOUT_MS,
			r->d->suspend_timeout_ms) ||
	    nla_put_u32(msg, STOCKADE_A_MAX_LEASE_MS, r->c->lease_ms) ||
	    nla_put_u32(msg, STOCKADE_A_MAX_DRIFT_PPM, r->c->max_drift_ppm) ||
	    nla_put_u8(msg, STOCKADE_A_REVOKE_ON_CLOSE, 1))
		return -EMSGSIZE;
	return 0;
}

int stockade_mod_set_policy(struct stockade_nl *nl,
			    const struct stockade_config *c,
			    const struct stockade_device_config *d,
			    uint32_t index)
{
	struct policy_req r = { .c = c, .d = d, .index = index };

	return stockade_nl_request(nl, STOCKADE_CMD_SET_POLICY, build_policy,
				   &r, NULL);
}

static int build_index(struct nl_msg *msg, const void *ctx)
{
	return nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, *(const uint32_t *)ctx);
}

static uint64_t u64_of(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

static uint8_t u8_of(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u8(tb[attr]) : 0;
}

int stockade_mod_state(struct stockade_nl *nl, uint32_t index,
		       struct stockade_mod_state *st)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	int err;

	err = stockade_nl_request(nl, STOCKADE_CMD_GET_DEVICE, build_index,
				  &index, tb);
	if (err)
		return err;
	if (!tb[STOCKADE_A_TERM] || !tb[STOCKADE_A_LAST_TERM])
		return -EBADMSG;
	*st = (struct stockade_mod_state) {
		.role = u8_of(tb, STOCKADE_A_ROLE),
		.fenced = u8_of(tb, STOCKADE_A_FENCE_REASON),
		.term = u64_of(tb, STOCKADE_A_TERM),
		.voted_for = tb[STOCKADE_A_VOTED_FOR] ?
			     nla_get_u32(tb[STOCKADE_A_VOTED_FOR]) : 0,
		.last_index = u64_of(tb, STOCKADE_A_LAST_INDEX),
		.last_term = u64_of(tb, STOCKADE_A_LAST_TERM),
		.commit_index = u64_of(tb, STOCKADE_A_COMMIT_INDEX),
		.lease_left_ns = u64_of(tb, STOCKADE_A_LEASE_REMAINING_NS),
		.disk_failed = u8_of(tb, STOCKADE_A_DISK_FAILED),
	};
	return 0;
}

struct vote_req {
	uint32_t index;
	const struct stockade_mod_vote *v;
};

static int build_vote(struct nl_msg *msg, const void *ctx)
{
	const struct vote_req *r = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, r->index) ||
	    nla_put_u64(msg, STOCKADE_A_TERM, r->v->term) ||
	    nla_put_u32(msg, STOCKADE_A_NODE_ID, r->v->candidate) ||
	    nla_put_u64(msg, STOCKADE_A_LAST_INDEX, r->v->last_index) ||
	    nla_put_u64(msg, STOCKADE_A_LAST_TERM, r->v->last_term) ||
	    (r->v->pre_vote && nla_put_flag(msg, STOCKADE_A_PRE_VOTE)))
		return -EMSGSIZE;
	return 0;
}

int stockade_mod_vote(struct stockade_nl *nl, uint32_t index,
		      const struct stockade_mod_vote *v, uint8_t *result,
		      uint64_t *term, uint32_t *voted_for)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct vote_req r = { .index = index, .v = v };
	int err;

	err = stockade_nl_request(nl, STOCKADE_CMD_VOTE, build_vote, &r, tb);
	if (err)
		return err;
	if (!tb[STOCKADE_A_VOTE_RESULT] || !tb[STOCKADE_A_TERM] ||
	    !tb[STOCKADE_A_VOTED_FOR])
		return -EBADMSG;
	*result = nla_get_u8(tb[STOCKADE_A_VOTE_RESULT]);
	*term = nla_get_u64(tb[STOCKADE_A_TERM]);
	*voted_for = nla_get_u32(tb[STOCKADE_A_VOTED_FOR]);
	return 0;
}

struct role_req {
	uint32_t index;
	uint8_t role;
	uint64_t term;
};

static int build_role(struct nl_msg *msg, const void *ctx)
{
	const struct role_req *r = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, r->index) ||
	    nla_put_u8(msg, STOCKADE_A_ROLE, r->role) ||
	    nla_put_u64(msg, STOCKADE_A_TERM, r->term))
		return -EMSGSIZE;
	return 0;
}

int stockade_mod_set_role(struct stockade_nl *nl, uint32_t index,
			  uint8_t role, uint64_t term)
{
	struct role_req r = { .index = index, .role = role, .term = term };

	return stockade_nl_request(nl, STOCKADE_CMD_SET_ROLE, build_role, &r,
				   NULL);
}

struct lease_req {
	uint32_t index;
	uint64_t term, start_ns, duration_ns;
	bool revoke;
};

static int build_lease(struct nl_msg *msg, const void *ctx)
{
	const struct lease_req *r = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, r->index))
		return -EMSGSIZE;
	if (r->revoke)
		return nla_put_flag(msg, STOCKADE_A_REVOKE);
	if (nla_put_u64(msg, STOCKADE_A_TERM, r->term) ||
	    nla_put_u64(msg, STOCKADE_A_LEASE_START_NS, r->start_ns) ||
	    nla_put_u64(msg, STOCKADE_A_LEASE_DURATION_NS, r->duration_ns))
		return -EMSGSIZE;
	return 0;
}

int stockade_mod_grant(struct stockade_nl *nl, uint32_t index, uint64_t term,
		       uint64_t start_ns, uint64_t duration_ns)
{
	struct lease_req r = { .index = index, .term = term,
			       .start_ns = start_ns,
			       .duration_ns = duration_ns };

	return stockade_nl_request(nl, STOCKADE_CMD_SET_LEASE, build_lease, &r,
				   NULL);
}

int stockade_mod_revoke(struct stockade_nl *nl, uint32_t index)
{
	struct lease_req r = { .index = index, .revoke = true };

	return stockade_nl_request(nl, STOCKADE_CMD_SET_LEASE, build_lease, &r,
				   NULL);
}
