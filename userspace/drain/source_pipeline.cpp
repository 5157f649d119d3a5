#include "drain/source_pipeline.h"

namespace darkscope {

SourcePipeline::SourcePipeline(Accumulator& acc, const VictimConfig& victims, const dns::BackscatterConfig& dns,
                               AttackSink ended)
    : acc_(acc), victims_(victims), dns_(dns), ended_(std::move(ended)) {}

SourcePipeline::~SourcePipeline() = default;

void SourcePipeline::open_dns_events(int ringbuf_fd, bool thread) {
    reader_ = std::make_unique<dns::DnsEventReader>(ringbuf_fd, dns_);
    reader_thread_ = thread;
    if (thread) reader_->start();
}

void SourcePipeline::read_dns() {
    if (reader_ && !reader_thread_) reader_->consume();
}

std::vector<SourceEntry> SourcePipeline::drain(DataPlane& dp, bool swap, const DrainClock& clock,
                                               const CountryLookup& country) {
    read_dns();
    std::vector<SourceEntry> entries = dp.drain_sources(swap);
    acc_.add_sources(entries, clock.to_unix_ns, country);
    victims_.add(entries, clock.now_ns, clock.to_unix_ns, country);  // ends idle flows first, packets or not
    hand_ended();
    return entries;
}

void SourcePipeline::finish(const std::string& reason) {
    reader_.reset();  // no more DNS events
    victims_.finish(reason);
    hand_ended();
}

void SourcePipeline::hand_ended() {
    for (AttackEvent& ev : victims_.take_ended()) ended_(std::move(ev));
}

BackscatterView SourcePipeline::view(size_t top_zones) const {
    BackscatterView v;
    v.victims = victims_.snapshot();
    v.dns = dns_.snapshot(top_zones);
    return v;
}

}  // namespace darkscope
