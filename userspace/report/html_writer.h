// index.html: the same document, self-contained (inline style, charts as SVG files
// beside it, no script, nothing fetched from the network).
#pragma once

#include <string>

#include "report/document.h"

namespace darkscope::report {

std::string html(const Document& d);

}  // namespace darkscope::report
