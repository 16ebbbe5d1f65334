/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STOCKADE_NETLINK_H
#define _STOCKADE_NETLINK_H

#include <linux/types.h>
#include <uapi/linux/stockade.h>

int stockade_genl_register(void);
void stockade_genl_unregister(void);

struct stockade_dev;
void stockade_event(const struct stockade_dev *dev, enum stockade_event ev,
		    u32 peer);

#endif /* _STOCKADE_NETLINK_H */
