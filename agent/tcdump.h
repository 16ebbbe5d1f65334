/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How many tc filters an interface's clsact hook holds, from a netlink
 * dump (what "tc filter show dev DEV ingress" asks).  libbpf can only
 * query a filter by its handle and priority; before destroying a clsact
 * qdisc the agent created, it must know that nobody else's filter is on
 * it now.
 */
#ifndef STOCKADE_AGENT_TCDUMP_H
#define STOCKADE_AGENT_TCDUMP_H

#include <stdbool.h>

/* Filters on @ifindex's clsact ingress (or egress) hook, or -errno. */
int agent_tc_filters(int ifindex, bool egress);

#endif /* STOCKADE_AGENT_TCDUMP_H */
