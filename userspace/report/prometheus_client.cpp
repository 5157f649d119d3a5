#include "report/prometheus_client.h"

#include <curl/curl.h>

#include <memory>
#include <stdexcept>

namespace darkscope::report {
namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

std::string escape(CURL* curl, const std::string& s) {
    std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(curl, s.data(), static_cast<int>(s.size())), curl_free);
    return e ? e.get() : "";
}

double sample_value(const nlohmann::json& pair) {
    return std::stod(pair.at(1).get<std::string>());  // "NaN", "+Inf" are doubles too
}

}  // namespace

PrometheusClient::PrometheusClient(std::string base_url) : base_url_(std::move(base_url)) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

std::string PrometheusClient::get(const std::string& path_and_query) const {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) throw std::runtime_error("cannot start libcurl");
    std::string body;
    const std::string url = base_url_ + path_and_query;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    if (CURLcode rc = curl_easy_perform(curl.get()); rc != CURLE_OK)
        throw std::runtime_error("cannot reach Prometheus at " + base_url_ + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        std::string why;
        try {
            why = nlohmann::json::parse(body).value("error", "");
        } catch (const nlohmann::json::exception&) {
        }
        throw std::runtime_error("Prometheus at " + base_url_ + " answered HTTP " + std::to_string(status) +
                                 (why.empty() ? "" : ": " + why));
    }
    return body;
}

std::vector<Series> PrometheusClient::query(const std::string& promql, int64_t time_s) const {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    const std::string body = get("/api/v1/query?query=" + escape(curl.get(), promql) + "&time=" + std::to_string(time_s));
    std::vector<Series> out;
    try {
        const nlohmann::json j = nlohmann::json::parse(body);
        if (j.at("status") != "success") throw std::runtime_error(j.value("error", "query failed"));
        for (const auto& r : j.at("data").at("result")) {
            Series s;
            for (const auto& [k, v] : r.at("metric").items())
                if (k != "__name__") s.labels[k] = v.get<std::string>();
            if (r.contains("values"))
                for (const auto& pair : r["values"])
                    s.samples.push_back({static_cast<int64_t>(pair.at(0).get<double>() * 1000 + 0.5), sample_value(pair)});
            else
                s.samples.push_back({static_cast<int64_t>(r.at("value").at(0).get<double>() * 1000 + 0.5),
                                     sample_value(r["value"])});
            out.push_back(std::move(s));
        }
    } catch (const std::exception& e) {
        throw std::runtime_error("Prometheus at " + base_url_ + " gave an answer that is not a query result: " + e.what());
    }
    return out;
}

}  // namespace darkscope::report
