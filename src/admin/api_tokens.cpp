#include "admin/api_tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/digest.h"

namespace postamt::admin {
namespace {

std::vector<ApiToken> parse(const std::string& text) {
    std::vector<ApiToken> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        ApiToken t;
        if (!(ls >> t.name >> t.sha256_hex)) continue;
        ls >> t.created;
        if (t.sha256_hex.size() != 64) continue;
        out.push_back(std::move(t));
    }
    return out;
}

// Writes the whole file next to the old one and renames it over: a reader
// (the server) sees the old or the new list, never half a file.
Status write_tokens(const std::string& path, const std::vector<ApiToken>& tokens) {
    std::string text = "# postamt admin API tokens: name sha256(token) created (docs/admin-api.md)\n";
    for (const auto& t : tokens) text += t.name + " " + t.sha256_hex + " " + std::to_string(t.created) + "\n";
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::internal, "cannot write " + tmp + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);
    std::size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            return make_error(Errc::internal, "cannot write " + tmp + ": " + std::strerror(errno));
        }
        off += static_cast<std::size_t>(n);
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(Errc::internal, "cannot replace " + path + ": " + std::strerror(errno));
    return ok_status();
}

}  // namespace

bool valid_token_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (unsigned char c : name)
        if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

std::string token_file_path(const std::string& data_dir) { return data_dir + "/api-tokens"; }

Result<std::vector<ApiToken>> load_tokens(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (errno == ENOENT) return std::vector<ApiToken>{};
        return make_error(Errc::internal, "cannot read " + path + ": " + std::strerror(errno));
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return parse(ss.str());
}

Result<std::string> create_token(const std::string& path, const std::string& name) {
    if (!valid_token_name(name))
        return make_error(Errc::invalid, "invalid token name '" + name + "' (1-64 of A-Z a-z 0-9 . _ -)");
    auto tokens = load_tokens(path);
    if (!tokens) return tokens.error();
    for (const auto& t : tokens.value())
        if (t.name == name) return make_error(Errc::already_exists, "a token named " + name + " exists");
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return make_error(Errc::internal, "no random bytes for the token");
    std::string token = std::string(kTokenPrefix) + base64url_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
    OPENSSL_cleanse(raw, sizeof raw);
    tokens.value().push_back(ApiToken{name, hex_lower(sha256(token)), static_cast<int64_t>(std::time(nullptr))});
    if (auto w = write_tokens(path, tokens.value()); !w) return w.error();
    return token;
}

Status revoke_token(const std::string& path, const std::string& name) {
    auto tokens = load_tokens(path);
    if (!tokens) return tokens.error();
    auto& v = tokens.value();
    auto before = v.size();
    std::erase_if(v, [&](const ApiToken& t) { return t.name == name; });
    if (v.size() == before) return make_error(Errc::not_found, "no token named " + name);
    return write_tokens(path, v);
}

void TokenVerifier::reload_if_changed() {
    struct stat sb {};
    if (::stat(path_.c_str(), &sb) != 0) {
        tokens_.clear();
        mtime_ns_ = -1;
        size_ = -1;
        return;
    }
    int64_t mtime = static_cast<int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec;
    if (mtime == mtime_ns_ && sb.st_size == size_ && sb.st_ino == ino_) return;
    auto loaded = load_tokens(path_);
    tokens_ = loaded ? std::move(loaded).value() : std::vector<ApiToken>{};
    mtime_ns_ = mtime;
    size_ = sb.st_size;
    ino_ = sb.st_ino;
}

std::optional<std::string> TokenVerifier::verify(std::string_view authorization) {
    // RFC 6750 2.1: "Bearer" is case-insensitive, then one or more spaces.
    constexpr std::string_view kScheme = "bearer";
    if (authorization.size() <= kScheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
    std::string_view token = authorization.substr(kScheme.size());
    if (token.front() != ' ') return std::nullopt;
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.empty() || token.size() > 512) return std::nullopt;
    std::string presented = hex_lower(sha256(token));
    std::lock_guard lock(mu_);
    reload_if_changed();
    std::optional<std::string> who;
    // Every stored hash is compared, whatever matched, with CRYPTO_memcmp.
    for (const auto& t : tokens_)
        if (CRYPTO_memcmp(t.sha256_hex.data(), presented.data(), 64) == 0) who = t.name;
    return who;
}

}  // namespace postamt::admin
