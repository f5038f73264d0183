#include "acme/manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "acme/client.h"
#include "common/log.h"

namespace postamt::acme {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

Status ensure_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(Errc::unavailable, "cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    return ok_status();
}

std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    struct tm tm {};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

Result<Pkey> account_key(const std::string& dir) {
    std::string path = dir + "/account.key";
    if (auto pem = read_file(path)) return load_private_key_pem(*pem);
    auto key = generate_p256();
    if (!key) return key.error();
    auto pem = private_key_pem(key->get());
    if (!pem) return pem.error();
    if (auto st = write_file_atomic(path, *pem, 0600); !st) return st.error();
    log::info("event=acme_account_key_created path={}", log::quote(path));
    return key;
}

}  // namespace

std::vector<std::string> certificate_names(const std::string& hostname, const std::vector<std::string>& domains,
                                           const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](std::string n) {
        n = lower(std::move(n));
        while (!n.empty() && n.back() == '.') n.pop_back();
        if (n.find('.') == std::string::npos) return;  // a CA certifies only FQDNs
        if (seen.insert(n).second) out.push_back(n);
    };
    add(hostname);
    for (const auto& d : domains)
        for (const char* p : {"autoconfig.", "autodiscover.", "mta-sts."}) add(p + d);
    for (const auto& e : extra) add(e);
    return out;
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return make_error(Errc::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
    ::fchmod(fd, mode);  // O_CREAT's mode does not apply to an existing file
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            return make_error(Errc::unavailable, "cannot write " + tmp + ": " + std::strerror(e));
        }
        off += std::size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0)
        return make_error(Errc::unavailable, "cannot sync " + tmp + ": " + std::strerror(errno));
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(Errc::unavailable, "cannot rename to " + path + ": " + std::strerror(errno));
    std::string dir = fs::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return ok_status();
}

std::string renewal_reason(const std::vector<std::string>& wanted, const StoredCertificate* have,
                           std::chrono::system_clock::time_point now, std::chrono::seconds renew_before) {
    if (!have) return "no certificate yet";
    std::set<std::string> got;
    for (const auto& n : have->info.names) got.insert(lower(n));
    for (const auto& n : wanted)
        if (!got.count(n)) return "name " + n + " not covered";
    if (have->info.not_after - now < renew_before) return "expires " + iso_time(have->info.not_after);
    return {};
}

Manager::Manager(const Config& cfg, std::function<std::vector<std::string>()> domains)
    : cfg_(cfg), domains_(std::move(domains)) {}

Manager::~Manager() { stop(); }

std::vector<StoredCertificate> Manager::stored(const std::string& data_dir) {
    std::vector<StoredCertificate> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(acme_dir(data_dir) + "/certs", ec)) {
        std::string path = e.path().string() + "/certificate.pem";
        auto pem = read_file(path);
        if (!pem) continue;
        auto info = certificate_info(*pem);
        if (!info) continue;
        out.push_back({path, *info});
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.path < b.path; });
    return out;
}

std::vector<TlsCertificate> Manager::tls_certificates() const {
    std::vector<TlsCertificate> out;
    auto all = stored(cfg_.server.data_dir);
    // The certificate for the host name first: it becomes the default.
    std::string primary = acme_dir(cfg_.server.data_dir) + "/certs/" + cfg_.server.hostname + "/certificate.pem";
    std::stable_partition(all.begin(), all.end(), [&](auto& s) { return s.path == primary; });
    for (const auto& s : all) out.push_back({s.path, s.path});
    return out;
}

void Manager::record(const std::string& outcome) {
    std::string dir = acme_dir(cfg_.server.data_dir);
    (void)write_file_atomic(dir + "/last-result", iso_time(std::chrono::system_clock::now()) + " " + outcome + "\n",
                            0644);
}

Result<bool> Manager::renew(bool force) {
    std::string dir = acme_dir(cfg_.server.data_dir);
    if (auto st = ensure_dir(dir + "/certs"); !st) return st.error();
    std::vector<std::string> names = certificate_names(cfg_.server.hostname, domains_ ? domains_() : std::vector<std::string>{},
                                                       cfg_.acme.names);
    if (names.empty())
        return make_error(Errc::invalid, "no name to certify: server.hostname '" + cfg_.server.hostname +
                                             "' is not a fully qualified name and acme.names is empty");
    std::string cert_dir = dir + "/certs/" + names.front();
    std::string path = cert_dir + "/certificate.pem";
    std::optional<StoredCertificate> have;
    if (auto pem = read_file(path))
        if (auto info = certificate_info(*pem)) have = StoredCertificate{path, *info};
    std::string reason = renewal_reason(names, have ? &*have : nullptr, std::chrono::system_clock::now(),
                                        cfg_.acme.renew_before);
    if (reason.empty() && !force) return false;
    if (reason.empty()) reason = "forced";
    log::info("event=acme_order_start names={} reason={} directory={}", names.size(), log::quote(reason),
              log::quote(cfg_.acme.directory_url));
    auto key = account_key(dir);
    if (!key) return key.error();
    ClientOptions o;
    o.directory_url = cfg_.acme.directory_url;
    o.ca_file = cfg_.acme.ca_file;
    o.email = cfg_.acme.email;
    o.challenge = cfg_.acme.challenge;
    AcmeClient client(o, key->get(), responder_, [this](std::chrono::seconds d) { return sleep_for(d); });
    auto issued = client.obtain(names);
    if (!issued) return issued.error();
    if (auto st = ensure_dir(cert_dir); !st) return st.error();
    if (auto st = write_file_atomic(path, issued->chain_pem + issued->key_pem, 0600); !st) return st.error();
    auto info = certificate_info(issued->chain_pem);
    log::info("event=acme_certificate_stored path={} serial={} not_after={} names={}", log::quote(path),
              info ? info->serial_hex : "", info ? iso_time(info->not_after) : "", names.size());
    return true;
}

bool Manager::sleep_for(std::chrono::seconds d) {
    std::unique_lock lk(mu_);
    return !cv_.wait_for(lk, d, [&] { return stop_; });
}

void Manager::start(std::function<void()> installed, std::chrono::seconds check_interval) {
    installed_ = std::move(installed);
    interval_ = check_interval;
    thread_ = std::thread([this] { run(); });
}

void Manager::stop() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Manager::run() {
    const std::string request = acme_dir(cfg_.server.data_dir) + "/renew-request";
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        bool force = false, requested = false;
        if (auto r = read_file(request)) {
            requested = true;
            force = r->find("force") != std::string::npos;
            ::unlink(request.c_str());
        }
        if (requested || std::chrono::steady_clock::now() >= next) {
            auto r = renew(force);
            if (!r) {
                // The server keeps serving its current certificates; try
                // again within the hour (CAs rate-limit failures, so not sooner).
                log::error("event=acme_failed error={}", log::quote(r.error().message));
                record("failed " + r.error().message);
                next = std::chrono::steady_clock::now() + std::min(interval_, std::chrono::seconds(3600));
            } else {
                record(*r ? "renewed" : "not-due");
                if (*r && installed_) installed_();
                next = std::chrono::steady_clock::now() + interval_;
            }
        }
        // Short slices so a `postamt acme renew` request is seen quickly.
        if (!sleep_for(std::chrono::seconds(1))) return;
    }
}

}  // namespace postamt::acme
