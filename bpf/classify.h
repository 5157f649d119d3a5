/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * L4 parsing and classification of a dark packet: its class (enum ds_class), the
 * port-array slot and port it is filed under, and the protocol row of the stats
 * array. Backscatter (SYN-ACKs, RSTs, replies from reflection ports) is filed under
 * the victim's source port, probes under the destination port, ICMP under
 * type << 8 | code.
 */
#ifndef DARKSCOPE_BPF_CLASSIFY_H
#define DARKSCOPE_BPF_CLASSIFY_H

#include "parsing.h"

/* UDP source ports whose datagrams are replies of reflectors/amplifiers (victims of
 * spoofed requests): backscatter, not probes. A bitmap, bit p of word p / 64; port 53
 * among them is DNS_RESPONSE, every other one UDP_REFLECTION. Set by the agent
 * between skeleton open and load. */
const volatile __u64 cfg_reflection_ports[DS_PORTS_PER_SLOT / 64] = {};

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

#endif /* DARKSCOPE_BPF_CLASSIFY_H */
