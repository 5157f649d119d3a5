/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one way a packet is added to a counter (struct ds_counter, abi.h). */
#ifndef DARKSCOPE_BPF_COUNT_H
#define DARKSCOPE_BPF_COUNT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "darkscope/abi.h"

/* Adds one packet of len bytes to c, a counter map's value; c is NULL when the
 * lookup found no entry, and then nothing is counted. */
static __always_inline void count(struct ds_counter *c, __u64 len)
{
	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

#endif /* DARKSCOPE_BPF_COUNT_H */
