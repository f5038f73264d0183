#pragma once
// Helpers every unit suite shares: blocking store calls, unwrapping results,
// fresh temporary directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace postamt::testing {

// Runs an asynchronous store call and waits: SYNC(Domain, s.add_domain("x", cb)).
#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

template <class T>
T must(Result<T> r) {
    if (!r.ok()) {
        ADD_FAILURE() << "call failed: " << errc_name(r.error().code) << ": " << r.error().message;
        throw std::runtime_error(r.error().message);
    }
    return std::move(r).value();
}

inline std::string temp_dir(const std::string& tag) {
    static std::atomic<int> n{0};
    std::random_device rd;
    auto p = std::filesystem::temp_directory_path() /
             ("postamt-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
              std::to_string(rd()));
    std::filesystem::create_directories(p);
    return p.string();
}

}  // namespace postamt::testing
