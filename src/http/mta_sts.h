#pragma once
// MTA-STS (RFC 8461): the policy served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt and the id that
// `postamt dns` publishes in the _mta-sts TXT record. The id is derived from
// the policy text, so any change of the policy changes the id (RFC 8461 3.1:
// senders refetch the policy only when the id changes).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "http/router.h"

namespace postamt::store {
class Store;
}

namespace postamt::http {

inline constexpr std::string_view kMtaStsPath = "/.well-known/mta-sts.txt";

struct MtaStsPolicy {
    std::string mode = "testing";  // "enforce", "testing" or "none"
    std::vector<std::string> mx;   // host names (or "*.suffix" patterns)
    std::chrono::seconds max_age{7 * 86400};
};

// From [mta_sts] mode and max_age; mx is the server's host name (the MX that
// `postamt dns` prints for every domain).
MtaStsPolicy mta_sts_policy(const Config& cfg);

// The policy resource: CRLF-separated "key: value" lines (RFC 8461 3.2),
// version first.
std::string mta_sts_text(const MtaStsPolicy& p);

// 1 to 32 letters and digits (RFC 8461 3.1 sts-id): the first 32 hex digits
// of the SHA-256 of the policy text.
std::string mta_sts_id(std::string_view policy_text);

// GET /.well-known/mta-sts.txt on hosts "mta-sts.<domain>": the policy
// (text/plain) when <domain> is a domain of the store, 404 otherwise, 503
// when the store cannot be read.
Handler mta_sts_handler(MtaStsPolicy policy, std::shared_ptr<store::Store> store);
Route mta_sts_route(MtaStsPolicy policy, std::shared_ptr<store::Store> store);

}  // namespace postamt::http
