#pragma once
// A self-signed certificate for the first start, so implicit TLS and
// STARTTLS work before the admin installs a real certificate.
#include <string>

#include "common/result.h"

namespace postamt::net {

struct SelfSignedPaths {
    std::string cert;  // <dir>/self-signed.crt (PEM, mode 0644)
    std::string key;   // <dir>/self-signed.key (PEM, mode 0600)
};

SelfSignedPaths self_signed_paths(const std::string& dir);

// Writes an EC P-256 key and a 10-year self-signed certificate for
// `hostname` into `dir` (created, mode 0700, if missing). SANs: DNS:<hostname>,
// DNS:localhost (several clients cannot match an IP address), IP:127.0.0.1,
// IP:::1. Each file is written atomically (temporary file, fsync, rename),
// the key with mode 0600. Overwrites existing files.
Result<SelfSignedPaths> generate_self_signed(const std::string& dir, const std::string& hostname);

}  // namespace postamt::net
