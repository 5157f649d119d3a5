#include "web/landing_page.h"

#include "text/html_escape.h"

namespace darkscope {

std::string landing_page_html(const LandingPage& page) {
    const std::string path = html_escape(page.telemetry_path);
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>darkscope</title></head>\n"
        "<body>\n<h1>darkscope</h1>\n<p>An XDP/eBPF darknet sensor. Version " +
        html_escape(page.version) + ".</p>\n<p><a href=\"" + path + "\">Metrics</a> (" + path +
        ")</p>\n<h2>Sensor</h2>\n<table>\n";
    for (const auto& [what, state] : page.state)
        html += "<tr><th>" + html_escape(what) + "</th><td>" + html_escape(state) + "</td></tr>\n";
    return html + "</table>\n</body>\n</html>\n";
}

}  // namespace darkscope
