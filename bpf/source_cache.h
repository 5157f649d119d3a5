/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-source accounting: the per-CPU source cache (map source_cache, struct
 * ds_cache_slot in abi.h) in front of the per-source hash (active_sources), and
 * the knobs the agent sets for the cache before load.
 */
#ifndef DARKSCOPE_BPF_SOURCE_CACHE_H
#define DARKSCOPE_BPF_SOURCE_CACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "darkscope/abi.h"
#include "maps.h"
#include "count.h"

/* The per-CPU source cache (maps.h): slots per CPU and generation (a power of 2,
 * 0: no cache), the set mask (slots / DS_SOURCE_CACHE_WAYS - 1) and the CPUs it has
 * room for (the possible CPUs when the agent loaded it). Set by the agent between
 * skeleton open and load. */
const volatile __u32 cfg_cache_slots = 0;
const volatile __u32 cfg_cache_set_mask = 0;
const volatile __u32 cfg_cache_cpus = 0;

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
		if (err == 0)
			return 1;
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

/* The cache set of a key: its five words (the key is on the stack, 8-byte aligned)
 * folded into 64 bits and mixed (count.h, mix64), masked to the sets. */
static __always_inline __u32 cache_set(const struct ds_source_key *key)
{
	const __u32 *w = (const __u32 *)key;
	__u64 a = ((__u64)w[0] << 32) | w[1];
	__u64 b = ((__u64)w[2] << 32) | w[3];
	return (__u32)mix64(a ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ ((__u64)w[4] * 0x9e3779b97f4a7c15ULL)) & cfg_cache_set_mask;
}

static __always_inline int same_key(const struct ds_source_key *x, const struct ds_source_key *y)
{
	const __u32 *a = (const __u32 *)x, *b = (const __u32 *)y;
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4];
}

/* Per-source accounting; returns 0 when the packet could not be attributed.
 * The cache is the per-source table: a source already in its CPU's set (the
 * common case: scanners and victims send many packets per poll interval) costs
 * one cache line and no hash; a new key takes the first free way of its set, or
 * goes to the hash when all DS_SOURCE_CACHE_WAYS are taken. Ways are never evicted
 * and fill in order: they empty only when the agent drains the generation, so the
 * taken ways of a set are always its first ones, the first free way ends a search,
 * and no key is ever in two places of one CPU. */
static __always_inline int count_source(struct ds_source_key *key, __u64 len)
{
	if (!cfg_cache_slots)
		return count_source_in_hash(key, len);
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&source_cache_gen, &zero);
	__u32 cpu = bpf_get_smp_processor_id();
	if (!gen || cpu >= cfg_cache_cpus)
		return count_source_in_hash(key, len);
	__u32 base = (((*gen & 1) * cfg_cache_cpus + cpu) * cfg_cache_slots) + cache_set(key) * DS_SOURCE_CACHE_WAYS;
	struct ds_cache_slot *s = NULL;
#pragma unroll
	for (__u32 way = 0; way < DS_SOURCE_CACHE_WAYS; way++) {
		__u32 idx = base + way;
		s = bpf_map_lookup_elem(&source_cache, &idx);
		if (!s)
			return count_source_in_hash(key, len);
		if (!s->value.packets)
			break; /* the first free way: the key is not in the set */
		if (same_key(&s->key, key)) {
			if ((s->value.packets % DS_LAST_SEEN_EVERY) == 0)
				s->value.last_seen_ns = bpf_ktime_get_coarse_ns();
			s->value.packets++;
			s->value.bytes += len;
			return 1;
		}
		s = NULL;
	}
	if (!s)
		return count_source_in_hash(key, len); /* every way taken */
	__builtin_memcpy(&s->key, key, sizeof(*key));
	__u64 now = bpf_ktime_get_coarse_ns();
	s->value.first_seen_ns = now;
	s->value.last_seen_ns = now;
	s->value.bytes = len;
	s->value.packets = 1;
	return 1;
}

#endif /* DARKSCOPE_BPF_SOURCE_CACHE_H */
