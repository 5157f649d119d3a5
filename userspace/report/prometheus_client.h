// A client of Prometheus' standard HTTP query API (/api/v1/query), so the same
// report runs against Thanos Query or Grafana Mimir: libcurl and nlohmann-json.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace darkscope::report {

struct Sample {
    int64_t ts_ms = 0;
    double value = 0;
};

struct Series {
    std::map<std::string, std::string> labels;  // without __name__
    std::vector<Sample> samples;                // in time order
};

class PrometheusClient {
public:
    explicit PrometheusClient(std::string base_url);
    // An instant query at `time_s`; a range selector (`metric[1d]`) gives the raw
    // samples of each series, a vector one sample each. Throws std::runtime_error with
    // one line: Prometheus unreachable, an HTTP error, or an answer that is not one.
    std::vector<Series> query(const std::string& promql, int64_t time_s) const;
    const std::string& url() const { return base_url_; }

private:
    std::string get(const std::string& path_and_query) const;
    std::string base_url_;
};

}  // namespace darkscope::report
