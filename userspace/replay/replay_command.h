// Registers `darkscope replay` on the CLI.
#pragma once

namespace CLI {
class App;
}

namespace darkscope {

void add_replay_command(CLI::App& app);

}  // namespace darkscope
