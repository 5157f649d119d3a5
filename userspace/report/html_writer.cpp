#include "report/html_writer.h"

#include <sstream>

namespace darkscope::report {
namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:right}"
    "td:first-child,th:first-child{text-align:left}th{background:#eee}img{max-width:100%}";

}  // namespace

std::string html(const Document& d) {
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape(d.title)
      << "</title><link rel=\"icon\" href=\"data:,\"><style>" << kStyle << "</style></head><body>\n<h1>" << escape(d.title)
      << "</h1>\n";
    for (const Section& s : d.sections) {
        o << "<h2>" << escape(s.title) << "</h2>\n";
        for (const Block& b : s.blocks) {
            if (!b.chart.empty()) {
                o << "<p><img src=\"" << escape(b.chart) << "\" alt=\"" << escape(b.chart) << "\"></p>\n";
            } else if (!b.table.header.empty()) {
                o << "<table><tr>";
                for (const std::string& h : b.table.header) o << "<th>" << escape(h) << "</th>";
                o << "</tr>\n";
                for (const auto& r : b.table.rows) {
                    o << "<tr>";
                    for (const std::string& c : r) o << "<td>" << escape(c) << "</td>";
                    o << "</tr>\n";
                }
                o << "</table>\n";
            } else {
                o << "<p>" << escape(b.text) << "</p>\n";
            }
        }
    }
    o << "</body></html>\n";
    return o.str();
}

}  // namespace darkscope::report
