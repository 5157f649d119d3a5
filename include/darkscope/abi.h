/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * darkscope ABI: the one definition of every map key, value and enum shared by
 * the XDP program (bpf/) and the C++ agent (userspace/). Plain C, fixed-width
 * types only, so clang -target bpf and g++ see the same layout.
 */
#ifndef DARKSCOPE_ABI_H
#define DARKSCOPE_ABI_H

#include <linux/types.h>

/* A check at compile time, in C (the BPF programs) and in C++ (the agent) alike. */
#ifdef __cplusplus
#define DS_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define DS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Class of a dark packet. Every dark frame lands in exactly one class. */
enum ds_class {
	DS_CLASS_TCP_SYN = 0,      /* SYN without ACK: a connection probe */
	DS_CLASS_TCP_SYNACK,       /* SYN+ACK: backscatter of a spoofed SYN flood */
	DS_CLASS_TCP_RST,          /* RST (with or without ACK): backscatter */
	DS_CLASS_TCP_ACK,          /* ACK only */
	DS_CLASS_TCP_FIN,          /* FIN only (FIN scan) */
	DS_CLASS_TCP_NULL,         /* no flags at all (NULL scan) */
	DS_CLASS_TCP_XMAS,         /* FIN+PSH+URG without SYN/RST/ACK (Xmas scan) */
	DS_CLASS_TCP_OTHER,        /* any other flag combination */
	DS_CLASS_UDP,              /* UDP not from a reflection port: a probe */
	DS_CLASS_DNS_RESPONSE,     /* UDP from source port 53: backscatter */
	DS_CLASS_UDP_REFLECTION,   /* UDP from another reflection port (NTP 123, SNMP 161, ...):
				    * a victim's reply to a spoofed request, backscatter */
	DS_CLASS_ICMP_ECHO_REQUEST,
	DS_CLASS_ICMP_ECHO_REPLY,  /* backscatter */
	DS_CLASS_ICMP_UNREACHABLE, /* backscatter (ICMP error) */
	DS_CLASS_ICMP_TIME_EXCEEDED, /* backscatter (ICMP error) */
	DS_CLASS_ICMP_OTHER,
	DS_CLASS_OTHER_PROTO,      /* an IP protocol other than TCP, UDP, ICMP, ICMPv6 */
	DS_CLASS_FRAGMENT,         /* a non-first fragment: no L4 header to classify */
	DS_CLASS_COUNT
};

/* Backscatter: replies of victims to packets spoofed with the sensor's addresses.
 * The reports exclude these classes from access counts and analyse them apart. */
#define DS_BACKSCATTER_CLASSES                                                       \
	((1u << DS_CLASS_TCP_SYNACK) | (1u << DS_CLASS_TCP_RST) |                   \
	 (1u << DS_CLASS_DNS_RESPONSE) | (1u << DS_CLASS_UDP_REFLECTION) |          \
	 (1u << DS_CLASS_ICMP_ECHO_REPLY) |                                         \
	 (1u << DS_CLASS_ICMP_UNREACHABLE) | (1u << DS_CLASS_ICMP_TIME_EXCEEDED))
#define DS_CLASS_IS_BACKSCATTER(cls) ((DS_BACKSCATTER_CLASSES >> (cls)) & 1u)

/* L4 protocol dimension of the class counters. */
enum ds_proto {
	DS_PROTO_TCP = 0,
	DS_PROTO_UDP,
	DS_PROTO_ICMP,
	DS_PROTO_ICMPV6,
	DS_PROTO_OTHER,
	DS_PROTO_COUNT
};

/* Why a frame was passed to the kernel stack without being counted as dark. */
enum ds_pass_reason {
	DS_PASS_NON_IP = 0,       /* ARP, LLDP, MPLS, ...: not IPv4/IPv6 */
	DS_PASS_NOT_DARK,         /* destination outside every monitored prefix */
	DS_PASS_ALLOWLISTED,      /* source in the operator's allowlist */
	DS_PASS_COUNT
};

/* Why a frame was counted as malformed. A malformed frame is never read past its end. */
enum ds_malformed_reason {
	DS_MAL_ETH_TRUNCATED = 0, /* shorter than an Ethernet header */
	DS_MAL_VLAN_TRUNCATED,    /* an 802.1Q/802.1ad tag cut off */
	DS_MAL_VLAN_TOO_DEEP,     /* more stacked tags than the parser follows */
	DS_MAL_IPV4_TRUNCATED,    /* IPv4 header (or its options, per IHL) cut off */
	DS_MAL_IPV4_BAD_IHL,      /* IHL < 5 */
	DS_MAL_IPV4_BAD_VERSION,  /* ethertype IPv4, version field not 4 */
	DS_MAL_IPV6_TRUNCATED,    /* fixed IPv6 header cut off */
	DS_MAL_IPV6_BAD_VERSION,  /* ethertype IPv6, version field not 6 */
	DS_MAL_IPV6_EXT_TRUNCATED,/* an extension header cut off */
	DS_MAL_IPV6_EXT_TOO_DEEP, /* more extension headers than the parser follows */
	DS_MAL_TCP_TRUNCATED,     /* fixed 20-byte TCP header cut off */
	DS_MAL_TCP_BAD_OFFSET,    /* TCP data offset < 5 */
	DS_MAL_UDP_TRUNCATED,
	DS_MAL_ICMP_TRUNCATED,
	DS_MAL_MPLS_TRUNCATED,    /* an MPLS label stack cut off or deeper than followed */
	DS_MAL_COUNT
};

/* Slots of the per-port counter array: DS_PORT_SLOTS x 65,536 entries. */
enum ds_port_slot {
	DS_SLOT_TCP_DST = 0,   /* probe TCP by destination port */
	DS_SLOT_UDP_DST,       /* probe UDP by destination port */
	DS_SLOT_TCP_SRC_BACKSCATTER, /* TCP backscatter by source (victim) port */
	DS_SLOT_UDP_SRC_BACKSCATTER, /* UDP backscatter by source (victim) port */
	DS_SLOT_ICMP,          /* ICMP: index type << 8 | code */
	DS_SLOT_ICMPV6,        /* ICMPv6: index type << 8 | code */
	DS_PORT_SLOTS
};
#define DS_PORTS_PER_SLOT 65536u
#define DS_PORT_INDEX(slot, port) ((__u32)(slot) * DS_PORTS_PER_SLOT + (__u32)(port))

/*
 * Scanning tools recognised from fixed header fields of TCP SYNs without ACK
 * (docs/fingerprints.md). Each rule is tested on its own: a SYN's rule mask has bit
 * DS_RULE_BIT(tool) for every rule it matches, and the SYN is attributed to the tool
 * of the first matching rule in this order, the least likely to match by chance first
 * (a masscan SYN always matches the nmap rule too; an nmap SYN matches the ZMap rule
 * once in 65,536). IPv6 SYNs are tested against the nmap rule only.
 */
enum ds_tool {
	DS_TOOL_UNKNOWN = 0, /* no rule matched */
	DS_TOOL_MIRAI,       /* TCP sequence number == destination IPv4 address */
	DS_TOOL_MASSCAN,     /* IP ID == low 16 bits of (dst IPv4 ^ dst port ^ seq) */
	DS_TOOL_NMAP,        /* window 1024/2048/3072/4096, TCP header 24 bytes, only option MSS 1460 */
	DS_TOOL_ZMAP,        /* IP ID == 54321 */
	DS_TOOL_COUNT
};
#define DS_RULE_BIT(tool) (1u << ((tool) - 1))
/* Entries of tool_stats: one per rule mask. */
#define DS_RULE_MASKS (1u << (DS_TOOL_COUNT - 1))
#define DS_ZMAP_IP_ID 54321
#define DS_NMAP_MSS_OPTION 0x020405b4u /* kind 2, length 4, MSS 1460 */

/*
 * Header signatures of probes (docs/fingerprints.md, "Header signatures"): dark TCP
 * SYNs without ACK, and UDP not from port 53, counted by source port together with
 * the header fields a scanning tool tends to fix. One per-CPU hash update per probe;
 * the agent sums the CPUs and folds the entries into two views (by source port; by
 * window, TTL and option layout). A full map refuses new keys and the probe is
 * counted in DS_MISC_SIGNATURE_FULL instead.
 */
struct ds_signature_key {
	__u32 options; /* TCP option kinds in order, DS_OPT_* codes, 4 bits each, the first in
			* the low nibble; 0 = no options (and every UDP probe) */
	__u16 sport;   /* source port, host byte order */
	__u16 window;  /* TCP window, host byte order; 0 for UDP */
	__u8 proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 ttl;      /* TTL or hop limit rounded up to 32, 64, 128 or 255 */
	__u16 pad;     /* always 0 */
};
DS_STATIC_ASSERT(sizeof(struct ds_signature_key) == 12 && __builtin_offsetof(struct ds_signature_key, proto) == 8,
		 "the program builds a signature key as three 32-bit words");
#define DS_SIGNATURE_MAP_ENTRIES 32768
/* Per-CPU signature slots in front of the signatures hash (map signature_slots): a
 * signature's first CPU-local home, two ways per set, first come first served and
 * never evicted, so its counter is cumulative like the hash's. A probe whose set is
 * taken goes to the hash. The agent reads the slots through mmap and adds them to
 * the hash's entries by key. One array lookup instead of a hash lookup per probe.
 * struct ds_signature_slot is below, after struct ds_counter. */
#define DS_SIGNATURE_SLOTS_DEFAULT 1024u /* per CPU (a power of 2; 0: none) */
/* Option codes of ds_signature_key.options. At most DS_OPT_SLOTS options are
 * recorded; a header with more gets DS_OPT_MORE in the last slot. */
enum ds_opt_code {
	DS_OPT_NONE = 0, /* end of the list (not an option) */
	DS_OPT_EOL,      /* kind 0, end of option list */
	DS_OPT_NOP,      /* kind 1 */
	DS_OPT_MSS,      /* kind 2 */
	DS_OPT_WS,       /* kind 3, window scale */
	DS_OPT_SOK,      /* kind 4, SACK permitted */
	DS_OPT_SACK,     /* kind 5 */
	DS_OPT_TS,       /* kind 8, timestamps */
	DS_OPT_OTHER,    /* any other kind */
	DS_OPT_BAD,      /* a length below 2, past the header, or cut by the frame's end */
	DS_OPT_MORE = 15 /* more options than slots */
};
#define DS_OPT_SLOTS 8

/*
 * Destination ports probed from the source ports the agent watches (TSUBAME: what the
 * fixed-source-port-6000 scanner probes). The agent puts a source port in
 * watched_source_ports once it is admitted to darkscope_source_port_packets_total; the
 * program then counts the probes (TCP SYNs without ACK, UDP not from port 53) from it
 * by destination port in the per-CPU hash source_port_dests. A full map refuses new
 * keys and the probe is counted in DS_MISC_SOURCE_PORT_DEST_FULL instead.
 */
struct ds_source_port_key {
	__u16 sport;  /* source port, host byte order */
	__u8 proto;   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;     /* always 0 */
};
struct ds_source_port_dest_key {
	__u16 sport;  /* source port, host byte order */
	__u16 dport;  /* destination port, host byte order */
	__u8 proto;   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[3];  /* always 0 */
};
#define DS_WATCHED_SOURCE_PORTS 64
/* The watched source ports as a bitmap the program reads with one array load (a hash
 * lookup cost a SYN about 30 ns): word (proto == UDP ? 1024 : 0) + sport / 64, bit
 * sport % 64. */
#define DS_WATCHED_PORT_WORDS (2 * 65536 / 64)
#define DS_SOURCE_PORT_DEST_ENTRIES 65536

/* Things counted besides the one counter each frame lands in. */
enum ds_misc {
	DS_MISC_UNATTRIBUTED = 0, /* dark packets the per-source map had no room for */
	DS_MISC_FIRST_FRAGMENT,   /* dark first fragments (also counted in their L4 class) */
	DS_MISC_VLAN_TAGGED,      /* frames that carried at least one 802.1Q/802.1ad tag */
	/* DNS backscatter (a DNS response, or an ICMP error quoting UDP to or from port 53):
	 * each one is sent to the agent, or counted as not sent, and why. */
	DS_MISC_DNS_SENT,         /* put in the dns_events ring buffer */
	DS_MISC_DNS_RATE_LIMITED, /* over the per-CPU rate (cfg_dns_interval_ns) */
	DS_MISC_DNS_RINGBUF_FULL, /* the ring buffer was full: the agent is behind */
	DS_MISC_SIGNATURE_FULL,   /* probes whose header signature the signatures map had no room for */
	/* TCP segments whose data offset runs past the end of the frame (a 20-byte header
	 * claiming 24, as some scanners send): counted in their class all the same. */
	DS_MISC_TCP_HEADER_CUT,
	/* probes from a watched source port the source_port_dests map had no room for */
	DS_MISC_SOURCE_PORT_DEST_FULL,
	DS_MISC_COUNT
};

/*
 * Layout of the per-CPU `stats` array. Every frame the program sees adds to
 * exactly one of the class, pass or malformed entries, so their sum is the
 * number of frames; the misc entries count properties on top of that.
 */
#define DS_STATS_CLASS(proto, cls) ((__u32)(proto) * DS_CLASS_COUNT + (__u32)(cls))
#define DS_STATS_PASS_BASE ((__u32)DS_PROTO_COUNT * (__u32)DS_CLASS_COUNT)
#define DS_STATS_PASS(reason) (DS_STATS_PASS_BASE + (__u32)(reason))
#define DS_STATS_MALFORMED_BASE (DS_STATS_PASS_BASE + (__u32)DS_PASS_COUNT)
#define DS_STATS_MALFORMED(reason) (DS_STATS_MALFORMED_BASE + (__u32)(reason))
#define DS_STATS_MISC_BASE (DS_STATS_MALFORMED_BASE + (__u32)DS_MAL_COUNT)
#define DS_STATS_MISC(what) (DS_STATS_MISC_BASE + (__u32)(what))
#define DS_STATS_ENTRIES (DS_STATS_MISC_BASE + (__u32)DS_MISC_COUNT)

/* Address families as stored in keys. */
#define DS_FAMILY_IPV4 4
#define DS_FAMILY_IPV6 6

/* packets and bytes; the value of every per-CPU counter array. */
struct ds_counter {
	__u64 packets;
	__u64 bytes;
};

/* One signature slot (DS_SIGNATURE_SLOTS_DEFAULT above): half a cache line. */
struct ds_signature_slot {
	struct ds_signature_key key; /* valid once counter.packets is non-zero */
	__u32 pad;
	struct ds_counter counter;
};
DS_STATIC_ASSERT(sizeof(struct ds_signature_slot) == 32, "two signature slots share a cache line");

/* Key of a dark-prefix or allowlist LPM trie: both families in one trie,
 * the family byte first so an IPv4 prefix never matches an IPv6 address. */
struct ds_lpm_key {
	__u32 prefixlen;  /* bits, counting the 8-bit family tag: 8 + prefix length */
	__u8 family;      /* DS_FAMILY_IPV4 or DS_FAMILY_IPV6 */
	__u8 addr[16];    /* IPv4 in the first 4 bytes */
} __attribute__((packed));

/* Key of the per-source map: source prefix (masked to the configured length),
 * IP protocol number and the port that matters: the destination port of a probe,
 * the source (victim) port of TCP/UDP backscatter, type << 8 | code for ICMP,
 * 0 for other protocols and non-first fragments (which carry DS_KEY_NO_PORT). */
struct ds_source_key {
	__u8 addr[16];   /* IPv4 in the first 4 bytes, rest zero */
	__u16 port;      /* host byte order */
	__u8 proto;      /* IP protocol number (6, 17, 1, 58, ...) */
	__u8 info;       /* DS_FAMILY_IPV4/6, | DS_KEY_BACKSCATTER for backscatter, | DS_KEY_RST,
			  * | DS_KEY_SYN(tool) on TCP SYNs without ACK */
};
DS_STATIC_ASSERT(sizeof(struct ds_source_key) == 20 && __builtin_offsetof(struct ds_source_key, port) == 16,
		 "the program stores port, proto and info as the key's fifth 32-bit word");
#define DS_KEY_BACKSCATTER 0x80
/* On TCP backscatter keys: the segments were RSTs (clear: SYN-ACKs), so that the
 * agent can tell the two kinds apart per victim and port. */
#define DS_KEY_RST 0x40
/* On probe keys (no DS_KEY_BACKSCATTER): a non-first fragment, which has no port (the
 * key's port is 0 but means none): counted to its source, never to a port. */
#define DS_KEY_NO_PORT 0x40
#define DS_KEY_HAS_PORT(info) (((info) & (DS_KEY_BACKSCATTER | DS_KEY_NO_PORT)) != DS_KEY_NO_PORT)
#define DS_KEY_FAMILY(info) ((info) & 0x07)
/* On TCP SYN (without ACK) keys: 1 + the enum ds_tool the SYN was attributed to, so
 * that the agent counts distinct sources per tool; 0 on every other key. */
#define DS_KEY_SYN_SHIFT 3
#define DS_KEY_SYN(tool) ((__u8)(((tool) + 1) << DS_KEY_SYN_SHIFT))
#define DS_KEY_SYN_MASK 0x38
#define DS_KEY_IS_SYN(info) (((info) & DS_KEY_SYN_MASK) != 0)
#define DS_KEY_SYN_TOOL(info) ((((info) & DS_KEY_SYN_MASK) >> DS_KEY_SYN_SHIFT) - 1)
DS_STATIC_ASSERT(DS_TOOL_COUNT <= 7, "DS_KEY_SYN holds 1 + the tool in the 3 bits of DS_KEY_SYN_MASK");

struct ds_source_value {
	__u64 packets;
	__u64 bytes;
	__u64 first_seen_ns; /* bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC_COARSE */
	__u64 last_seen_ns;  /* refreshed every DS_LAST_SEEN_EVERY packets (per CPU) */
};
/* The per-packet clock read costs ~15 ns; entries live one poll interval, so a
 * last_seen that lags by fewer than this many packets is as good for dating them. */
#define DS_LAST_SEEN_EVERY 64

/* DNS backscatter sent to the agent through the dns_events ring buffer: the DNS
 * message's first bytes, enough for the largest question (12-byte header, 255-byte
 * name, QTYPE, QCLASS = 271), and the peer's address. */
#define DS_DNS_COPY_BYTES 272
enum ds_dns_via {
	DS_DNS_VIA_RESPONSE = 0,   /* UDP from port 53 to a dark address */
	DS_DNS_VIA_ICMP_ERROR,     /* the UDP/53 packet quoted by an ICMP(v6) error */
};
struct ds_dns_event {
	__u8 via;          /* enum ds_dns_via */
	__u8 family;       /* of `resolver` */
	__u16 dns_len;     /* bytes of the DNS message in the frame (its header to the frame's end) */
	__u16 copied;      /* bytes in dns[]: dns_len, at most DS_DNS_COPY_BYTES */
	__u16 reserved;
	/* The other side: the response's source, or the quoted packet's destination
	 * (the server the spoofed query went to). IPv4 in the first 4 bytes. */
	__u8 resolver[16];
	__u8 dns[DS_DNS_COPY_BYTES];
};
#define DS_DNS_RINGBUF_DEFAULT_BYTES (1u << 20)

/* One slot of the per-source table (map source_table): a per-source entry that
 * lives in the table instead of the hash until the agent drains it. The CPUs share
 * the table; a slot belongs to the CPU that claimed it (owner: CPU + 1, 0 while
 * free), which alone writes it, so counting needs no atomics. The claim is one
 * compare-and-swap of the 64-bit word made of the key's last 32 bits (port, proto,
 * info) and owner, which is never 0 once taken (info holds the family). A slot
 * drained by the agent is empty while value.packets is 0. 64 bytes: one cache line. */
struct ds_cache_slot {
	struct ds_source_key key;
	__u32 owner;
	struct ds_source_value value;
	__u64 pad2;
};
DS_STATIC_ASSERT(sizeof(struct ds_cache_slot) == 64, "a source table slot is one 64-byte cache line");
DS_STATIC_ASSERT(__builtin_offsetof(struct ds_cache_slot, owner) == 20,
		 "a slot's claim word is the key's last 32 bits and owner, 8-byte aligned at offset 16");
/* Table slots per generation (a power of two; 0 turns the table off), shared by the
 * CPUs, in sets of DS_SOURCE_CACHE_WAYS consecutive slots (256 bytes, four adjacent
 * cache lines). The table is the per-source table and the hash its overflow. By
 * default DS_SOURCE_CACHE_DEFAULT_SLOTS (32 MiB per generation): about 300,000
 * sources between two drains with about 6 % of them spilling to the hash, whichever
 * CPUs they arrive on (docs/dataplane.md; bench/RESULTS.md). */
#define DS_SOURCE_CACHE_DEFAULT_SLOTS 524288u

/* MurmurHash3's 64-bit finalizer: every input bit moves every output bit, so any
 * bits of the result may index a table. A bare multiplication does not: its low
 * result bits see only the low input bits, and indexing by them put 100,000 IPv4
 * sources (whose varying bytes load into a key word's high bits) into two sets. */
static inline __attribute__((always_inline)) __u64 ds_mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The per-source table set of a key, given as its five 32-bit words as they lie
 * in memory (the program reads them from the stack, the agent copies them out):
 * the words folded into 64 bits and mixed, masked to the sets (set_mask = sets - 1).
 * One definition for both, because the agent's drain finds a key's other entries in
 * the key's own set. */
static inline __attribute__((always_inline)) __u32 ds_table_set(__u32 w0, __u32 w1, __u32 w2, __u32 w3, __u32 w4,
								__u32 set_mask)
{
	__u64 a = ((__u64)w0 << 32) | w1;
	__u64 b = ((__u64)w2 << 32) | w3;
	return (__u32)ds_mix64(a ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ ((__u64)w4 * 0x9e3779b97f4a7c15ULL)) & set_mask;
}
#define DS_SOURCE_CACHE_WAYS 4u

/* Replay in batches (issue #20): `darkscope replay` writes up to
 * DS_REPLAY_BATCH_FRAMES frames into the mmap-able array replay_frames, then one
 * BPF_PROG_TEST_RUN of the program darkscope_replay counts them all, in order, with
 * the live program's own code; the run's packet is a struct ds_replay_batch. A
 * frame is at most DS_REPLAY_FRAME_BYTES long (replay cuts longer ones to it): what
 * fits, with the XDP headroom and tailroom, in the page a test run gets. */
#define DS_REPLAY_BATCH_FRAMES 128u
#define DS_REPLAY_FRAME_BYTES 3500u
/* A batch's run stops before a frame once this many hash entries were inserted in
 * it (bpf/count.h, run_inserts); the agent runs the rest of the batch next. A frame
 * inserts at most three (its source, signature, source port and destination). */
#define DS_REPLAY_RUN_INSERTS 24u
struct ds_replay_frame {
	__u32 len; /* bytes of frame[] used: 14 (an Ethernet header) to DS_REPLAY_FRAME_BYTES */
	__u8 frame[DS_REPLAY_FRAME_BYTES];
};
DS_STATIC_ASSERT(sizeof(struct ds_replay_frame) % 8 == 0, "replay frames lie back to back in the mmap-able array");
/* The packet of a batch's test run: count frames of replay_frames from the first
 * (padded to 16 bytes: a test run's packet holds at least an Ethernet header). */
struct ds_replay_batch {
	__u32 first;
	__u32 frames;
	__u32 pad[2];
};

/* Default sizes; the agent may change max_entries before load. */
#define DS_SOURCE_MAP_DEFAULT_ENTRIES 262144u
#define DS_PREFIX_MAP_ENTRIES 4096u
/* Dark prefixes per family matched from .rodata without the LPM trie. */
#define DS_FAST_PREFIXES 8

/* Parser depth limits (bounded loops the verifier accepts). */
#define DS_MAX_VLAN_TAGS 3
#define DS_MAX_IPV6_EXT_HEADERS 6
#define DS_MAX_MPLS_LABELS 4

#endif /* DARKSCOPE_ABI_H */
