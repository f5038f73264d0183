#pragma once
// The CAPABILITY list (RFC 9051 7.2.2): what this server advertises, by
// session state. Advertise only what works: an extension is added here
// together with its executor (docs/imap.md). Pure.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::imap {

struct CapabilityState {
    bool authenticated = false;
    bool tls_active = false;          // TLS now (implicit or after STARTTLS)
    bool starttls_available = false;  // a certificate is loaded and TLS is not active yet
    bool plaintext_allowed =
        false;  // LOGIN/PLAIN/LOGIN mechanisms allowed now (TLS or trusted loopback)
    uint64_t append_limit = 0;  // APPENDLIMIT=n (RFC 7889); 0: not advertised
    // Added by later extension executors (QUOTA, ACL, ...).
    std::vector<std::string> extra;
};

// Space-separated capability names, starting with IMAP4rev1 IMAP4rev2.
std::string capability_list(const CapabilityState& st);

// ENABLE (RFC 5161): the extensions this server can enable, upper-case.
bool enableable(std::string_view capability);

}  // namespace postamt::imap
