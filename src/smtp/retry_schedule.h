#pragma once
// When to try a queued message again (RFC 5321 4.5.4.1: retry intervals of
// at least 30 minutes are suggested, give up after 4-5 days). Pure: the
// queue runner passes what it knows and stores what comes back.
//
// Interval after the n-th failed attempt: retry_min * 2^(n-1), at most
// retry_max, stretched by a deterministic jitter of 0..+10% (seeded per
// message, so that messages queued together do not all come back in the
// same second, yet tests can predict it). The last attempt is placed exactly
// at first_queued + max_age; a failure after that expires the message
// (bounce).
#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/config.h"

namespace postamt::smtp {

using Clock = std::chrono::system_clock;

struct RetryInput {
    uint32_t attempts = 0;           // failed attempts so far, including the one just made
    Clock::time_point first_queued;  // when the message entered the queue
    Clock::time_point now;
    bool delay_warning_sent = false;
    uint64_t jitter_seed = 0;        // e.g. retry_jitter_seed(queue id); same seed, same schedule
};

struct RetryDecision {
    bool expired = false;               // give up: bounce (RFC 3464 Action: failed)
    Clock::time_point next_attempt;     // when !expired
    bool delay_warning_due = false;     // send the delay DSN (Action: delayed) now
    Clock::time_point retry_until;      // first_queued + max_age (the DSN's Will-Retry-Until)
};

RetryDecision next_retry(const QueueConfig& cfg, const RetryInput& in);

// The un-jittered interval after `attempts` failed attempts (0 for none).
std::chrono::seconds retry_interval(const QueueConfig& cfg, uint32_t attempts);

// A stable seed from a queue id (FNV-1a).
uint64_t retry_jitter_seed(std::string_view queue_id);

}  // namespace postamt::smtp
