#include "dns/dns_event_reader.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "darkscope/abi.h"

namespace darkscope::dns {

DnsEventReader::DnsEventReader(int ringbuf_fd, BackscatterTracker& tracker) : tracker_(tracker) {
    rb_ = ring_buffer__new(ringbuf_fd, &DnsEventReader::on_event, this, nullptr);
    if (!rb_) throw std::runtime_error(std::string("opening the DNS event ring buffer: ") + std::strerror(errno));
}

DnsEventReader::~DnsEventReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ring_buffer__free(rb_);
}

int DnsEventReader::on_event(void* self, void* data, size_t size) {
    auto* reader = static_cast<DnsEventReader*>(self);
    reader->events_.fetch_add(1, std::memory_order_relaxed);
    if (size < sizeof(ds_dns_event)) return 0;  // the kernel only writes whole events
    const auto* ev = static_cast<const ds_dns_event*>(data);
    const Via via = ev->via == DS_DNS_VIA_ICMP_ERROR ? Via::IcmpError : Via::Response;
    const size_t copied = std::min<size_t>(ev->copied, DS_DNS_COPY_BYTES);
    reader->tracker_.add(via, ev->family, ev->resolver, ev->dns, copied);
    return 0;
}

size_t DnsEventReader::consume() {
    const int n = ring_buffer__consume(rb_);
    return n > 0 ? static_cast<size_t>(n) : 0;
}

void DnsEventReader::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
        while (!stop_) ring_buffer__poll(rb_, 100);  // EINTR and timeouts: look at stop_ again
    });
}

}  // namespace darkscope::dns
