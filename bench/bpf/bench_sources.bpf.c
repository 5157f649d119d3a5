// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark driver (bench/bpf_bench.cpp): before every run it rewrites the
 * frame's source to the next of cfg_sources distinct ones, then tail-calls the
 * program under test. With BPF_PROG_TEST_RUN's repeat, the kernel's mean per run
 * then covers many sources without a syscall per frame; the bench subtracts the
 * driver's own cost by measuring it in front of a bare XDP_DROP.
 *   IPv4 frames: source 198.18.0.0/15 + (i mod 131,072), destination port
 *   1000 + i / 131,072 (198.18.0.0/15 holds only 131,072 sources).
 *   IPv6 frames: source bytes 4..7 = i (2001:db8:X:Y::1, one /64 each).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 cfg_sources = 1;
const volatile __u8 cfg_ipv6 = 0;

__u32 next_source = 0; /* test runs of one call stay on one CPU */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

SEC("xdp")
int bench_sources(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	if ((void *)(p + 38) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__u32 i = next_source;
	next_source = i + 1 >= cfg_sources ? 0 : i + 1;
	if (!cfg_ipv6) {
		__u32 host = i % 131072, port = 1000 + i / 131072;
		p[26] = 198;
		p[27] = 18 + (host >> 16);
		p[28] = host >> 8;
		p[29] = host;
		p[36] = port >> 8;
		p[37] = port;
	} else {
		p[26] = i >> 24;
		p[27] = i >> 16;
		p[28] = i >> 8;
		p[29] = i;
	}
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED; /* no target set */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
