#pragma once
// [submission] max_messages_per_hour: per account, a sliding one-hour
// window of message start times, shared by every submission session of the
// process (Postfix's anvil does the same per client). In memory: a restart
// forgets the counts, which errs on the user's side.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "store/types.h"

namespace postamt::smtp {

class SubmissionLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    explicit SubmissionLimiter(uint32_t per_hour) : per_hour_(per_hour) {}
    // True (and the message counted) when `account` is under the limit.
    bool allow(store::AccountId account, Clock::time_point now = Clock::now());

  private:
    uint32_t per_hour_;  // 0: no limit
    std::mutex mu_;
    std::unordered_map<store::AccountId, std::deque<Clock::time_point>> sent_;
    Clock::time_point last_sweep_{};
};

}  // namespace postamt::smtp
