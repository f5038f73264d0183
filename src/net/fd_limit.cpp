#include "net/fd_limit.h"

#include <sys/resource.h>

#include "common/log.h"

namespace postamt::net {

std::uint64_t raise_fd_limit() {
    struct rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log::warn("event=fd_limit_unchanged soft={} hard={}", std::uint64_t(old), std::uint64_t(rl.rlim_max));
            return old;
        }
        log::debug("event=fd_limit_raised from={} to={}", std::uint64_t(old), std::uint64_t(rl.rlim_cur));
    }
    return rl.rlim_cur;
}

}  // namespace postamt::net
