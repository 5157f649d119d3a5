/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS backscatter to the agent: a DNS response to a dark address, or an ICMP(v6)
 * error quoting a UDP packet to or from port 53, goes into the dns_events ring buffer
 * (the DNS message's first DS_DNS_COPY_BYTES and the resolver's address), at most at
 * the configured per-CPU rate. The agent parses the question there; the program only
 * finds where the DNS message starts. Every read goes through bpf_xdp_load_bytes(),
 * which checks the frame's bounds at run time, so the verifier has no packet pointer
 * to follow and this costs nothing on other packets.
 */
#ifndef DARKSCOPE_BPF_DNS_BACKSCATTER_H
#define DARKSCOPE_BPF_DNS_BACKSCATTER_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "darkscope/abi.h"
#include "maps.h"

/* Rate limit, set by the agent before load: one event per cfg_dns_interval_ns per CPU
 * on average, with bursts of cfg_dns_burst_ns / cfg_dns_interval_ns + 1 events.
 * An interval of 0: no limit (replay, where every frame must be seen). */
const volatile __u64 cfg_dns_interval_ns = 0;
const volatile __u64 cfg_dns_burst_ns = 0;

/* What classify_and_count() passes in `info`. */
#define DNS_INFO_FAMILY(i) ((i) & 0xff)
#define DNS_INFO_ICMP_ERROR (1u << 8)

/* The classes whose packets may carry DNS backscatter. */
static __always_inline int dns_backscatter_class(__u32 cls)
{
	return cls == DS_CLASS_DNS_RESPONSE || cls == DS_CLASS_ICMP_UNREACHABLE ||
	       cls == DS_CLASS_ICMP_TIME_EXCEEDED;
}

/* GCRA on a per-CPU theoretical arrival time: no division, one map value. */
static __always_inline int dns_rate_allows(void)
{
	if (!cfg_dns_interval_ns)
		return 1;
	__u32 zero = 0;
	__u64 *tat = bpf_map_lookup_elem(&dns_rate, &zero);
	if (!tat)
		return 0;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 t = *tat > now ? *tat : now;
	if (t - now > cfg_dns_burst_ns)
		return 0;
	*tat = t + cfg_dns_interval_ns;
	return 1;
}

/* The quoted packet of an ICMP(v6) error at q_off: when it is UDP to or from port 53,
 * returns the offset of its DNS message and fills the quoted destination; else 0. */
static __always_inline __u32 quoted_dns(struct xdp_md *ctx, __u32 q_off, __u8 *family, __u8 *resolver)
{
	__u8 version;
	__u32 udp_off;
	if (bpf_xdp_load_bytes(ctx, q_off, &version, 1))
		return 0;
	if ((version >> 4) == 4) {
		struct iphdr ip;
		if (bpf_xdp_load_bytes(ctx, q_off, &ip, sizeof(ip)))
			return 0;
		/* a later fragment has no UDP header to read */
		if (ip.ihl < 5 || ip.protocol != IPPROTO_UDP || (bpf_ntohs(ip.frag_off) & 0x1fff))
			return 0;
		udp_off = q_off + ip.ihl * 4;
		__builtin_memcpy(resolver, &ip.daddr, 4);
		*family = DS_FAMILY_IPV4;
	} else if ((version >> 4) == 6) {
		struct ipv6hdr ip6;
		if (bpf_xdp_load_bytes(ctx, q_off, &ip6, sizeof(ip6)))
			return 0;
		if (ip6.nexthdr != IPPROTO_UDP) /* extension headers in a quote are not followed */
			return 0;
		udp_off = q_off + sizeof(ip6);
		__builtin_memcpy(resolver, &ip6.daddr, 16);
		*family = DS_FAMILY_IPV6;
	} else {
		return 0;
	}
	struct udphdr uh;
	if (bpf_xdp_load_bytes(ctx, udp_off, &uh, sizeof(uh)))
		return 0;
	if (uh.source != bpf_htons(53) && uh.dest != bpf_htons(53))
		return 0;
	return udp_off + sizeof(uh);
}

/*
 * A global function, verified once on its own. l3_off and l4_off are where the
 * outer IP header and the L4 header begin. Returns the DS_MISC_DNS_* entry to count
 * (sent, rate limited, ring buffer full), or -1 when the packet is not DNS backscatter
 * (an ICMP error quoting something else).
 */
__attribute__((noinline)) int report_dns_backscatter(struct xdp_md *ctx, __u32 l3_off, __u32 l4_off, __u32 info)
{
	if (!ctx)
		return -1;
	__u8 resolver[16] = {};
	__u8 family = DNS_INFO_FAMILY(info), via;
	__u32 dns_off;
	if (info & DNS_INFO_ICMP_ERROR) {
		via = DS_DNS_VIA_ICMP_ERROR;
		dns_off = quoted_dns(ctx, l4_off + 8, &family, resolver); /* the quote follows 8 bytes of ICMP */
		if (!dns_off)
			return -1;
	} else {
		via = DS_DNS_VIA_RESPONSE;
		dns_off = l4_off + sizeof(struct udphdr);
		int err = family == DS_FAMILY_IPV4
				  ? bpf_xdp_load_bytes(ctx, l3_off + __builtin_offsetof(struct iphdr, saddr), resolver, 4)
				  : bpf_xdp_load_bytes(ctx, l3_off + __builtin_offsetof(struct ipv6hdr, saddr), resolver, 16);
		if (err)
			return -1;
	}

	if (!dns_rate_allows())
		return DS_MISC_DNS_RATE_LIMITED;
	struct ds_dns_event *ev = bpf_ringbuf_reserve(&dns_events, sizeof(*ev), 0);
	if (!ev)
		return DS_MISC_DNS_RINGBUF_FULL;

	__u32 frame_len = ctx->data_end - ctx->data;
	__u32 dns_len = frame_len > dns_off ? frame_len - dns_off : 0;
	__u32 copy = dns_len < DS_DNS_COPY_BYTES ? dns_len : DS_DNS_COPY_BYTES;
	ev->via = via;
	ev->family = family;
	ev->dns_len = dns_len > 0xffff ? 0xffff : dns_len;
	ev->reserved = 0;
	__builtin_memcpy(ev->resolver, resolver, sizeof(resolver));
	if (copy > 0 && copy <= DS_DNS_COPY_BYTES && bpf_xdp_load_bytes(ctx, dns_off, ev->dns, copy))
		copy = 0;
	ev->copied = copy;
	bpf_ringbuf_submit(ev, 0);
	return DS_MISC_DNS_SENT;
}

#endif /* DARKSCOPE_BPF_DNS_BACKSCATTER_H */
