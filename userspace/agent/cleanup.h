// `darkscope cleanup`: removes what an agent left behind when it crashed or stopped
// with --keep-pinned: the pinned XDP links (which detaches the program) and maps.
#pragma once

namespace CLI {
class App;
}

namespace darkscope {

void add_cleanup_command(CLI::App& app);

}  // namespace darkscope
