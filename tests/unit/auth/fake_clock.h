#pragma once
#include <atomic>
#include <chrono>

#include "auth/throttle.h"

struct FakeClock {
    std::atomic<int64_t> ms{1'000'000};
    void advance(std::chrono::milliseconds d) { ms += d.count(); }
    postamt::auth::SteadyClock fn() {
        return [this] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms.load())); };
    }
};
