// Reads the data plane's dns_events ring buffer (struct ds_dns_event) into a
// BackscatterTracker: consume() takes what is waiting (replay, after each frame);
// start() runs a thread that waits for events until the reader is destroyed (live).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "dns/backscatter_tracker.h"

struct ring_buffer;

namespace darkscope::dns {

class DnsEventReader {
public:
    DnsEventReader(int ringbuf_fd, BackscatterTracker& tracker);  // throws std::runtime_error
    ~DnsEventReader();  // stops the thread, if started
    DnsEventReader(const DnsEventReader&) = delete;
    DnsEventReader& operator=(const DnsEventReader&) = delete;

    size_t consume();  // every event waiting now; returns how many
    void start();      // a thread that waits for events (wakes at least every 100 ms)
    uint64_t events() const { return events_.load(std::memory_order_relaxed); }

private:
    static int on_event(void* self, void* data, size_t size);

    ring_buffer* rb_ = nullptr;
    BackscatterTracker& tracker_;
    std::atomic<uint64_t> events_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace darkscope::dns
