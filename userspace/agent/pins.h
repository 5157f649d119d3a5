// Where each sensor's maps and links are pinned, and how to find them again:
// all that `darkscope status` and `darkscope cleanup` need of the agent.
#pragma once

#include <string>
#include <vector>

namespace darkscope {

// Where each sensor's maps and links are pinned: /sys/fs/bpf/darkscope/<sensor name>.
inline constexpr const char* kPinRoot = "/sys/fs/bpf/darkscope";

// The directory holding every sensor's pins, as reachable from this process:
// kPinRoot, or the same directory of the host's mount namespace through
// /proc/1/root when /sys/fs/bpf is not a BPF filesystem here (`ip netns exec`
// mounts a fresh sysfs over /sys). Throws when neither is a BPF filesystem.
std::string pin_root();

// The names in a directory, sorted, without "." entries (sensors under the pin
// root, pins of one sensor); empty when the directory does not exist.
std::vector<std::string> list_dir(const std::string& dir);

}  // namespace darkscope
