// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* live_bench's second baseline: drop the frame after reading its first and last
 * byte, the least any parser pays. A bare XDP_DROP never reads the frame, which a
 * relay on the other CPU has just written, so its cache lines are still in that
 * CPU's cache; a program that parses the headers pays for fetching them (one or two
 * lines: a 74-byte IPv6 SYN spans two), which is no part of the program's own work. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u8 sink = 0; /* where the bytes go, so that the reads are not optimised away */

SEC("xdp")
int xdp_read_drop(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	if (data + 1 > end)
		return XDP_DROP;
	__u64 last = (__u64)(end - data - 1) & 0xff; /* the frames of live_bench are < 256 bytes */
	if (data + last + 1 > end)
		return XDP_DROP;
	sink = data[0] ^ data[last];
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
