// What a backfill costs (issue #17): writes a sparse three-day capture (7,700 TCP
// SYNs and a few hundred UDP, ICMP and backscatter frames; tests/support/sparse_capture.h),
// then times, each as its own process (wall, user and system CPU from wait4):
//   baseline   tshark reading the capture, and `darkscope replay` without --openmetrics
//   backfill   `darkscope replay --openmetrics FILE` (and the file's size and lines)
//   import     `promtool tsdb create-blocks-from openmetrics FILE DIR`
//   bench/backfill_bench [--interval D] [--darkscope PATH]   (PATH: another build, to compare)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "process_cost.h"
#include "support/sparse_capture.h"

namespace fs = std::filesystem;
using darkscope::bench::Cost;
using darkscope::bench::run;

namespace {

void row(const char* what, const Cost& c, const std::string& extra = "") {
    std::printf("| %s | %.2f | %.2f | %.2f | %s%s |\n", what, c.wall, c.user, c.sys,
                c.status == 0 ? "" : ("exit " + std::to_string(c.status) + " ").c_str(), extra.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    std::string interval = "60s", darkscope = DARKSCOPE_BIN;
    for (int i = 1; i < argc; i += 2) {
        const std::string opt = argv[i];
        if (i + 1 < argc && opt == "--interval") {
            interval = argv[i + 1];
        } else if (i + 1 < argc && opt == "--darkscope") {
            darkscope = argv[i + 1];
        } else {
            std::fprintf(stderr, "usage: backfill_bench [--interval DURATION] [--darkscope PATH]\n");
            return 2;
        }
    }
    const fs::path dir = fs::temp_directory_path() / ("darkscope-backfill-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string pcap = (dir / "sparse.pcap").string(), om = (dir / "out.om").string();
    const darkscope::test::SparseCapture spec;
    darkscope::test::write_pcap_file(pcap, darkscope::test::sparse_frames(spec));
    std::printf("capture: %u SYNs + %u UDP + %u ICMP + %u backscatter over 3 days, %ju bytes; --interval %s; darkscope: %s\n\n",
                spec.syns, spec.udp_probes, spec.icmp_echoes, spec.backscatter,
                static_cast<uintmax_t>(fs::file_size(pcap)), interval.c_str(), darkscope == DARKSCOPE_BIN ? "this build" : "the --darkscope build");

    std::printf("| run | wall s | user s | sys s | output |\n|---|---:|---:|---:|---|\n");
    row("tshark -r (baseline)", run({"tshark", "-r", pcap}));
    row("replay (baseline)", run({darkscope, "replay", "--no-progress", "--interval", interval, pcap}));
    const Cost backfill =
        run({darkscope, "replay", "--no-progress", "--interval", interval, "--openmetrics", om, pcap});
    uint64_t lines = 0;
    {
        std::ifstream in(om);
        for (std::string l; std::getline(in, l);) lines++;
    }
    const uint64_t size = fs::exists(om) ? fs::file_size(om) : 0;
    row("replay --openmetrics", backfill,
        std::to_string(size) + " bytes, " + std::to_string(lines) + " lines");
    row("promtool tsdb create-blocks-from openmetrics",
        run({"promtool", "tsdb", "create-blocks-from", "openmetrics", om, (dir / "tsdb").string()}));
    fs::remove_all(dir);
    return backfill.status == 0 ? 0 : 1;
}
