#include "report/html_writer.h"

#include "text/html_escape.h"

#include <sstream>

namespace darkscope::report {
namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:right}"
    "td:first-child,th:first-child{text-align:left}th{background:#eee}img{max-width:100%}";

}  // namespace

std::string html(const Document& d) {
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << html_escape(d.title)
      << "</title><link rel=\"icon\" href=\"data:,\"><style>" << kStyle << "</style></head><body>\n<h1>" << html_escape(d.title)
      << "</h1>\n";
    for (const Section& s : d.sections) {
        o << "<h2>" << html_escape(s.title) << "</h2>\n";
        for (const Block& b : s.blocks) {
            if (!b.chart.empty()) {
                o << "<p><img src=\"" << html_escape(b.chart) << "\" alt=\"" << html_escape(b.chart) << "\"></p>\n";
            } else if (!b.table.header.empty()) {
                o << "<table><tr>";
                for (const std::string& h : b.table.header) o << "<th>" << html_escape(h) << "</th>";
                o << "</tr>\n";
                for (const auto& r : b.table.rows) {
                    o << "<tr>";
                    for (const std::string& c : r) o << "<td>" << html_escape(c) << "</td>";
                    o << "</tr>\n";
                }
                o << "</table>\n";
            } else {
                o << "<p>" << html_escape(b.text) << "</p>\n";
            }
        }
    }
    o << "</body></html>\n";
    return o.str();
}

}  // namespace darkscope::report
