#pragma once
// RLIMIT_NOFILE: thousands of connections need thousands of descriptors.
#include <cstdint>

namespace postamt::net {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

}  // namespace postamt::net
