/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-source accounting: the per-source table (map source_table, struct
 * ds_cache_slot in abi.h) in front of the per-source hash (active_sources), and
 * the knobs the agent sets for the table before load.
 */
#ifndef DARKSCOPE_BPF_SOURCE_TABLE_H
#define DARKSCOPE_BPF_SOURCE_TABLE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "darkscope/abi.h"
#include "maps.h"
#include "count.h"

/* The per-source table (maps.h): slots per generation (a power of 2, 0: no table)
 * and the set mask (slots / DS_SOURCE_CACHE_WAYS - 1). Set by the agent between
 * skeleton open and load. */
const volatile __u32 cfg_cache_slots = 0;
const volatile __u32 cfg_cache_set_mask = 0;

/* Per-source accounting in the hash; returns 0 when the map is full. */
static __always_inline int count_source_in_hash(struct ds_source_key *key, __u64 len)
{
	__u32 zero = 0;
	void *map = bpf_map_lookup_elem(&active_sources, &zero);
	if (!map)
		return 0;

	/* The clock costs about as much as the hash lookup, so it is read when an entry
	 * starts and every DS_LAST_SEEN_EVERY packets after: last_seen lags the newest
	 * packet by fewer than that many packets, or by less than one poll interval. */
	struct ds_source_value *v = bpf_map_lookup_elem(map, key);
	if (!v) {
		__u64 now = bpf_ktime_get_coarse_ns();
		struct ds_source_value init = {
			.packets = 1, .bytes = len, .first_seen_ns = now, .last_seen_ns = now,
		};
		long err = bpf_map_update_elem(map, key, &init, BPF_NOEXIST);
		if (err == 0) {
			note_insert();
			return 1;
		}
		/* Another CPU inserted the key first: count into our CPU's slot. */
		v = bpf_map_lookup_elem(map, key);
		if (!v)
			return 0; /* the map is full */
	}
	if (!v->packets) {
		v->first_seen_ns = bpf_ktime_get_coarse_ns();
		v->last_seen_ns = v->first_seen_ns;
	} else if ((v->packets % DS_LAST_SEEN_EVERY) == 0) {
		v->last_seen_ns = bpf_ktime_get_coarse_ns();
	}
	v->packets++;
	v->bytes += len;
	return 1;
}

/* The table set of a key (abi.h, ds_table_set): its five words, read as words (the
 * key is on the stack, 8-byte aligned). */
static __always_inline __u32 cache_set(const struct ds_source_key *key)
{
	const __u32 *w = (const __u32 *)key;
	return ds_table_set(w[0], w[1], w[2], w[3], w[4], cfg_cache_set_mask);
}

/* Per-source accounting on CPU cpu; returns 0 when the packet could not be attributed.
 * The table is the per-source table: a source this CPU already holds in its set
 * (the common case: scanners and victims send many packets per poll interval)
 * costs one cache line and no hash; a new key claims the first free way of its set,
 * or goes to the hash when all DS_SOURCE_CACHE_WAYS are taken.
 *
 * The CPUs share the table, so that one busy CPU (one receive queue, one NAPI
 * context) has all of it; each slot belongs to the CPU that claimed it with a
 * compare-and-swap, and only that CPU writes or matches it, so counting needs no
 * atomics and never reads a half-written key. A source seen on two CPUs holds a
 * slot on each, which the agent folds into one entry. Ways are never released and
 * a CPU claims only the first free way it sees, so the taken ways of a set are
 * always its first ones: the first free way ends a search, and no key is ever in
 * two places of one CPU. */
static __always_inline int count_source(struct ds_source_key *key, __u32 cpu, __u64 len)
{
	if (!cfg_cache_slots)
		return count_source_in_hash(key, len);
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&source_table_gen, &zero);
	if (!gen)
		return count_source_in_hash(key, len);
	const __u32 *w = (const __u32 *)key;
	/* This CPU's claim word (abi.h, struct ds_cache_slot): the key's fifth word and
	 * the owner, as they lie in memory at offset 16. */
	const __u64 mine = word32(w[4], cpu + 1);
	__u32 base = (*gen & 1) * cfg_cache_slots + cache_set(key) * DS_SOURCE_CACHE_WAYS;
#pragma unroll
	for (__u32 way = 0; way < DS_SOURCE_CACHE_WAYS; way++) {
		__u32 idx = base + way;
		struct ds_cache_slot *s = bpf_map_lookup_elem(&source_table, &idx);
		if (!s)
			return count_source_in_hash(key, len);
		__u64 *claim = (__u64 *)((__u8 *)s + 16);
		__u64 held = *claim;
		if (!held) {
			held = __sync_val_compare_and_swap(claim, 0, mine);
			if (!held) {
				/* Ours: the rest of the key, then the value. */
				__u32 *k = (__u32 *)&s->key;
				k[0] = w[0];
				k[1] = w[1];
				k[2] = w[2];
				k[3] = w[3];
				__u64 now = bpf_ktime_get_coarse_ns();
				s->value.first_seen_ns = now;
				s->value.last_seen_ns = now;
				s->value.bytes = len;
				s->value.packets = 1;
				return 1;
			}
		}
		if (held == mine) {
			const __u32 *k = (const __u32 *)&s->key;
			if (k[0] == w[0] && k[1] == w[1] && k[2] == w[2] && k[3] == w[3]) {
				if ((s->value.packets % DS_LAST_SEEN_EVERY) == 0)
					s->value.last_seen_ns = bpf_ktime_get_coarse_ns();
				s->value.packets++;
				s->value.bytes += len;
				return 1;
			}
		}
	}
	return count_source_in_hash(key, len); /* every way taken */
}

#endif /* DARKSCOPE_BPF_SOURCE_TABLE_H */
