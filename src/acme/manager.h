#pragma once
// Certificates from ACME for a running server: which names to certify,
// where the account key and certificates live (data_dir/acme), when to
// renew, and the renewal thread of `postamt serve`.
//
// Files (keys 0600, each written atomically: temp file, fsync, rename):
//   data_dir/acme/account.key              the ES256 account key (PKCS#8 PEM)
//   data_dir/acme/certs/<name>/certificate.pem   chain (leaf first) + key, one
//        file so a reader never sees a new key with an old certificate
//   data_dir/acme/renew-request            written by `postamt acme renew`
//   data_dir/acme/last-result              outcome of the last attempt
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "acme/challenges.h"
#include "acme/crypto.h"
#include "common/config.h"
#include "common/result.h"

namespace postamt::acme {

// server.hostname, then autoconfig./autodiscover./mta-sts. of every local
// domain, then acme.names; lower-cased, without duplicates or dot-less names.
std::vector<std::string> certificate_names(const std::string& hostname, const std::vector<std::string>& domains,
                                           const std::vector<std::string>& extra);

// Writes `data` to `path` via a temporary file in the same directory,
// fsync'ed, renamed over the target, the directory fsync'ed.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode);

struct StoredCertificate {
    std::string path;  // certificate.pem (chain + key)
    CertInfo info;
};

// Why a certificate is (not) due; empty reason = not due.
std::string renewal_reason(const std::vector<std::string>& wanted, const StoredCertificate* have,
                           std::chrono::system_clock::time_point now, std::chrono::seconds renew_before);

class Manager {
public:
    // `domains` lists the local domains (read from the store each time).
    Manager(const Config& cfg, std::function<std::vector<std::string>()> domains);
    ~Manager();

    static std::string acme_dir(const std::string& data_dir) { return data_dir + "/acme"; }
    static std::vector<StoredCertificate> stored(const std::string& data_dir);
    // For TlsContext::set_preferred_certificates.
    std::vector<TlsCertificate> tls_certificates() const;

    ChallengeResponder& responder() { return responder_; }

    // Obtains a certificate when due (or `force`): true when a new one was
    // stored. Blocking.
    Result<bool> renew(bool force);

    // The renewal thread: checks at start, every `check_interval` (sooner
    // after a failure) and whenever `postamt acme renew` leaves a request;
    // `installed()` runs after a new certificate was stored.
    void start(std::function<void()> installed, std::chrono::seconds check_interval = std::chrono::hours(12));
    void stop();

private:
    void run();
    bool sleep_for(std::chrono::seconds d);
    void record(const std::string& outcome);

    Config cfg_;
    std::function<std::vector<std::string>()> domains_;
    ChallengeResponder responder_;
    std::function<void()> installed_;
    std::chrono::seconds interval_{43200};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace postamt::acme
