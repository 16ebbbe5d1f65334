/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw generic netlink client for tests.  It builds messages byte by byte,
 * so tests can send exactly the malformed input a library would refuse to
 * produce, and it returns the kernel's errno unchanged.
 */
#ifndef _STOCKADE_NLRAW_H
#define _STOCKADE_NLRAW_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#define NLRAW_BUF_SIZE 8192

struct nlraw_msg {
	size_t len;			/* bytes of attributes in attrs[] */
	unsigned char attrs[1024];
};

/* The kernel's extended-ack message for the last error, or "". */
extern char nlraw_errmsg[256];

int nlraw_open(void);
void nlraw_put_u8(struct nlraw_msg *m, uint16_t type, uint8_t value);
void nlraw_put_u64(struct nlraw_msg *m, uint16_t type, uint64_t value);
void nlraw_put_str(struct nlraw_msg *m, uint16_t type, const char *s);
uint64_t nlraw_get_u64(const struct nlattr *a);
uint8_t nlraw_get_u8(const struct nlattr *a);
/* The family's id, or a negative errno (-ENOENT: not registered). */
int nlraw_family_id(int fd, const char *name);
void nlraw_put(struct nlraw_msg *m, uint16_t type, const void *data,
	       uint16_t len);
void nlraw_put_u32(struct nlraw_msg *m, uint16_t type, uint32_t value);
/*
 * Send @cmd with @m's attributes (may be NULL) and wait for the answer.
 * Returns the length of the reply's attributes copied to @reply, 0 for a
 * plain ack, or the negative errno the kernel answered with.
 */
int nlraw_request(int fd, uint16_t family, uint8_t cmd, uint8_t version,
		  const struct nlraw_msg *m, void *reply, size_t reply_size);
/* The attribute @type in a reply, or NULL. */
const struct nlattr *nlraw_find(const void *attrs, int len, uint16_t type);
uint32_t nlraw_get_u32(const struct nlattr *a);
const char *nlraw_get_str(const struct nlattr *a);

#endif /* _STOCKADE_NLRAW_H */
