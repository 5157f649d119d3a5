#include "replay/replay.h"

#include <sys/stat.h>

#include <array>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "accumulator/prefetch.h"
#include "capture/pcap_reader.h"
#include "dataplane/data_plane.h"
#include "dataplane/source_table.h"
#include "dataplane/names.h"
#include "dataplane/source_addr.h"
#include "drain/source_pipeline.h"
#include "replay/port_stats_mirror.h"

namespace darkscope {
namespace {

// BPF_PROG_TEST_RUN takes at least an Ethernet header and at most what fits in a
// page with the XDP headroom; the program reads headers only, so a longer frame
// is passed cut to that size (its byte count is then the cut size).
constexpr uint32_t kMinFrame = 14;
constexpr uint32_t kMaxFrame = DS_REPLAY_FRAME_BYTES;
// Entries of the per-source buffer filled first (DataPlaneConfig::small_source_buffer):
// a drain walks every bucket, and replay drains once per second of capture time that
// has frames, thousands of times for a sparse capture of a few days.
constexpr uint32_t kSourceBuffer = 4096;

// Whole-capture distinct counts, beside the accumulator's per-day ones. Keyed by
// SourceAddr and (protocol, port) numbers rather than strings: a 17-byte string key
// cost a heap allocation per drained entry and map, the biggest share of replay's
// time in perf (bench/replay_bench).
class CaptureTotals {
public:
    explicit CaptureTotals(const AccumulatorConfig& c)
        : combinations_({.named = c.port_combinations,
                         .tracked_ports = c.tracked_ports,
                         .max_sources = c.port_combination_max_sources,
                         .max_ports = c.port_combination_max_ports}) {}
    void add(const std::vector<SourceEntry>& entries, const CountryLookup& country) {
        // Each entry's source is hashed once; its record and its port's set are
        // prefetched kAhead entries before its turn, so that the cache misses of
        // several entries overlap (issue #20).
        constexpr size_t kAhead = 8;
        hashes_.resize(entries.size());
        for (size_t i = 0; i < entries.size(); ++i) hashes_[i] = SourceAddrHash{}(SourceAddr::of(entries[i].key));
        auto prefetch = [&](size_t i) {
            const SourceEntry& e = entries[i];
            const SourceAddr addr = SourceAddr::of(e.key);
            sources_.prefetch(HashedSourceAddr{addr, hashes_[i]});
            if (const auto p = ports_.find(uint32_t{e.key.proto} << 16 | e.key.port); p != ports_.end())
                p->second.sources.prefetch(HashedSourceAddr{addr, hashes_[i]});
            keep_prefetches();
        };
        for (size_t i = 0; i < std::min(kAhead, entries.size()); ++i) prefetch(i);
        for (size_t i = 0; i < entries.size(); ++i) {
            if (i + kAhead < entries.size()) prefetch(i + kAhead);
            const SourceEntry& e = entries[i];
            if (e.key.info & DS_KEY_BACKSCATTER) continue;
            const SourceAddr addr = SourceAddr::of(e.key);
            const HashedSourceAddr hashed{addr, hashes_[i]};
            bool is_new = false;
            Source& src = sources_.lazy_emplace(hashed, [&](const auto& make) {
                                       is_new = true;
                                       // Built in place: moving a Source{} made GCC 12 warn that its
                                       // inlined vector "may be used uninitialized" (it is not).
                                       make(std::piecewise_construct, std::forward_as_tuple(addr), std::forward_as_tuple());
                                   })->second;
            if (is_new) {
                src.country = &country_detail_[country ? country(DS_KEY_FAMILY(e.key.info), e.key.addr) : std::string("ZZ")];
                src.country->sources++;
            }
            src.country->packets += e.value.packets;
            src.country->bytes += e.value.bytes;
            if (e.key.proto == 6 && DS_KEY_IS_SYN(e.key.info) && DS_KEY_SYN_TOOL(e.key.info) < DS_TOOL_COUNT) {
                const uint32_t tool = DS_KEY_SYN_TOOL(e.key.info);
                if (!(src.tools & (1u << tool))) {
                    src.tools |= static_cast<uint8_t>(1u << tool);
                    tool_sources_[tool]++;
                }
                tool_ports_[tool][e.key.port] += e.value.packets;
            }
            // Non-first fragments have no port: their source counts, no port does.
            if ((e.key.proto != 6 && e.key.proto != 17) || !DS_KEY_HAS_PORT(e.key.info)) continue;
            combinations_.add_probe(src.combination, proto_port(e.key.proto, e.key.port));
            Port& port = ports_[uint32_t{e.key.proto} << 16 | e.key.port];
            port.detail.packets += e.value.packets;
            port.detail.bytes += e.value.bytes;
            port.sources.lazy_emplace(hashed, [&](const auto& make) {
                port.detail.sources++;
                make(addr);
            });
        }
    }
    void finish(ReplayResult& r) {
        for (auto& [proto_port, port] : ports_)
            r.ports[{ip_protocol_name(static_cast<uint8_t>(proto_port >> 16)), static_cast<uint16_t>(proto_port & 0xffff)}] =
                port.detail;
        r.countries = std::move(country_detail_);
        r.distinct_sources = sources_.size();
        for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t) r.tool_sources[t] = tool_sources_[t];
        r.tool_ports = std::move(tool_ports_);
        r.combinations = combinations_.snapshot(kTopCombinations);
    }

private:
    struct Port {
        PortDetail detail;
        SourceSet sources;
    };
    // What the capture tells of each source, in one record so that an entry looks its
    // source up once.
    struct Source {
        PortDetail* country = nullptr;  // its row of country_detail_ (a std::map: the pointer stays valid)
        SourceCombination combination;  // its standing in combinations_
        uint8_t tools = 0;              // bit t: sent a SYN attributed to enum ds_tool t
    };
    SourceMap<Source> sources_;
    std::array<uint64_t, DS_TOOL_COUNT> tool_sources_{};  // sources with that tool's bit
    std::array<std::map<uint16_t, uint64_t>, DS_TOOL_COUNT> tool_ports_;
    std::map<std::string, PortDetail> country_detail_;
    std::unordered_map<uint32_t, Port> ports_;  // protocol << 16 | destination port
    PortCombinations combinations_;
    std::vector<size_t> hashes_;  // add()'s scratch: each entry's SourceAddrHash
};

uint64_t file_size(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

ReplayResult replay(const std::vector<std::string>& files, const ReplayOptions& options) {
    DataPlaneConfig dpc = options.dataplane;
    dpc.dns_events_per_second = 0;  // every DNS frame of the capture is read, at any speed
    dpc.small_source_buffer = kSourceBuffer;  // drains walk 4,096 buckets while seconds are sparse
    // The same reason for the per-source table: a drain reads every set of it, and the
    // live default (524,288 slots) would make each second of capture time read
    // megabytes. One CPU runs the frames, so a small table holds them.
    if (dpc.source_cache_slots == kAutoSourceTableSlots) dpc.source_cache_slots = kSourceBuffer;
    dpc.per_cpu_port_counters = false;  // one CPU at a time runs the frames
    // Frames are queued and counted DS_REPLAY_BATCH_FRAMES per test run (issue #20):
    // everything that reads what the program counted (a drain, the DNS events)
    // first runs what is queued, so it sees every frame read before it.
    dpc.replay_batches = options.batches;
    DataPlane dp(dpc);
    Accumulator acc(options.accumulator);
    ReplayResult result;
    result.files = files;
    result.batch_error = dp.batch_error();
    dns::BackscatterConfig dns = options.dns;
    dns.resolver_country = options.country;  // the same GeoIP as the sources
    SourcePipeline pipeline(acc, options.victims, dns,
                            [&result](AttackEvent&& ev) { result.attacks.push_back(std::move(ev)); });
    pipeline.open_dns_events(dp.dns_events_fd(), /*thread=*/false);
    CaptureTotals totals(options.accumulator);
    PortStatsMirror ports;  // the per-port array, read where the drained entries say it moved

    uint64_t runts = 0;  // frames shorter than an Ethernet header: malformed, never run
    int64_t interval_end = 0, drain_end = 0, last_ts = 0;
    const int64_t resolution = std::max<int64_t>(1, options.backscatter_resolution_ns);
    std::string dns_day;
    auto backscatter_view = [&](const std::vector<ds_counter>& stats) {
        BackscatterView v = pipeline.view(SIZE_MAX);
        set_dns_event_counters(v, stats);
        return v;
    };
    // Each drain is dated with the last frame's capture time (the kernel's clock means
    // nothing here): the accumulator's days and the victims' flows move with it.
    auto drain = [&] {
        dp.run_frames();
        const std::vector<SourceEntry> entries =
            pipeline.drain(dp, /*swap=*/false, DrainClock::fixed(last_ts), options.country);
        totals.add(entries, options.country);
        ports.note(entries);
    };
    // Everything drained at a flush happened in the interval that just ended, so it
    // is dated with the last frame's capture time (the kernel's clock means nothing here).
    // The counters are read only when someone samples them (the OpenMetrics writer,
    // and the end), and the 393,216-entry per-port array only where it moved
    // (whole, it costs tens of milliseconds of system time: issue #17).
    auto flush = [&](bool final) {
        drain();
        const int64_t ts = last_ts;
        KernelCounters counters;
        if (options.on_interval || final) {
            counters = dp.read_counters(/*port_stats=*/false);
            const std::vector<ds_counter>& port_stats = ports.read(dp, counters.stats);
            counters.stats[DS_STATS_MALFORMED(DS_MAL_ETH_TRUNCATED)].packets += runts;
            acc.update(counters, port_stats, ports.last_read());
        } else {
            acc.update_signatures(dp.read_signatures());
        }
        dp.watch_source_ports(acc.watched_source_ports());  // admitted source ports, from now on
        if (result.frames > 0) {  // no frame read: no day to speak of
            acc.advance_to(ts);
            if (options.on_interval) options.on_interval(ts, acc, backscatter_view(counters.stats));
        }
        if (final) {  // the attacks still going on end with the capture
            pipeline.finish("capture_end");
            result.backscatter = backscatter_view(counters.stats);
        }
    };

    // The day of a timestamp, remembered per Accumulator::day_block(): localtime_r runs
    // once per block instead of twice per frame.
    int64_t cached_block = INT64_MIN;
    std::string cached_day;
    auto day_of = [&](int64_t ts) -> const std::string& {
        if (const int64_t block = Accumulator::day_block(ts); block != cached_block) {
            cached_block = block;
            cached_day = acc.day_of(ts);
        }
        return cached_day;
    };
    std::string last_day;

    uint64_t total_bytes = 0, done_bytes = 0;
    for (const auto& f : files) total_bytes += file_size(f);

    for (const std::string& path : files) {
        try {
            PcapReader reader(path);
            CaptureFrame frame;
            while (reader.next(frame)) {
                const int64_t ts = frame.timestamp_ns;
                if (result.frames == 0) {
                    result.first_ts_ns = ts;
                    interval_end = ts - ts % options.interval_ns + options.interval_ns;
                    drain_end = ts - ts % resolution + resolution;
                }
                // A new interval, or a new day (merged captures jump years): flush
                // what belongs to the previous one before counting this frame.
                const std::string& day = day_of(ts);
                if (result.frames > 0 && (ts >= interval_end || day != last_day)) {
                    flush(false);
                    interval_end = ts - ts % options.interval_ns + options.interval_ns;
                    drain_end = ts - ts % resolution + resolution;
                } else if (result.frames > 0 && ts >= drain_end) {
                    drain();
                    drain_end = ts - ts % resolution + resolution;
                }
                if (day != dns_day) {  // DNS zones count per day, as live
                    dp.run_frames();
                    pipeline.read_dns();
                    pipeline.dns_day(day);
                    dns_day = day;
                }
                if (result.frames == 0 || ts >= last_ts) last_day = day;
                last_ts = result.frames == 0 ? ts : std::max(last_ts, ts);
                result.frames++;
                result.last_ts_ns = std::max(result.last_ts_ns, ts);
                const uint32_t len = static_cast<uint32_t>(frame.bytes.size());
                if (len < kMinFrame) {
                    runts++;
                } else {
                    dp.queue_frame(frame.bytes.data(), std::min(len, kMaxFrame));
                }
                // The ring buffer (1 MiB) holds about 3,500 events: read it well before.
                if ((result.frames & 0x3ff) == 0) {
                    dp.run_frames();
                    pipeline.read_dns();
                }
                if (options.progress && (result.frames & 0x3fff) == 0)
                    options.progress(done_bytes + reader.bytes_read(), total_bytes);
            }
        } catch (const std::exception& e) {
            result.error = e.what();
            break;
        }
        done_bytes += file_size(path);
        if (options.progress) options.progress(done_bytes, total_bytes);
    }
    flush(true);  // its drain runs the frames still queued
    result.test_runs = dp.test_runs();
    totals.finish(result);
    result.snapshot = acc.snapshot();
    result.port_stats = dp.read_port_stats();
    return result;
}

}  // namespace darkscope
