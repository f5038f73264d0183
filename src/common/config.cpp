// Config defaults, enum names and load_config() (file reading and relative
// path resolution). TOML parsing is in config_parse.cpp.
#include "common/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

#include "common/text.h"

namespace postamt {

std::string_view protocol_name(Protocol p) {
    switch (p) {
        case Protocol::smtp:
            return "smtp";
        case Protocol::submission:
            return "submission";
        case Protocol::imap:
            return "imap";
        case Protocol::pop3:
            return "pop3";
        case Protocol::http:
            return "http";
    }
    return "?";
}

std::string_view tls_mode_name(TlsMode m) {
    switch (m) {
        case TlsMode::none:
            return "none";
        case TlsMode::starttls:
            return "starttls";
        case TlsMode::implicit:
            return "implicit";
    }
    return "?";
}

std::string_view tls_version_name(TlsVersion v) {
    switch (v) {
        case TlsVersion::tls1_2:
            return "1.2";
        case TlsVersion::tls1_3:
            return "1.3";
    }
    return "?";
}

std::string_view store_backend_name(StoreBackend b) {
    switch (b) {
        case StoreBackend::sqlite:
            return "sqlite";
    }
    return "?";
}

std::string machine_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return {};
    return text::to_lower(buf);
}

std::vector<ListenerConfig> default_listeners() {
    const std::vector<std::string> any = {"0.0.0.0", "::"};
    return {
        {"smtp", Protocol::smtp, any, 25, TlsMode::starttls, false, {}},
        {"submission", Protocol::submission, any, 587, TlsMode::starttls, false, {}},
        {"submissions", Protocol::submission, any, 465, TlsMode::implicit, false, {}},
        {"imap", Protocol::imap, any, 143, TlsMode::starttls, false, {}},
        {"imaps", Protocol::imap, any, 993, TlsMode::implicit, false, {}},
        {"pop3", Protocol::pop3, any, 110, TlsMode::starttls, false, {}},
        {"pop3s", Protocol::pop3, any, 995, TlsMode::implicit, false, {}},
        {"http", Protocol::http, {"127.0.0.1"}, 8080, TlsMode::none, false, {}},
    };
}

namespace {

// Reads a whole file; on failure returns the errno.
int read_file(const std::string& path, std::string& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (16u << 20)) {  // a config file is never this big
            ::close(fd);
            return EFBIG;
        }
    }
    ::close(fd);
    return 0;
}

void resolve(std::string& p, const std::filesystem::path& base) {
    if (p.empty()) return;
    std::filesystem::path fp(p);
    if (fp.is_relative()) p = (base / fp).lexically_normal().string();
}

}  // namespace

Result<Config> load_config(const std::string& path) {
    std::string text;
    if (int e = read_file(path, text); e != 0) {
        return make_error(e == ENOENT ? Errc::not_found : Errc::unavailable,
                          fmt::format("{}: cannot read the configuration file: {} (check the path "
                                      "and permissions; config/postamt.toml.example is a "
                                      "starting point)",
                                      path, std::strerror(e)));
    }
    auto cfg = parse_config(text, path);
    if (!cfg) return cfg;
    std::filesystem::path base = std::filesystem::path(path).parent_path();
    if (base.empty()) base = ".";
    if (base.is_relative()) {
        std::error_code ec;
        auto abs = std::filesystem::absolute(base, ec);
        if (!ec) base = abs;
    }
    resolve(cfg->server.data_dir, base);
    resolve(cfg->log.file, base);
    resolve(cfg->tls.cert, base);
    resolve(cfg->tls.key, base);
    resolve(cfg->dns.trust_anchor, base);
    resolve(cfg->dkim.key_dir, base);
    resolve(cfg->acme.ca_file, base);
    resolve(cfg->outbound.smarthost_password_file, base);
    for (auto& c : cfg->tls.certificates) {
        resolve(c.cert, base);
        resolve(c.key, base);
    }
    return cfg;
}

}  // namespace postamt
