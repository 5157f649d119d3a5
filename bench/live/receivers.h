// What receives the generator's traffic on the sensor side, one class each: a bare
// XDP_DROP, the kernel stack alone, darkscope's agent, and the tools an operator
// would otherwise run (tcpdump, pmacctd). Each says how many packets it counted
// between begin() and end(); the whole receiving side runs on one CPU.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "live/testbed.h"

namespace darkscope::bench {

struct ReceiverPlacement {
    int cpu = 0;   // the receiver's core: NAPI thread and user-space processes
    int nice = 0;
};

class Receiver {
public:
    Receiver(const Testbed& tb, ReceiverPlacement where) : tb_(tb), where_(where) {}
    virtual ~Receiver() = default;
    virtual std::string name() const = 0;
    virtual void setup() {}  // once per round: attach, start a daemon
    virtual void begin() = 0;  // before a send
    // After the send, once the ring is drained: packets counted since begin().
    virtual uint64_t end() = 0;
    virtual void teardown() {}
    // Figures of the last measurement besides the count (darkscope's agent).
    virtual std::map<std::string, double> figures() const { return {}; }

protected:
    // argv prefix that runs a command in the sensor namespace on the receiver's core.
    std::vector<std::string> on_receiver_core() const;

    const Testbed& tb_;
    ReceiverPlacement where_;
};

// bench/bpf/xdp_drop.bpf.c attached natively: the most any XDP program can do here.
class BareDrop : public Receiver {
public:
    using Receiver::Receiver;
    std::string name() const override { return "bare XDP_DROP"; }
    void setup() override;
    void begin() override;
    uint64_t end() override;
    void teardown() override;

protected:
    virtual const char* object() const { return XDP_DROP_OBJ; }

private:
    uint64_t start_ = 0;
};

// XDP_DROP after reading the frame's first and last byte (bench/bpf/xdp_read_drop.bpf.c):
// what fetching the headers costs any program that parses them.
class ReadDrop : public BareDrop {
public:
    using BareDrop::BareDrop;
    std::string name() const override { return "XDP_DROP reading the frame"; }

protected:
    const char* object() const override { return XDP_READ_DROP_OBJ; }
};

// No XDP program: the IP layer takes every frame in and drops it (null route).
class KernelStack : public Receiver {
public:
    using Receiver::Receiver;
    std::string name() const override { return "kernel stack"; }
    void begin() override;
    uint64_t end() override;

private:
    uint64_t start_ = 0;
};

// `tcpdump -w /dev/null`: its own count of packets captured.
class Tcpdump : public Receiver {
public:
    using Receiver::Receiver;
    std::string name() const override { return "tcpdump -w /dev/null"; }
    void begin() override;
    uint64_t end() override;

private:
    pid_t pid_ = -1;
    std::string log_;
};

// pmacctd aggregating by source host, destination port and protocol (print plugin):
// the packets in the table it writes.
class Pmacctd : public Receiver {
public:
    using Receiver::Receiver;
    std::string name() const override { return "pmacctd"; }
    void begin() override;
    uint64_t end() override;

private:
    pid_t pid_ = -1;
    std::string log_, csv_, conf_;
};

// `darkscope run` on the sensor interface: every frame its data plane counted
// (classes + passed + malformed), read from /metrics; plus the agent's own figures.
class DarkscopeAgent : public Receiver {
public:
    // table_slots: --source-cache-slots ("auto" or a count).
    DarkscopeAgent(const Testbed& tb, ReceiverPlacement where, uint32_t source_map_entries, std::string table_slots)
        : Receiver(tb, where), source_map_entries_(source_map_entries), table_slots_(std::move(table_slots)) {}
    std::string name() const override { return "darkscope"; }
    void setup() override;
    void begin() override;
    uint64_t end() override;
    void teardown() override;
    std::map<std::string, double> figures() const override { return figures_; }

private:
    std::map<std::string, double> scrape(double* seconds = nullptr) const;
    double cpu_seconds() const;

    uint32_t source_map_entries_;
    std::string table_slots_;
    pid_t pid_ = -1;
    std::string log_, sensor_name_;
    std::map<std::string, double> start_, figures_;
    double cpu_start_ = 0, wall_start_ = 0;
};

}  // namespace darkscope::bench
