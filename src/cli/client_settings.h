#pragma once
// The table the setup guides show ("server, port, security, user name"),
// printed by `postamt serve` so nobody has to guess.
#include <string>
#include <vector>

#include "common/config.h"

namespace postamt::cli {

struct ActiveListener {
    Protocol protocol;
    TlsMode tls;
    uint16_t port;
};

std::string client_settings_table(const std::string& hostname, const std::string& user,
                                  const std::vector<ActiveListener>& listeners);

}  // namespace postamt::cli
