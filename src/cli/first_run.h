#pragma once
// First start of `postamt serve --first-run-setup` on an empty store: a demo
// domain and account so a newcomer can point a mail client at the server
// right away.
#include <optional>
#include <string>

#include "common/config.h"
#include "store/store.h"

namespace postamt::cli {

struct DemoAccount {
    std::string address;
    std::string password;  // shown once on the terminal, never logged
};

// The domain a fresh install serves: server.default_domain, else the host
// name without its first label ("mail.example.org" -> "example.org"), else
// the host name when it has a dot, else "example.test" (RFC 2606).
std::string demo_domain(const Config& cfg);

// Creates the domain and demo@<domain> with a random password when the store
// has no domain yet; std::nullopt when it already had one.
Result<std::optional<DemoAccount>> ensure_demo_account(store::Store& st, const Config& cfg);

}  // namespace postamt::cli
