// SPDX-License-Identifier: GPL-2.0
/*
 * stockade-sim: deterministic simulation of the protocol core.
 *
 *   stockade-sim [--nodes 3|5] [--seeds N] [--first-seed S] [--steps N]
 *                [--bug stale-term|no-drift-margin|ack-early|vote-any|group-first]
 *                [--beyond-drift] [--max-drift PPM] [--no-hint] [--keep-going]
 *   stockade-sim --seed S [--trace] ...    replay one seed
 *
 * Runs each seed until the first failure (or all of them, counting the
 * failures, with --keep-going), and reports the first failing seed with
 * the command that replays it and the last events before it.  --no-hint
 * makes leaders ignore the conflict term hint, to measure what it saves.  Exit status 0
 * if every seed passed, 1 if one failed, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../core/lease.h"
#include "world.h"

struct totals {
	struct sim_stats s;
	u64 seeds;
	u64 sent, lost, duplicated, cut, corrupted, torn, disk_lost, read_errors;
};

static void add(struct totals *t, const struct sim_world *w)
{
	u32 i, k;

	t->seeds++;
	t->s.steps += w->stats.steps;
	t->s.elections += w->stats.elections;
	t->s.client_writes += w->stats.client_writes;
	t->s.acked += w->stats.acked;
	t->s.truncations += w->stats.truncations;
	t->s.stale_refused += w->stats.stale_refused;
	t->s.waits_needed += w->stats.waits_needed;
	t->s.sim_ns += w->stats.sim_ns;
	for (k = 0; k < SIM_FAULT_KINDS; k++)
		t->s.faults[k] += w->stats.faults[k];
	t->sent += w->net.sent;
	t->lost += w->net.lost;
	t->duplicated += w->net.duplicated;
	t->cut += w->net.cut_drops;
	t->corrupted += w->net.corrupted;
	t->s.malformed += w->stats.malformed;
	t->s.refusals += w->stats.refusals;
	if (w->stats.longest_backoff > t->s.longest_backoff)
		t->s.longest_backoff = w->stats.longest_backoff;
	for (i = 0; i < w->n; i++) {
		t->torn += w->node[i].disk.torn;
		t->disk_lost += w->node[i].disk.lost;
		t->read_errors += w->node[i].disk.read_errors;
	}
}

static void report(const struct totals *t, const struct sim_config *cfg,
		   double secs)
{
	u32 k;

	printf("# %llu seeds of %u nodes in %.1f s: %.0f seeds/minute\n",
	       (unsigned long long)t->seeds, cfg->nodes, secs,
	       secs > 0 ? t->seeds * 60.0 / secs : 0.0);
	printf("# steps %llu, simulated %.0f s, elections %llu, client writes %llu, acknowledged %llu\n",
	       (unsigned long long)t->s.steps, t->s.sim_ns / 1e9,
	       (unsigned long long)t->s.elections,
	       (unsigned long long)t->s.client_writes,
	       (unsigned long long)t->s.acked);
	printf("# replicas truncated a divergent suffix %llu times and refused %llu stale APPENDs\n",
	       (unsigned long long)t->s.truncations,
	       (unsigned long long)t->s.stale_refused);
	printf("# APPENDs refused for a gap or a mismatch %llu, at most %llu in a row (conflict term hints %s)\n",
	       (unsigned long long)t->s.refusals,
	       (unsigned long long)t->s.longest_backoff,
	       cfg->no_hint ? "ignored" : "used");
	printf("# new leaders elected while another node's lease was live: %llu\n",
	       (unsigned long long)t->s.waits_needed);
	printf("# faults:");
	for (k = 0; k < SIM_FAULT_KINDS; k++)
		printf(" %s %llu", sim_fault_name(k),
		       (unsigned long long)t->s.faults[k]);
	printf("\n# messages %llu: lost %llu, duplicated %llu, cut off %llu, corrupted %llu (refused %llu); disk: torn %llu, lost %llu, read errors %llu\n",
	       (unsigned long long)t->sent, (unsigned long long)t->lost,
	       (unsigned long long)t->duplicated, (unsigned long long)t->cut,
	       (unsigned long long)t->corrupted,
	       (unsigned long long)t->s.malformed,
	       (unsigned long long)t->torn,
	       (unsigned long long)t->disk_lost,
	       (unsigned long long)t->read_errors);
}

static void replay_command(const struct sim_config *cfg)
{
	printf("# replay: stockade-sim --nodes %u --steps %llu",
	       cfg->nodes, (unsigned long long)cfg->steps);
	if (cfg->bug)
		printf(" --bug %s", sim_bug_name(cfg->bug));
	if (cfg->beyond_drift)
		printf(" --beyond-drift");
	if (cfg->max_drift_ppm)
		printf(" --max-drift %u", cfg->max_drift_ppm);
	if (cfg->no_hint)
		printf(" --no-hint");
	printf(" --seed %llu --trace\n", (unsigned long long)cfg->seed);
}

/*
 * Report the failing seed in @cfg: run it again (unless it just printed
 * its trace), keeping its last events, and show them.
 */
static void show_failure(struct sim_world *w, struct sim_config cfg)
{
	bool kept = cfg.trace == SIM_TRACE_OFF;
	u64 at;

	if (kept) {
		cfg.trace = SIM_TRACE_KEEP_LAST;
		sim_world_run(w, &cfg);
	}
	at = w->chk.failed_at;
	printf("FAIL seed %llu (%u nodes) at true time %llu.%09llu s: %s\n",
	       (unsigned long long)cfg.seed, cfg.nodes,
	       (unsigned long long)(at / SEC), (unsigned long long)(at % SEC),
	       w->chk.why);
	replay_command(&cfg);
	sim_world_dump(w, stdout);
	if (!kept)
		return;
	printf("# the last %u events:\n", w->trace.count);
	sim_trace_dump(&w->trace, stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: stockade-sim [--nodes 3|5] [--seeds N] [--first-seed S] [--steps N]\n"
		"                    [--bug stale-term|no-drift-margin|ack-early|vote-any]\n"
		"                    [--beyond-drift] [--max-drift PPM] [--no-hint] [--keep-going]\n"
		"       stockade-sim --seed S [--trace] [...]\n");
	return 2;
}

static int parse_bug(const char *s)
{
	int b;

	for (b = SIM_BUG_STALE_TERM; b <= SIM_BUG_LAST; b++)
		if (!strcmp(s, sim_bug_name(b)))
			return b;
	return -1;
}

static bool keep_going;

static bool parse(int argc, char **argv, struct sim_config *cfg, u64 *seeds)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "seeds", required_argument, NULL, 'N' },
		{ "first-seed", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "steps", required_argument, NULL, 'S' },
		{ "bug", required_argument, NULL, 'b' },
		{ "beyond-drift", no_argument, NULL, 'B' },
		{ "max-drift", required_argument, NULL, 'd' },
		{ "no-hint", no_argument, NULL, 'H' },
		{ "trace", no_argument, NULL, 't' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bug;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			cfg->nodes = (u32)strtoul(optarg, NULL, 10);
			break;
		case 'N':
			*seeds = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			cfg->seed = strtoull(optarg, NULL, 10);
			break;
		case 's':
			cfg->seed = strtoull(optarg, NULL, 10);
			*seeds = 1;
			break;
		case 'S':
			cfg->steps = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			bug = parse_bug(optarg);
			if (bug < 0)
				return false;
			cfg->bug = (u32)bug;
			break;
		case 'B':
			cfg->beyond_drift = true;
			break;
		case 'd':
			cfg->max_drift_ppm = (u32)strtoul(optarg, NULL, 10);
			if (!cfg->max_drift_ppm ||
			    cfg->max_drift_ppm > STOCKADE_DRIFT_PPM_MAX)
				return false;
			break;
		case 'H':
			cfg->no_hint = true;
			break;
		case 't':
			cfg->trace = SIM_TRACE_PRINT;
			break;
		case 'k':
			keep_going = true;
			break;
		default:
			return false;
		}
	}
	return optind == argc && (cfg->nodes == 3 || cfg->nodes == 5) &&
	       *seeds > 0 && cfg->steps > 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct sim_config cfg = { .seed = 1, .nodes = 3, .steps = 20000 };
	static struct sim_world w;
	struct totals tot = { 0 };
	struct timespec t0;
	u64 seeds = 1000, first, i, failed = 0, first_failed = 0;

	if (!parse(argc, argv, &cfg, &seeds))
		return usage();
	if (!sim_world_init(&w)) {
		fprintf(stderr, "stockade-sim: out of memory\n");
		return 1;
	}
	first = cfg.seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < seeds && (keep_going || !failed); i++) {
		cfg.seed = first + i;
		if (!sim_world_run(&w, &cfg) && !failed++)
			first_failed = cfg.seed;
		add(&tot, &w);
		if (seeds == 1)
			printf("# seed %llu: trace hash %016llx\n",
			       (unsigned long long)cfg.seed,
			       (unsigned long long)w.trace.hash);
		if (keep_going && w.chk.failed)
			printf("# seed %llu fails: %s\n",
			       (unsigned long long)cfg.seed, w.chk.why);
	}
	report(&tot, &cfg, elapsed(&t0));
	if (!failed) {
		printf("# all %llu seeds passed (%llu..%llu, bug %s%s)\n",
		       (unsigned long long)seeds, (unsigned long long)first,
		       (unsigned long long)(first + seeds - 1),
		       sim_bug_name(cfg.bug),
		       cfg.beyond_drift ? ", clocks beyond the drift bound" : "");
	} else {
		printf("# %llu of %llu seeds failed\n", (unsigned long long)failed,
		       (unsigned long long)i);
		cfg.seed = first_failed;
		show_failure(&w, cfg);
	}
	sim_world_free(&w);
	return failed ? 1 : 0;
}
