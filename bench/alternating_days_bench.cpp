// Replay of a capture that goes back and forth between two days (issue #18, item 7):
// every frame steps to the other day and ends an interval, so every frame flushes.
// Writes such captures of 400, 4,000 and 40,000 frames (tests/support/alternating_capture.h)
// and times, each as its own process (wall, user and system CPU from wait4):
//   baseline   `darkscope replay` without --openmetrics (no sampling), same capture
//   backfill   `darkscope replay --openmetrics FILE`
// and prints each one's CPU per frame and its growth against the 400-frame capture:
// linear when the CPU grows as the frames do (x10, x100).
//   bench/alternating_days_bench [--max-frames N] [--darkscope PATH]   (PATH: another build)
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "process_cost.h"
#include "support/alternating_capture.h"

namespace fs = std::filesystem;
using darkscope::bench::Cost;
using darkscope::bench::run;

int main(int argc, char** argv) {
    std::string darkscope = DARKSCOPE_BIN;
    uint32_t max_frames = 40000;
    for (int i = 1; i < argc; i += 2) {
        const std::string opt = argv[i];
        if (i + 1 < argc && opt == "--max-frames") {
            max_frames = static_cast<uint32_t>(std::stoul(argv[i + 1]));
        } else if (i + 1 < argc && opt == "--darkscope") {
            darkscope = argv[i + 1];
        } else {
            std::fprintf(stderr, "usage: alternating_days_bench [--max-frames N] [--darkscope PATH]\n");
            return 2;
        }
    }
    const fs::path dir = fs::temp_directory_path() / ("darkscope-alternating-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::printf("darkscope: %s\n\n", darkscope == DARKSCOPE_BIN ? "this build" : "the --darkscope build");
    std::printf("| frames | run | wall s | user s | sys s | CPU ms per frame | CPU x the 400-frame run |\n"
                "|---:|---|---:|---:|---:|---:|---:|\n");
    double first_plain = 0, first_om = 0;
    bool ok = true;
    for (uint32_t frames : {400u, 4000u, 40000u}) {
        if (frames > max_frames) break;
        const std::string pcap = (dir / "alternating.pcap").string(), om = (dir / "out.om").string();
        darkscope::test::write_pcap_file(pcap, darkscope::test::alternating_frames({.frames = frames}));
        const Cost plain = run({darkscope, "replay", "--no-progress", pcap});
        const Cost backfill = run({darkscope, "replay", "--no-progress", "--openmetrics", om, pcap});
        if (frames == 400) first_plain = plain.cpu(), first_om = backfill.cpu();
        for (const auto& [what, c, first] : {std::tuple{"replay (baseline)", plain, first_plain},
                                             std::tuple{"replay --openmetrics", backfill, first_om}}) {
            std::printf("| %u | %s%s | %.2f | %.2f | %.2f | %.3f | %.1f |\n", frames, what,
                        c.status == 0 ? "" : (" (exit " + std::to_string(c.status) + ")").c_str(), c.wall, c.user,
                        c.sys, c.cpu() * 1000 / frames, first > 0 ? c.cpu() / first : 0.0);
            ok = ok && c.status == 0;
        }
    }
    fs::remove_all(dir);
    return ok ? 0 : 1;
}
