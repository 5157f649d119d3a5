/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsers for the darkscope XDP program. A cursor walks the frame; each
 * parse_* checks its header against data_end before touching it and returns a
 * negative ds_malformed_reason (as -(reason + 1)) when the frame is too short.
 */
#ifndef DARKSCOPE_BPF_PARSING_H
#define DARKSCOPE_BPF_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "darkscope/abi.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define ETH_P_QINQ_LEGACY 0x9100
/* ICMP types (linux/icmp.h would drag in libc headers that BPF cannot use). */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define ETH_P_MPLS_UNICAST 0x8847
#define ETH_P_MPLS_MULTICAST 0x8848

#define PARSE_ERR(reason) (-(int)(reason)-1)
#define PARSE_REASON(err) ((__u32)(-(err)-1))

struct cursor {
	void *pos;
	void *end;
};

struct vlan_tag {
	__be16 tci;
	__be16 next_proto;
};

static __always_inline int is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD) ||
	       h_proto == bpf_htons(ETH_P_QINQ_LEGACY);
}

/* Ethernet, up to DS_MAX_VLAN_TAGS stacked tags and up to DS_MAX_MPLS_LABELS MPLS
 * labels. Returns the network-order ethertype of the payload (IPv4 or IPv6 after
 * MPLS, guessed from the version nibble as routers do) or a PARSE_ERR. */
static __always_inline int parse_l2(struct cursor *c, __u32 *vlan_tags)
{
	struct ethhdr *eth = c->pos;
	if ((void *)(eth + 1) > c->end)
		return PARSE_ERR(DS_MAL_ETH_TRUNCATED);
	c->pos = eth + 1;
	__u16 proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < DS_MAX_VLAN_TAGS; i++) {
		if (!is_vlan(proto))
			break;
		struct vlan_tag *tag = c->pos;
		if ((void *)(tag + 1) > c->end)
			return PARSE_ERR(DS_MAL_VLAN_TRUNCATED);
		c->pos = tag + 1;
		proto = tag->next_proto;
		(*vlan_tags)++;
	}
	if (is_vlan(proto))
		return PARSE_ERR(DS_MAL_VLAN_TOO_DEEP);

	if (proto == bpf_htons(ETH_P_MPLS_UNICAST) || proto == bpf_htons(ETH_P_MPLS_MULTICAST)) {
		int bottom = 0;
#pragma unroll
		for (int i = 0; i < DS_MAX_MPLS_LABELS; i++) {
			__u8 *label = c->pos;
			if ((void *)(label + 4) > c->end)
				return PARSE_ERR(DS_MAL_MPLS_TRUNCATED);
			c->pos = label + 4;
			if (label[2] & 1) {
				bottom = 1;
				break;
			}
		}
		if (!bottom)
			return PARSE_ERR(DS_MAL_MPLS_TRUNCATED);
		__u8 *first = c->pos;
		if ((void *)(first + 1) > c->end)
			return PARSE_ERR(DS_MAL_MPLS_TRUNCATED);
		if ((*first >> 4) == 4)
			return bpf_htons(ETH_P_IP);
		if ((*first >> 4) == 6)
			return bpf_htons(ETH_P_IPV6);
		return 0; /* not IP under the labels (pseudowire, ...) */
	}
	return proto;
}

/* What the L3 parsers learn about a packet. */
struct l3_info {
	__u8 family;
	__u8 proto;       /* L4 protocol after IPv6 extension headers */
	__u8 non_first_fragment;
	__u8 first_fragment;
	__u8 ttl;         /* IPv4 TTL or IPv6 hop limit */
	__u16 ip_id;      /* IPv4 identification, host order */
	void *src;        /* points into the packet */
	void *dst;
};

static __always_inline int parse_ipv4(struct cursor *c, struct l3_info *l3)
{
	struct iphdr *iph = c->pos;
	if ((void *)(iph + 1) > c->end)
		return PARSE_ERR(DS_MAL_IPV4_TRUNCATED);
	if (iph->version != 4)
		return PARSE_ERR(DS_MAL_IPV4_BAD_VERSION);
	if (iph->ihl < 5)
		return PARSE_ERR(DS_MAL_IPV4_BAD_IHL);
	void *l4 = (void *)iph + iph->ihl * 4;
	if (l4 > c->end)
		return PARSE_ERR(DS_MAL_IPV4_TRUNCATED);
	c->pos = l4;
	__u16 frag = bpf_ntohs(iph->frag_off);
	l3->family = DS_FAMILY_IPV4;
	l3->proto = iph->protocol;
	l3->non_first_fragment = (frag & 0x1fff) != 0;
	l3->first_fragment = !l3->non_first_fragment && (frag & 0x2000);
	l3->ttl = iph->ttl;
	l3->ip_id = bpf_ntohs(iph->id);
	l3->src = &iph->saddr;
	l3->dst = &iph->daddr;
	return 0;
}

/* The fixed IPv6 header only: the extension headers are walked after the
 * destination is known to be dark, so non-dark traffic costs nothing more. */
static __always_inline int parse_ipv6_fixed(struct cursor *c, struct l3_info *l3)
{
	struct ipv6hdr *ip6 = c->pos;
	if ((void *)(ip6 + 1) > c->end)
		return PARSE_ERR(DS_MAL_IPV6_TRUNCATED);
	if (ip6->version != 6)
		return PARSE_ERR(DS_MAL_IPV6_BAD_VERSION);
	c->pos = ip6 + 1;
	l3->family = DS_FAMILY_IPV6;
	l3->proto = ip6->nexthdr;
	l3->ttl = ip6->hop_limit;
	l3->src = &ip6->saddr;
	l3->dst = &ip6->daddr;
	return 0;
}

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off; /* Fragment header only */
};

static __always_inline int is_ipv6_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS;
}

/* Hop-by-Hop, Routing, Fragment and Destination Options, in any order, up to
 * DS_MAX_IPV6_EXT_HEADERS of them. Stops at a non-first fragment: what follows
 * its header is payload, not a header. */
static __always_inline int parse_ipv6_ext(struct cursor *c, struct l3_info *l3)
{
#pragma unroll
	for (int i = 0; i < DS_MAX_IPV6_EXT_HEADERS; i++) {
		if (!is_ipv6_ext(l3->proto))
			return 0;
		struct ipv6_ext *ext = c->pos;
		if ((void *)(ext + 1) > c->end)
			return PARSE_ERR(DS_MAL_IPV6_EXT_TRUNCATED);
		__u32 len;
		if (l3->proto == IPPROTO_FRAGMENT) {
			__u16 off = bpf_ntohs(ext->frag_off);
			len = 8;
			if (off & 0xfff8)
				l3->non_first_fragment = 1;
			else if (off & 1) /* M set; offset 0, M clear is an atomic fragment (RFC 6946) */
				l3->first_fragment = 1;
		} else {
			len = ((__u32)ext->hdrlen + 1) * 8;
		}
		if (c->pos + len > c->end)
			return PARSE_ERR(DS_MAL_IPV6_EXT_TRUNCATED);
		c->pos += len;
		l3->proto = ext->nexthdr;
		if (l3->non_first_fragment)
			return 0;
	}
	if (is_ipv6_ext(l3->proto))
		return PARSE_ERR(DS_MAL_IPV6_EXT_TOO_DEEP);
	return 0;
}

#endif /* DARKSCOPE_BPF_PARSING_H */
