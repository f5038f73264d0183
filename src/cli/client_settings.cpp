#include "cli/client_settings.h"

#include <fmt/core.h>

#include <algorithm>

namespace postamt::cli {
namespace {

// Client order of preference: implicit TLS first (RFC 8314 3), then STARTTLS.
int rank(const ActiveListener& l) {
    int proto = l.protocol == Protocol::imap ? 0 : l.protocol == Protocol::pop3 ? 1 : l.protocol == Protocol::submission ? 2 : 3;
    int tls = l.tls == TlsMode::implicit ? 0 : l.tls == TlsMode::starttls ? 1 : 2;
    return proto * 10 + tls;
}

const char* security(TlsMode m) {
    switch (m) {
        case TlsMode::implicit: return "SSL/TLS";
        case TlsMode::starttls: return "STARTTLS";
        case TlsMode::none: return "none";
    }
    return "";
}

}  // namespace

std::string client_settings_table(const std::string& hostname, const std::string& user,
                                  const std::vector<ActiveListener>& listeners) {
    std::vector<ActiveListener> ls;
    for (auto& l : listeners)
        if (l.protocol != Protocol::http) ls.push_back(l);
    std::sort(ls.begin(), ls.end(), [](auto& a, auto& b) { return rank(a) < rank(b); });
    std::string out = fmt::format("{:<26} {:<28} {:>5}  {:<9} {}\n", "Account type", "Server", "Port", "Security", "User name");
    for (auto& l : ls) {
        const char* what = "";
        std::string name = user;
        switch (l.protocol) {
            case Protocol::imap: what = "Incoming mail (IMAP)"; break;
            case Protocol::pop3: what = "Incoming mail (POP3)"; break;
            case Protocol::submission: what = "Outgoing mail (SMTP)"; break;
            case Protocol::smtp:
                what = "From the internet (MX)";
                name = "-";
                break;
            case Protocol::http: break;
        }
        out += fmt::format("{:<26} {:<28} {:>5}  {:<9} {}\n", what, hostname, l.port, security(l.tls), name);
    }
    out += "Password: the account's password. Authentication: normal password.\n";
    return out;
}

}  // namespace postamt::cli
