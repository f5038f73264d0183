#pragma once
// Admin API tokens (docs/admin-api.md). `postamt api token create <name>`
// prints "pat_" + 32 random bytes in base64url once; only the token's
// SHA-256 is kept, in <data_dir>/api-tokens (mode 0600), one line per token:
//   <name> <sha256 hex> <created unix seconds>
// A file, not the store: tokens are credentials of the admin, not mail data,
// are edited by the CLI while the server runs, and take effect at once
// (the server re-reads the file when it was replaced or changed).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace postamt::admin {

struct ApiToken {
    std::string name;
    std::string sha256_hex;
    int64_t created = 0;
};

inline constexpr const char* kTokenPrefix = "pat_";

// Token names: 1-64 of [A-Za-z0-9._-].
bool valid_token_name(std::string_view name);
std::string token_file_path(const std::string& data_dir);

// Reading and writing the file (the CLI). create returns the token text.
Result<std::vector<ApiToken>> load_tokens(const std::string& path);
Result<std::string> create_token(const std::string& path, const std::string& name);
Status revoke_token(const std::string& path, const std::string& name);

// What the server checks requests against. Thread-safe.
class TokenVerifier {
public:
    explicit TokenVerifier(std::string path) : path_(std::move(path)) {}
    // The name of the token an "Authorization" header value carries
    // ("Bearer <token>", RFC 6750 2.1), or nullopt. Compares the SHA-256 of
    // the presented token with every stored one in constant time.
    std::optional<std::string> verify(std::string_view authorization);

private:
    void reload_if_changed();

    std::string path_;
    std::mutex mu_;
    std::vector<ApiToken> tokens_;
    int64_t mtime_ns_ = -1;
    int64_t size_ = -1;
    uint64_t ino_ = 0;
};

}  // namespace postamt::admin
