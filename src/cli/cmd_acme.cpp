// `postamt acme status` and `postamt acme renew [--force]`.
//
// The running server owns the ports the CA validates against, so renewal
// is done by it: `renew` leaves a request in data_dir/acme/renew-request,
// which the server's ACME thread picks up within a second, and waits for
// the outcome in data_dir/acme/last-result (like `postqueue -f` asking the
// running Postfix to act). The new certificate is swapped in by the server
// itself; open connections keep theirs.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "acme/manager.h"
#include "cli/commands.h"

namespace postamt::cli {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream f(path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string iso(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    struct tm tm {};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

}  // namespace

int acme_status(Context& ctx) {
    const Config& cfg = ctx.config();
    std::string data_dir = ctx.data_dir();
    std::printf("ACME: %s, directory %s, challenge %s, renew %lld days before expiry\n",
                cfg.acme.enabled ? "enabled" : "disabled ([acme] enabled = false)", cfg.acme.directory_url.c_str(),
                cfg.acme.challenge.c_str(), static_cast<long long>(cfg.acme.renew_before.count() / 86400));
    auto certs = acme::Manager::stored(data_dir);
    if (certs.empty()) std::printf("No certificate obtained yet (%s/certs is empty).\n",
                                   acme::Manager::acme_dir(data_dir).c_str());
    auto now = std::chrono::system_clock::now();
    for (const auto& c : certs) {
        auto days = std::chrono::duration_cast<std::chrono::hours>(c.info.not_after - now).count() / 24;
        std::printf("\n%s\n  issuer:  %s\n  serial:  %s\n  valid:   %s to %s (%lld days left)\n  names:  ",
                    c.path.c_str(), c.info.issuer.c_str(), c.info.serial_hex.c_str(), iso(c.info.not_before).c_str(),
                    iso(c.info.not_after).c_str(), static_cast<long long>(days));
        for (const auto& n : c.info.names) std::printf(" %s", n.c_str());
        std::printf("\n");
    }
    std::string last = read_all(acme::Manager::acme_dir(data_dir) + "/last-result");
    if (!last.empty()) std::printf("\nLast attempt: %s", last.c_str());
    return 0;
}

int acme_renew(Context& ctx, bool force, int wait_seconds) {
    const Config& cfg = ctx.config();
    if (!cfg.acme.enabled) fail("ACME is disabled; set [acme] enabled = true and restart the server");
    std::string dir = acme::Manager::acme_dir(ctx.data_dir());
    // The server creates the directory (as its own user after dropping
    // root); creating it here as root would lock the server out of it.
    struct stat dst;
    if (::stat(dir.c_str(), &dst) != 0)
        fail(dir + " does not exist yet: start `postamt serve` with [acme] enabled = true first");
    std::string result_path = dir + "/last-result";
    std::string before = read_all(result_path);
    if (auto st = acme::write_file_atomic(dir + "/renew-request", force ? "force\n" : "check\n", 0644); !st)
        fail(st.error().message);
    std::printf("Asked the running server to %s; waiting for the result...\n",
                force ? "renew now" : "renew what is due");
    std::fflush(stdout);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        std::string now = read_all(result_path);
        if (now.empty() || now == before) continue;
        struct stat st;
        if (::stat((dir + "/renew-request").c_str(), &st) == 0) continue;  // an older result
        std::printf("%s", now.c_str());
        return now.find(" failed ") != std::string::npos ? 1 : 0;
    }
    fail("no answer within " + std::to_string(wait_seconds) +
         " s: is `postamt serve` running with [acme] enabled = true? (the request stays in " + dir +
         "/renew-request and is handled when it starts)");
}

}  // namespace postamt::cli
