// Registers `darkscope replay` on the CLI.
#pragma once

namespace CLI {
class App;
}

namespace darkscope {

struct CommonOptions;
struct BackscatterOptions;
struct ReplayOptions;

void add_replay_command(CLI::App& app);
// The replay options the command line gives (`report`'s capture form shares them);
// without --dark-prefix every destination is dark.
ReplayOptions replay_options(CommonOptions common, const BackscatterOptions& backscatter);

}  // namespace darkscope
