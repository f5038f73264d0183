// postamt dkim generate|list|dns (docs/dkim.md)
//
// Keys live in <key_dir>/<domain>/<selector>.pem (see smtp/dkim_sign.h).
// One selector cannot name two keys, so `generate` derives one selector per
// algorithm from a base: "<base>-rsa" and "<base>-ed25519" (base: --selector,
// else [dkim] selector, "postamt" by default). A new base (e.g. "2027a")
// rotates keys without touching the old records.
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/commands.h"
#include "smtp/dkim_sign.h"

namespace postamt::cli {
namespace {

namespace fs = std::filesystem;
using smtp::dkim::Algorithm;

std::string key_dir(Context& ctx) { return smtp::dkim::key_directory(ctx.config().dkim.key_dir, ctx.data_dir()); }

// A selector is a sub-domain (RFC 6376 3.1): labels of letters, digits and
// hyphens, separated by dots.
bool valid_selector(const std::string& s) {
    if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok || (c == '.' && s[i - 1] == '.')) return false;
    }
    return true;
}

// The zone-file line for a key: one TXT record, its text split into strings
// of at most 255 octets (RFC 1035 3.3.14; RFC 6376 3.6.2.2 concatenates them).
std::string txt_line(const std::string& selector, const std::string& domain, const std::string& record) {
    std::string line = selector + "._domainkey." + domain + ". IN TXT";
    for (std::size_t p = 0; p < record.size(); p += 255) line += " \"" + record.substr(p, 255) + "\"";
    return line;
}

void write_key_file(const fs::path& path, const std::string& pem) {
    // O_EXCL: never overwrite a key whose record may already be published.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            fail("key " + path.string() + " exists already; choose another --selector (key rotation) or remove it");
        fail("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < pem.size()) {
        ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            ::unlink(path.c_str());
            fail("cannot write " + path.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    ::fchmod(fd, 0600);  // whatever the umask was
    if (::fsync(fd) != 0 || ::close(fd) != 0) fail("cannot write " + path.string() + ": " + std::strerror(errno));
}

void make_private_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
}

smtp::dkim::Keyring load_ring(Context& ctx) {
    return must(smtp::dkim::Keyring::load(key_dir(ctx)), "cannot load the DKIM keys");
}

}  // namespace

void dkim_generate(Context& ctx, const DkimGenerateOptions& o) {
    std::string domain = normalize_domain(o.domain);
    std::string base = o.selector.empty() ? ctx.config().dkim.selector : o.selector;
    if (!valid_selector(base + "-ed25519"))
        usage_error("invalid selector '" + base + "': letters, digits, '-' and '.' only");
    std::vector<Algorithm> algs;
    if (o.algorithm == "rsa" || o.algorithm == "both") algs.push_back(Algorithm::rsa_sha256);
    if (o.algorithm == "ed25519" || o.algorithm == "both") algs.push_back(Algorithm::ed25519_sha256);
    if (algs.empty()) usage_error("--algorithm must be rsa, ed25519 or both");

    fs::path root = key_dir(ctx);
    make_private_dir(root);
    make_private_dir(root / domain);
    // Refuse before creating anything when one of the files exists.
    for (auto a : algs) {
        fs::path p = root / domain / (base + "-" + smtp::dkim::key_type_name(a) + ".pem");
        if (fs::exists(p))
            fail("key " + p.string() + " exists already; choose another --selector (key rotation) or remove it");
    }
    std::vector<std::string> lines;
    for (auto a : algs) {
        std::string selector = base + "-" + smtp::dkim::key_type_name(a);
        auto key = must(smtp::dkim::PrivateKey::generate(a), "cannot generate the key");
        fs::path p = root / domain / (selector + ".pem");
        write_key_file(p, key.pem());
        fmt::print("created {} ({}{})\n", p.string(), smtp::dkim::algorithm_name(a),
                   a == Algorithm::rsa_sha256 ? fmt::format(", {} bits", key.bits()) : std::string());
        lines.push_back(txt_line(selector, domain, key.dns_record()));
    }
    fmt::print("\nPublish in DNS (the server signs mail from {} with every key listed by `postamt dkim list`):\n",
               domain);
    for (const auto& l : lines) fmt::print("{}\n", l);
}

void dkim_list(Context& ctx) {
    auto ring = load_ring(ctx);
    if (ring.empty()) {
        fmt::print("no DKIM keys in {}\n", key_dir(ctx));
        return;
    }
    for (const auto& d : ring.domains())
        for (const auto* k : ring.keys_for(d))
            fmt::print("{} {} {}{}\n", d, k->selector, smtp::dkim::algorithm_name(k->key.algorithm()),
                       k->key.algorithm() == Algorithm::rsa_sha256 ? fmt::format(" {}", k->key.bits()) : "");
}

void dkim_dns(Context& ctx, const std::string& domain_in) {
    std::string domain = normalize_domain(domain_in);
    auto ring = load_ring(ctx);
    auto keys = ring.keys_for(domain);
    if (keys.empty()) fail("no DKIM keys for " + domain + "; create them with: postamt dkim generate " + domain);
    for (const auto* k : keys) fmt::print("{}\n", txt_line(k->selector, domain, k->key.dns_record()));
}

}  // namespace postamt::cli
