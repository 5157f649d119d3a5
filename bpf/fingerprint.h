/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Scanning-tool fingerprints of a dark TCP SYN without ACK: a handful of fixed
 * header fields that Mirai, masscan, nmap and ZMap set (enum ds_tool in abi.h; the
 * rules, their false-positive rates and the versions checked are in
 * docs/fingerprints.md). Rules, not proof. Every rule is tested and the set of
 * matches counted (tool_stats), so each rule's count stays comparable with other
 * tools'; the SYN itself is attributed to one tool, the first match in enum order,
 * which goes into its per-source key (the agent gets sources and ports per tool
 * from there). A few compares on header bytes already in cache and one per-CPU
 * array update.
 */
#ifndef DARKSCOPE_BPF_FINGERPRINT_H
#define DARKSCOPE_BPF_FINGERPRINT_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "darkscope/abi.h"
#include "maps.h"
#include "count.h"

/* 0: leave fingerprinting out (the verifier removes the code; bench/bpf_bench
 * measures the cost this way). Set by the agent before load. */
const volatile __u8 cfg_fingerprints = 1;

static __always_inline __u32 nmap_rule(struct tcphdr *th, void *end)
{
	__u16 w = bpf_ntohs(th->window);
	if (th->doff != 6 || w < 1024 || w > 4096 || (w & 1023))
		return 0;
	__u32 *opt = (void *)(th + 1);
	if ((void *)(opt + 1) > end) /* a first fragment cut inside the options */
		return 0;
	return *opt == bpf_htonl(DS_NMAP_MSS_OPTION) ? DS_RULE_BIT(DS_TOOL_NMAP) : 0;
}

/* The IPv4-only rules; iph is the outer IPv4 header. Compared in network byte order,
 * which the three rules allow without swapping: XOR commutes with the byte swap. */
static __always_inline __u32 ipv4_rules(struct iphdr *iph, struct tcphdr *th)
{
	__u32 rules = 0;
	/* masscan: ip_id = ip_them ^ port_them ^ seqno, host-order integers, the low
	 * 16 bits written big-endian (masscan 1.3 src/templ-pkt.c, tcp_create_packet).
	 * The low 16 bits of a host-order address are its last two bytes on the wire. */
	__u16 low16 = bpf_htons(bpf_ntohl(iph->daddr ^ th->seq) & 0xffff);
	if (th->seq == iph->daddr)
		rules |= DS_RULE_BIT(DS_TOOL_MIRAI);
	if (iph->id == (__u16)(low16 ^ th->dest))
		rules |= DS_RULE_BIT(DS_TOOL_MASSCAN);
	if (iph->id == bpf_htons(DS_ZMAP_IP_ID))
		rules |= DS_RULE_BIT(DS_TOOL_ZMAP);
	return rules;
}

static __always_inline __u32 attributed_tool(__u32 rules)
{
	if (rules & DS_RULE_BIT(DS_TOOL_MIRAI))
		return DS_TOOL_MIRAI;
	if (rules & DS_RULE_BIT(DS_TOOL_MASSCAN))
		return DS_TOOL_MASSCAN;
	if (rules & DS_RULE_BIT(DS_TOOL_NMAP))
		return DS_TOOL_NMAP;
	if (rules & DS_RULE_BIT(DS_TOOL_ZMAP))
		return DS_TOOL_ZMAP;
	return DS_TOOL_UNKNOWN;
}

/* Counts a dark TCP SYN (no ACK) whose header starts at th and returns the tool it
 * is attributed to. l3_off: where the IP header begins in the frame. */
static __always_inline __u32 fingerprint_syn(struct xdp_md *ctx, struct tcphdr *th, __u32 l3_off, __u8 family,
					     __u64 len)
{
	void *end = (void *)(long)ctx->data_end;
	if ((void *)(th + 1) > end)
		return DS_TOOL_UNKNOWN;
	__u32 rules = nmap_rule(th, end);
	if (family == DS_FAMILY_IPV4) {
		struct iphdr *iph = (void *)(long)ctx->data + (l3_off & 0xff);
		if ((void *)(iph + 1) <= end)
			rules |= ipv4_rules(iph, th);
	}
	__u32 idx = rules & (DS_RULE_MASKS - 1);
	count(bpf_map_lookup_elem(&tool_stats, &idx), len);
	return attributed_tool(rules);
}

#endif /* DARKSCOPE_BPF_FINGERPRINT_H */
