#pragma once
// SHA-256 (raw 32 bytes) and lower-case hex, for the places that only need a
// digest of a string: DKIM, SCRAM, JWK thumbprints, API token hashes,
// MTA-STS policy ids, stable profile UUIDs.
#include <string>
#include <string_view>

namespace postamt {

std::string sha256(std::string_view data);
std::string hex_lower(std::string_view bytes);

}  // namespace postamt
