// report.json: every number of the report (members in docs/report.md).
#pragma once

#include <nlohmann/json.hpp>

#include "report/figures.h"

namespace darkscope::report {

nlohmann::json report_json(const Figures& f);

}  // namespace darkscope::report
