#pragma once
// Dropping root after the listeners are bound (DESIGN.md: bind privileged
// ports, then drop root).
#include <string>

#include "common/result.h"

namespace postamt::net {

// As root with a non-empty `user`: initgroups/setgroups, setgid, setuid to
// that user, and checks root cannot be regained. A configured user that does
// not exist is an error: the caller must refuse to run on as root.
// Not root (or empty `user`): nothing to drop; returns ok and logs that the
// current user is kept (documented fallback for unprivileged test runs).
Status drop_privileges(const std::string& user);

}  // namespace postamt::net
