#include "capture/pcap_reader.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace darkscope {

PcapReader::PcapReader(const std::string& path) : path_(path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!handle_) throw std::runtime_error(path + ": not a readable capture: " + errbuf);
    const int link = pcap_datalink(handle_);
    if (link != DLT_EN10MB) {
        const char* name = pcap_datalink_val_to_name(link);
        pcap_close(handle_);
        handle_ = nullptr;
        throw std::runtime_error(path + ": link type " + (name ? name : std::to_string(link)) +
                                 " is not Ethernet (EN10MB)");
    }
}

PcapReader::~PcapReader() {
    if (handle_) pcap_close(handle_);
}

bool PcapReader::next(CaptureFrame& frame) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_, &header, &data);
    if (rc == PCAP_ERROR_BREAK) return false;  // end of file
    if (rc != 1)
        throw std::runtime_error(path_ + ": unreadable after frame " + std::to_string(frames_) + ": " +
                                 pcap_geterr(handle_));
    ++frames_;
    // Opened with nanosecond precision, tv_usec holds nanoseconds.
    frame.timestamp_ns = static_cast<int64_t>(header->ts.tv_sec) * 1000000000 + header->ts.tv_usec;
    frame.wire_length = header->len;
    frame.bytes = std::span<const uint8_t>(data, header->caplen);
    return true;
}

uint64_t PcapReader::bytes_read() const {
    FILE* f = handle_ ? pcap_file(handle_) : nullptr;
    long pos = f ? ftell(f) : -1;
    return pos < 0 ? 0 : static_cast<uint64_t>(pos);
}

}  // namespace darkscope
