// SPDX-License-Identifier: GPL-2.0
/*
 * Loading, attaching and reading the sock_ops RTT program (bpfrtt.h).
 * Everything here may fail without stopping the agent: BPF is an
 * improvement on the agent's own measurement, not a condition to run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <systemd/sd-daemon.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrtt.h"
#include "netrtt.h"
#include "rtt.h"
#include "rtt.skel.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

_Static_assert(AGENT_BPF_MAX_PORTS == RTT_MAX_PORTS,
	       "bpfrtt.h must match bpf/rtt.h");
_Static_assert(RTT_HIST_BUCKETS == STOCKADE_RTT_HIST_BUCKETS,
	       "core/rtthist.h must match bpf/rtt.h");

/* Only libbpf's warnings, as journal lines: its debug output is noise. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fputs(SD_WARNING, stderr);
	return vfprintf(stderr, fmt, ap);
}

static bool off(struct agent_bpf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, SD_WARNING "BPF RTT measurement off (%s): using the agent's own round trips\n",
		b->why);
	return false;
}

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup, or .../unified. */
static bool find_cgroup2(char *path, size_t size)
{
	char dev[64], dir[256], type[32];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "re");

	if (!f)
		return false;
	while (!found && fscanf(f, "%63s %255s %31s %*[^\n]", dev, dir,
				type) == 3) {
		if (strcmp(type, "cgroup2"))
			continue;
		found = strlen(dir) < size;
		if (found)
			strcpy(path, dir);
	}
	fclose(f);
	return found;
}

static void collect_ports(struct agent_bpf *b,
			  const struct stockade_config *cfg)
{
	unsigned int i, j;

	b->n_ports = 0;
	for (i = 0; i < cfg->n_devices && b->n_ports < RTT_MAX_PORTS; i++) {
		for (j = 0; j < b->n_ports; j++)
			if (b->ports[j] == cfg->devices[i].port)
				break;
		if (j == b->n_ports && cfg->devices[i].port)
			b->ports[b->n_ports++] = cfg->devices[i].port;
	}
}

/* Every slot written, unused ones 0, so a reload also removes ports. */
static int write_ports(struct agent_bpf *b)
{
	int fd = bpf_map__fd(b->skel->maps.rtt_ports);
	__u32 i, port;

	for (i = 0; i < RTT_MAX_PORTS; i++) {
		port = i < b->n_ports ? b->ports[i] : 0;
		if (bpf_map_update_elem(fd, &i, &port, BPF_ANY))
			return -errno;
	}
	return 0;
}

static const char *load_hint(int err)
{
	return err == -EPERM || err == -EACCES ?
		" (needs CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)" : "";
}

static bool attach(struct agent_bpf *b)
{
	struct bpf_link *link;
	int fd, err;

	fd = open(b->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return off(b, "cannot open %s: %s", b->cgroup, strerror(errno));
	link = bpf_program__attach_cgroup(b->skel->progs.stockade_rtt, fd);
	err = -errno;
	/* The link holds the cgroup: our descriptor is no longer needed. */
	close(fd);
	if (!link)
		return off(b, "cannot attach to %s: %s%s", b->cgroup,
			   strerror(-err), load_hint(err));
	/* The skeleton destroys it, which detaches, in rtt_bpf__destroy(). */
	b->skel->links.stockade_rtt = link;
	return true;
}

bool agent_bpf_open(struct agent_bpf *b, const struct stockade_config *cfg)
{
	struct statfs fs;
	int err;

	memset(b, 0, sizeof(*b));
	collect_ports(b, cfg);
	/* An empty filter means every port: never what the agent wants. */
	if (!b->n_ports)
		return off(b, "no device port to measure");
	if (access(VMLINUX_BTF, R_OK))
		return off(b, "no kernel BTF at " VMLINUX_BTF);
	if (!find_cgroup2(b->cgroup, sizeof(b->cgroup)) ||
	    statfs(b->cgroup, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC)
		return off(b, "no cgroup v2 hierarchy mounted");
	libbpf_set_print(libbpf_log);
	b->skel = rtt_bpf__open_and_load();
	if (!b->skel) {
		err = -errno;
		return off(b, "cannot load the program: %s%s", strerror(-err),
			   load_hint(err));
	}
	err = write_ports(b);
	if (err) {
		agent_bpf_close(b);
		return off(b, "cannot set the port filter: %s", strerror(-err));
	}
	if (!attach(b)) {
		rtt_bpf__destroy(b->skel);
		b->skel = NULL;
		return false;
	}
	fprintf(stderr, SD_INFO "BPF RTT measurement on: %u port(s), cgroup %s\n",
		b->n_ports, b->cgroup);
	return true;
}

void agent_bpf_set_ports(struct agent_bpf *b,
			 const struct stockade_config *cfg)
{
	int err;

	if (!b->skel)
		return;
	collect_ports(b, cfg);
	err = write_ports(b);
	if (err)
		fprintf(stderr, SD_WARNING "BPF port filter not updated: %s\n",
			strerror(-err));
}

void agent_bpf_close(struct agent_bpf *b)
{
	/* Destroying the skeleton destroys its link: the program detaches. */
	rtt_bpf__destroy(b->skel);
	b->skel = NULL;
}

/* Peers are IPv4 (config.h): an IPv6 key is nobody's. */
static struct agent_peer *peer_at(struct agent_peer *peers, unsigned int n,
				  const struct rtt_key *key)
{
	unsigned int i;
	__u32 raddr;

	if (!rtt_key_ipv4(key, &raddr))
		return NULL;
	for (i = 0; i < n; i++)
		if (peers[i].addr.sin_addr.s_addr == raddr)
			return &peers[i];
	return NULL;
}

/*
 * One walk over the map.  Entries come and go meanwhile; the kernel then
 * restarts or skips, so an entry may be seen twice (harmless: the figure
 * is a minimum) or missed until the next refresh.
 */
void agent_bpf_refresh(struct agent_bpf *b, struct agent_peer *peers,
		       unsigned int n, uint64_t now)
{
	struct stockade_rtt_peer figs[STOCKADE_CONFIG_MAX_PEERS];
	struct rtt_key key, next, *prev = NULL;
	struct stockade_rtt_conn c;
	struct rtt_stats s;
	struct agent_peer *p;
	unsigned int i;
	int fd;

	if (!b->skel)
		return;
	fd = bpf_map__fd(b->skel->maps.rtt_stats);
	for (i = 0; i < n; i++)
		stockade_rtt_peer_reset(&figs[i]);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		p = peer_at(peers, n, &key);
		if (!p)
			continue;
		/* ENOENT: evicted since we got its key. */
		if (bpf_map_lookup_elem(fd, &key, &s)) {
			if (errno != ENOENT)
				b->read_errors++;
			continue;
		}
		c = (struct stockade_rtt_conn) {
			.samples = s.samples, .srtt_us8 = s.last_us8,
			.mdev_us4 = s.mdev_us4, .updated_ns = s.updated_ns,
			.hist = s.hist,
		};
		stockade_rtt_peer_add(&figs[p - peers], &c, now,
				      STOCKADE_RTT_MAX_AGE_NS);
	}
	for (i = 0; i < n; i++)
		agent_peer_set_bpf(&peers[i], &figs[i]);
}

void agent_bpf_status(const struct agent_bpf *b, bool json, FILE *out)
{
	unsigned int i;

	if (!b->skel) {
		fprintf(out, json ? "\"bpf\":{\"active\":false,\"reason\":\"%s\"}," :
			"bpf: off (%s), RTT from the agent's own datagrams\n",
			b->why);
		return;
	}
	fprintf(out, json ? "\"bpf\":{\"active\":true,\"cgroup\":\"%s\",\"ports\":[" :
		"bpf: active, sock_ops RTT on cgroup %s, ports", b->cgroup);
	for (i = 0; i < b->n_ports; i++)
		fprintf(out, json ? "%s%u" : "%s %u", json && i ? "," : "",
			b->ports[i]);
	fprintf(out, json ? "],\"read_errors\":%" PRIu64 "}," :
		", %" PRIu64 " read errors\n", b->read_errors);
}
