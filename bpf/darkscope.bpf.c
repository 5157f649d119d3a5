// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * darkscope XDP data plane: parse each frame, decide whether it is dark
 * (destination in a monitored prefix, source not allowlisted), classify it,
 * count it per class, per port and per source prefix, and drop it. The pipeline
 * is here; the parsers are in parsing.h, L4 classification in classify.h, the
 * per-source accounting (table and hash) in source_table.h.
 */
#include "parsing.h"
#include "maps.h"
#include "count.h"
#include "classify.h"
#include "source_table.h"
#include "dns_backscatter.h"
#include "fingerprint.h"
#include "signature.h"

/* Knobs, set by the agent between skeleton open and load. */
const volatile __u8 cfg_pass_dark = 0;        /* 1: XDP_PASS dark packets (mirror port) */
const volatile __u8 cfg_have_allowlist = 0;   /* 0: skip the allowlist lookup */
const volatile __u8 cfg_src_prefix_v4 = 32;   /* source aggregation, bits */
const volatile __u8 cfg_src_prefix_v6 = 64;
/* The port counters (maps.h, port_stats): 0, one array whose index is the port's
 * (replay: one CPU at a time runs the frames); N, one section of
 * DS_PORT_SLOTS x DS_PORTS_PER_SLOT counters per CPU for N CPUs, each CPU writing
 * its own, which the agent sums through mmap. */
const volatile __u32 cfg_port_cpus = 0;
/* Up to DS_FAST_PREFIXES dark prefixes per family are also here as (network, mask)
 * pairs, so the common sensor (a few prefixes) skips the LPM trie, which costs about
 * as much as the rest of the parse. More prefixes: count = DS_FAST_PREFIXES + 1 and
 * the trie decides. */
const volatile __u32 cfg_dark_v4_count = DS_FAST_PREFIXES + 1;
const volatile __u32 cfg_dark_v4_net[DS_FAST_PREFIXES] = {};
const volatile __u32 cfg_dark_v4_mask[DS_FAST_PREFIXES] = {};
const volatile __u32 cfg_dark_v6_count = DS_FAST_PREFIXES + 1;
const volatile __u32 cfg_dark_v6_net[DS_FAST_PREFIXES][4] = {};
const volatile __u32 cfg_dark_v6_mask[DS_FAST_PREFIXES][4] = {};

/* Every exit goes through here with exactly one stats index, so no path can
 * forget to count a frame. */
static __always_inline int finish(__u32 idx, __u64 len, int action)
{
	count(bpf_map_lookup_elem(&stats, &idx), len);
	return action;
}

static __always_inline void count_misc(__u32 what, __u64 len)
{
	__u32 idx = DS_STATS_MISC(what);
	count(bpf_map_lookup_elem(&stats, &idx), len);
}

static __always_inline int in_lpm(void *trie, __u8 family, const void *addr)
{
	struct ds_lpm_key key = {};
	key.family = family;
	if (family == DS_FAMILY_IPV4) {
		key.prefixlen = 8 + 32;
		__builtin_memcpy(key.addr, addr, 4);
	} else {
		key.prefixlen = 8 + 128;
		__builtin_memcpy(key.addr, addr, 16);
	}
	return bpf_map_lookup_elem(trie, &key) != NULL;
}

static __always_inline int is_dark(struct l3_info *l3)
{
	if (l3->family == DS_FAMILY_IPV4) {
		if (cfg_dark_v4_count > DS_FAST_PREFIXES)
			return in_lpm(&dark_prefixes, l3->family, l3->dst);
		__u32 dst = *(__u32 *)l3->dst;
#pragma unroll
		for (__u32 i = 0; i < DS_FAST_PREFIXES; i++)
			if (i < cfg_dark_v4_count && (dst & cfg_dark_v4_mask[i]) == cfg_dark_v4_net[i])
				return 1;
		return 0;
	}
	if (cfg_dark_v6_count > DS_FAST_PREFIXES)
		return in_lpm(&dark_prefixes, l3->family, l3->dst);
	__u32 *d = l3->dst;
	__u32 d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
#pragma unroll
	for (__u32 i = 0; i < DS_FAST_PREFIXES; i++)
		if (i < cfg_dark_v6_count && (d0 & cfg_dark_v6_mask[i][0]) == cfg_dark_v6_net[i][0] &&
		    (d1 & cfg_dark_v6_mask[i][1]) == cfg_dark_v6_net[i][1] &&
		    (d2 & cfg_dark_v6_mask[i][2]) == cfg_dark_v6_net[i][2] &&
		    (d3 & cfg_dark_v6_mask[i][3]) == cfg_dark_v6_net[i][3])
			return 1;
	return 0;
}

static __always_inline __u32 prefix_mask(__u32 bits, __u32 word)
{
	/* mask of 32-bit word `word` (0..3) of a /bits prefix, network order */
	__u32 start = word * 32;
	if (bits <= start)
		return 0;
	if (bits >= start + 32)
		return 0xffffffffu;
	return bpf_htonl(0xffffffffu << (32 - (bits - start)));
}

/* The source part of a per-source key, masked to the configured prefix length.
 * Copied while the packet pointer is known good, so that what follows works on
 * the stack only. */
static __always_inline void source_prefix(struct ds_source_key *key, struct l3_info *l3)
{
	if (l3->family == DS_FAMILY_IPV4) {
		__u32 a = *(__u32 *)l3->src;
		*(__u32 *)key->addr = a & prefix_mask(cfg_src_prefix_v4, 0);
	} else {
		__u32 *a = l3->src, *k = (__u32 *)key->addr;
#pragma unroll
		for (int w = 0; w < 4; w++)
			k[w] = a[w] & prefix_mask(cfg_src_prefix_v6, w);
	}
}

/* What the L3 parsers hand to classify_and_count(), packed into one scalar. */
#define META_PROTO(m) ((m) & 0xff)
#define META_FAMILY(m) (((m) >> 8) & 0xff)
#define META_FIRST_FRAGMENT (1u << 16)
#define META_NON_FIRST_FRAGMENT (1u << 17)
#define META_PASS_DARK (1u << 18)
#define META_L3_OFF(m) (((m) >> 20) & 0xff) /* where the IP header begins (at most 42) */

/*
 * Everything after L3 for a dark packet: parse and classify L4, then count it per
 * class, port and source. A global (not inlined) function taking only scalars, the
 * context and the stack key: the verifier checks it once, on its own, instead of
 * once for every way the parsers can reach it (VLAN depth x MPLS depth x IPv6
 * extension headers), which keeps program load fast.
 */
__attribute__((noinline)) int classify_and_count(struct xdp_md *ctx, __u32 l4_off, struct ds_source_key *key,
						 __u32 meta, __u64 len)
{
	const int verdict = (meta & META_PASS_DARK) ? XDP_PASS : XDP_DROP;
	if (!ctx || !key)
		return XDP_PASS;
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	if (l4_off > 0x3fff)
		return finish(DS_STATS_MALFORMED(DS_MAL_IPV6_EXT_TRUNCATED), len, verdict);
	c.pos += l4_off;
	struct l3_info l3 = {
		.family = META_FAMILY(meta),
		.proto = META_PROTO(meta),
		.first_fragment = !!(meta & META_FIRST_FRAGMENT),
		.non_first_fragment = !!(meta & META_NON_FIRST_FRAGMENT),
	};
	struct l4_info l4;
	int err = parse_l4(&c, &l3, &l4);
	if (err)
		return finish(DS_STATS_MALFORMED(PARSE_REASON(err)), len, verdict);

	if (l3.first_fragment)
		count_misc(DS_MISC_FIRST_FRAGMENT, len);
	if (l4.header_cut)
		count_misc(DS_MISC_TCP_HEADER_CUT, len);
	/* Read once: the port counters' section, the signature slots and the per-source
	 * table's claim word all follow the CPU. */
	const __u32 cpu = bpf_get_smp_processor_id();
	if (l4.slot < DS_PORT_SLOTS) {
		__u32 idx = DS_PORT_INDEX(l4.slot, l4.port);
		if (cfg_port_cpus) {
			/* Never past the possible CPUs the agent sized it for; if a CPU ever
			 * were, its packets share section 0 with atomic adds, still exact. */
			if (cpu < cfg_port_cpus) {
				idx += cpu * (DS_PORT_SLOTS * DS_PORTS_PER_SLOT);
				count(bpf_map_lookup_elem(&port_stats, &idx), len);
			} else {
				struct ds_counter *c = bpf_map_lookup_elem(&port_stats, &idx);
				if (c) {
					__sync_fetch_and_add(&c->packets, 1);
					__sync_fetch_and_add(&c->bytes, len);
				}
			}
		} else {
			count(bpf_map_lookup_elem(&port_stats, &idx), len);
		}
	}
	__u8 info = l3.family | (DS_CLASS_IS_BACKSCATTER(l4.cls) ? DS_KEY_BACKSCATTER : 0) |
		    (l4.cls == DS_CLASS_TCP_RST ? DS_KEY_RST : 0) | (l4.no_port ? DS_KEY_NO_PORT : 0);
	if (cfg_fingerprints && l4.cls == DS_CLASS_TCP_SYN)
		info |= DS_KEY_SYN(fingerprint_syn(ctx, c.pos, META_L3_OFF(meta), l3.family, len));
	/* port, proto and info as the key's last word, in one store (count.h, word16) */
	((__u32 *)key)[4] = word16(l4.port, half8(l3.proto, info));
	if (cfg_signatures && (l4.cls == DS_CLASS_TCP_SYN || l4.cls == DS_CLASS_UDP) &&
	    !count_signature(ctx, c.pos, META_L3_OFF(meta), l3.family, l3.proto, cpu, len))
		count_misc(DS_MISC_SIGNATURE_FULL, len);
	if (cfg_signatures && (l4.cls == DS_CLASS_TCP_SYN || l4.cls == DS_CLASS_UDP) &&
	    !count_source_port_dest(ctx, c.pos, l3.proto, len))
		count_misc(DS_MISC_SOURCE_PORT_DEST_FULL, len);
	if (!count_source(key, cpu, len))
		count_misc(DS_MISC_UNATTRIBUTED, len);
	if (dns_backscatter_class(l4.cls)) {
		int dns = report_dns_backscatter(ctx, META_L3_OFF(meta), l4_off,
						 l3.family | (l4.cls == DS_CLASS_DNS_RESPONSE ? 0 : DNS_INFO_ICMP_ERROR));
		if (dns >= 0)
			count_misc(dns, len);
	}
	return finish(DS_STATS_CLASS(proto_slot(&l3), l4.cls), len, verdict);
}

/* One frame, from its first byte to the verdict: the whole pipeline, which both
 * programs below run. */
static __always_inline int count_frame(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u64 len = c.end - c.pos;
	const int dark_verdict = cfg_pass_dark ? XDP_PASS : XDP_DROP;
	__u32 vlan_tags = 0;

	int proto = parse_l2(&c, &vlan_tags);
	const __u32 l3_off = c.pos - (void *)(long)ctx->data;
	if (vlan_tags)
		count_misc(DS_MISC_VLAN_TAGGED, len);
	if (proto < 0)
		return finish(DS_STATS_MALFORMED(PARSE_REASON(proto)), len, XDP_PASS);

	struct l3_info l3 = {};
	int err;
	if (proto == bpf_htons(ETH_P_IP))
		err = parse_ipv4(&c, &l3);
	else if (proto == bpf_htons(ETH_P_IPV6))
		err = parse_ipv6_fixed(&c, &l3);
	else
		return finish(DS_STATS_PASS(DS_PASS_NON_IP), len, XDP_PASS);
	if (err)
		return finish(DS_STATS_MALFORMED(PARSE_REASON(err)), len, XDP_PASS);

	if (!is_dark(&l3))
		return finish(DS_STATS_PASS(DS_PASS_NOT_DARK), len, XDP_PASS);
	if (cfg_have_allowlist && in_lpm(&allowed_sources, l3.family, l3.src))
		return finish(DS_STATS_PASS(DS_PASS_ALLOWLISTED), len, XDP_PASS);

	/* Dark from here on: whatever happens, the frame is counted and dropped. */
	/* Aligned so that the per-source table reads it as 32-bit words. */
	struct ds_source_key key __attribute__((aligned(8))) = {};
	source_prefix(&key, &l3);
	if (l3.family == DS_FAMILY_IPV6) {
		err = parse_ipv6_ext(&c, &l3);
		if (err)
			return finish(DS_STATS_MALFORMED(PARSE_REASON(err)), len, dark_verdict);
	}
	__u32 meta = l3.proto | ((__u32)l3.family << 8) | (l3.first_fragment ? META_FIRST_FRAGMENT : 0) |
		     (l3.non_first_fragment ? META_NON_FIRST_FRAGMENT : 0) | (cfg_pass_dark ? META_PASS_DARK : 0) | ((l3_off & 0xff) << 20);
	return classify_and_count(ctx, (__u32)(c.pos - (void *)(long)ctx->data), &key, meta, len);
}

SEC("xdp")
int darkscope_xdp(struct xdp_md *ctx)
{
	return count_frame(ctx);
}

/*
 * Replay in batches (abi.h, struct ds_replay_batch): one BPF_PROG_TEST_RUN counts
 * up to DS_REPLAY_BATCH_FRAMES frames of replay_frames, so that a capture costs
 * one system call (and its test-run setup) per batch rather than per frame. Each
 * frame becomes the run's packet in turn: the packet is resized to the frame's
 * length and the frame copied in (growing a packet zeroes what it adds, so the
 * frames cannot simply lie side by side in it), then counted by the same
 * count_frame() as live traffic. Returns the frames counted: fewer than asked
 * when the run stopped at DS_REPLAY_RUN_INSERTS hash inserts (the agent runs the
 * rest next), none when the first frame was refused (a length out of range), and
 * the agent says so.
 * Loaded by replay only.
 */
__attribute__((noinline)) int replay_count_frame(struct xdp_md *ctx)
{
	if (!ctx)
		return XDP_ABORTED;
	return count_frame(ctx);
}

/* bpf_loop's state: the program's context, the packet's length (tracked, not read
 * back) and the frames counted. */
struct replay_loop {
	struct xdp_md *ctx;
	__u32 first;
	__u32 len;
	__u32 done;
};

/* One frame of the batch, as bpf_loop's callback (verified once, whatever the
 * batch's length): 0 to go on, 1 to stop at a frame the kernel refused. */
static long replay_one(__u32 i, void *data)
{
	struct replay_loop *l = data;
	if (run_inserts >= DS_REPLAY_RUN_INSERTS)
		return 1; /* the rest in the next run, once the kernel refilled its cache */
	__u32 slot = l->first + i;
	struct ds_replay_frame *f = bpf_map_lookup_elem(&replay_frames, &slot);
	if (!f)
		return 1;
	const __u32 want = f->len;
	if (want < sizeof(struct ethhdr) || want > DS_REPLAY_FRAME_BYTES)
		return 1;
	if (bpf_xdp_adjust_tail(l->ctx, (int)want - (int)l->len))
		return 1;
	l->len = want;
	if (bpf_xdp_store_bytes(l->ctx, 0, f->frame, want))
		return 1;
	replay_count_frame(l->ctx);
	l->done++;
	return 0;
}

SEC("xdp")
int darkscope_replay(struct xdp_md *ctx)
{
	struct ds_replay_batch *b = (void *)(long)ctx->data;
	if ((void *)(b + 1) > (void *)(long)ctx->data_end)
		return 0;
	const __u32 frames = b->frames < DS_REPLAY_BATCH_FRAMES ? b->frames : DS_REPLAY_BATCH_FRAMES;
	struct replay_loop l = { .ctx = ctx, .first = b->first, .len = bpf_xdp_get_buff_len(ctx), .done = 0 };
	run_inserts = 0;
	bpf_loop(frames, replay_one, &l, 0);
	return l.done;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
