// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * darkscope XDP data plane: parse each frame, decide whether it is dark
 * (destination in a monitored prefix, source not allowlisted), classify it,
 * count it per class, per port and per source prefix, and drop it.
 */
#include "parsing.h"
#include "maps.h"
#include "dns_backscatter.h"
#include "fingerprint.h"
#include "signature.h"

/* Knobs, set by the agent between skeleton open and load. */
const volatile __u8 cfg_pass_dark = 0;        /* 1: XDP_PASS dark packets (mirror port) */
const volatile __u8 cfg_have_allowlist = 0;   /* 0: skip the allowlist lookup */
const volatile __u8 cfg_src_prefix_v4 = 32;   /* source aggregation, bits */
const volatile __u8 cfg_src_prefix_v6 = 64;
/* UDP source ports whose datagrams are replies of reflectors/amplifiers (victims of
 * spoofed requests): backscatter, not probes. A bitmap, bit p of word p / 64; port 53
 * among them is DNS_RESPONSE, every other one UDP_REFLECTION. */
const volatile __u64 cfg_reflection_ports[DS_PORTS_PER_SLOT / 64] = {};
/* The per-CPU source cache (maps.h): slots per CPU and generation (a power of 2,
 * 0: no cache), the set mask (slots / 2 - 1: two ways per set) and the CPUs it has
 * room for (the possible CPUs when the agent loaded it). */
const volatile __u32 cfg_cache_slots = 0;
const volatile __u32 cfg_cache_set_mask = 0;
const volatile __u32 cfg_cache_cpus = 0;
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
	struct ds_counter *c = bpf_map_lookup_elem(&stats, &idx);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return action;
}

static __always_inline void count_misc(__u32 what, __u64 len)
{
	__u32 idx = DS_STATS_MISC(what);
	struct ds_counter *c = bpf_map_lookup_elem(&stats, &idx);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
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

/* The class of a dark packet and the port it is filed under, from its L4 header. */
struct l4_info {
	__u32 cls;
	__u32 slot;       /* DS_PORT_SLOTS when the packet has no port entry */
	__u16 port;       /* index in the slot, and the port of the source key */
	__u8 no_port;     /* a non-first fragment: the key's port means none */
	__u8 header_cut;  /* TCP data offset past the end of the frame */
};

static __always_inline int is_reflection_port(__u16 port)
{
	return (cfg_reflection_ports[(port >> 6) & (DS_PORTS_PER_SLOT / 64 - 1)] >> (port & 63)) & 1;
}

static __always_inline __u32 tcp_class(__u8 flags)
{
	const __u8 FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
	if ((flags & (SYN | ACK)) == SYN)
		return DS_CLASS_TCP_SYN;
	if ((flags & (SYN | ACK)) == (SYN | ACK))
		return DS_CLASS_TCP_SYNACK;
	if (flags & RST)
		return DS_CLASS_TCP_RST;
	__u8 f = flags & 0x3f; /* ECE and CWR do not change what a segment is */
	if (f == ACK)
		return DS_CLASS_TCP_ACK;
	if (f == FIN)
		return DS_CLASS_TCP_FIN;
	if (f == 0)
		return DS_CLASS_TCP_NULL;
	if (f == (FIN | PSH | URG))
		return DS_CLASS_TCP_XMAS;
	return DS_CLASS_TCP_OTHER;
}

static __always_inline __u32 icmp_class(__u8 type, int v6)
{
	if (type == (v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO))
		return DS_CLASS_ICMP_ECHO_REQUEST;
	if (type == (v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY))
		return DS_CLASS_ICMP_ECHO_REPLY;
	if (type == (v6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH))
		return DS_CLASS_ICMP_UNREACHABLE;
	if (type == (v6 ? ICMPV6_TIME_EXCEED : ICMP_TIME_EXCEEDED))
		return DS_CLASS_ICMP_TIME_EXCEEDED;
	return DS_CLASS_ICMP_OTHER;
}

/* Returns 0, or a PARSE_ERR when the L4 header is cut off. */
static __always_inline int parse_l4(struct cursor *c, struct l3_info *l3, struct l4_info *l4)
{
	l4->slot = DS_PORT_SLOTS;
	l4->port = 0;
	l4->no_port = 0;
	l4->header_cut = 0;
	if (l3->non_first_fragment) {
		l4->cls = DS_CLASS_FRAGMENT;
		l4->no_port = 1;
		return 0;
	}
	if (l3->proto == IPPROTO_TCP) {
		struct tcphdr *th = c->pos;
		if ((void *)(th + 1) > c->end)
			return PARSE_ERR(DS_MAL_TCP_TRUNCATED);
		if (th->doff < 5)
			return PARSE_ERR(DS_MAL_TCP_BAD_OFFSET);
		/* Flags and ports are in the fixed header: a data offset that runs past
		 * the frame (some scanners send a 20-byte header claiming 24) still makes
		 * a SYN to its port, and the oddity is counted apart. A first fragment
		 * may carry only part of the options. */
		if (!l3->first_fragment && (void *)th + th->doff * 4 > c->end)
			l4->header_cut = 1;
		l4->cls = tcp_class(((__u8 *)th)[13]);
		if (DS_CLASS_IS_BACKSCATTER(l4->cls)) {
			l4->slot = DS_SLOT_TCP_SRC_BACKSCATTER;
			l4->port = bpf_ntohs(th->source);
		} else {
			l4->slot = DS_SLOT_TCP_DST;
			l4->port = bpf_ntohs(th->dest);
		}
		return 0;
	}
	if (l3->proto == IPPROTO_UDP) {
		struct udphdr *uh = c->pos;
		if ((void *)(uh + 1) > c->end)
			return PARSE_ERR(DS_MAL_UDP_TRUNCATED);
		__u16 sport = bpf_ntohs(uh->source);
		if (is_reflection_port(sport)) {
			l4->cls = sport == 53 ? DS_CLASS_DNS_RESPONSE : DS_CLASS_UDP_REFLECTION;
			l4->slot = DS_SLOT_UDP_SRC_BACKSCATTER;
			l4->port = sport;
		} else {
			l4->cls = DS_CLASS_UDP;
			l4->slot = DS_SLOT_UDP_DST;
			l4->port = bpf_ntohs(uh->dest);
		}
		return 0;
	}
	int v6 = l3->family == DS_FAMILY_IPV6;
	if ((!v6 && l3->proto == IPPROTO_ICMP) || (v6 && l3->proto == IPPROTO_ICMPV6)) {
		__u8 *ic = c->pos;
		/* type, code and checksum: the part every ICMP message has */
		if ((void *)(ic + 4) > c->end)
			return PARSE_ERR(DS_MAL_ICMP_TRUNCATED);
		l4->cls = icmp_class(ic[0], v6);
		l4->slot = v6 ? DS_SLOT_ICMPV6 : DS_SLOT_ICMP;
		l4->port = ((__u16)ic[0] << 8) | ic[1];
		return 0;
	}
	l4->cls = DS_CLASS_OTHER_PROTO;
	return 0;
}

static __always_inline __u32 proto_slot(struct l3_info *l3)
{
	switch (l3->proto) {
	case IPPROTO_TCP:
		return DS_PROTO_TCP;
	case IPPROTO_UDP:
		return DS_PROTO_UDP;
	case IPPROTO_ICMP:
		return l3->family == DS_FAMILY_IPV4 ? DS_PROTO_ICMP : DS_PROTO_OTHER;
	case IPPROTO_ICMPV6:
		return l3->family == DS_FAMILY_IPV6 ? DS_PROTO_ICMPV6 : DS_PROTO_OTHER;
	}
	return DS_PROTO_OTHER;
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

/* The cache set of a key: a multiplicative hash of its five words (the key is on
 * the stack, 8-byte aligned), high half, masked to the sets. */
static __always_inline __u32 cache_set(const struct ds_source_key *key)
{
	const __u32 *w = (const __u32 *)key;
	__u64 a = ((__u64)w[0] << 32) | w[4];
	__u64 b = (((__u64)w[1] << 32) | w[2]) ^ ((__u64)w[3] << 17);
	__u64 h = (a ^ (b * 0xc2b2ae3d27d4eb4fULL)) * 0x9e3779b97f4a7c15ULL;
	return (__u32)(h >> 32) & cfg_cache_set_mask;
}

static __always_inline int same_key(const struct ds_source_key *x, const struct ds_source_key *y)
{
	const __u32 *a = (const __u32 *)x, *b = (const __u32 *)y;
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4];
}

/* Per-source accounting; returns 0 when the packet could not be attributed.
 * A source already in this CPU's cache set (the common case: scanners and
 * victims send many packets per poll interval) costs two array lookups and no
 * hash; a new key takes a free way of its set, or goes to the hash when both
 * ways are taken. Ways are never evicted: they empty only when the agent drains
 * the generation, so no key is ever in two places of one CPU, and a flood of new
 * sources costs one probe more than the hash alone. */
static __always_inline int count_source(struct ds_source_key *key, __u64 len)
{
	if (!cfg_cache_slots)
		return count_source_in_hash(key, len);
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&source_cache_gen, &zero);
	__u32 cpu = bpf_get_smp_processor_id();
	if (!gen || cpu >= cfg_cache_cpus)
		return count_source_in_hash(key, len);
	__u32 idx = (((*gen & 1) * cfg_cache_cpus + cpu) * cfg_cache_slots) + cache_set(key) * 2;
	struct ds_cache_slot *way0 = bpf_map_lookup_elem(&source_cache, &idx);
	idx++;
	struct ds_cache_slot *way1 = bpf_map_lookup_elem(&source_cache, &idx);
	if (!way0 || !way1)
		return count_source_in_hash(key, len);

	struct ds_cache_slot *s = NULL;
	if (way0->value.packets && same_key(&way0->key, key))
		s = way0;
	else if (way1->value.packets && same_key(&way1->key, key))
		s = way1;
	if (s) {
		if ((s->value.packets % DS_LAST_SEEN_EVERY) == 0)
			s->value.last_seen_ns = bpf_ktime_get_coarse_ns();
		s->value.packets++;
		s->value.bytes += len;
		return 1;
	}
	s = !way0->value.packets ? way0 : !way1->value.packets ? way1 : NULL;
	if (!s)
		return count_source_in_hash(key, len);
	__builtin_memcpy(&s->key, key, sizeof(*key));
	__u64 now = bpf_ktime_get_coarse_ns();
	s->value.first_seen_ns = now;
	s->value.last_seen_ns = now;
	s->value.bytes = len;
	s->value.packets = 1;
	return 1;
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
	if (l4.slot < DS_PORT_SLOTS) {
		__u32 idx = DS_PORT_INDEX(l4.slot, l4.port);
		struct ds_counter *pc = bpf_map_lookup_elem(&port_stats, &idx);
		if (pc) {
			pc->packets++;
			pc->bytes += len;
		}
	}
	key->port = l4.port;
	key->proto = l3.proto;
	key->info = l3.family | (DS_CLASS_IS_BACKSCATTER(l4.cls) ? DS_KEY_BACKSCATTER : 0) |
		    (l4.cls == DS_CLASS_TCP_RST ? DS_KEY_RST : 0) | (l4.no_port ? DS_KEY_NO_PORT : 0);
	if (cfg_fingerprints && l4.cls == DS_CLASS_TCP_SYN)
		key->info |= DS_KEY_SYN(fingerprint_syn(ctx, c.pos, META_L3_OFF(meta), l3.family, len));
	if (cfg_signatures && (l4.cls == DS_CLASS_TCP_SYN || l4.cls == DS_CLASS_UDP) &&
	    !count_signature(ctx, c.pos, META_L3_OFF(meta), l3.family, l3.proto, len))
		count_misc(DS_MISC_SIGNATURE_FULL, len);
	if (!count_source(key, len))
		count_misc(DS_MISC_UNATTRIBUTED, len);
	if (dns_backscatter_class(l4.cls)) {
		int dns = report_dns_backscatter(ctx, META_L3_OFF(meta), l4_off,
						 l3.family | (l4.cls == DS_CLASS_DNS_RESPONSE ? 0 : DNS_INFO_ICMP_ERROR));
		if (dns >= 0)
			count_misc(dns, len);
	}
	return finish(DS_STATS_CLASS(proto_slot(&l3), l4.cls), len, verdict);
}

SEC("xdp")
int darkscope_xdp(struct xdp_md *ctx)
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
	/* Aligned so that the source cache reads it as 32-bit words. */
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
