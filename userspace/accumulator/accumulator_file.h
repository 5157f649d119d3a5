// Where the agent keeps its accumulator between runs, so that per-country packets
// and today's distinct sources continue across a restart as the pinned maps
// continue the kernel's counters: /run/darkscope/<sensor>.state, written through a
// temporary file every --state-save-interval and when the agent stops with
// --keep-pinned. It lives in /run, as the pins live in /sys/fs/bpf: until reboot.
#pragma once

#include <string>

namespace darkscope {

class Accumulator;

// The agent's per-sensor files (this one, and status_file.h's for `darkscope status`).
inline constexpr const char* kStateRoot = "/run/darkscope";

std::string accumulator_file_path(const std::string& sensor);  // /run/darkscope/<sensor>.state

// Written whole, mode 0600 in a 0700 directory (it holds every source of the day):
// files/private_file.h. Returns "" or the one-line error.
std::string save_accumulator(const Accumulator& acc, const std::string& path);

// Loads the file into acc when there is one: returns what to log ("" for no
// file). A file that cannot be used leaves acc as it was; the message says why.
std::string restore_accumulator(Accumulator& acc, const std::string& path, bool* restored);

}  // namespace darkscope
