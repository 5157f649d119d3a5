// Replay's copy of the data plane's per-port array (DS_PORT_SLOTS x 65,536 per-CPU
// entries: tens of milliseconds of system time to read whole), kept current by
// reading only the entries that can have changed since the last read: those named
// by the per-source entries drained since (their protocol and port). The copy is
// checked against the stats array: every packet the program files under a port
// entry is also counted, once, in one class with a port (TCP, UDP, ICMP, ICMPv6;
// not fragments or other protocols), and counters only grow, so when the copy's
// packets add up to those classes' nothing else moved. When they do not (packets
// the per-source map had no room for name no entry), the whole array is read.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/data_plane.h"

namespace darkscope {

class PortStatsMirror {
public:
    // Notes the port entries these drained per-source entries can have counted into.
    void note(const std::vector<SourceEntry>& entries);
    // The whole array as DataPlane::read_port_stats() would read it now, given the
    // stats array read just before (nothing may run in between).
    const std::vector<ds_counter>& read(const DataPlane& dp, const std::vector<ds_counter>& stats);
    // The indices that read() took anew (a superset of the entries that changed),
    // for Accumulator::update().
    const std::vector<uint32_t>& last_read() const { return last_read_; }
    uint64_t full_reads() const { return full_reads_; }
    uint64_t entry_reads() const { return entry_reads_; }

private:
    std::vector<ds_counter> ports_;   // empty until the first (whole) read
    uint64_t packets_ = 0;            // the packets in ports_
    std::vector<uint32_t> changed_;   // indices noted since the last read
    std::vector<uint32_t> last_read_;
    uint64_t full_reads_ = 0, entry_reads_ = 0;
};

// The packets of every class the program also files under a port entry.
uint64_t port_class_packets(const std::vector<ds_counter>& stats);

}  // namespace darkscope
