// RAII owner of the loaded darkscope XDP program and its maps (libbpf skeleton):
// open, set the .rodata knobs, load, fill the prefix tries; read and drain the
// counters; attach to interfaces; run single frames through the program.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/entries.h"
#include "dataplane/reflection_ports.h"
#include "dataplane/prefix.h"
#include "dataplane/unique_fd.h"

struct darkscope_bpf;
struct bpf_map;

namespace darkscope {

class SourceTable;
class MappedArray;

struct DataPlaneConfig {
    std::vector<Prefix> dark_prefixes;
    std::vector<Prefix> allowed_sources;
    bool pass_dark = false;          // XDP_PASS dark packets instead of dropping them
    // UDP source ports of reflection/amplification replies: backscatter, not probes.
    std::vector<uint16_t> reflection_ports = default_reflection_ports();
    uint8_t source_prefix_v4 = 32;   // per-source aggregation, bits
    uint8_t source_prefix_v6 = 64;
    uint32_t source_map_entries = DS_SOURCE_MAP_DEFAULT_ENTRIES;  // per buffer
    // Replay (nothing pinned, drains without swap): when smaller than
    // source_map_entries, sources_a gets only this many entries and is the buffer
    // the program fills, so that a drain walks its few buckets instead of 262,144
    // (issue #17). Before a test_run() could find it full, its entries move to
    // sources_b (source_map_entries), filled until the next drain: a drain period
    // still holds source_map_entries keys, no more, no fewer. 0: both buffers full size.
    uint32_t small_source_buffer = 0;
    // true: each CPU counts ports in a section of its own of the port array; false:
    // one section, for a caller that runs frames on one CPU at a time (replay);
    // never with pin_dir. Either way the array is read through mmap.
    bool per_cpu_port_counters = true;
    // Per-source table slots in front of the hash, per generation and shared by the
    // CPUs (rounded down to a power of two); 0 turns the table off. The default,
    // kAutoSourceTableSlots (source_table.h), is DS_SOURCE_CACHE_DEFAULT_SLOTS.
    uint32_t source_cache_slots = UINT32_MAX;
    // DNS backscatter sent to userspace (dns_events ring buffer): at most
    // dns_events_per_second per CPU on average (0: no limit, as replay wants, every
    // frame counting), in bursts of up to dns_event_burst; what is over is counted.
    uint32_t dns_events_per_second = 10000;
    uint32_t dns_event_burst = 1000;
    uint32_t dns_ringbuf_bytes = DS_DNS_RINGBUF_DEFAULT_BYTES;  // a power of 2, >= the page size
    // Tool fingerprints of TCP SYNs (bpf/fingerprint.h); off only to measure their cost.
    bool fingerprints = true;
    // Header signatures of probes (bpf/signature.h); off only to measure their cost.
    bool signatures = true;
    uint32_t signature_map_entries = DS_SIGNATURE_MAP_ENTRIES;  // distinct signatures kept
    // Per-CPU signature slots in front of the hash (abi.h); 0: none, the hash only.
    uint32_t signature_slots = DS_SIGNATURE_SLOTS_DEFAULT;
    // Replay (never with pin_dir): also load darkscope_replay, which counts up to
    // DS_REPLAY_BATCH_FRAMES frames per BPF_PROG_TEST_RUN (queue_frame). A kernel that
    // refuses it gets the data plane without it: batch_error() says why, and frames
    // then run one per test run.
    bool replay_batches = false;
    // bpffs directory for the counter maps; empty: nothing pinned. Maps already
    // pinned there are reused, so a restarted agent continues the counts.
    std::string pin_dir;
};

// Every entry of a signatures map (the program's, or one pinned), CPUs summed.
std::vector<SignatureEntry> read_signature_map(int map_fd);
// A stats array (the program's, or one pinned), CPUs summed: DS_STATS_ENTRIES.
std::vector<ds_counter> read_stats_map(int map_fd);

enum class XdpMode { Native, Generic, Auto };

struct Attachment {
    std::string ifname;
    int ifindex = 0;
    std::string mode;  // "native" or "generic": what the kernel accepted
};

class DataPlane {
public:
    explicit DataPlane(const DataPlaneConfig& config);  // throws std::runtime_error
    ~DataPlane();
    DataPlane(const DataPlane&) = delete;
    DataPlane& operator=(const DataPlane&) = delete;

    const DataPlaneConfig& config() const { return config_; }
    // The live program (darkscope_xdp); throws when replay batches left it unloaded.
    int prog_fd() const;
    int dns_events_fd() const;  // the ring buffer of struct ds_dns_event

    // Cumulative counters, summed over CPUs: DS_STATS_ENTRIES and
    // DS_PORT_SLOTS * DS_PORTS_PER_SLOT entries (layouts in abi.h).
    std::vector<ds_counter> read_stats() const;
    std::vector<ds_counter> read_port_stats() const;
    // Only the port-array entries at these indices, each into ports[index] (sized
    // for the whole array): one lookup each, for a reader that knows what changed.
    void read_port_stats_at(const std::vector<uint32_t>& indices, std::vector<ds_counter>& ports) const;
    // TCP SYNs by tool-rule mask (DS_RULE_MASKS entries).
    std::vector<ds_counter> read_tool_stats() const;
    // Probes by header signature (cumulative, not drained), in no particular order.
    std::vector<SignatureEntry> read_signatures() const;
    std::vector<SourcePortDestEntry> read_source_port_dests() const;
    // Source ports (proto, port) whose probes the program counts by destination port
    // from now on; adding one already watched changes nothing. Throws
    // std::runtime_error past DS_WATCHED_SOURCE_PORTS.
    void watch_source_ports(const std::vector<ds_source_port_key>& ports);
    // Every cumulative counter at once, for the accumulator. The port array only
    // with port_stats (see KernelCounters).
    KernelCounters read_counters(bool port_stats = true) const;

    // Returns and deletes every per-source entry collected since the last drain.
    // With swap (the live case) the program is first switched to the other buffer
    // and the kernel waits for running programs, so no packet is counted into an
    // entry being deleted. Without swap (replay: nothing runs concurrently) the
    // active buffer is drained in place. Entries still in the idle buffer (left by
    // a crashed agent) are returned too.
    std::vector<SourceEntry> drain_sources(bool swap = true);
    uint32_t source_map_capacity() const { return config_.source_map_entries; }
    uint32_t source_table_slots() const { return table_slots_; }

    // Runs one frame through the program (BPF_PROG_TEST_RUN); returns the XDP verdict.
    // With repeat > 1, duration_ns receives the kernel's mean time per run.
    int test_run(const void* frame, uint32_t len, uint32_t repeat = 1, uint32_t* duration_ns = nullptr);
    // Replay's way in: queues a frame of 14 to DS_REPLAY_FRAME_BYTES bytes, counted at
    // the next run_frames() (or at once when the batch is full), in the order queued.
    // Without batches (replay_batches not set, or refused) the frame runs at once
    // through test_run(). Throws std::runtime_error when the kernel refuses a frame.
    void queue_frame(const void* frame, uint32_t len);
    // Counts the frames queued, with one BPF_PROG_TEST_RUN, or more when a run stops at
    // DS_REPLAY_RUN_INSERTS hash inserts; nothing when none is queued.
    void run_frames();
    bool batches() const { return replay_frames_ != nullptr; }
    // Why replay_batches was asked for and not granted ("" when it was, or was not asked).
    const std::string& batch_error() const { return batch_error_; }
    uint64_t test_runs() const { return test_runs_; }  // BPF_PROG_TEST_RUN calls made

    // Attaches to an interface through a bpf_link (pinned under pin_dir when set;
    // a link already pinned there gets this program swapped in). Auto tries native
    // and falls back to generic (native_fallback_error() says why). Throws
    // std::runtime_error with a one-line message (unknown interface, another XDP
    // program there, no native support).
    Attachment attach(const std::string& ifname, XdpMode mode);
    // Detaches from every interface and removes the pinned links.
    void detach_all();
    // Closes our references but leaves pinned links attached (crash-like exit, tests).
    void release_attachments();
    // Removes the pinned maps and the pin directory (after detach_all).
    void unpin_maps();
    const std::vector<Attachment>& attachments() const { return attachments_; }
    int native_fallback_error() const { return native_fallback_error_; }

private:
    // Opens the BPF object and sets everything that must be set before load, with or
    // without replay's batch program.
    void open_skeleton(bool replay_batches);
    void after_load();  // what the constructor does once the object is loaded
    void set_fast_prefixes();
    std::vector<bpf_map*> pinned_maps() const;
    void check_pinned_layout(bpf_map* m, const std::string& path) const;
    void fill_prefixes(int map_fd, const std::vector<Prefix>& prefixes, const char* what);
    std::vector<SourceEntry> drain_map(int map_fd);
    // Moves sources_a's entries, per-CPU values as they are, into sources_b and
    // makes that the buffer the program fills (small_source_buffer).
    void spill_sources();
    // The fd of sources_a (0) or of the buffer that stands for sources_b (1).
    int buffer_fd(int buffer);

    // The libbpf skeleton, destroyed (programs unloaded, maps closed) with its owner.
    struct SkeletonDeleter {
        void operator()(darkscope_bpf* skel) const;
    };

    DataPlaneConfig config_;
    std::unique_ptr<darkscope_bpf, SkeletonDeleter> skel_;
    UniqueFd inner_shape_;  // open_skeleton()'s shape of the per-source buffers, until load
    int active_buffer_ = 0;  // which of sources_a/sources_b the program fills
    uint32_t small_buffer_ = 0;     // sources_a's entries when small_source_buffer applies, else 0
    uint32_t source_map_flags_ = 0;  // the per-source buffers' map flags
    // With the small buffer, the full-size spill buffer is created at the first spill,
    // and the skeleton's sources_b is a one-entry stand-in: a capture whose seconds
    // never hold small_buffer_ keys never pays for it (see buffer_fd()).
    UniqueFd spill_buffer_;
    uint64_t runs_since_drain_ = 0;  // test_run() frames since the last drain: sources_a's keys at most
    int cpus_ = 0;           // possible CPUs: the port counters and signature slots have a part for each
    uint32_t table_slots_ = 0;  // per-source table slots per generation
    std::unique_ptr<SourceTable> table_;
    // The port counters, mapped: port_sections_ sections of kPortEntries (one per CPU,
    // or one in replay), summed when read.
    std::unique_ptr<MappedArray> port_values_;
    uint32_t port_sections_ = 1;
    static constexpr size_t kPortEntries = DS_PORT_SLOTS * DS_PORTS_PER_SLOT;
    std::unique_ptr<MappedArray> signature_values_;  // the signature slots, mapped for the program's life
    std::unique_ptr<MappedArray> replay_frames_;  // replay's batch, mapped writable (batches() only)
    uint32_t queued_ = 0;  // frames of replay_frames_ waiting for run_frames()
    std::string batch_error_;
    uint64_t test_runs_ = 0;
    std::set<uint32_t> watched_ports_;  // (proto == UDP) * 65536 + source port, as in the bitmap
    std::vector<Attachment> attachments_;
    std::vector<UniqueFd> link_fds_;
    int native_fallback_error_ = 0;
};

}  // namespace darkscope
