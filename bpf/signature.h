/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header signatures of probes: a dark TCP SYN without ACK, or UDP not from port 53,
 * counted by {source port, TCP window, TTL rounded up to its likely initial value,
 * TCP option layout} in the per-CPU hash `signatures` (struct ds_signature_key in
 * abi.h; docs/fingerprints.md). What makes "a fixed window from source port 6000"
 * visible. One slot update per probe (a hash update when its slots are taken); the
 * option walk reads at most DS_OPT_SLOTS option headers, bytes already in cache.
 */
#ifndef DARKSCOPE_BPF_SIGNATURE_H
#define DARKSCOPE_BPF_SIGNATURE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "darkscope/abi.h"
#include "maps.h"
#include "count.h"

/* 0: leave signatures out (bench/bpf_bench measures the cost this way). Set by the
 * agent before load. */
const volatile __u8 cfg_signatures = 1;

/* The usual initial TTLs: a probe that crossed h hops arrives with initial - h. */
static __always_inline __u8 ttl_bucket(__u8 ttl)
{
	if (ttl <= 32)
		return 32;
	if (ttl <= 64)
		return 64;
	if (ttl <= 128)
		return 128;
	return 255;
}

static __always_inline __u32 opt_code(__u8 kind)
{
	switch (kind) {
	case 0: return DS_OPT_EOL;
	case 1: return DS_OPT_NOP;
	case 2: return DS_OPT_MSS;
	case 3: return DS_OPT_WS;
	case 4: return DS_OPT_SOK;
	case 5: return DS_OPT_SACK;
	case 8: return DS_OPT_TS;
	default: return DS_OPT_OTHER;
	}
}

/* The option kinds of a TCP header in order, 4 bits each (enum ds_opt_code). */
static __always_inline __u32 option_layout(struct tcphdr *th, void *end)
{
	__u8 *opts = (void *)(th + 1);
	__u32 optlen = th->doff * 4u;
	__u32 layout = 0, off = 0;
	if (optlen <= sizeof(*th))
		return 0;
	optlen -= sizeof(*th); /* at most 40 */
#pragma unroll
	for (__u32 i = 0; i < DS_OPT_SLOTS; i++) {
		if (off >= optlen)
			return layout;
		if (i == DS_OPT_SLOTS - 1)
			return layout | ((__u32)DS_OPT_MORE << (4 * i));
		__u8 *p = opts + (off & 63);
		if ((void *)(p + 1) > end)
			return layout | ((__u32)DS_OPT_BAD << (4 * i));
		__u32 code = opt_code(*p);
		layout |= code << (4 * i);
		if (code == DS_OPT_EOL)
			return layout; /* the rest is padding */
		if (code == DS_OPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(p + 2) > end || p[1] < 2 || off + p[1] > optlen)
			return (layout & ~(0xfu << (4 * i))) | ((__u32)DS_OPT_BAD << (4 * i));
		off += p[1];
	}
	return layout;
}

/* Adds one packet to key's counter in a per-CPU hash of struct ds_counter, creating
 * it when new. Returns 0 when the map is full (the key is not in it). */
static __always_inline int count_in_hash(void *map, const void *key, __u64 len)
{
	struct ds_counter *c = bpf_map_lookup_elem(map, key);
	if (!c) {
		/* A new key: this CPU's slot gets zeros, the others too. Another CPU may add
		 * the same key in between; then the second lookup finds it. */
		struct ds_counter zero = {};
		if (bpf_map_update_elem(map, key, &zero, BPF_NOEXIST) == 0)
			note_insert();
		c = bpf_map_lookup_elem(map, key);
		if (!c)
			return 0; /* full */
	}
	count(c, len);
	return 1;
}

/* The signature slots (maps.h): slots per CPU (a power of 2, 0: none) and the set
 * mask (slots / 2 - 1: two ways per set), and the CPUs they have room for (the
 * possible CPUs when the agent loaded them). Set by the agent before load. */
const volatile __u32 cfg_signature_slots = 0;
const volatile __u32 cfg_signature_set_mask = 0;
const volatile __u32 cfg_signature_cpus = 0;

/* Adds one probe to its signature, the key given as its three 32-bit words (in
 * registers: see word16 in count.h): in this CPU's slot for it when it has one or
 * its set has a free way, in the hash otherwise. Returns 0 when the hash is full. A
 * probe touches one cache line and no hash in the common case (few signatures, each
 * sending many probes); a slot, once taken, keeps its signature for good, so a
 * signature is never in a slot and in the hash of the same CPU. */
static __always_inline int count_signature_key(__u32 w0, __u32 w1, __u32 w2, __u32 cpu, __u64 len)
{
	if (cfg_signature_slots && cpu < cfg_signature_cpus) {
		__u64 h = ds_mix64((((__u64)w0 << 32) | w1) ^ ((__u64)w2 * 0xc2b2ae3d27d4eb4fULL));
		__u32 idx = cpu * cfg_signature_slots + (((__u32)h & cfg_signature_set_mask) << 1);
		struct ds_signature_slot *way0 = bpf_map_lookup_elem(&signature_slots, &idx);
		idx++;
		struct ds_signature_slot *way1 = bpf_map_lookup_elem(&signature_slots, &idx);
		if (way0 && way1) {
			struct ds_signature_slot *s = NULL;
			__u32 *k0 = (__u32 *)&way0->key, *k1 = (__u32 *)&way1->key;
			if (way0->counter.packets && k0[0] == w0 && k0[1] == w1 && k0[2] == w2)
				s = way0;
			else if (way1->counter.packets && k1[0] == w0 && k1[1] == w1 && k1[2] == w2)
				s = way1;
			if (s) {
				count(&s->counter, len);
				return 1;
			}
			s = !way0->counter.packets ? way0 : !way1->counter.packets ? way1 : NULL;
			if (s) {
				/* The agent reads the slots while they fill: the key and bytes are
				 * stored before the packet count that makes the slot valid
				 * (program order, kept by the compiler barrier; x86 keeps stores
				 * in order). */
				__u32 *k = (__u32 *)&s->key;
				k[0] = w0;
				k[1] = w1;
				k[2] = w2;
				s->counter.bytes = len;
				asm volatile("" ::: "memory");
				s->counter.packets = 1;
				return 1;
			}
		}
	}
	__u32 key[3] = {w0, w1, w2};
	return count_in_hash(&signatures, key, len);
}

/* Counts one probe; l4 points at its TCP or UDP header (checked by parse_l4),
 * l3_off is where the IP header begins. Returns 0 when the map had no room. */
static __always_inline int count_signature(struct xdp_md *ctx, void *l4, __u32 l3_off, __u8 family, __u8 proto,
					    __u32 cpu, __u64 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (l3_off & 0xff);
	__u8 ttl;
	if (family == DS_FAMILY_IPV4) {
		struct iphdr *iph = (void *)ip;
		if ((void *)(iph + 1) > end)
			return 1;
		ttl = ttl_bucket(iph->ttl);
	} else {
		struct ipv6hdr *ip6 = (void *)ip;
		if ((void *)(ip6 + 1) > end)
			return 1;
		ttl = ttl_bucket(ip6->hop_limit);
	}
	/* struct ds_signature_key as three words: options; sport, window; proto, ttl, pad */
	__u32 options = 0, ports;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		if ((void *)(th + 1) > end)
			return 1;
		ports = word16(bpf_ntohs(th->source), bpf_ntohs(th->window));
		options = option_layout(th, end);
	} else {
		struct udphdr *uh = l4;
		if ((void *)(uh + 1) > end)
			return 1;
		ports = word16(bpf_ntohs(uh->source), 0);
	}
	return count_signature_key(options, ports, word16(half8(proto, ttl), 0), cpu, len);
}

/* Counts a probe from a watched source port by its destination port (abi.h,
 * ds_source_port_dest_key). l4 points at its TCP or UDP header. Returns 0 when the
 * map had no room. */
static __always_inline int count_source_port_dest(struct xdp_md *ctx, void *l4, __u8 proto, __u64 len)
{
	void *end = (void *)(long)ctx->data_end;
	struct ds_source_port_dest_key key = {};
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		if ((void *)(th + 1) > end)
			return 1;
		key.sport = bpf_ntohs(th->source);
		key.dport = bpf_ntohs(th->dest);
	} else {
		struct udphdr *uh = l4;
		if ((void *)(uh + 1) > end)
			return 1;
		key.sport = bpf_ntohs(uh->source);
		key.dport = bpf_ntohs(uh->dest);
	}
	key.proto = proto;
	__u32 word = (proto == IPPROTO_UDP ? DS_WATCHED_PORT_WORDS / 2 : 0) + key.sport / 64;
	__u64 *bits = bpf_map_lookup_elem(&watched_source_ports, &word);
	if (!bits || !((*bits >> (key.sport & 63)) & 1))
		return 1;
	return count_in_hash(&source_port_dests, &key, len);
}

#endif /* DARKSCOPE_BPF_SIGNATURE_H */
