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

/* Replay's batches (darkscope.bpf.c, darkscope_replay): the hash entries inserted
 * in the current test run. Replay's hashes allocate entries as they come, from a
 * small per-CPU cache that the kernel refills between runs: 128 frames of new
 * sources in one run emptied it and lost their counts (-ENOMEM, counted as
 * unattributed), so a batch stops before it could insert more than
 * DS_REPLAY_RUN_INSERTS and goes on in the next run. Counted only when the agent
 * sets cfg_count_inserts (replay); live, the verifier removes the count. */
const volatile __u8 cfg_count_inserts = 0;
__u32 run_inserts = 0;

static __always_inline void note_insert(void)
{
	if (cfg_count_inserts)
		run_inserts++;
}

/* Two 16-bit fields as the 32-bit word they make in memory (the low-address field
 * first). Keys are built word by word with these: stored as bytes and halves and
 * then read back as words, a key stalls the load on the store buffer (store-to-load
 * forwarding fails on mixed sizes), which cost a packet about 10 ns per key. */
static __always_inline __u32 word16(__u16 first, __u16 second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u32)first | ((__u32)second << 16);
#else
	return ((__u32)first << 16) | second;
#endif
}

/* The same for two 32-bit fields and the 64-bit word they make. */
static __always_inline __u64 word32(__u32 first, __u32 second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u64)first | ((__u64)second << 32);
#else
	return ((__u64)first << 32) | second;
#endif
}

static __always_inline __u16 half8(__u8 first, __u8 second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u16)first | ((__u16)second << 8);
#else
	return ((__u16)first << 8) | second;
#endif
}

#endif /* DARKSCOPE_BPF_COUNT_H */
