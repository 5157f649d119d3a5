// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Traffic generator of the live benchmark and the flood tests (bench/live/). Two
 * ways to run it, chosen at run time by bench/live/traffic_gen.cpp:
 *
 * - Live frames: run through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, each
 *   run gets a copy of one TCP SYN frame, gives it the next of `sources` distinct
 *   sources and returns XDP_TX, which the kernel turns into a transmit on the
 *   interface named by the context's ingress_ifindex. The kernel recycles frame
 *   pages, so a run may see the original frame or one it rewrote before: every
 *   field that varies is written whole.
 * - Relay, where the kernel refuses live frames (EPERM on some kernels): attached
 *   natively to a veth that an AF_PACKET socket sends template frames into, it
 *   rewrites each the same way and returns bpf_redirect(redirect_ifindex), so the
 *   frames reach the receiver as xdp_frames (veth_xdp_xmit), as from a NIC's
 *   driver, never as skbs. Userspace paces; the program still stops at `limit`
 *   and `deadline_ns`, so the count it transmits is exact.
 *
 * Pacing: the end of every call costs the caller ~25 ms asleep here, so userspace
 * makes few long calls and the program itself keeps time: it lets one frame out
 * every interval_ns until deadline_ns and drops the rest, which the kernel recycles
 * untransmitted. It notes when it sent the first and last frame, so the sending
 * window is known whatever the calls cost.
 *
 * Sources: IPv4 198.18.0.0/15 (131,072 addresses), then the destination port steps;
 * IPv6 2001:db8:X:Y::1, one /64 per source. The destination port also cycles through
 * 64 ports (1000 + i % 64), enough for the agent to reach its cap of port series.
 * Each index i gives a distinct per-source key. The IPv4 header checksum is
 * recomputed; the TCP checksum is left stale (no receiver here verifies it: the
 * destination is not local).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Set by userspace before each send (.bss is memory-mapped); one generator thread
 * runs the program at a time, so plain variables suffice. */
__u32 sources = 0;      /* distinct sources to cycle through (0 acts as 1) */
__u32 next_source = 0;
__u64 interval_ns = 0;  /* 0: every run transmits */
__u64 next_tx_ns = 0;
__u64 deadline_ns = 0;  /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) after which nothing is sent */
__u64 limit = 0;        /* frames to transmit in this send */
__u64 sent = 0;         /* frames transmitted so far */
__u64 first_tx_ns = 0, last_tx_ns = 0;
__u32 redirect_ifindex = 0;  /* relay mode: where frames go; 0: live frames (XDP_TX) */

/* A run that comes late may catch up at most this many frames in one burst: the
 * veth ring holds 256, and a burst is sent far faster than any receiver drains. */
#define MAX_CATCH_UP 32

static __always_inline __u16 ipv4_checksum(struct iphdr *ip)
{
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;
	ip->check = 0;
#pragma unroll
	for (int i = 0; i < (int)sizeof(*ip) / 2; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline int transmit(__u32 i, __u64 now)
{
	next_source = i + 1 >= sources ? 0 : i + 1;
	if (!sent)
		first_tx_ns = now;
	last_tx_ns = now;
	sent++;
	return redirect_ifindex ? (int)bpf_redirect(redirect_ifindex, 0) : XDP_TX;
}

SEC("xdp")
int trafficgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;

	__u64 now = bpf_ktime_get_ns();
	if (sent >= limit || now >= deadline_ns)
		return XDP_DROP;
	if (interval_ns) {
		if (now < next_tx_ns)
			return XDP_DROP;
		if (now - next_tx_ns > MAX_CATCH_UP * interval_ns)
			next_tx_ns = now;
		next_tx_ns += interval_ns;
	}
	__u32 i = next_source;
	__u16 port = 1000 + (i & 63);

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		struct tcphdr *th = (void *)(ip + 1);
		if ((void *)(th + 1) > end)
			return XDP_ABORTED;
		ip->saddr = bpf_htonl((198u << 24 | 18u << 16) + (i & 0x1ffff));
		th->dest = bpf_htons(port + ((i >> 17) << 6));
		ip->check = ipv4_checksum(ip);
		return transmit(i, now);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct tcphdr *th = (void *)(ip6 + 1);
		if ((void *)(th + 1) > end)
			return XDP_ABORTED;
		ip6->saddr.in6_u.u6_addr32[1] = bpf_htonl(i);
		th->dest = bpf_htons(port);
		return transmit(i, now);
	}
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
