// The Prometheus form: a fleet's figures from its Prometheus (or Thanos, Mimir),
// each section from the metric families of docs/metrics.md, summed over sensors
// (the `sensor` target label). A family that does not exist (yet) leaves its
// figure empty, and the report says so.
#pragma once

#include <string>

#include "report/figures.h"
#include "report/period.h"
#include "report/prometheus_client.h"

namespace darkscope::report {

// Throws std::runtime_error with one line: Prometheus unreachable, no darkscope
// series at all, or none in the period (an empty period).
Figures figures_from_prometheus(const PrometheusClient& client, const Period& current, const Period& previous,
                                const std::string& timezone);

}  // namespace darkscope::report
