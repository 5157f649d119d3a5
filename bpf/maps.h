/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the darkscope XDP program, each with what it holds and who reads it. */
#ifndef DARKSCOPE_BPF_MAPS_H
#define DARKSCOPE_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "darkscope/abi.h"

/* Monitored destination prefixes, IPv4 and IPv6 (written by the agent before attach). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DS_PREFIX_MAP_ENTRIES);
	__type(key, struct ds_lpm_key);
	__type(value, __u8);
} dark_prefixes SEC(".maps");

/* Source prefixes never counted as dark: the operator's management network. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DS_PREFIX_MAP_ENTRIES);
	__type(key, struct ds_lpm_key);
	__type(value, __u8);
} allowed_sources SEC(".maps");

/* Frame counters by class, pass reason, malformed reason and misc (layout in abi.h).
 * Cumulative, never reset; the agent sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DS_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, struct ds_counter);
} stats SEC(".maps");

/* Exact per-port counters: DS_PORT_SLOTS x 65,536 (see enum ds_port_slot) per CPU,
 * CPU after CPU (cfg_port_cpus), in one mmap-able array that the agent reads as
 * memory and sums: a per-CPU array costs a syscall walk of 393,216 entries at every
 * scrape (133-203 ms, bench/agent_bench). Replay: one section. Cumulative, never
 * reset or evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DS_PORT_SLOTS * DS_PORTS_PER_SLOT); /* set by the agent: CPUs x that */
	__type(key, __u32);
	__type(value, struct ds_counter);
} port_stats SEC(".maps");

/* TCP SYNs (without ACK) by the set of tool rules they matched: index = rule mask
 * (DS_RULE_BIT of each enum ds_tool matched). Cumulative; the agent sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DS_RULE_MASKS);
	__type(key, __u32);
	__type(value, struct ds_counter);
} tool_stats SEC(".maps");

/* Probes by header signature (struct ds_signature_key, bpf/signature.h). Cumulative,
 * never reset or evicted; a full map refuses new keys (DS_MISC_SIGNATURE_FULL).
 * The agent reads it every poll and sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DS_SIGNATURE_MAP_ENTRIES);
	__type(key, struct ds_signature_key);
	__type(value, struct ds_counter);
} signatures SEC(".maps");

/* Per-CPU signature slots in front of `signatures` (struct ds_signature_slot,
 * abi.h): CPUs x cfg_signature_slots entries, cumulative, never reset or evicted.
 * The agent reads them through mmap and adds them to the hash's entries by key. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* set by the agent: CPUs x slots per CPU */
	__type(key, __u32);
	__type(value, struct ds_signature_slot);
} signature_slots SEC(".maps");

/* Source ports whose probes are counted by destination port, as a bitmap
 * (DS_WATCHED_PORT_WORDS in abi.h): the agent sets the bit of each source port
 * admitted to darkscope_source_port_packets_total, never clears one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DS_WATCHED_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} watched_source_ports SEC(".maps");

/* Probes from a watched source port by destination port (struct
 * ds_source_port_dest_key). Cumulative, never reset; a full map refuses new keys
 * (DS_MISC_SOURCE_PORT_DEST_FULL). The agent reads it every poll and sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DS_SOURCE_PORT_DEST_ENTRIES);
	__type(key, struct ds_source_port_dest_key);
	__type(value, struct ds_counter);
} source_port_dests SEC(".maps");

/* Per-source accounting, double-buffered: the program fills whichever map
 * active_sources[0] holds; the agent swaps in the other one (the kernel waits for
 * running programs before the swap returns) and drains the idle one, so no update
 * races with a delete. A full map refuses new keys and the packet is counted in
 * DS_MISC_UNATTRIBUTED instead: nothing is evicted, nothing is lost. */
struct ds_source_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DS_SOURCE_MAP_DEFAULT_ENTRIES);
	__type(key, struct ds_source_key);
	__type(value, struct ds_source_value);
};
struct ds_source_map sources_a SEC(".maps");
struct ds_source_map sources_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ds_source_map);
} active_sources SEC(".maps"); /* set by the agent right after load */

/* The per-source table in front of the per-source hash, so that the packets of a
 * source already seen in this poll interval touch no hash: two generations of
 * cfg_cache_slots slots (struct ds_cache_slot) shared by the CPUs, 4-way
 * set-associative, first come first served (a full set sends new keys to the
 * hash). The program fills generation source_table_gen[0]; the agent flips it,
 * swaps the hash (whose RCU wait covers the flip) and drains and zeroes the idle
 * generation through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* set by the agent: 2 x slots per generation */
	__type(key, __u32);
	__type(value, struct ds_cache_slot);
} source_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} source_table_gen SEC(".maps"); /* 0 or 1, written by the agent only */

/* Replay's frames (abi.h, struct ds_replay_frame), written by the agent through
 * mmap and counted by darkscope_replay; one entry unless replay sizes it to
 * DS_REPLAY_BATCH_FRAMES. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ds_replay_frame);
} replay_frames SEC(".maps");

/* DNS backscatter for the agent (struct ds_dns_event), read by its DNS reader thread
 * (live) or after each frame (replay). Not pinned: each agent reads its own program's. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DS_DNS_RINGBUF_DEFAULT_BYTES); /* bytes; the agent may resize it */
} dns_events SEC(".maps");

/* Per-CPU rate limit of dns_events: the theoretical arrival time of the next event
 * (GCRA), in bpf_ktime_get_coarse_ns() time. Only the program touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dns_rate SEC(".maps");

#endif /* DARKSCOPE_BPF_MAPS_H */
