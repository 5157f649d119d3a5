#include "dataplane/data_plane.h"
#include "dataplane/mapped_array.h"
#include "dataplane/signature_slots.h"
#include "dataplane/source_table.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <netinet/in.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>

#include "darkscope.skel.h"

namespace darkscope {
namespace {

std::runtime_error error(const std::string& what, int err) {
    return std::runtime_error(what + ": " + std::strerror(err < 0 ? -err : err));
}

// Sums a per-CPU array into one value per index. (Replay's plain port array is read
// through its mapping instead: DataPlane::port_values_.)
std::vector<ds_counter> read_percpu_counters(int fd, uint32_t entries) {
    const int ncpu = libbpf_num_possible_cpus();
    std::vector<ds_counter> out(entries);
    std::vector<uint32_t> keys(entries);
    std::vector<ds_counter> values(static_cast<size_t>(entries) * ncpu);
    uint32_t count = entries, out_batch = 0;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    // One batch call reads the whole array (arrays never return ENOSPC).
    int err = bpf_map_lookup_batch(fd, nullptr, &out_batch, keys.data(), values.data(), &count, &opts);
    if (err && errno != ENOENT) throw error("reading per-CPU counters", errno);
    for (uint32_t i = 0; i < count; ++i) {
        ds_counter sum{};
        for (int c = 0; c < ncpu; ++c) {
            sum.packets += values[static_cast<size_t>(i) * ncpu + c].packets;
            sum.bytes += values[static_cast<size_t>(i) * ncpu + c].bytes;
        }
        if (keys[i] < entries) out[keys[i]] = sum;
    }
    return out;
}

void mkdir_p(const std::string& dir) {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos == dir.size() || dir[pos] == '/') {
            std::string part = dir.substr(0, pos);
            if (mkdir(part.c_str(), 0700) && errno != EEXIST) throw error("creating " + part, errno);
        }
    }
}

}  // namespace

DataPlane::DataPlane(const DataPlaneConfig& config) : config_(config) {
    if (config_.source_prefix_v4 > 32 || config_.source_prefix_v6 > 128)
        throw std::runtime_error("source prefix length out of range (IPv4 0-32, IPv6 0-128)");
    if (config_.source_map_entries == 0) throw std::runtime_error("source map size must be at least 1");
    const uint32_t page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
    if (config_.dns_ringbuf_bytes < page || (config_.dns_ringbuf_bytes & (config_.dns_ringbuf_bytes - 1)))
        throw std::runtime_error("the DNS event ring buffer must be a power of 2 of at least " + std::to_string(page) +
                                 " bytes");
    if (config_.dns_event_burst == 0) throw std::runtime_error("the DNS event burst must be at least 1");
    if (config_.source_cache_slots > kMaxSourceTableSlots && config_.source_cache_slots != kAutoSourceTableSlots)
        throw std::runtime_error("the per-source table holds at most " + std::to_string(kMaxSourceTableSlots) + " slots");
    cpus_ = libbpf_num_possible_cpus();
    if (cpus_ <= 0) throw error("counting the possible CPUs", -cpus_);
    table_slots_ = darkscope::source_table_slots(config_.source_cache_slots);
    if (config_.replay_batches && !config_.pin_dir.empty())
        throw std::runtime_error("replay batches are for replay, which pins nothing");

    open_skeleton(config_.replay_batches);
    int err = darkscope_bpf__load(skel_.get());
    if (err && config_.replay_batches) {
        // The batch program needs what the live one does not (bpf_xdp_store_bytes,
        // a packet resized in a loop): a kernel that refuses it still replays, one
        // frame per test run.
        batch_error_ = error("the kernel refused the batch program darkscope_replay", err).what();
        open_skeleton(false);
        err = darkscope_bpf__load(skel_.get());
    }
    inner_shape_ = UniqueFd();  // only load needed it
    if (err) {
        skel_.reset();
        throw error("loading the darkscope XDP program (are you root, with BPF support?)", err);
    }
    after_load();
}

void DataPlane::open_skeleton(bool replay_batches) {
    skel_.reset(darkscope_bpf__open());
    if (!skel_) throw error("opening the darkscope BPF object", errno);

    skel_->rodata->cfg_pass_dark = config_.pass_dark;
    for (uint16_t port : config_.reflection_ports)
        skel_->rodata->cfg_reflection_ports[port / 64] |= uint64_t{1} << (port % 64);
    skel_->rodata->cfg_have_allowlist = !config_.allowed_sources.empty();
    skel_->rodata->cfg_src_prefix_v4 = config_.source_prefix_v4;
    skel_->rodata->cfg_src_prefix_v6 = config_.source_prefix_v6;
    skel_->rodata->cfg_fingerprints = config_.fingerprints;
    skel_->rodata->cfg_signatures = config_.signatures;

    set_fast_prefixes();
    // GCRA: one event per interval, and a burst of B events may arrive B - 1 intervals early.
    const uint64_t interval = config_.dns_events_per_second ? 1'000'000'000ull / config_.dns_events_per_second : 0;
    skel_->rodata->cfg_dns_interval_ns = interval;
    skel_->rodata->cfg_dns_burst_ns = interval * (config_.dns_event_burst - 1);
    bpf_map__set_max_entries(skel_->maps.dns_events, config_.dns_ringbuf_bytes);

    skel_->rodata->cfg_cache_slots = table_slots_;
    skel_->rodata->cfg_cache_set_mask = table_slots_ ? table_slots_ / DS_SOURCE_CACHE_WAYS - 1 : 0;
    bpf_map__set_max_entries(skel_->maps.source_table, SourceTable::map_entries(table_slots_));

    if (config_.pin_dir.empty() && config_.small_source_buffer && config_.small_source_buffer < config_.source_map_entries)
        small_buffer_ = config_.small_source_buffer;
    bpf_map__set_max_entries(skel_->maps.sources_a, small_buffer_ ? small_buffer_ : config_.source_map_entries);
    // The small buffer's spill buffer is made when first needed (spill_sources()).
    bpf_map__set_max_entries(skel_->maps.sources_b, small_buffer_ ? 1u : config_.source_map_entries);
    // Replay one frame per run (the small buffer, never pinned) allocates per-source
    // entries as they come: preallocating the full-size buffer's per-CPU elements cost
    // it 0.7 s at every start, whatever the capture. Live, preallocation keeps an insert
    // from allocating in the packet path, so the agent keeps it. Replay in batches
    // (replay_batches) preallocates as well: a hash that allocates as it comes takes
    // its entries from a per-CPU cache the kernel refills only now and then, and a run
    // of many new sources emptied it and lost their counts (-ENOMEM). Preallocating is
    // what costs a replay's start: hence the spill buffer made only when needed.
    source_map_flags_ = small_buffer_ && !replay_batches ? BPF_F_NO_PREALLOC : 0;
    // The port counters are one mmap-able array (bpf/maps.h, port_stats): live, each
    // CPU counts in a section of its own; replay runs every frame on one CPU at a
    // time, so one section does (a single allocation, read through mmap either way).
    port_sections_ = config_.per_cpu_port_counters ? static_cast<uint32_t>(cpus_) : 1;
    skel_->rodata->cfg_port_cpus = config_.per_cpu_port_counters ? port_sections_ : 0;
    bpf_map__set_max_entries(skel_->maps.port_stats, port_sections_ * kPortEntries);
    if (!config_.per_cpu_port_counters && !replay_batches) {
        if (!config_.pin_dir.empty()) throw std::runtime_error("pinned port counters must be per CPU");
        // Created as it comes too: preallocating 32,768 signatures and 65,536
        // destinations with a value per CPU each was a fifth of a short replay.
        bpf_map__set_map_flags(skel_->maps.signatures, BPF_F_NO_PREALLOC);
        bpf_map__set_map_flags(skel_->maps.source_port_dests, BPF_F_NO_PREALLOC);
    }
    bpf_map__set_map_flags(skel_->maps.sources_a, source_map_flags_);
    bpf_map__set_map_flags(skel_->maps.sources_b, source_map_flags_);
    bpf_map__set_max_entries(skel_->maps.signatures, config_.signature_map_entries);
    const uint32_t signature_slots = signature_slots_per_cpu(config_.signature_slots);
    skel_->rodata->cfg_signature_slots = signature_slots;
    skel_->rodata->cfg_signature_set_mask = signature_slots ? signature_slots / 2 - 1 : 0;
    skel_->rodata->cfg_signature_cpus = static_cast<uint32_t>(cpus_);
    bpf_map__set_max_entries(skel_->maps.signature_slots,
                             signature_slots ? static_cast<uint32_t>(cpus_) * signature_slots : 1u);
    // The outer map's inner map is only a shape for the kernel, which compares
    // hash-map inner maps by type, key, value and flags (the buffers' flags above), not by max_entries. libbpf
    // would build it from the BTF definition at the buffers' default size, whose
    // preallocated per-CPU elements cost 0.6 s of every start and every replay; a
    // one-entry map of the same shape does (libbpf 1.1 cannot resize its own).
    LIBBPF_OPTS(bpf_map_create_opts, shape_opts, .map_flags = source_map_flags_);
    inner_shape_ = UniqueFd(bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sources_shape", sizeof(ds_source_key),
                                           sizeof(ds_source_value), 1, &shape_opts));
    if (inner_shape_.get() < 0) throw error("creating the per-source map's shape", errno);
    if (int err = bpf_map__set_inner_map_fd(skel_->maps.active_sources, inner_shape_.get()))
        throw error("setting the per-source map's shape", err);

    if (!config_.pin_dir.empty()) {
        mkdir_p(config_.pin_dir);
        // Until #20's shared table, the per-source table was per CPU and pinned as
        // source_cache: its slots mean something else now, and reusing the other
        // pinned maps beside it would leave its counts behind undrained.
        const std::string old_table = config_.pin_dir + "/source_cache";
        if (access(old_table.c_str(), F_OK) == 0)
            throw std::runtime_error("the pinned map " + old_table +
                                     " is an earlier darkscope's per-CPU source table, which this agent cannot "
                                     "read: run 'darkscope cleanup' for this sensor (its counts are lost)");
        for (bpf_map* m : pinned_maps()) {
            std::string path = config_.pin_dir + "/" + bpf_map__name(m);
            check_pinned_layout(m, path);
            bpf_map__set_pin_path(m, path.c_str());
        }
    }

    bpf_program__set_autoload(skel_->progs.darkscope_replay, replay_batches);
    // A replay in batches never runs the live program: not verifying it saves a
    // third of a short replay's start (a kernel that refuses the batch program
    // gets the live one back, in open_skeleton(false)).
    bpf_program__set_autoload(skel_->progs.darkscope_xdp, !replay_batches);
    skel_->rodata->cfg_count_inserts = replay_batches;
    bpf_map__set_max_entries(skel_->maps.replay_frames, replay_batches ? DS_REPLAY_BATCH_FRAMES : 1u);
}

void DataPlane::after_load() {
    fill_prefixes(bpf_map__fd(skel_->maps.dark_prefixes), config_.dark_prefixes, "dark prefix");
    fill_prefixes(bpf_map__fd(skel_->maps.allowed_sources), config_.allowed_sources, "allowed source");
    // Which buffer is active survives in the pinned outer map; start on A otherwise.
    uint32_t zero = 0, inner_id = 0;
    const int outer = bpf_map__fd(skel_->maps.active_sources);
    const int fd_a = bpf_map__fd(skel_->maps.sources_a);
    bpf_map_info info{};
    uint32_t info_len = sizeof info;
    if (int err = bpf_obj_get_info_by_fd(bpf_map__fd(skel_->maps.sources_b), &info, &info_len))
        throw error("reading the id of the per-source map sources_b", err);
    if (bpf_map_lookup_elem(outer, &zero, &inner_id) == 0 && inner_id == info.id) {
        active_buffer_ = 1;
    } else {
        active_buffer_ = 0;
        if (bpf_map_update_elem(outer, &zero, &fd_a, BPF_ANY)) throw error("activating the per-source map", errno);
    }
    table_ = std::make_unique<SourceTable>(bpf_map__fd(skel_->maps.source_table), table_slots_);
    port_values_ = std::make_unique<MappedArray>(bpf_map__fd(skel_->maps.port_stats), sizeof(ds_counter));
    if (port_values_->size() != static_cast<size_t>(port_sections_) * kPortEntries)
        throw std::runtime_error("the port counter array has " + std::to_string(port_values_->size()) +
                                 " entries, not " + std::to_string(static_cast<size_t>(port_sections_) * kPortEntries));
    signature_values_ = std::make_unique<MappedArray>(bpf_map__fd(skel_->maps.signature_slots), sizeof(ds_signature_slot));
    if (bpf_program__fd(skel_->progs.darkscope_replay) >= 0)
        replay_frames_ = std::make_unique<MappedArray>(bpf_map__fd(skel_->maps.replay_frames), sizeof(ds_replay_frame),
                                                       /*writable=*/true);
}

void DataPlane::SkeletonDeleter::operator()(darkscope_bpf* skel) const { darkscope_bpf__destroy(skel); }

DataPlane::~DataPlane() { release_attachments(); }

void DataPlane::set_fast_prefixes() {
    auto mask_word = [](const Prefix& p, unsigned word) {
        uint8_t m[4];
        for (unsigned b = 0; b < 4; ++b) {
            const int bits = std::clamp(static_cast<int>(p.length) - static_cast<int>((word * 4 + b) * 8), 0, 8);
            m[b] = static_cast<uint8_t>(0xff00u >> bits);
        }
        uint32_t v;
        std::memcpy(&v, m, 4);  // network order, as the packet holds it
        return v;
    };
    auto net_word = [](const Prefix& p, unsigned word) {
        uint32_t v;
        std::memcpy(&v, p.addr.data() + word * 4, 4);
        return v;
    };
    std::vector<const Prefix*> v4, v6;
    for (const Prefix& p : config_.dark_prefixes) (p.family == DS_FAMILY_IPV4 ? v4 : v6).push_back(&p);
    auto* ro = skel_->rodata;
    ro->cfg_dark_v4_count = v4.size() <= DS_FAST_PREFIXES ? static_cast<uint32_t>(v4.size()) : DS_FAST_PREFIXES + 1;
    for (size_t i = 0; i < v4.size() && i < DS_FAST_PREFIXES; ++i) {
        ro->cfg_dark_v4_net[i] = net_word(*v4[i], 0) & mask_word(*v4[i], 0);
        ro->cfg_dark_v4_mask[i] = mask_word(*v4[i], 0);
    }
    ro->cfg_dark_v6_count = v6.size() <= DS_FAST_PREFIXES ? static_cast<uint32_t>(v6.size()) : DS_FAST_PREFIXES + 1;
    for (size_t i = 0; i < v6.size() && i < DS_FAST_PREFIXES; ++i)
        for (unsigned w = 0; w < 4; ++w) {
            ro->cfg_dark_v6_net[i][w] = net_word(*v6[i], w) & mask_word(*v6[i], w);
            ro->cfg_dark_v6_mask[i][w] = mask_word(*v6[i], w);
        }
}

// A map pinned by another version or other options (another size, say) cannot be
// reused: libbpf would only fail the whole load with EINVAL. Say which map and what
// to do instead, in one line.
void DataPlane::check_pinned_layout(bpf_map* m, const std::string& path) const {
    const UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid()) return;  // not pinned yet
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len)) throw error("reading the pinned map " + path, errno);
    auto differs = [&](const char* what, uint64_t pinned, uint64_t wanted) {
        if (pinned != wanted)
            throw std::runtime_error("the pinned map " + path + " has " + what + " " + std::to_string(pinned) +
                                     " where this agent needs " + std::to_string(wanted) +
                                     " (another darkscope version or other options): start with the options it was "
                                     "made with, or run 'darkscope cleanup' for this sensor (its counts are lost)");
    };
    differs("map type", info.type, bpf_map__type(m));
    differs("key size", info.key_size, bpf_map__key_size(m));
    differs("value size", info.value_size, bpf_map__value_size(m));
    differs("max entries", info.max_entries, bpf_map__max_entries(m));
    differs("flags", info.map_flags, bpf_map__map_flags(m));
}

std::vector<bpf_map*> DataPlane::pinned_maps() const {
    // The counters and the per-source buffers: what a restarted agent must find again.
    // The prefix tries are not pinned; each agent fills them from its configuration.
    return {skel_->maps.stats,         skel_->maps.port_stats,     skel_->maps.tool_stats,
            skel_->maps.signatures,     skel_->maps.signature_slots,
            skel_->maps.sources_a,     skel_->maps.sources_b,      skel_->maps.active_sources,
            skel_->maps.source_table,  skel_->maps.source_table_gen};
}

int DataPlane::prog_fd() const {
    const int fd = bpf_program__fd(skel_->progs.darkscope_xdp);
    if (fd < 0) throw std::runtime_error("this data plane runs replay batches only: its live program is not loaded");
    return fd;
}

int DataPlane::dns_events_fd() const { return bpf_map__fd(skel_->maps.dns_events); }

void DataPlane::fill_prefixes(int map_fd, const std::vector<Prefix>& prefixes, const char* what) {
    if (prefixes.size() > DS_PREFIX_MAP_ENTRIES)
        throw std::runtime_error(std::string("too many ") + what + "es (at most " +
                                 std::to_string(DS_PREFIX_MAP_ENTRIES) + ")");
    const uint8_t one = 1;
    for (const Prefix& p : prefixes) {
        ds_lpm_key key = p.lpm_key();
        if (bpf_map_update_elem(map_fd, &key, &one, BPF_ANY))
            throw error(std::string("adding ") + what + " " + p.str(), errno);
    }
}

std::vector<ds_counter> read_stats_map(int fd) { return read_percpu_counters(fd, DS_STATS_ENTRIES); }

std::vector<ds_counter> DataPlane::read_stats() const { return read_stats_map(bpf_map__fd(skel_->maps.stats)); }

std::vector<ds_counter> DataPlane::read_port_stats() const {
    const ds_counter* v = port_values_->values<ds_counter>();
    std::vector<ds_counter> out(v, v + kPortEntries);
    for (uint32_t cpu = 1; cpu < port_sections_; ++cpu) {
        const ds_counter* section = v + static_cast<size_t>(cpu) * kPortEntries;
        for (size_t i = 0; i < kPortEntries; ++i) {
            out[i].packets += section[i].packets;
            out[i].bytes += section[i].bytes;
        }
    }
    return out;
}

void DataPlane::read_port_stats_at(const std::vector<uint32_t>& indices, std::vector<ds_counter>& ports) const {
    const ds_counter* v = port_values_->values<ds_counter>();
    for (uint32_t index : indices) {
        if (index >= ports.size() || index >= kPortEntries)
            throw std::runtime_error("port-array index " + std::to_string(index) + " out of range");
        ds_counter sum{};
        for (uint32_t cpu = 0; cpu < port_sections_; ++cpu) {
            sum.packets += v[static_cast<size_t>(cpu) * kPortEntries + index].packets;
            sum.bytes += v[static_cast<size_t>(cpu) * kPortEntries + index].bytes;
        }
        ports[index] = sum;
    }
}

std::vector<ds_counter> DataPlane::read_tool_stats() const {
    return read_percpu_counters(bpf_map__fd(skel_->maps.tool_stats), DS_RULE_MASKS);
}

std::vector<SignatureEntry> DataPlane::read_signatures() const {
    return darkscope::read_signatures(bpf_map__fd(skel_->maps.signatures), signature_values_.get());
}

void DataPlane::watch_source_ports(const std::vector<ds_source_port_key>& ports) {
    const int fd = bpf_map__fd(skel_->maps.watched_source_ports);
    for (const ds_source_port_key& key : ports) {
        const uint32_t bit = (key.proto == IPPROTO_UDP ? 65536u : 0u) + key.sport;
        if (!watched_ports_.contains(bit) && watched_ports_.size() >= DS_WATCHED_SOURCE_PORTS)
            throw std::runtime_error("watching source port " + std::to_string(key.sport) + ": at most " +
                                     std::to_string(DS_WATCHED_SOURCE_PORTS) + " source ports are watched");
        if (!watched_ports_.insert(bit).second) continue;  // set at an earlier poll
        // Only the agent writes the bitmap: read, set the bit, write back.
        uint32_t word = bit / 64;
        uint64_t bits = 0;
        if (bpf_map_lookup_elem(fd, &word, &bits) == 0) {
            bits |= uint64_t{1} << (bit % 64);
            if (bpf_map_update_elem(fd, &word, &bits, BPF_ANY) == 0) continue;
        }
        throw error("watching source port " + std::to_string(key.sport), errno);
    }
}

KernelCounters DataPlane::read_counters(bool port_stats) const {
    KernelCounters k;
    k.stats = read_stats();
    if (port_stats) k.port_stats = read_port_stats();
    k.tool_stats = read_tool_stats();
    k.signatures = read_signatures();
    k.source_port_dests = read_source_port_dests();
    return k;
}

// Every entry of a per-CPU hash, read in batches (and deleted with drain): calls
// each(key, values) with the entry's per-CPU values, one per possible CPU.
template <class Key, class Value, class Each>
void for_each_percpu_entry(int fd, bool drain, const char* what, Each each) {
    const int ncpu = libbpf_num_possible_cpus();
    uint32_t batch = 4096;
    // The thread's buffers, kept from call to call: replay drains thousands of times,
    // and fresh ones (hundreds of KiB, zeroed, faulted in page by page) cost it more
    // than the entries they carried (bench/replay_bench).
    static thread_local std::vector<Key> keys;
    static thread_local std::vector<Value> values;
    uint32_t in_batch = 0, out_batch = 0;
    bool first = true;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    for (;;) {
        if (keys.size() < batch) keys.resize(batch);
        if (values.size() < static_cast<size_t>(batch) * ncpu) values.resize(static_cast<size_t>(batch) * ncpu);
        uint32_t count = batch;
        void* in = first ? nullptr : &in_batch;
        int err = drain ? bpf_map_lookup_and_delete_batch(fd, in, &out_batch, keys.data(), values.data(), &count, &opts)
                        : bpf_map_lookup_batch(fd, in, &out_batch, keys.data(), values.data(), &count, &opts);
        int e = err ? errno : 0;
        if (err && e == ENOSPC && count == 0) {  // a bucket larger than the batch
            batch *= 2;
            continue;
        }
        if (err && e != ENOENT) throw error(what, e);
        for (uint32_t i = 0; i < count; ++i)
            each(keys[i], std::span<const Value>(&values[static_cast<size_t>(i) * ncpu], static_cast<size_t>(ncpu)));
        if (e == ENOENT) break;
        in_batch = out_batch;
        first = false;
    }
}

// Every entry of a per-CPU hash of counters with a packet, its CPUs summed
// (Entry: {key, counter}).
template <class Entry>
std::vector<Entry> read_counter_map(int fd, const char* what) {
    using Key = decltype(Entry::key);
    std::vector<Entry> out;
    for_each_percpu_entry<Key, ds_counter>(fd, false, what, [&out](const Key& key, std::span<const ds_counter> cpus) {
        Entry entry{key, {}};
        for (const ds_counter& c : cpus) {
            entry.counter.packets += c.packets;
            entry.counter.bytes += c.bytes;
        }
        if (entry.counter.packets) out.push_back(entry);
    });
    return out;
}

std::vector<SignatureEntry> read_signature_map(int fd) {
    return read_counter_map<SignatureEntry>(fd, "reading the signatures map");
}

std::vector<SourcePortDestEntry> DataPlane::read_source_port_dests() const {
    return read_counter_map<SourcePortDestEntry>(bpf_map__fd(skel_->maps.source_port_dests),
                                                 "reading the source_port_dests map");
}


std::vector<SourceEntry> DataPlane::drain_map(int fd) {
    std::vector<SourceEntry> out;
    for_each_percpu_entry<ds_source_key, ds_source_value>(
        fd, true, "draining the per-source map", [&out](const ds_source_key& key, std::span<const ds_source_value> cpus) {
            SourceEntry entry{key, {}};
            for (const ds_source_value& v : cpus) {
                if (!v.packets) continue;
                entry.value.packets += v.packets;
                entry.value.bytes += v.bytes;
                if (!entry.value.first_seen_ns || v.first_seen_ns < entry.value.first_seen_ns)
                    entry.value.first_seen_ns = v.first_seen_ns;
                entry.value.last_seen_ns = std::max(entry.value.last_seen_ns, v.last_seen_ns);
            }
            if (entry.value.packets) out.push_back(entry);
        });
    return out;
}

std::vector<SourceEntry> DataPlane::drain_sources(bool swap) {
    const int gen_fd = bpf_map__fd(skel_->maps.source_table_gen);
    uint32_t zero = 0, gen = 0;
    if (bpf_map_lookup_elem(gen_fd, &zero, &gen)) throw error("reading the source table generation", errno);
    std::vector<SourceEntry> out;
    if (swap) {
        // Flip the table generation first, then the hash buffer: updating a
        // map-in-map slot from userspace returns only after an RCU grace period, so
        // when it returns no program still holds the old buffer or the old
        // generation, and both can be drained. (A program that read the old
        // generation may have sent new keys to the new buffer: those are counted
        // there, at the next drain.)
        const uint32_t next_gen = (gen + 1) & 1;
        if (bpf_map_update_elem(gen_fd, &zero, &next_gen, BPF_ANY))
            throw error("switching the source table generation", errno);
        const int next = 1 - active_buffer_;
        int next_fd = buffer_fd(next);
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.active_sources), &zero, &next_fd, BPF_ANY))
            throw error("switching the per-source map", errno);
        active_buffer_ = next;
        out = table_->drain(drain_map(buffer_fd(1 - next)), gen, 1);
    } else {
        out = drain_map(buffer_fd(active_buffer_));
        if (small_buffer_ && active_buffer_ == 1) {  // spilled: back to the small buffer, now empty
            const int fd_a = buffer_fd(0);
            if (bpf_map_update_elem(bpf_map__fd(skel_->maps.active_sources), &zero, &fd_a, BPF_ANY))
                throw error("switching the per-source map", errno);
            active_buffer_ = 0;
        }
        // Only a crashed agent's pinned maps can hold entries in the idle buffer:
        // unpinned (replay) it stays empty, and walking its buckets would double the
        // cost of every drain.
        if (!config_.pin_dir.empty()) {
            std::vector<SourceEntry> idle = drain_map(buffer_fd(1 - active_buffer_));
            out.insert(out.end(), idle.begin(), idle.end());
        }
        out = table_->drain(std::move(out), 0, 2);
    }
    runs_since_drain_ = 0;
    return out;
}

void DataPlane::spill_sources() {
    static_assert(sizeof(ds_source_value) % 8 == 0, "per-CPU values are laid out 8-byte aligned");
    const int fd_a = buffer_fd(0), fd_b = buffer_fd(1);
    std::vector<ds_source_key> keys;
    std::vector<ds_source_value> values;
    for_each_percpu_entry<ds_source_key, ds_source_value>(
        fd_a, true, "moving the per-source map", [&](const ds_source_key& key, std::span<const ds_source_value> cpus) {
            keys.push_back(key);
            values.insert(values.end(), cpus.begin(), cpus.end());
        });
    uint32_t count = static_cast<uint32_t>(keys.size()), zero = 0;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    if (count && bpf_map_update_batch(fd_b, keys.data(), values.data(), &count, &opts))
        throw error("moving the per-source map", errno);
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.active_sources), &zero, &fd_b, BPF_ANY))
        throw error("switching the per-source map", errno);
    active_buffer_ = 1;
}

int DataPlane::buffer_fd(int buffer) {
    if (buffer == 0) return bpf_map__fd(skel_->maps.sources_a);
    if (!small_buffer_) return bpf_map__fd(skel_->maps.sources_b);
    if (!spill_buffer_.valid()) {
        // The same shape as the buffers (the outer map accepts no other), at full size.
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = source_map_flags_);
        spill_buffer_ = UniqueFd(bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sources_b", sizeof(ds_source_key),
                                                sizeof(ds_source_value), config_.source_map_entries, &opts));
        if (!spill_buffer_.valid()) {
            const int err = errno;
            throw error("creating the per-source spill buffer of " + std::to_string(config_.source_map_entries) +
                            " entries",
                        err);
        }
    }
    return spill_buffer_.get();
}

int DataPlane::test_run(const void* frame, uint32_t len, uint32_t repeat, uint32_t* duration_ns) {
    // Each run adds at most one key: spill before the small buffer could be full.
    if (small_buffer_ && active_buffer_ == 0 && runs_since_drain_ + repeat > small_buffer_) spill_sources();
    runs_since_drain_ += repeat;
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = static_cast<int>(repeat));
    test_runs_++;
    if (int err = bpf_prog_test_run_opts(prog_fd(), &opts)) throw error("BPF_PROG_TEST_RUN", err);
    if (duration_ns) *duration_ns = opts.duration;
    return static_cast<int>(opts.retval);
}

void DataPlane::queue_frame(const void* frame, uint32_t len) {
    if (!replay_frames_) {
        test_run(frame, len);
        return;
    }
    if (len < 14 || len > DS_REPLAY_FRAME_BYTES)
        throw std::runtime_error("a replayed frame must hold 14 to " + std::to_string(DS_REPLAY_FRAME_BYTES) +
                                 " bytes, not " + std::to_string(len));
    if (queued_ == DS_REPLAY_BATCH_FRAMES) run_frames();
    ds_replay_frame& slot = replay_frames_->writable_values<ds_replay_frame>()[queued_++];
    slot.len = len;
    std::memcpy(slot.frame, frame, len);
}

void DataPlane::run_frames() {
    if (!queued_) return;
    // The same rule as test_run(): each frame adds at most one key.
    if (small_buffer_ && active_buffer_ == 0 && runs_since_drain_ + queued_ > small_buffer_) spill_sources();
    runs_since_drain_ += queued_;
    const uint32_t frames = queued_;
    queued_ = 0;
    // A run stops early once it inserted DS_REPLAY_RUN_INSERTS hash entries (bpf/count.h):
    // the next one goes on from there.
    for (uint32_t first = 0; first < frames;) {
        const ds_replay_batch batch{.first = first, .frames = frames - first, .pad = {}};
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &batch, .data_size_in = sizeof batch);
        test_runs_++;
        if (int err = bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.darkscope_replay), &opts))
            throw error("BPF_PROG_TEST_RUN of a batch of " + std::to_string(frames) + " frames", err);
        if (opts.retval == 0 || opts.retval > frames - first)
            throw std::runtime_error("the batch program counted " + std::to_string(first) + " of " +
                                     std::to_string(frames) + " frames (the kernel refused resizing or filling the next)");
        first += opts.retval;
    }
}

Attachment DataPlane::attach(const std::string& ifname, XdpMode mode) {
    const unsigned ifindex = if_nametoindex(ifname.c_str());
    if (!ifindex) throw std::runtime_error("interface '" + ifname + "' does not exist");
    Attachment a{ifname, static_cast<int>(ifindex), ""};

    // A restarted agent finds its link pinned: swap the new program in atomically,
    // so the interface is never without a counting program.
    const std::string pin = config_.pin_dir.empty() ? "" : config_.pin_dir + "/link_" + ifname;
    if (!pin.empty()) {
        UniqueFd fd(bpf_obj_get(pin.c_str()));
        if (fd.valid()) {
            if (bpf_link_update(fd.get(), prog_fd(), nullptr)) {
                const int e = errno;
                throw error("replacing the program on " + ifname, e);
            }
            LIBBPF_OPTS(bpf_xdp_query_opts, q);
            bpf_xdp_query(static_cast<int>(ifindex), 0, &q);
            a.mode = q.attach_mode == XDP_ATTACHED_SKB ? "generic" : "native";
            link_fds_.push_back(std::move(fd));
            attachments_.push_back(a);
            return a;
        }
    }

    auto try_attach = [&](uint32_t flags) {
        LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
        int fd = bpf_link_create(prog_fd(), static_cast<int>(ifindex), BPF_XDP, &opts);
        return fd < 0 ? -errno : fd;
    };
    int fd = -EINVAL;
    if (mode != XdpMode::Generic) {
        fd = try_attach(XDP_FLAGS_DRV_MODE);
        a.mode = "native";
    }
    if (fd < 0 && (mode == XdpMode::Generic || (mode == XdpMode::Auto && fd != -EBUSY && fd != -EEXIST))) {
        if (mode == XdpMode::Auto) native_fallback_error_ = -fd;
        fd = try_attach(XDP_FLAGS_SKB_MODE);
        a.mode = "generic";
    }
    if (fd < 0) {
        if (fd == -EBUSY || fd == -EEXIST)
            throw std::runtime_error("interface '" + ifname + "' already runs another XDP program; detach it first (ip link set dev " + ifname + " xdp off)");
        throw error("attaching XDP (" + a.mode + ") to " + ifname, -fd);
    }
    UniqueFd link(fd);
    if (!pin.empty() && bpf_obj_pin(link.get(), pin.c_str())) {
        const int e = errno;
        throw error("pinning the XDP link at " + pin, e);
    }
    link_fds_.push_back(std::move(link));
    attachments_.push_back(a);
    return a;
}

void DataPlane::detach_all() {
    // Closing the last reference to an unpinned link detaches the program.
    for (const Attachment& a : attachments_)
        if (!config_.pin_dir.empty()) unlink((config_.pin_dir + "/link_" + a.ifname).c_str());
    link_fds_.clear();  // closes them
    attachments_.clear();
}

void DataPlane::release_attachments() {
    link_fds_.clear();  // closes them; pinned links stay attached
    attachments_.clear();
}

void DataPlane::unpin_maps() {
    if (config_.pin_dir.empty()) return;
    for (bpf_map* m : pinned_maps()) bpf_map__unpin(m, nullptr);
    rmdir(config_.pin_dir.c_str());
}

}  // namespace darkscope
