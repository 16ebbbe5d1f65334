// SPDX-License-Identifier: GPL-2.0
/*
 * stockade: fencing-protected replicated block storage.
 *
 * Module entry points.  Everything the module exposes is registered here,
 * in an order that lets each piece rely on the ones before it, and torn
 * down in the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/stockade.h>
#include <stockade/version.h>

#include "netlink.h"
#include "stockade.h"

static int __init stockade_init(void)
{
	int err;

	err = stockade_blockdev_init();
	if (err) {
		pr_err("cannot register the block device major: %d\n", err);
		return err;
	}
	err = stockade_genl_register();
	if (err) {
		pr_err("cannot register the generic netlink family: %d\n", err);
		stockade_blockdev_exit();
		return err;
	}
	pr_info("version %s loaded (wire %d, disk %d)\n", STOCKADE_RELEASE,
		STOCKADE_WIRE_VERSION, STOCKADE_DISK_VERSION);
	return 0;
}

static void __exit stockade_exit(void)
{
	/* No request can arrive once the family is gone. */
	stockade_genl_unregister();
	stockade_blockdev_exit();
	pr_info("unloaded\n");
}

module_init(stockade_init);
module_exit(stockade_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The stockade developers");
MODULE_DESCRIPTION("Fencing-protected replicated block storage");
MODULE_VERSION(STOCKADE_RELEASE);
MODULE_ALIAS_GENL_FAMILY(STOCKADE_GENL_NAME);
