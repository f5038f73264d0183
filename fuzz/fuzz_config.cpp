// libFuzzer target: arbitrary bytes as a configuration file. parse_config
// must never crash, hang or leak, and whatever it accepts must satisfy the
// invariants the rest of the server relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/config.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = postamt::parse_config(text, "fuzz.toml");
    if (!r.ok()) {
        // One problem per line, each naming the file: no raw newline or CR
        // from the input may leak into a message.
        const std::string& m = r.error().message;
        check(!m.empty());
        check(m.find('\r') == std::string::npos);
        std::size_t start = 0;
        for (;;) {
            check(m.compare(start, 10, "fuzz.toml:") == 0);
            std::size_t nl = m.find('\n', start);
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
        return 0;
    }
    const postamt::Config& c = r.value();
    check(!c.listeners.empty());
    for (std::size_t i = 0; i < c.listeners.size(); ++i) {
        const auto& l = c.listeners[i];
        check(l.port != 0);
        check(!l.name.empty());
        check(!l.addresses.empty());
        check(!(l.protocol == postamt::Protocol::http && l.tls == postamt::TlsMode::starttls));
        for (std::size_t j = 0; j < i; ++j) check(c.listeners[j].name != l.name);
    }
    check(!c.server.hostname.empty());
    check(!c.server.data_dir.empty());
    check(c.tls.cert.empty() == c.tls.key.empty());
    check(c.limits.max_message_size >= 1024);
    check(c.limits.max_connections >= 1);
    check(c.limits.imap_idle_timeout.count() > 0);
    check(c.smtp.max_recipients >= 100);
    for (unsigned char ch : c.smtp.banner) check(ch >= 0x20 && ch < 0x7f);
    return 0;
}
