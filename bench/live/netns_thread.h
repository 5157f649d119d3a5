// Runs code inside a network namespace: setns() changes only the calling thread, so
// the code runs on a thread of its own that enters the namespace first, and what it
// throws is thrown again in the caller. Shared by the traffic generator and the BPF
// statistics reader, which both look up interfaces that exist there only.
#pragma once

#include <functional>
#include <string>

namespace darkscope::bench {

// Throws std::runtime_error when the namespace cannot be entered, or what fn threw
// (as std::runtime_error with its message).
void run_in_netns(const std::string& netns, const std::function<void()>& fn);

// The index of `ifname` in the calling thread's namespace; throws naming `netns`.
int ifindex_in(const std::string& netns, const std::string& ifname);

}  // namespace darkscope::bench
