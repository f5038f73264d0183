// parse_config(): TOML text -> Config. The schema is table-driven (one Field
// per key) so unknown-key detection, "did you mean" hints and
// config_key_paths() all use the same list. toml++ is included here only.
#include <charconv>
#include <arpa/inet.h>
#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <span>

#include "common/config.h"
#include "common/text.h"

namespace postamt {
namespace {

using std::chrono::seconds;
constexpr std::uint64_t KiB = 1ull << 10;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::int64_t kDay = 86400;

// ---------------------------------------------------------------- messages

struct Ctx {
    struct Problem {
        std::uint32_t line;  // 0: no position (reported last)
        std::uint32_t column;
        std::string text;
    };
    std::string source;
    std::vector<Problem> problems;

    void add(const toml::source_region& where, const std::string& msg) {
        if (where.begin)
            problems.push_back(
                {where.begin.line, where.begin.column,
                 fmt::format("{}:{}:{}: {}", source, where.begin.line, where.begin.column, msg)});
        else
            problems.push_back({0, 0, fmt::format("{}: {}", source, msg)});
    }

    // toml++ tables iterate in key order; admins read top to bottom.
    std::string joined() {
        std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
            auto key = [](const Problem& p) {
                return std::pair(p.line == 0 ? UINT32_MAX : p.line, p.column);
            };
            return key(a) < key(b);
        });
        std::string out;
        for (const auto& p : problems) {
            if (!out.empty()) out += '\n';
            out += p.text;
        }
        return out;
    }
};

// A TOML string shown back to the admin: quoted, control bytes escaped,
// long values cut so one bad value cannot flood the log.
std::string quote_value(std::string_view s) {
    constexpr std::size_t kMax = 64;
    std::string out = "\"";
    std::size_t n = 0;
    for (unsigned char c : s) {
        if (++n > kMax) {
            out += "...";
            break;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

// Control bytes as \xNN so a message stays on one line.
std::string escape_controls(std::string_view s) {
    std::string out;
    for (unsigned char ch : s) {
        if (ch < 0x20 || ch == 0x7f)
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(ch));
        else
            out += static_cast<char>(ch);
    }
    return out;
}

// A key as written, safe to put in a one-line message: TOML allows any
// characters in quoted keys, including newlines.
std::string show_key(std::string_view k) {
    bool plain = k.size() <= 64 && !k.empty();
    for (unsigned char ch : k) plain = plain && ch > 0x20 && ch < 0x7f && ch != '\'' && ch != '"';
    return plain ? std::string(k) : quote_value(k);
}

std::string describe(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string:
            return quote_value(n.as_string()->get());
        case toml::node_type::integer:
            return std::to_string(n.as_integer()->get());
        case toml::node_type::floating_point: {
            std::string f = fmt::format("{}", n.as_floating_point()->get());
            // fmt prints 143.0 as "143"; show that it was a float.
            if (f.find_first_not_of("-0123456789") == std::string::npos) f += ".0";
            return f;
        }
        case toml::node_type::boolean:
            return n.as_boolean()->get() ? "true" : "false";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

// Hint for a quoted number where a number is wanted: port = "25".
std::string unquote_hint(const toml::node& n) {
    if (auto s = n.as_string()) {
        std::string_view v = text::trim(s->get());
        if (!v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos)
            return " (remove the quotes)";
    }
    return "";
}

// ---------------------------------------------------------------- value readers

void read_string(Ctx& c, const toml::node& n, const std::string& path, std::string& out) {
    if (auto s = n.as_string()) {
        out = s->get();
        return;
    }
    c.add(n.source(), fmt::format("'{}' must be a string, got {}", path, describe(n)));
}

void read_bool(Ctx& c, const toml::node& n, const std::string& path, bool& out) {
    if (auto b = n.as_boolean()) {
        out = b->get();
        return;
    }
    c.add(n.source(),
          fmt::format("'{}' must be true or false (without quotes), got {}", path, describe(n)));
}

template <class T>
void read_int(Ctx& c, const toml::node& n, const std::string& path, std::int64_t min,
              std::int64_t max, T& out) {
    if (auto i = n.as_integer(); i && i->get() >= min && i->get() <= max) {
        out = static_cast<T>(i->get());
        return;
    }
    c.add(n.source(), fmt::format("'{}' must be an integer {}-{}, got {}{}", path, min, max,
                                  describe(n), unquote_hint(n)));
}

void read_size(Ctx& c, const toml::node& n, const std::string& path, std::uint64_t min,
               std::uint64_t max, std::uint64_t& out) {
    std::optional<std::uint64_t> v;
    if (auto i = n.as_integer()) {
        if (i->get() >= 0) v = static_cast<std::uint64_t>(i->get());
    } else if (auto s = n.as_string()) {
        v = text::parse_size(s->get());
    }
    if (v && *v >= min && *v <= max) {
        out = *v;
        return;
    }
    c.add(n.source(),
          fmt::format("'{}' must be a size from {} to {} such as \"512K\", \"50M\", \"1G\" or a "
                      "number of bytes, got {}",
                      path, text::format_size(min), text::format_size(max), describe(n)));
}

void read_duration(Ctx& c, const toml::node& n, const std::string& path, seconds min, seconds max,
                   seconds& out) {
    std::optional<seconds> v;
    if (auto i = n.as_integer()) {
        if (i->get() >= 0) v = seconds(i->get());
    } else if (auto s = n.as_string()) {
        v = text::parse_duration(s->get());
    }
    if (v && *v >= min && *v <= max) {
        out = *v;
        return;
    }
    c.add(n.source(),
          fmt::format("'{}' must be a duration from {} to {} such as \"30s\", \"5m\", \"2h\", "
                      "\"30d\" or a number of seconds, got {}",
                      path, text::format_duration(min), text::format_duration(max), describe(n)));
}

template <class E>
struct EnumName {
    std::string_view name;
    E value;
};

template <class E, std::size_t N>
bool read_enum(Ctx& c, const toml::node& n, const std::string& path,
               const std::array<EnumName<E>, N>& names, E& out, std::string_view hint = {}) {
    if (auto s = n.as_string()) {
        for (const auto& e : names) {
            if (e.name == s->get()) {
                out = e.value;
                return true;
            }
        }
    }
    std::string choices;
    for (const auto& e : names) {
        if (!choices.empty()) choices += ", ";
        choices += fmt::format("\"{}\"", e.name);
    }
    c.add(n.source(),
          fmt::format("'{}' must be one of {}, got {}{}", path, choices, describe(n), hint));
    return false;
}

bool has_control_chars(std::string_view s) {
    for (unsigned char ch : s)
        if (ch < 0x20 || ch == 0x7f) return true;
    return false;
}

void read_path(Ctx& c, const toml::node& n, const std::string& path, std::string& out,
               bool may_be_empty) {
    if (!n.is_string()) return read_string(c, n, path, out);
    std::string v = n.as_string()->get();
    if (v.empty() && !may_be_empty) {
        c.add(n.source(), fmt::format("'{}' must not be empty", path));
    } else if (has_control_chars(v)) {
        c.add(n.source(),
              fmt::format("'{}' must be a file system path without control characters, got {}",
                          path, describe(n)));
    } else {
        out = std::move(v);
    }
}

// RFC 1035 2.3.1 / RFC 1123 2.1 host names in ASCII (LDH labels).
bool valid_hostname(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    if (h.back() == '.') h.remove_suffix(1);
    for (std::string_view label : text::split(h, '.')) {
        if (label.empty() || label.size() > 63) return false;
        if (label.front() == '-' || label.back() == '-') return false;
        for (char ch : label) {
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-';
            if (!ok) return false;
        }
    }
    return true;
}

void read_domain(Ctx& c, const toml::node& n, const std::string& path, std::string& out,
                 bool may_be_empty) {
    if (!n.is_string()) return read_string(c, n, path, out);
    std::string v = text::to_lower(n.as_string()->get());
    if ((v.empty() && may_be_empty) || valid_hostname(v)) {
        if (!v.empty() && v.back() == '.') v.pop_back();  // "example.com." is absolute DNS syntax
        out = std::move(v);
        return;
    }
    c.add(n.source(),
          fmt::format("'{}' must be a domain name such as \"mail.example.com\" (letters, digits, "
                      "'-' and '.'; use the xn-- form for international names), got {}",
                      path, describe(n)));
}

bool valid_ip(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// ---------------------------------------------------------------- schema

template <class Target>
struct Field {
    std::string_view name;
    void (*read)(Ctx&, const toml::node&, const std::string& path, Target&);
};

// Closest known key for a typo; empty if nothing is close enough.
std::string_view closest(std::string_view key, std::span<const std::string_view> known) {
    std::string_view best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    if (key.size() > 64) return {};  // nothing sensible to compare against
    for (std::string_view k : known) {
        std::size_t d = text::edit_distance(key, k);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    // One edit per three characters: "max_mesage_size" finds its key, while
    // "foo" is not mistaken for "log".
    std::size_t limit = std::max<std::size_t>(1, std::min(key.size(), best.size()) / 3);
    return best_d <= limit ? best : std::string_view{};
}

std::vector<std::string> all_key_paths();

template <class Target>
void report_unknown(Ctx& c, const toml::key& k, const toml::node& v, std::string_view table_path,
                    std::span<const Field<Target>> fields) {
    std::vector<std::string_view> known;
    for (const auto& f : fields) known.push_back(f.name);
    std::string full = table_path.empty() ? show_key(k.str())
                                          : fmt::format("{}.{}", table_path, show_key(k.str()));
    std::string hint;
    // Right key, wrong section: hostname at the top, max_message_size under [server].
    std::string moved;
    for (const std::string& p : all_key_paths()) {
        std::string_view leaf = p;
        leaf = leaf.substr(leaf.rfind('.') + 1);
        if (leaf == k.str() && p != full) {
            moved = p;
            break;
        }
    }
    if (!moved.empty()) {
        hint = fmt::format(" (did you mean '{}'?)", moved);
    } else if (auto near = closest(k.str(), known); !near.empty()) {
        hint = fmt::format(" (did you mean '{}'?)", near);
    } else {
        std::string list;
        for (auto name : known) list += (list.empty() ? "" : ", ") + std::string(name);
        hint = table_path.empty() ? fmt::format(" (known sections: {})", list)
                                  : fmt::format(" (known keys here: {})", list);
    }
    const toml::source_region& where = k.source().begin ? k.source() : v.source();
    c.add(where, fmt::format("unknown key '{}'{}", full, hint));
}

template <class Target>
void read_table(Ctx& c, const toml::table& t, const std::string& path,
                std::span<const Field<Target>> fields, Target& target) {
    for (auto&& [k, v] : t) {
        const Field<Target>* f = nullptr;
        for (const auto& cand : fields)
            if (cand.name == k.str()) f = &cand;
        if (!f) {
            report_unknown(c, k, v, path, fields);
            continue;
        }
        f->read(c, v, path.empty() ? std::string(k.str()) : fmt::format("{}.{}", path, k.str()),
                target);
    }
}

// Reads `[section]`; complains if the user wrote `section = 5` or similar.
template <class Target>
void read_section(Ctx& c, const toml::node& n, const std::string& path,
                  std::span<const Field<Target>> fields, Target& target) {
    if (auto t = n.as_table()) return read_table(c, *t, path, fields, target);
    c.add(n.source(),
          fmt::format("'{}' must be a table (a [{}] section), got {}", path, path, describe(n)));
}

// Elements of an array of tables ([[listener]]).
template <class Fn>
void for_each_table(Ctx& c, const toml::node& n, const std::string& path, Fn&& fn) {
    auto arr = n.as_array();
    if (!arr) {
        c.add(n.source(),
              fmt::format("'{}' must be an array of tables: write [[{}]] (two brackets), got {}",
                          path, path, describe(n)));
        return;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& el = *arr->get(i);
        std::string ipath = fmt::format("{}[{}]", path, i);
        if (auto t = el.as_table())
            fn(*t, ipath, i);
        else
            c.add(el.source().begin ? el.source() : n.source(),
                  fmt::format("'{}' must be a table, got {}", ipath, describe(el)));
    }
}

// ---- [server]
constexpr Field<Config> kServer[] = {
    {"hostname", [](Ctx& c, const toml::node& n, const std::string& p,
                    Config& cfg) { read_domain(c, n, p, cfg.server.hostname, false); }},
    {"data_dir", [](Ctx& c, const toml::node& n, const std::string& p,
                    Config& cfg) { read_path(c, n, p, cfg.server.data_dir, false); }},
    {"default_domain", [](Ctx& c, const toml::node& n, const std::string& p,
                          Config& cfg) { read_domain(c, n, p, cfg.server.default_domain, true); }},
    {"run_as_user",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         if (!n.is_string()) return read_string(c, n, p, cfg.server.run_as_user);
         std::string v = n.as_string()->get();
         // POSIX portable user names; '-' not first (it would read as an option).
         bool ok = v.size() <= 32 && (v.empty() || v.front() != '-');
         for (char ch : v)
             ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.');
         if (ok)
             cfg.server.run_as_user = std::move(v);
         else
             c.add(n.source(), fmt::format("'{}' must be a user name (letters, digits, '_', "
                                           "'-', '.'; empty to keep the current user), got {}",
                                           p, describe(n)));
     }},
};

// ---- [log]
constexpr std::array<EnumName<log::Level>, 6> kLevels{{{"trace", log::Level::trace},
                                                       {"debug", log::Level::debug},
                                                       {"info", log::Level::info},
                                                       {"warn", log::Level::warn},
                                                       {"error", log::Level::error},
                                                       {"off", log::Level::off}}};
constexpr Field<Config> kLog[] = {
    {"level", [](Ctx& c, const toml::node& n, const std::string& p,
                 Config& cfg) { read_enum(c, n, p, kLevels, cfg.log.level); }},
    {"file", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_path(c, n, p, cfg.log.file, true); }},
};

// ---- [tls], [[tls.certificate]]
constexpr Field<TlsCertificate> kCertificate[] = {
    {"cert", [](Ctx& c, const toml::node& n, const std::string& p,
                TlsCertificate& t) { read_path(c, n, p, t.cert, false); }},
    {"key", [](Ctx& c, const toml::node& n, const std::string& p,
               TlsCertificate& t) { read_path(c, n, p, t.key, false); }},
};

constexpr Field<Config> kTls[] = {
    {"cert", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_path(c, n, p, cfg.tls.cert, true); }},
    {"key", [](Ctx& c, const toml::node& n, const std::string& p,
               Config& cfg) { read_path(c, n, p, cfg.tls.key, true); }},
    {"min_version",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // min_version = 1.3 (a float) is an easy slip; accept it.
         if (auto f = n.as_floating_point()) {
             if (f->get() == 1.2) return void(cfg.tls.min_version = TlsVersion::tls1_2);
             if (f->get() == 1.3) return void(cfg.tls.min_version = TlsVersion::tls1_3);
         }
         static constexpr std::array<EnumName<TlsVersion>, 2> kVersions{
             {{"1.2", TlsVersion::tls1_2}, {"1.3", TlsVersion::tls1_3}}};
         read_enum(c, n, p, kVersions, cfg.tls.min_version);
     }},
    {"certificate",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         for_each_table(c, n, p, [&](const toml::table& t, const std::string& ip, std::size_t) {
             TlsCertificate tc;
             read_table<TlsCertificate>(c, t, ip, kCertificate, tc);
             for (std::string_view req : {"cert", "key"})
                 if (!t.contains(req))
                     c.add(t.source(),
                           fmt::format("'{}' has no {}; each [[tls.certificate]] needs both cert "
                                       "and key (PEM file paths)",
                                       ip, req));
             cfg.tls.certificates.push_back(std::move(tc));
         });
     }},
};

// ---- [[listener]]
struct RawListener {
    std::optional<std::string> name;
    std::optional<Protocol> protocol;
    std::optional<std::vector<std::string>> addresses;
    std::optional<std::uint16_t> port;
    std::optional<TlsMode> tls;
    bool proxy_protocol = false;
    std::optional<std::vector<std::string>> services;
    bool broken = false;  // a key had a bad value: skip cross-checks
};

constexpr std::string_view kHttpServices[] = {"autoconfig", "acme", "mta-sts", "admin", "metrics"};

constexpr std::array<EnumName<Protocol>, 5> kProtocols{{{"smtp", Protocol::smtp},
                                                        {"submission", Protocol::submission},
                                                        {"imap", Protocol::imap},
                                                        {"pop3", Protocol::pop3},
                                                        {"http", Protocol::http}}};
constexpr std::array<EnumName<TlsMode>, 3> kTlsModes{
    {{"none", TlsMode::none}, {"starttls", TlsMode::starttls}, {"implicit", TlsMode::implicit}}};

// The conventional names people write as a protocol: "imaps" etc.
struct ProtocolAlias {
    std::string_view alias;
    Protocol protocol;
    TlsMode tls;
};
constexpr ProtocolAlias kAliases[] = {
    {"smtp", Protocol::smtp, TlsMode::starttls},
    {"submission", Protocol::submission, TlsMode::starttls},
    {"submissions", Protocol::submission, TlsMode::implicit},
    {"smtps", Protocol::submission, TlsMode::implicit},
    {"imap", Protocol::imap, TlsMode::starttls},
    {"imaps", Protocol::imap, TlsMode::implicit},
    {"pop3", Protocol::pop3, TlsMode::starttls},
    {"pop3s", Protocol::pop3, TlsMode::implicit},
    {"http", Protocol::http, TlsMode::none},
    {"https", Protocol::http, TlsMode::implicit},
};

const ProtocolAlias* find_alias(std::string_view s) {
    for (const auto& a : kAliases)
        if (a.alias == s) return &a;
    return nullptr;
}

constexpr Field<RawListener> kListener[] = {
    {"name",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         std::string v;
         if (!n.is_string()) {
             l.broken = true;
             return read_string(c, n, p, v);
         }
         v = n.as_string()->get();
         bool ok = !v.empty() && v.size() <= 64;
         for (char ch : v)
             ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.');
         if (ok) {
             l.name = std::move(v);
         } else {
             l.broken = true;
             c.add(n.source(), fmt::format("'{}' must be 1-64 letters, digits, '_', '-' or '.', "
                                           "got {}",
                                           p, describe(n)));
         }
     }},
    {"protocol",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         std::string hint;
         if (auto s = n.as_string()) {
             if (auto a = find_alias(s->get()); a && a->tls == TlsMode::implicit)
                 hint = fmt::format(" (for {} write protocol = \"{}\" with tls = \"implicit\")",
                                    a->alias, protocol_name(a->protocol));
         }
         Protocol v{};
         if (read_enum(c, n, p, kProtocols, v, hint))
             l.protocol = v;
         else
             l.broken = true;
     }},
    {"address",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         std::vector<std::string> out;
         bool ok = true;
         auto one = [&](const toml::node& el, const std::string& ep) {
             auto s = el.as_string();
             if (s && valid_ip(s->get())) {
                 out.push_back(s->get());
                 return;
             }
             ok = false;
             c.add(el.source().begin ? el.source() : n.source(),
                   fmt::format("'{}' must be an IP address such as \"0.0.0.0\", \"::\" or "
                               "\"192.0.2.1\", got {}",
                               ep, describe(el)));
         };
         if (n.is_string()) {
             one(n, p);
         } else if (auto arr = n.as_array()) {
             if (arr->empty()) {
                 ok = false;
                 c.add(n.source(), fmt::format("'{}' is empty; list at least one IP address, "
                                               "e.g. [\"0.0.0.0\", \"::\"]",
                                               p));
             }
             for (std::size_t i = 0; i < arr->size(); ++i)
                 one(*arr->get(i), fmt::format("{}[{}]", p, i));
         } else {
             ok = false;
             c.add(n.source(), fmt::format("'{}' must be an array of IP addresses such as "
                                           "[\"0.0.0.0\", \"::\"], got {}",
                                           p, describe(n)));
         }
         if (ok)
             l.addresses = std::move(out);
         else
             l.broken = true;
     }},
    {"port",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         std::uint16_t port = 0;
         std::size_t before = c.problems.size();
         read_int(c, n, p, 1, 65535, port);
         if (c.problems.size() == before)
             l.port = port;
         else
             l.broken = true;
     }},
    {"tls",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         TlsMode v{};
         std::string hint;
         if (n.is_boolean()) hint = " (TLS mode names, not true/false)";
         if (read_enum(c, n, p, kTlsModes, v, hint))
             l.tls = v;
         else
             l.broken = true;
     }},
    {"proxy_protocol", [](Ctx& c, const toml::node& n, const std::string& p,
                          RawListener& l) { read_bool(c, n, p, l.proxy_protocol); }},
    {"services",
     [](Ctx& c, const toml::node& n, const std::string& p, RawListener& l) {
         const std::string known = "autoconfig, acme, mta-sts, admin, metrics";
         auto arr = n.as_array();
         if (!arr || arr->empty()) {
             l.broken = true;
             c.add(n.source(), fmt::format("'{}' must be a non-empty array of service names ({}), got {}", p,
                                           known, describe(n)));
             return;
         }
         std::vector<std::string> out;
         for (std::size_t i = 0; i < arr->size(); ++i) {
             const toml::node& el = *arr->get(i);
             auto s = el.as_string();
             bool ok = false;
             if (s)
                 for (auto k : kHttpServices) ok = ok || s->get() == k;
             if (!ok) {
                 l.broken = true;
                 c.add(el.source().begin ? el.source() : n.source(),
                       fmt::format("'{}[{}]' must be one of {}, got {}", p, i, known, describe(el)));
                 continue;
             }
             if (std::find(out.begin(), out.end(), s->get()) == out.end()) out.push_back(s->get());
         }
         if (!l.broken) l.services = std::move(out);
     }},
};

// Where key `k` of table `t` is, or the table itself when `k` is absent.
toml::source_region source_of(const toml::table& t, std::string_view k) {
    if (const toml::node* n = t.get(k)) return n->source();
    return t.source();
}

std::uint16_t default_port(Protocol p, TlsMode tls) {
    bool implicit = tls == TlsMode::implicit;
    switch (p) {
        case Protocol::smtp:
            return 25;
        case Protocol::submission:
            return implicit ? 465 : 587;
        case Protocol::imap:
            return implicit ? 993 : 143;
        case Protocol::pop3:
            return implicit ? 995 : 110;
        case Protocol::http:
            return implicit ? 8443 : 8080;
    }
    return 0;
}

// Turns a RawListener into a ListenerConfig, filling defaults; nullopt when
// something required is missing (already reported).
std::optional<ListenerConfig> finish_listener(Ctx& c, const toml::table& t, const std::string& path,
                                              RawListener& raw) {
    if (!t.contains("name")) {
        c.add(t.source(), fmt::format("'{}' has no name; add e.g. name = \"imaps\" (names must be "
                                      "unique)",
                                      path));
        raw.broken = true;
    }
    if (!t.contains("protocol")) {
        std::string suggestion = "\"imap\"";
        if (raw.name)
            if (auto a = find_alias(*raw.name)) {
                suggestion = fmt::format("\"{}\"", protocol_name(a->protocol));
                if (a->tls == TlsMode::implicit) suggestion += " with tls = \"implicit\"";
            }
        c.add(t.source(), fmt::format("'{}' has no protocol; add e.g. protocol = {} (one of smtp, "
                                      "submission, imap, pop3, http)",
                                      path, suggestion));
        raw.broken = true;
    }
    if (raw.broken) return std::nullopt;

    ListenerConfig l;
    l.name = *raw.name;
    l.protocol = *raw.protocol;
    l.proxy_protocol = raw.proxy_protocol;
    if (raw.services) {
        if (*raw.protocol != Protocol::http) {
            c.add(source_of(t, "services"),
                  fmt::format("'{}.services' applies only to http listeners; remove it", path));
            return std::nullopt;
        }
        l.services = *raw.services;
    }
    l.tls = raw.tls.value_or(l.protocol == Protocol::http ? TlsMode::none : TlsMode::starttls);
    if (l.protocol == Protocol::http && l.tls == TlsMode::starttls) {
        c.add(source_of(t, "tls"),
              fmt::format("'{}.tls' = \"starttls\" is not possible for http; use \"none\" or "
                          "\"implicit\"",
                          path));
        return std::nullopt;
    }
    l.port = raw.port.value_or(default_port(l.protocol, l.tls));
    // tls left to its default on a well-known implicit-TLS port is almost
    // certainly a mistake: clients would start TLS at once and fail.
    if (!raw.tls && l.tls != TlsMode::implicit &&
        l.port == default_port(l.protocol, TlsMode::implicit) &&
        l.port != default_port(l.protocol, TlsMode::starttls)) {
        c.add(source_of(t, "port"),
              fmt::format("'{}' listens on port {}, the implicit-TLS port for {}, but tls is not "
                          "set (default \"{}\"); add tls = \"implicit\"",
                          path, l.port, protocol_name(l.protocol), tls_mode_name(l.tls)));
        return std::nullopt;
    }
    if (raw.addresses)
        l.addresses = std::move(*raw.addresses);
    else if (l.protocol == Protocol::http)
        l.addresses = {"127.0.0.1"};  // admin API: loopback unless configured
    else
        l.addresses = {"0.0.0.0", "::"};
    return l;
}

// "0.0.0.0" and "0:0::0" compare equal; used to find two listeners on one socket.
std::string canonical_ip(const std::string& s) {
    unsigned char buf[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, s.c_str(), buf) == 1 && inet_ntop(AF_INET, buf, out, sizeof out))
        return out;
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, out, sizeof out))
        return fmt::format("[{}]", out);
    return s;
}

void read_listeners(Ctx& c, const toml::node& n, Config& cfg) {
    cfg.listeners.clear();
    if (auto arr = n.as_array(); arr && arr->empty()) {
        c.add(n.source(),
              "'listener' is empty; remove it to get the default listeners or add "
              "[[listener]] sections");
        return;
    }
    struct Seen {
        std::string name;
        std::string path;
    };
    std::vector<Seen> seen;
    std::vector<std::pair<std::string, std::string>> binds;  // "ip:port" -> path
    for_each_table(
        c, n, "listener", [&](const toml::table& t, const std::string& path, std::size_t) {
            RawListener raw;
            read_table<RawListener>(c, t, path, kListener, raw);
            auto l = finish_listener(c, t, path, raw);
            if (!l) return;
            for (const auto& s : seen) {
                if (s.name == l->name) {
                    c.add(source_of(t, "name"),
                          fmt::format(
                              "'{}.name' \"{}\" is already used by {}; listener names must be "
                              "unique",
                              path, l->name, s.path));
                    return;
                }
            }
            seen.push_back({l->name, path});
            std::size_t first_own = binds.size();
            for (const auto& a : l->addresses) {
                std::string bind = fmt::format("{}:{}", canonical_ip(a), l->port);
                for (std::size_t b = 0; b < binds.size(); ++b) {
                    if (binds[b].first != bind) continue;
                    if (b >= first_own)
                        c.add(source_of(t, "address"),
                              fmt::format("'{}.address' lists {} twice", path, canonical_ip(a)));
                    else
                        c.add(t.source(),
                              fmt::format("'{}' ('{}') and {} both listen on {}; change "
                                          "the port or address of one of them",
                                          path, l->name, binds[b].second, bind));
                    return;
                }
                binds.emplace_back(bind, fmt::format("{} ('{}')", path, l->name));
            }
            cfg.listeners.push_back(std::move(*l));
        });
}

// ---- [limits]
constexpr Field<Config> kLimits[] = {
    {"max_message_size",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // IMAP RFC822.SIZE is a 32-bit number (RFC 3501 4.2); stay below it.
         read_size(c, n, p, KiB, 2 * GiB, cfg.limits.max_message_size);
     }},
    {"max_line_length",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         std::uint64_t v = cfg.limits.max_line_length;
         read_size(c, n, p, KiB, MiB, v);
         cfg.limits.max_line_length = static_cast<std::uint32_t>(v);
     }},
    {"max_literal_size",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_size(c, n, p, KiB, 2 * GiB, cfg.limits.max_literal_size);
     }},
    {"max_connections",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 1'000'000, cfg.limits.max_connections);
     }},
    {"max_connections_per_ip",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 1'000'000, cfg.limits.max_connections_per_ip);
     }},
    {"max_connections_per_user",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 1'000'000, cfg.limits.max_connections_per_user);
     }},
    {"imap_idle_timeout",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(7 * kDay), cfg.limits.imap_idle_timeout);
     }},
    {"smtp_idle_timeout",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(7 * kDay), cfg.limits.smtp_idle_timeout);
     }},
    {"pop3_idle_timeout",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(7 * kDay), cfg.limits.pop3_idle_timeout);
     }},
    {"max_errors", [](Ctx& c, const toml::node& n, const std::string& p,
                      Config& cfg) { read_int(c, n, p, 1, 1000, cfg.limits.max_errors); }},
};

// ---- [auth]
constexpr Field<Config> kAuth[] = {
    {"hash_threads", [](Ctx& c, const toml::node& n, const std::string& p,
                        Config& cfg) { read_int(c, n, p, 1, 256, cfg.auth.hash_threads); }},
    {"argon2_ops_limit",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // crypto_pwhash_argon2id_OPSLIMIT_MIN .. OPSLIMIT_MAX
         read_int(c, n, p, 1, 4294967295LL, cfg.auth.argon2_ops_limit);
     }},
    {"argon2_mem_limit",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // crypto_pwhash_argon2id_MEMLIMIT_MIN is 8K; memory is per concurrent hash.
         read_size(c, n, p, 8 * KiB, 16 * GiB, cfg.auth.argon2_mem_limit);
     }},
    {"cache_ttl",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(0), seconds(kDay), cfg.auth.cache_ttl);
     }},
    {"max_failures_per_ip",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 0, 1'000'000, cfg.auth.max_failures_per_ip);
     }},
    {"block_duration",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(30 * kDay), cfg.auth.block_duration);
     }},
    {"max_concurrent_per_ip",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 1024, cfg.auth.max_concurrent_per_ip);
     }},
    {"allow_plaintext_on_loopback",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_bool(c, n, p, cfg.auth.allow_plaintext_on_loopback);
     }},
};

// ---- [store]
constexpr Field<Config> kStore[] = {
    {"backend",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         static constexpr std::array<EnumName<StoreBackend>, 1> kBackends{
             {{"sqlite", StoreBackend::sqlite}}};
         read_enum(c, n, p, kBackends, cfg.store.backend);
     }},
    {"reader_threads", [](Ctx& c, const toml::node& n, const std::string& p,
                          Config& cfg) { read_int(c, n, p, 1, 256, cfg.store.reader_threads); }},
    {"segment_max_size",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_size(c, n, p, MiB, 64 * GiB, cfg.store.segment_max_size);
     }},
    {"tombstone_max_age",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(3600), seconds(3650 * kDay), cfg.store.tombstone_max_age);
     }},
};

// ---- [smtp]
constexpr Field<Config> kSmtp[] = {
    {"max_recipients",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // RFC 5321 4.5.3.1.8: servers must accept at least 100.
         read_int(c, n, p, 100, 100'000, cfg.smtp.max_recipients);
     }},
    {"helo_required", [](Ctx& c, const toml::node& n, const std::string& p,
                         Config& cfg) { read_bool(c, n, p, cfg.smtp.helo_required); }},
    {"banner",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         if (!n.is_string()) return read_string(c, n, p, cfg.smtp.banner);
         const std::string& v = n.as_string()->get();
         bool ok = v.size() <= 200;
         for (unsigned char ch : v) ok = ok && ch >= 0x20 && ch < 0x7f;
         if (ok)
             cfg.smtp.banner = v;
         else
             c.add(n.source(), fmt::format("'{}' must be at most 200 printable ASCII characters "
                                           "(it is sent in the SMTP greeting), got {}",
                                           p, describe(n)));
     }},
};

// ---- [pop3]
constexpr Field<Config> kPop3[] = {
    {"expire_days",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 0, 36500, cfg.pop3.expire_days);
     }},
    {"login_delay",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(0), seconds(kDay), cfg.pop3.login_delay);
     }},
    {"lock_maildrop", [](Ctx& c, const toml::node& n, const std::string& p,
                         Config& cfg) { read_bool(c, n, p, cfg.pop3.lock_maildrop); }},
};

// A string chosen from a fixed set (kept as the string in the struct).
void read_choice(Ctx& c, const toml::node& n, const std::string& path,
                 std::initializer_list<std::string_view> choices, std::string& out) {
    if (auto s = n.as_string()) {
        for (auto ch : choices) {
            if (ch == s->get()) {
                out = s->get();
                return;
            }
        }
    }
    std::string list;
    for (auto ch : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", ch);
    c.add(n.source(), fmt::format("'{}' must be one of {}, got {}", path, list, describe(n)));
}

// An array of strings, each checked by `ok` (which explains what it wants).
void read_string_list(Ctx& c, const toml::node& n, const std::string& path,
                      bool (*ok)(const std::string&), std::string_view want,
                      std::vector<std::string>& out) {
    const toml::array* a = n.as_array();
    if (!a) {
        c.add(n.source(), fmt::format("'{}' must be an array of strings, got {}", path, describe(n)));
        return;
    }
    std::vector<std::string> v;
    for (const auto& e : *a) {
        const auto* s = e.as_string();
        if (!s || !ok(s->get())) {
            c.add(e.source(), fmt::format("'{}' entries must be {}, got {}", path, want, describe(e)));
            return;
        }
        v.push_back(s->get());
    }
    out = std::move(v);
}

std::optional<unsigned> parse_port(std::string_view s) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v < 1 || v > 65535) return std::nullopt;
    return v;
}

// "ip" or "ip@port" (libunbound's forwarder syntax).
bool valid_forwarder(const std::string& s) {
    auto at = s.find('@');
    if (at == std::string::npos) return valid_ip(s);
    return valid_ip(s.substr(0, at)) && parse_port(std::string_view(s).substr(at + 1));
}

// ---- [submission]
constexpr Field<Config> kSubmission[] = {
    {"max_messages_per_hour",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 0, 10'000'000, cfg.submission.max_messages_per_hour);
     }},
    {"max_recipients",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 0, 100'000, cfg.submission.max_recipients);
     }},
    {"received_header",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_choice(c, n, p, {"full", "private", "none"}, cfg.submission.received_header);
     }},
};

// ---- [queue]
constexpr Field<Config> kQueue[] = {
    {"max_age",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(60), seconds(60 * kDay), cfg.queue.max_age);
     }},
    {"retry_min",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(kDay), cfg.queue.retry_min);
     }},
    {"retry_max",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(7 * kDay), cfg.queue.retry_max);
     }},
    {"delay_warning",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(0), seconds(30 * kDay), cfg.queue.delay_warning);
     }},
    {"lease",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(10), seconds(kDay), cfg.queue.lease);
     }},
};

// ---- [outbound]
constexpr Field<Config> kOutbound[] = {
    {"port",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 65535, cfg.outbound.port);
     }},
    {"source_addresses",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_string_list(c, n, p, valid_ip, "IP addresses", cfg.outbound.source_addresses);
     }},
    {"helo_name",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_domain(c, n, p, cfg.outbound.helo_name, true);
     }},
    {"tls",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_choice(c, n, p, {"opportunistic", "required", "none"}, cfg.outbound.tls);
     }},
    {"max_per_destination",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 1000, cfg.outbound.max_per_destination);
     }},
    {"max_connections",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_int(c, n, p, 1, 100'000, cfg.outbound.max_connections);
     }},
    {"connect_timeout",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(600), cfg.outbound.connect_timeout);
     }},
    {"command_timeout",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(1), seconds(3600), cfg.outbound.command_timeout);
     }},
    {"smarthost",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         if (!n.is_string()) return read_string(c, n, p, cfg.outbound.smarthost);
         std::string v = n.as_string()->get();
         std::string host = v;
         bool ok = true;
         if (auto colon = v.rfind(':'); colon != std::string::npos) {
             host = v.substr(0, colon);
             ok = parse_port(std::string_view(v).substr(colon + 1)).has_value();
         }
         ok = ok && (v.empty() || valid_hostname(host) || valid_ip(host));
         if (ok)
             cfg.outbound.smarthost = text::to_lower(v);
         else
             c.add(n.source(), fmt::format("'{}' must be \"host\" or \"host:port\" such as "
                                           "\"smtp.provider.example:587\", got {}",
                                           p, describe(n)));
     }},
    {"smarthost_tls",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_choice(c, n, p, {"starttls", "implicit"}, cfg.outbound.smarthost_tls);
     }},
    {"smarthost_user",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_string(c, n, p, cfg.outbound.smarthost_user);
     }},
    {"smarthost_password_file",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_path(c, n, p, cfg.outbound.smarthost_password_file, true);
     }},
};

// ---- [dns]
constexpr Field<Config> kDns[] = {
    {"forwarders",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_string_list(c, n, p, valid_forwarder, "\"ip\" or \"ip@port\"",
                          cfg.dns.forwarders);
     }},
    {"trust_anchor",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_path(c, n, p, cfg.dns.trust_anchor, true);
     }},
};

// ---- [dkim]
constexpr Field<Config> kDkim[] = {
    {"sign", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_bool(c, n, p, cfg.dkim.sign); }},
    {"selector",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // RFC 6376 3.1: a selector is one or more DNS labels.
         std::string v;
         read_domain(c, n, p, v, false);
         if (!v.empty()) cfg.dkim.selector = v;
     }},
    {"key_dir",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_path(c, n, p, cfg.dkim.key_dir, true);
     }},
};

// ---- [acme]
constexpr Field<Config> kAcme[] = {
    {"enabled", [](Ctx& c, const toml::node& n, const std::string& p,
                   Config& cfg) { read_bool(c, n, p, cfg.acme.enabled); }},
    {"directory_url",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         std::string v;
         read_string(c, n, p, v);
         if (v.starts_with("https://"))
             cfg.acme.directory_url = v;
         else if (n.is_string())
             c.add(n.source(), fmt::format("'{}' must be an https:// URL such as "
                                           "\"https://acme-v02.api.letsencrypt.org/directory\", got {}",
                                           p, describe(n)));
     }},
    {"email", [](Ctx& c, const toml::node& n, const std::string& p,
                 Config& cfg) { read_string(c, n, p, cfg.acme.email); }},
    {"ca_file",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_path(c, n, p, cfg.acme.ca_file, true);
     }},
    {"challenge",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_choice(c, n, p, {"tls-alpn-01", "http-01"}, cfg.acme.challenge);
     }},
    {"renew_before",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_duration(c, n, p, seconds(3600), seconds(365 * kDay), cfg.acme.renew_before);
     }},
    {"names",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_string_list(c, n, p, [](const std::string& h) { return valid_hostname(h); }, "host names",
                          cfg.acme.names);
         for (auto& s : cfg.acme.names) s = text::to_lower(s);
     }},
};

// ---- [mta_sts]
constexpr Field<Config> kMtaSts[] = {
    {"mode",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         read_choice(c, n, p, {"testing", "enforce", "none"}, cfg.mta_sts.mode);
     }},
    {"max_age",
     [](Ctx& c, const toml::node& n, const std::string& p, Config& cfg) {
         // RFC 8461 3.2: at most 31557600 seconds (a year).
         read_duration(c, n, p, seconds(3600), seconds(31557600), cfg.mta_sts.max_age);
     }},
};

constexpr Field<Config> kTop[] = {
    {"server", [](Ctx& c, const toml::node& n, const std::string& p,
                  Config& cfg) { read_section<Config>(c, n, p, kServer, cfg); }},
    {"log", [](Ctx& c, const toml::node& n, const std::string& p,
               Config& cfg) { read_section<Config>(c, n, p, kLog, cfg); }},
    {"tls", [](Ctx& c, const toml::node& n, const std::string& p,
               Config& cfg) { read_section<Config>(c, n, p, kTls, cfg); }},
    {"listener", [](Ctx& c, const toml::node& n, const std::string&,
                    Config& cfg) { read_listeners(c, n, cfg); }},
    {"limits", [](Ctx& c, const toml::node& n, const std::string& p,
                  Config& cfg) { read_section<Config>(c, n, p, kLimits, cfg); }},
    {"auth", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_section<Config>(c, n, p, kAuth, cfg); }},
    {"store", [](Ctx& c, const toml::node& n, const std::string& p,
                 Config& cfg) { read_section<Config>(c, n, p, kStore, cfg); }},
    {"smtp", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_section<Config>(c, n, p, kSmtp, cfg); }},
    {"pop3", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_section<Config>(c, n, p, kPop3, cfg); }},
    {"submission", [](Ctx& c, const toml::node& n, const std::string& p,
                      Config& cfg) { read_section<Config>(c, n, p, kSubmission, cfg); }},
    {"queue", [](Ctx& c, const toml::node& n, const std::string& p,
                 Config& cfg) { read_section<Config>(c, n, p, kQueue, cfg); }},
    {"outbound", [](Ctx& c, const toml::node& n, const std::string& p,
                    Config& cfg) { read_section<Config>(c, n, p, kOutbound, cfg); }},
    {"dns", [](Ctx& c, const toml::node& n, const std::string& p,
               Config& cfg) { read_section<Config>(c, n, p, kDns, cfg); }},
    {"dkim", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_section<Config>(c, n, p, kDkim, cfg); }},
    {"acme", [](Ctx& c, const toml::node& n, const std::string& p,
                Config& cfg) { read_section<Config>(c, n, p, kAcme, cfg); }},
    {"mta_sts", [](Ctx& c, const toml::node& n, const std::string& p,
                   Config& cfg) { read_section<Config>(c, n, p, kMtaSts, cfg); }},
};

template <class Target>
void add_paths(std::vector<std::string>& out, std::string_view prefix,
               std::span<const Field<Target>> fields) {
    for (const auto& f : fields) out.push_back(fmt::format("{}.{}", prefix, f.name));
}

std::vector<std::string> all_key_paths() {
    std::vector<std::string> out;
    add_paths<Config>(out, "server", kServer);
    add_paths<Config>(out, "log", kLog);
    for (const auto& f : kTls)
        if (f.name != "certificate") out.push_back(fmt::format("tls.{}", f.name));
    add_paths<TlsCertificate>(out, "tls.certificate[]", kCertificate);
    add_paths<RawListener>(out, "listener[]", kListener);
    add_paths<Config>(out, "limits", kLimits);
    add_paths<Config>(out, "auth", kAuth);
    add_paths<Config>(out, "store", kStore);
    add_paths<Config>(out, "smtp", kSmtp);
    add_paths<Config>(out, "pop3", kPop3);
    add_paths<Config>(out, "submission", kSubmission);
    add_paths<Config>(out, "queue", kQueue);
    add_paths<Config>(out, "outbound", kOutbound);
    add_paths<Config>(out, "dns", kDns);
    add_paths<Config>(out, "dkim", kDkim);
    add_paths<Config>(out, "acme", kAcme);
    add_paths<Config>(out, "mta_sts", kMtaSts);
    return out;
}

// Checks that span several keys.
void cross_check(Ctx& c, const toml::table& root, Config& cfg) {
    if (cfg.tls.cert.empty() != cfg.tls.key.empty()) {
        const char* set = cfg.tls.cert.empty() ? "tls.key" : "tls.cert";
        const char* unset = cfg.tls.cert.empty() ? "tls.cert" : "tls.key";
        const toml::node* n = root.at_path(set).node();
        c.add(n ? n->source() : toml::source_region{},
              fmt::format("'{}' is set but '{}' is not; set both (PEM file paths) or neither (a "
                          "self-signed certificate is then made under server.data_dir/tls)",
                          set, unset));
    }
    // The default comes from gethostname(), which need not be a valid name.
    if (!root.at_path("server.hostname") && !valid_hostname(cfg.server.hostname)) {
        c.add({}, fmt::format("'server.hostname' is not set and the machine's host name {} is not "
                              "usable as a mail host name; set server.hostname = "
                              "\"mail.example.com\"",
                              quote_value(cfg.server.hostname)));
    }
}

}  // namespace

std::vector<std::string> config_key_paths() { return all_key_paths(); }

Result<Config> parse_config(std::string_view toml_text, std::string_view source_name) {
    Ctx c;
    c.source = std::string(source_name);
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        // toml++ quotes the offending input, which may hold a newline.
        c.add(e.source(), fmt::format("TOML syntax error: {}", escape_controls(e.description())));
        return make_error(Errc::invalid, c.joined());
    }
    Config cfg;
    read_table<Config>(c, root, "", kTop, cfg);
    cross_check(c, root, cfg);
    if (!c.problems.empty()) return make_error(Errc::invalid, c.joined());
    return cfg;
}

}  // namespace postamt
