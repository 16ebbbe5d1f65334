/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STOCKADE_CORE_LIMITS_H
#define _STOCKADE_CORE_LIMITS_H

/* Nodes in one cluster, the leader included: quorums of 1 to 4. */
#define STOCKADE_MAX_NODES	7

#endif /* _STOCKADE_CORE_LIMITS_H */
