// `darkscope status`: what each sensor pinned under /sys/fs/bpf/darkscope has
// attached where, in which mode, and its totals, read straight from the pinned
// links and maps (works whether the agent runs or left its pins with --keep-pinned).
#pragma once

namespace CLI {
class App;
}

namespace darkscope {

void add_status_command(CLI::App& app);

}  // namespace darkscope
