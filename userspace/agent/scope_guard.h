// Runs a function when the scope ends, unless dismissed: how run_agent undoes a
// half-done start (links, pins) when a later step throws.
#pragma once

#include <utility>

namespace darkscope {

template <class F>
class ScopeGuard {
public:
    explicit ScopeGuard(F f) : f_(std::move(f)) {}
    ~ScopeGuard() {
        if (armed_) f_();
    }
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    void dismiss() { armed_ = false; }

private:
    F f_;
    bool armed_ = true;
};

}  // namespace darkscope
