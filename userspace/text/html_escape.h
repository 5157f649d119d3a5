// HTML escaping for text put into a page (the landing page, the report), so that
// names from captures, config or the network never become markup.
#pragma once

#include <string>

namespace darkscope {

// & < > " ' as entities: safe in element content and in quoted attribute values.
std::string html_escape(const std::string& text);

}  // namespace darkscope
