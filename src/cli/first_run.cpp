#include "cli/first_run.h"

#include <sodium.h>

#include "auth/authenticator.h"

namespace postamt::cli {

std::string demo_domain(const Config& cfg) {
    if (!cfg.server.default_domain.empty()) return cfg.server.default_domain;
    const std::string& h = cfg.server.hostname;
    auto first_dot = h.find('.');
    if (first_dot == std::string::npos) return "example.test";
    if (h.find('.', first_dot + 1) != std::string::npos) return h.substr(first_dot + 1);
    return h;
}

namespace {

// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I):
// about 90 bits, easy to type on a phone.
std::string random_password() {
    static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    constexpr uint32_t n = sizeof(kAlphabet) - 1;
    std::string out;
    for (int i = 0; i < 16; ++i) out += kAlphabet[randombytes_uniform(n)];
    return out;
}

}  // namespace

Result<std::optional<DemoAccount>> ensure_demo_account(store::Store& st, const Config& cfg) {
    auto domains = store::wait_for<std::vector<store::Domain>>([&](auto cb) { st.list_domains(cb); });
    if (!domains) return domains.error();
    if (!domains->empty()) return std::optional<DemoAccount>{};
    std::string domain = demo_domain(cfg);
    auto d = store::wait_for<store::Domain>([&](auto cb) { st.add_domain(domain, cb); });
    if (!d) return d.error();
    DemoAccount demo{"demo@" + d->name, random_password()};
    auto cred = auth::Authenticator::make_credentials(demo.password);
    if (!cred) return cred.error();
    auto a = store::wait_for<store::Account>(
        [&](auto cb) { st.add_account(store::NewAccount{demo.address, *cred, 0, 0}, cb); });
    if (!a) return a.error();
    return std::optional<DemoAccount>(std::move(demo));
}

}  // namespace postamt::cli
