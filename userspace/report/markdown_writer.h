// report.md: the document's text and tables, charts as image links.
#pragma once

#include <string>

#include "report/document.h"

namespace darkscope::report {

std::string markdown(const Document& d);

}  // namespace darkscope::report
