#include "report/markdown_writer.h"

#include <sstream>

namespace darkscope::report {
namespace {

// A pipe inside a cell would end it.
std::string cell(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

void row(std::ostringstream& o, const std::vector<std::string>& cells) {
    o << "|";
    for (const std::string& c : cells) o << " " << cell(c) << " |";
    o << "\n";
}

}  // namespace

std::string markdown(const Document& d) {
    std::ostringstream o;
    o << "# " << d.title << "\n";
    for (const Section& s : d.sections) {
        o << "\n## " << s.title << "\n";
        for (const Block& b : s.blocks) {
            o << "\n";
            if (!b.chart.empty()) {
                o << "![" << b.chart << "](" << b.chart << ")\n";
            } else if (!b.table.header.empty()) {
                row(o, b.table.header);
                row(o, std::vector<std::string>(b.table.header.size(), "---"));
                for (const auto& r : b.table.rows) row(o, r);
            } else {
                o << b.text << "\n";
            }
        }
    }
    return o.str();
}

}  // namespace darkscope::report
