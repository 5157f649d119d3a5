// Where a loaded XDP program spends its time, by source line: the kernel's JIT line
// table (each BPF line-info record with the address of its JIT code) joined with
// perf samples. perf cannot annotate JIT'd BPF without libopcodes' BPF support,
// which Debian's perf lacks; this needs only libbpf. bench/profile_lines.sh runs it.
//   bench/bpf_lines --table ID           the code ranges of loaded program ID, and
//                                        one "address file:line" row per line record
//   bench/bpf_lines --histogram TABLE... reads `perf script -F ip` on stdin: the
//                                        share of the samples inside the tables'
//                                        programs, per source line and per file
// The table must be read while the perf-recorded programs are still loaded: the
// addresses belong to one load.
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/unique_fd.h"

namespace {

int print_table(__u32 id) {
    {
        darkscope::UniqueFd fd(bpf_prog_get_fd_by_id(id));
        bpf_prog_info info{};
        __u32 len = sizeof info;
        if (!fd.valid() || bpf_obj_get_info_by_fd(fd.get(), &info, &len)) {
            std::fprintf(stderr, "bpf_lines: no loaded program has id %u: %s\n", id, std::strerror(errno));
            return 1;
        }
        const __u32 lines = std::min(info.nr_line_info, info.nr_jited_line_info), rec = info.line_info_rec_size;
        const __u32 funcs = std::min(info.nr_jited_ksyms, info.nr_jited_func_lens);
        std::vector<char> line_info(static_cast<size_t>(lines) * rec);
        std::vector<__u64> jited(lines), starts(funcs);
        std::vector<__u32> sizes(funcs);
        bpf_prog_info want{};
        want.nr_jited_ksyms = funcs;
        want.jited_ksyms = reinterpret_cast<__u64>(starts.data());
        want.nr_jited_func_lens = funcs;
        want.jited_func_lens = reinterpret_cast<__u64>(sizes.data());
        want.nr_line_info = lines;
        want.line_info_rec_size = rec;
        want.line_info = reinterpret_cast<__u64>(line_info.data());
        want.nr_jited_line_info = lines;
        want.jited_line_info_rec_size = sizeof(__u64);
        want.jited_line_info = reinterpret_cast<__u64>(jited.data());
        len = sizeof want;
        if (bpf_obj_get_info_by_fd(fd.get(), &want, &len)) {
            std::fprintf(stderr, "bpf_lines: reading the line table of program %u: %s\n", id, std::strerror(errno));
            return 1;
        }
        std::unique_ptr<btf, decltype(&btf__free)> types(btf__load_from_kernel_by_id(info.btf_id), btf__free);
        if (!types) {
            std::fprintf(stderr, "bpf_lines: program %u has no BTF to name its lines\n", id);
            return 1;
        }
        // Each function's code, then its line records (an address in the code maps to
        // the last record at or before it).
        for (__u32 f = 0; f < funcs; ++f)
            std::printf("code %llx %u\n", static_cast<unsigned long long>(starts[f]), sizes[f]);
        for (__u32 i = 0; i < lines; ++i) {
            const auto* l = reinterpret_cast<const bpf_line_info*>(line_info.data() + static_cast<size_t>(i) * rec);
            const char* file = btf__name_by_offset(types.get(), l->file_name_off);
            const char* base = file ? std::strrchr(file, '/') : nullptr;
            std::printf("%llx %s:%u\n", static_cast<unsigned long long>(jited[i]), base ? base + 1 : (file ? file : "?"),
                        BPF_LINE_INFO_LINE_NUM(l->line_col));
        }
    }
    return 0;
}

int print_histogram(const std::vector<std::string>& tables) {
    std::vector<std::pair<unsigned long long, std::string>> rows;  // JIT address, file:line
    std::vector<std::pair<unsigned long long, unsigned long long>> code;  // [start, end) of each function
    for (const std::string& path : tables) {
        std::ifstream in(path);
        if (!in) {
            std::fprintf(stderr, "bpf_lines: cannot read %s\n", path.c_str());
            return 1;
        }
        for (std::string first; in >> first;) {
            if (first == "code") {
                unsigned long long start, size;
                in >> std::hex >> start >> std::dec >> size;
                code.emplace_back(start, start + size);
            } else {
                std::string where;
                in >> where;
                rows.emplace_back(std::stoull(first, nullptr, 16), where);
            }
        }
    }
    std::sort(rows.begin(), rows.end());
    auto in_code = [&](unsigned long long ip) {
        return std::any_of(code.begin(), code.end(), [ip](const auto& c) { return ip >= c.first && ip < c.second; });
    };
    std::map<std::string, uint64_t> by_line, by_file;
    uint64_t inside = 0, outside = 0;
    std::string word;
    while (std::cin >> word) {
        const unsigned long long ip = std::stoull(word, nullptr, 16);
        auto it = std::upper_bound(rows.begin(), rows.end(), std::make_pair(ip, std::string("\xff")));
        if (!in_code(ip) || it == rows.begin()) {
            outside++;
            continue;
        }
        const std::string& where = std::prev(it)->second;
        by_line[where]++;
        by_file[where.substr(0, where.find(':'))]++;
        inside++;
    }
    std::printf("%llu samples in the programs (%llu elsewhere)\n\n| file | share |\n|---|---:|\n",
                static_cast<unsigned long long>(inside), static_cast<unsigned long long>(outside));
    auto print_sorted = [&](const std::map<std::string, uint64_t>& m, size_t limit) {
        std::vector<std::pair<uint64_t, std::string>> v;
        for (const auto& [k, n] : m) v.emplace_back(n, k);
        std::sort(v.rbegin(), v.rend());
        for (size_t i = 0; i < v.size() && i < limit; ++i)
            std::printf("| %s | %.1f %% |\n", v[i].second.c_str(), inside ? 100.0 * v[i].first / inside : 0);
    };
    print_sorted(by_file, SIZE_MAX);
    std::printf("\n| line (line 0: code the compiler gave no line) | share |\n|---|---:|\n");
    print_sorted(by_line, 25);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "--table" && argc == 3) return print_table(static_cast<__u32>(std::strtoul(argv[2], nullptr, 10)));
    if (mode == "--histogram" && argc > 2) return print_histogram(std::vector<std::string>(argv + 2, argv + argc));
    std::fprintf(stderr, "usage: bpf_lines --table PROGRAM_ID | bpf_lines --histogram TABLE... < perf-script-ips\n");
    return 2;
}
