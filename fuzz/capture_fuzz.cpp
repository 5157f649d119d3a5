// A capture file of arbitrary bytes through PcapReader, every frame read to its
// last byte. A capture that is not one, or ends inside a record, is an error
// (std::runtime_error), never a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "capture/pcap_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // PcapReader opens a path: give it one onto an in-memory file.
    const int fd = memfd_create("capture", MFD_CLOEXEC);
    if (fd < 0) return 0;
    if (write(fd, data, size) == static_cast<ssize_t>(size)) {
        try {
            darkscope::PcapReader reader("/proc/self/fd/" + std::to_string(fd));
            darkscope::CaptureFrame frame;
            volatile uint8_t sum = 0;
            while (reader.next(frame)) {
                for (uint8_t b : frame.bytes) sum = static_cast<uint8_t>(sum + b);
                (void)reader.bytes_read();
            }
        } catch (const std::runtime_error&) {
        }
    }
    close(fd);
    return 0;
}
