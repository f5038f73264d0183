#pragma once
// Short unique queue ids ("queued as 01J9ZQ3K8M5TB2X"): 48 bits of
// milliseconds since the epoch and a 24-bit process-wide counter (started
// at a random value), in Crockford base32: 15 characters, sortable by time,
// unique within the process and, in practice, across restarts.
#include <chrono>
#include <cstdint>
#include <string>

namespace postamt::smtp {

std::string make_queue_id(std::chrono::system_clock::time_point now);
// The encoding alone, for tests: 72 bits -> 15 characters.
std::string encode_queue_id(uint64_t millis, uint32_t counter);

}  // namespace postamt::smtp
