// Reads Ethernet frames from a pcap or pcapng capture, one at a time, with
// nanosecond timestamps. Used by the ground-truth tests and `darkscope replay`.
#pragma once

#include <cstdint>
#include <span>
#include <string>

struct pcap;

namespace darkscope {

struct CaptureFrame {
    int64_t timestamp_ns = 0;          // capture time, Unix epoch
    uint32_t wire_length = 0;          // length on the wire (may exceed bytes.size())
    std::span<const uint8_t> bytes;    // captured bytes; valid until the next call to next()
};

class PcapReader {
public:
    // Opens a capture. Throws std::runtime_error with a one-line message naming the
    // file when it cannot be read, is not a capture, or its link type is not Ethernet.
    explicit PcapReader(const std::string& path);
    ~PcapReader();
    PcapReader(const PcapReader&) = delete;
    PcapReader& operator=(const PcapReader&) = delete;

    // Fills `frame` with the next frame; false at the end of the capture. Throws
    // std::runtime_error when the file ends inside a record (a truncated capture).
    bool next(CaptureFrame& frame);

    const std::string& path() const { return path_; }
    uint64_t frames_read() const { return frames_; }
    // How far into the file reading has got, in bytes (for progress reports).
    uint64_t bytes_read() const;

private:
    std::string path_;
    pcap* handle_ = nullptr;
    uint64_t frames_ = 0;
};

}  // namespace darkscope
