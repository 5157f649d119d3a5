// PcapReader: frames and timestamps of a classic pcap, and one-line errors for a
// file that is not a capture, a capture cut inside a record, and a non-Ethernet link.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/pcap_reader.h"

using darkscope::CaptureFrame;
using darkscope::PcapReader;

namespace {

// A classic little-endian pcap file, written byte by byte.
class PcapFile {
public:
    PcapFile(uint32_t magic, uint32_t linktype) {
        u32(magic);
        u16(2);
        u16(4);
        u32(0);
        u32(0);
        u32(65535);
        u32(linktype);
    }
    PcapFile& record(uint32_t sec, uint32_t frac, const std::vector<uint8_t>& data, uint32_t wire_len = 0) {
        u32(sec);
        u32(frac);
        u32(static_cast<uint32_t>(data.size()));
        u32(wire_len ? wire_len : static_cast<uint32_t>(data.size()));
        bytes.insert(bytes.end(), data.begin(), data.end());
        return *this;
    }
    std::vector<uint8_t> bytes;

private:
    void u16(uint16_t v) { bytes.insert(bytes.end(), {uint8_t(v), uint8_t(v >> 8)}); }
    void u32(uint32_t v) { bytes.insert(bytes.end(), {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}); }
};

constexpr uint32_t kMicroMagic = 0xa1b2c3d4, kNanoMagic = 0xa1b23c4d;
constexpr uint32_t kEthernet = 1, kRawIp = 101;

class PcapReaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("darkscope-pcap-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
        std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
        return path;
    }
    // The message of the std::runtime_error `f` throws, or "" when it does not throw.
    template <typename F>
    static std::string error_of(F f) {
        try {
            f();
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "";
    }
    std::filesystem::path dir_;
};

TEST_F(PcapReaderTest, ReadsFramesWithNanosecondTimestamps) {
    std::vector<uint8_t> a(60, 0xaa), b(14, 0xbb);
    PcapFile f(kMicroMagic, kEthernet);
    f.record(1700000000, 123456, a).record(1700000001, 7, b, 1514);
    PcapReader reader(write("micro.pcap", f.bytes));
    CaptureFrame frame;
    ASSERT_TRUE(reader.next(frame));
    EXPECT_EQ(frame.timestamp_ns, 1700000000123456000);
    EXPECT_EQ(frame.wire_length, 60u);
    EXPECT_EQ(std::vector<uint8_t>(frame.bytes.begin(), frame.bytes.end()), a);
    ASSERT_TRUE(reader.next(frame));
    EXPECT_EQ(frame.timestamp_ns, 1700000001000007000);
    EXPECT_EQ(frame.wire_length, 1514u);
    EXPECT_EQ(std::vector<uint8_t>(frame.bytes.begin(), frame.bytes.end()), b);
    EXPECT_FALSE(reader.next(frame));
    EXPECT_EQ(reader.frames_read(), 2u);
}

TEST_F(PcapReaderTest, KeepsNanosecondCaptures) {
    PcapFile f(kNanoMagic, kEthernet);
    f.record(1700000000, 123456789, std::vector<uint8_t>(20, 1));
    PcapReader reader(write("nano.pcap", f.bytes));
    CaptureFrame frame;
    ASSERT_TRUE(reader.next(frame));
    EXPECT_EQ(frame.timestamp_ns, 1700000000123456789);
    EXPECT_FALSE(reader.next(frame));
}

TEST_F(PcapReaderTest, EmptyCaptureHasNoFrames) {
    PcapReader reader(write("empty.pcap", PcapFile(kMicroMagic, kEthernet).bytes));
    CaptureFrame frame;
    EXPECT_FALSE(reader.next(frame));
}

TEST_F(PcapReaderTest, RejectsAFileThatIsNotACapture) {
    std::string path = write("notes.txt", std::vector<uint8_t>(100, 'x'));
    std::string msg = error_of([&] { PcapReader r(path); });
    EXPECT_NE(msg.find("not a readable capture"), std::string::npos) << msg;
    EXPECT_NE(msg.find("notes.txt"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST_F(PcapReaderTest, RejectsAMissingFile) {
    std::string msg = error_of([&] { PcapReader r((dir_ / "absent.pcap").string()); });
    EXPECT_NE(msg.find("absent.pcap"), std::string::npos) << msg;
}

TEST_F(PcapReaderTest, RejectsACaptureCutInsideARecord) {
    PcapFile f(kMicroMagic, kEthernet);
    f.record(1, 0, std::vector<uint8_t>(60, 1)).record(2, 0, std::vector<uint8_t>(60, 2));
    f.bytes.resize(f.bytes.size() - 30);
    PcapReader reader(write("cut.pcap", f.bytes));
    CaptureFrame frame;
    ASSERT_TRUE(reader.next(frame));
    std::string msg = error_of([&] { reader.next(frame); });
    EXPECT_NE(msg.find("unreadable after frame 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cut.pcap"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST_F(PcapReaderTest, RejectsACaptureCutInsideTheFileHeader) {
    std::vector<uint8_t> bytes = PcapFile(kMicroMagic, kEthernet).bytes;
    bytes.resize(10);
    std::string msg = error_of([&] { PcapReader r(write("short.pcap", bytes)); });
    EXPECT_NE(msg.find("not a readable capture"), std::string::npos) << msg;
}

TEST_F(PcapReaderTest, RejectsNonEthernetLinkTypes) {
    PcapFile f(kMicroMagic, kRawIp);
    f.record(1, 0, std::vector<uint8_t>(20, 0x45));
    std::string msg = error_of([&] { PcapReader r(write("raw.pcap", f.bytes)); });
    EXPECT_NE(msg.find("is not Ethernet"), std::string::npos) << msg;
    EXPECT_NE(msg.find("RAW"), std::string::npos) << msg;
}

}  // namespace
