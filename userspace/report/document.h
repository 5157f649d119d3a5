// The report's text, tables and charts, section by section (issue #17's nine),
// built once and rendered by the Markdown and the HTML writers alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/figures.h"

namespace darkscope::report {

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

// One of: a paragraph (text), a table, or a chart (an SVG file beside the report).
struct Block {
    std::string text;
    Table table;
    std::string chart;  // file name
};

struct Section {
    std::string title;
    std::vector<Block> blocks;
};

struct Document {
    std::string title;
    std::vector<Section> sections;
};

// `charts`: chart name ("trend", "ports", "countries") -> SVG file name.
Document build_document(const Figures& f, const std::map<std::string, std::string>& charts);

}  // namespace darkscope::report
