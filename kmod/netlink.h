/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STOCKADE_NETLINK_H
#define _STOCKADE_NETLINK_H

int stockade_genl_register(void);
void stockade_genl_unregister(void);

#endif /* _STOCKADE_NETLINK_H */
