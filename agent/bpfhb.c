// SPDX-License-Identifier: GPL-2.0
/*
 * Loading, attaching and reading the tc heartbeat timestamp programs
 * (bpfhb.h).  Like bpfrtt.c, every failure leaves them off without
 * stopping the agent.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfhb.h"
#include "hb.h"
#include "hb.skel.h"
#include "tcdump.h"

static bool off(struct agent_hbts *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, SD_WARNING "tc heartbeat timestamps off (%s): the socket's own stand in\n",
		h->why);
	return false;
}

/* The local address the kernel would send to @peer from, without sending. */
static bool source_for(const struct sockaddr_in *peer, struct in_addr *src)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) &&
	     !getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	if (ok)
		*src = sa.sin_addr;
	return ok;
}

/* The interface holding @addr, or 0. */
static int iface_of(struct in_addr addr, char *name)
{
	struct ifaddrs *all, *i;
	int ifindex = 0;

	if (getifaddrs(&all))
		return 0;
	for (i = all; i && !ifindex; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr !=
		    addr.s_addr)
			continue;
		ifindex = if_nametoindex(i->ifa_name);
		snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
	}
	freeifaddrs(all);
	return ifindex;
}

/* The interfaces that carry the peers' traffic, each once. */
static void find_ifaces(struct agent_hbts *h, const struct stockade_config *cfg)
{
	struct agent_hb_iface *f;
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct in_addr src;
	char name[IF_NAMESIZE];
	unsigned int i, j;
	int ifindex;

	for (i = 0; i < cfg->n_peers; i++) {
		peer.sin_addr = cfg->peers[i].ep.addr;
		peer.sin_port = htons(cfg->peers[i].ep.port);
		if (!source_for(&peer, &src))
			continue;
		ifindex = iface_of(src, name);
		for (j = 0; j < h->n_ifaces; j++)
			if (h->ifaces[j].ifindex == ifindex)
				break;
		if (!ifindex || j < h->n_ifaces ||
		    h->n_ifaces == AGENT_HB_MAX_IFACES)
			continue;
		f = &h->ifaces[h->n_ifaces++];
		f->ifindex = ifindex;
		memcpy(f->name, name, sizeof(f->name));
	}
}

/*
 * libbpf refuses options whose bytes past the last field it knows are
 * not zero, padding included: so memset, then fields, never a struct
 * returned or initialised by value, whose padding may hold anything.
 */
static void hook_init(struct bpf_tc_hook *hook, const struct agent_hb_iface *f,
		      enum bpf_tc_attach_point where)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = f->ifindex;
	hook->attach_point = where;
}

/* Our filter's identity: our port as handle, the agents' priority. */
static void opts_init(struct bpf_tc_opts *opts, const struct agent_hbts *h)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = h->port;
	opts->priority = AGENT_HB_TC_PRIORITY;
}

static enum bpf_tc_attach_point hook_dir(bool egress)
{
	return egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

/*
 * Our filter on one hook.  REPLACE: a filter with our handle and
 * priority can only be one that an agent on our port left behind.
 */
static int attach_one(struct agent_hbts *h, struct agent_hb_iface *f,
		      bool egress)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	hook_init(&hook, f, hook_dir(egress));
	opts_init(&opts, h);
	opts.flags = BPF_TC_F_REPLACE;
	opts.prog_fd = bpf_program__fd(egress ? h->skel->progs.stockade_hb_out :
				       h->skel->progs.stockade_hb_in);
	err = bpf_tc_attach(&hook, &opts);
	if (!err)
		*(egress ? &f->out : &f->in) = true;
	return err;
}

static void detach_one(struct agent_hbts *h, struct agent_hb_iface *f,
		       bool egress)
{
	bool *on = egress ? &f->out : &f->in;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	if (!*on)
		return;
	hook_init(&hook, f, hook_dir(egress));
	opts_init(&opts, h);
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT)
		fprintf(stderr, SD_WARNING "cannot detach the tc %s filter on %s: %s\n",
			egress ? "egress" : "ingress", f->name, strerror(-err));
	*on = false;
}

/* clsact on @f, then our two filters; an existing clsact is not ours. */
static int attach_iface(struct agent_hbts *h, struct agent_hb_iface *f)
{
	struct bpf_tc_hook hook;
	int err;

	hook_init(&hook, f, BPF_TC_INGRESS | BPF_TC_EGRESS);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	f->created = !err;
	err = attach_one(h, f, false);
	return err ? err : attach_one(h, f, true);
}

/*
 * Our filters off, then the qdisc if we made it and it is empty now:
 * another agent's filters (two agents on one host) stay where they are.
 */
static void detach_iface(struct agent_hbts *h, struct agent_hb_iface *f)
{
	struct bpf_tc_hook hook;
	int err;

	detach_one(h, f, false);
	detach_one(h, f, true);
	if (!f->created)
		return;
	f->created = false;
	if (agent_tc_filters(f->ifindex, false) ||
	    agent_tc_filters(f->ifindex, true))
		return;
	hook_init(&hook, f, BPF_TC_INGRESS | BPF_TC_EGRESS);
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT)
		fprintf(stderr, SD_WARNING "cannot remove the clsact qdisc of %s: %s\n",
			f->name, strerror(-err));
}

static const char *hint(int err)
{
	if (err == -EPERM)
		return " (needs CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)";
	return err == -EACCES ? " (refused by the verifier)" : "";
}

static bool attach_all(struct agent_hbts *h)
{
	unsigned int i;
	int err;

	for (i = 0; i < h->n_ifaces; i++) {
		err = attach_iface(h, &h->ifaces[i]);
		if (err) {
			off(h, "cannot attach to %s: %s%s", h->ifaces[i].name,
			    strerror(-err), hint(err));
			agent_hbts_close(h);
			return false;
		}
	}
	return true;
}

bool agent_hbts_open(struct agent_hbts *h, const struct stockade_config *cfg)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->port = cfg->listen.port;
	find_ifaces(h, cfg);
	if (!h->n_ifaces)
		return off(h, "no interface found for the peers");
	h->skel = hb_bpf__open();
	if (!h->skel)
		return off(h, "cannot open the programs: %s", strerror(errno));
	h->skel->rodata->hb_port = h->port;
	err = hb_bpf__load(h->skel);
	if (err) {
		hb_bpf__destroy(h->skel);
		h->skel = NULL;
		return off(h, "cannot load the programs: %s%s", strerror(-err),
			   hint(err));
	}
	if (!attach_all(h))
		return false;
	fprintf(stderr, SD_INFO "tc heartbeat timestamps on: port %u, %u interface(s), %s first\n",
		h->port, h->n_ifaces, h->ifaces[0].name);
	return true;
}

void agent_hbts_close(struct agent_hbts *h)
{
	unsigned int i;

	if (!h->skel)
		return;
	for (i = 0; i < h->n_ifaces; i++)
		detach_iface(h, &h->ifaces[i]);
	hb_bpf__destroy(h->skel);
	h->skel = NULL;
}

bool agent_hbts_take(struct agent_hbts *h, bool egress,
		     const struct sockaddr_in *peer, uint64_t seq,
		     uint64_t *ns)
{
	struct hb_key key = {
		.addr = { 0, 0, htonl(0xffff), peer->sin_addr.s_addr },
		.seq_le = htole64(seq),
	};
	struct bpf_map *map;
	bool found;
	int fd;

	if (!h->skel)
		return false;
	map = egress ? h->skel->maps.hb_egress : h->skel->maps.hb_ingress;
	fd = bpf_map__fd(map);
	found = !bpf_map_lookup_elem(fd, &key, ns);
	if (found)
		bpf_map_delete_elem(fd, &key);
	if (egress)
		found ? h->found_out++ : h->missed_out++;
	else
		found ? h->found_in++ : h->missed_in++;
	return found;
}

/* The programs' own counts of datagrams stamped, per direction. */
static uint64_t stamped(const struct agent_hbts *h, __u32 which)
{
	uint64_t n = 0;

	bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.hb_counts), &which, &n);
	return n;
}

void agent_hbts_status(const struct agent_hbts *h, bool json, FILE *out)
{
	unsigned int i;

	if (!h->skel) {
		fprintf(out, json ? "\"tc\":{\"active\":false,\"reason\":\"%s\"}," :
			"tc: off (%s), heartbeat stamps from the socket\n",
			h->why);
		return;
	}
	fprintf(out, json ? "\"tc\":{\"active\":true,\"port\":%u,\"ifaces\":[" :
		"tc: active, heartbeat stamps on port %u, clsact on", h->port);
	for (i = 0; i < h->n_ifaces; i++)
		fprintf(out, json ? "%s\"%s\"" : "%s %s", json && i ? "," : "",
			h->ifaces[i].name);
	fprintf(out, json ? "],\"stamped_in\":%" PRIu64 ",\"stamped_out\":%"
		PRIu64 ",\"found_in\":%" PRIu64 ",\"missed_in\":%" PRIu64
		",\"found_out\":%" PRIu64 ",\"missed_out\":%" PRIu64 "}," :
		"; %" PRIu64 " in and %" PRIu64 " out stamped; in %" PRIu64
		" taken (%" PRIu64 " missed), out %" PRIu64 " taken (%" PRIu64
		" missed)\n", stamped(h, HB_COUNT_INGRESS),
		stamped(h, HB_COUNT_EGRESS), h->found_in, h->missed_in,
		h->found_out, h->missed_out);
}
