#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config.h"
#include "common/text.h"

using namespace postamt;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

Result<Config> parse(std::string_view toml) { return parse_config(toml, "postamt.toml"); }

// The error text for a document that must fail.
std::string errors_of(std::string_view toml) {
    auto r = parse(toml);
    EXPECT_FALSE(r.ok()) << "expected an error for:\n" << toml;
    if (r.ok()) return {};
    EXPECT_EQ(r.error().code, Errc::invalid);
    return r.error().message;
}

std::size_t line_count(const std::string& s) {
    return s.empty() ? 0 : static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')) + 1;
}

Config parsed(std::string_view toml) {
    auto r = parse(toml);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : Config{};
}

}  // namespace

// ------------------------------------------------------------------ defaults

TEST(ConfigDefaults, EmptyFileGivesDefaults) {
    Config c = parsed("");
    EXPECT_EQ(c, Config{});
    EXPECT_EQ(c.server.hostname, machine_hostname());
    EXPECT_FALSE(c.server.hostname.empty());
    EXPECT_EQ(c.server.data_dir, "/var/lib/postamt");
    EXPECT_EQ(c.server.default_domain, "");
    EXPECT_EQ(c.server.run_as_user, "postamt");
    EXPECT_EQ(c.log.level, log::Level::info);
    EXPECT_EQ(c.log.file, "");
    EXPECT_EQ(c.tls.cert, "");
    EXPECT_EQ(c.tls.key, "");
    EXPECT_TRUE(c.tls.certificates.empty());
    EXPECT_EQ(c.tls.min_version, TlsVersion::tls1_2);
    EXPECT_EQ(c.limits.max_message_size, 50u << 20);
    EXPECT_EQ(c.limits.max_line_length, 8192u);
    EXPECT_EQ(c.limits.max_literal_size, 64u << 10);
    EXPECT_EQ(c.limits.max_connections, 5000u);
    EXPECT_EQ(c.limits.max_connections_per_ip, 50u);
    EXPECT_EQ(c.limits.max_connections_per_user, 30u);
    EXPECT_EQ(c.limits.imap_idle_timeout, seconds(1800));
    EXPECT_EQ(c.limits.smtp_idle_timeout, seconds(300));
    EXPECT_EQ(c.limits.pop3_idle_timeout, seconds(600));
    EXPECT_EQ(c.limits.max_errors, 10u);
    EXPECT_EQ(c.auth.hash_threads, 2u);
    EXPECT_EQ(c.auth.argon2_ops_limit, 2u);
    EXPECT_EQ(c.auth.argon2_mem_limit, 64u << 20);
    EXPECT_EQ(c.auth.cache_ttl, seconds(300));
    EXPECT_EQ(c.auth.max_failures_per_ip, 10u);
    EXPECT_EQ(c.auth.block_duration, seconds(900));
    EXPECT_EQ(c.auth.max_concurrent_per_ip, 4u);
    EXPECT_TRUE(c.auth.allow_plaintext_on_loopback);
    EXPECT_EQ(c.store.backend, StoreBackend::sqlite);
    EXPECT_EQ(c.store.reader_threads, 2u);
    EXPECT_EQ(c.store.segment_max_size, 64u << 20);
    EXPECT_EQ(c.store.tombstone_max_age, seconds(30 * 86400));
    EXPECT_EQ(c.smtp.max_recipients, 1000u);
    EXPECT_TRUE(c.smtp.helo_required);
    EXPECT_EQ(c.smtp.banner, "ESMTP Postamt");
    EXPECT_EQ(c.pop3.expire_days, 0u);
    EXPECT_EQ(c.pop3.login_delay, seconds(0));
    EXPECT_TRUE(c.pop3.lock_maildrop);
}

TEST(ConfigDefaults, EightStandardListeners) {
    Config c = parsed("");
    struct Want {
        const char* name;
        Protocol protocol;
        std::uint16_t port;
        TlsMode tls;
    };
    const Want want[] = {
        {"smtp", Protocol::smtp, 25, TlsMode::starttls},
        {"submission", Protocol::submission, 587, TlsMode::starttls},
        {"submissions", Protocol::submission, 465, TlsMode::implicit},
        {"imap", Protocol::imap, 143, TlsMode::starttls},
        {"imaps", Protocol::imap, 993, TlsMode::implicit},
        {"pop3", Protocol::pop3, 110, TlsMode::starttls},
        {"pop3s", Protocol::pop3, 995, TlsMode::implicit},
        {"http", Protocol::http, 8080, TlsMode::none},
    };
    ASSERT_EQ(c.listeners.size(), 8u);
    for (std::size_t i = 0; i < 8; ++i) {
        const auto& l = c.listeners[i];
        EXPECT_EQ(l.name, want[i].name);
        EXPECT_EQ(l.protocol, want[i].protocol) << l.name;
        EXPECT_EQ(l.port, want[i].port) << l.name;
        EXPECT_EQ(l.tls, want[i].tls) << l.name;
        EXPECT_FALSE(l.proxy_protocol);
        if (l.protocol == Protocol::http)
            EXPECT_EQ(l.addresses, std::vector<std::string>{"127.0.0.1"});
        else
            EXPECT_EQ(l.addresses, (std::vector<std::string>{"0.0.0.0", "::"})) << l.name;
    }
}

TEST(ConfigDefaults, EnumNames) {
    EXPECT_EQ(protocol_name(Protocol::submission), "submission");
    EXPECT_EQ(tls_mode_name(TlsMode::implicit), "implicit");
    EXPECT_EQ(tls_version_name(TlsVersion::tls1_3), "1.3");
    EXPECT_EQ(store_backend_name(StoreBackend::sqlite), "sqlite");
}

// ------------------------------------------------------------------ values

TEST(ConfigValues, EveryKeyOverridden) {
    Config c = parsed(R"(
[server]
hostname = "Mail.Example.COM"
data_dir = "/srv/mail"
default_domain = "Example.com"
run_as_user = ""

[log]
level = "debug"
file = "/var/log/postamt.log"

[tls]
cert = "/etc/ssl/a.pem"
key = "/etc/ssl/a.key"
min_version = "1.3"

[[tls.certificate]]
cert = "/etc/ssl/b.pem"
key = "/etc/ssl/b.key"

[[listener]]
name = "imaps-proxied"
protocol = "imap"
address = ["192.0.2.1", "2001:db8::1"]
port = 10993
tls = "implicit"
proxy_protocol = true

[limits]
max_message_size = 104857600
max_line_length = "64K"
max_literal_size = "1M"
max_connections = 100
max_connections_per_ip = 5
max_connections_per_user = 3
imap_idle_timeout = "1h"
smtp_idle_timeout = 120
pop3_idle_timeout = "1h30m"
max_errors = 3

[auth]
hash_threads = 8
argon2_ops_limit = 3
argon2_mem_limit = "256M"
cache_ttl = 0
max_failures_per_ip = 0
block_duration = "1d"
max_concurrent_per_ip = 1
allow_plaintext_on_loopback = false

[store]
backend = "sqlite"
reader_threads = 4
segment_max_size = "1G"
tombstone_max_age = "1w"

[smtp]
max_recipients = 100
helo_required = false
banner = "ready"

[pop3]
expire_days = 30
login_delay = "5m"
lock_maildrop = false
)");
    EXPECT_EQ(c.server.hostname, "mail.example.com");
    EXPECT_EQ(c.server.data_dir, "/srv/mail");
    EXPECT_EQ(c.server.default_domain, "example.com");
    EXPECT_EQ(c.server.run_as_user, "");
    EXPECT_EQ(c.log.level, log::Level::debug);
    EXPECT_EQ(c.log.file, "/var/log/postamt.log");
    EXPECT_EQ(c.tls.cert, "/etc/ssl/a.pem");
    EXPECT_EQ(c.tls.key, "/etc/ssl/a.key");
    EXPECT_EQ(c.tls.min_version, TlsVersion::tls1_3);
    ASSERT_EQ(c.tls.certificates.size(), 1u);
    EXPECT_EQ(c.tls.certificates[0], (TlsCertificate{"/etc/ssl/b.pem", "/etc/ssl/b.key"}));
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0], (ListenerConfig{"imaps-proxied",
                                              Protocol::imap,
                                              {"192.0.2.1", "2001:db8::1"},
                                              10993,
                                              TlsMode::implicit,
                                              true,
                                              {}}));
    EXPECT_EQ(c.limits.max_message_size, 100u << 20);
    EXPECT_EQ(c.limits.max_line_length, 64u << 10);
    EXPECT_EQ(c.limits.max_literal_size, 1u << 20);
    EXPECT_EQ(c.limits.max_connections, 100u);
    EXPECT_EQ(c.limits.max_connections_per_ip, 5u);
    EXPECT_EQ(c.limits.max_connections_per_user, 3u);
    EXPECT_EQ(c.limits.imap_idle_timeout, seconds(3600));
    EXPECT_EQ(c.limits.smtp_idle_timeout, seconds(120));
    EXPECT_EQ(c.limits.pop3_idle_timeout, seconds(5400));
    EXPECT_EQ(c.limits.max_errors, 3u);
    EXPECT_EQ(c.auth.hash_threads, 8u);
    EXPECT_EQ(c.auth.argon2_ops_limit, 3u);
    EXPECT_EQ(c.auth.argon2_mem_limit, 256u << 20);
    EXPECT_EQ(c.auth.cache_ttl, seconds(0));
    EXPECT_EQ(c.auth.max_failures_per_ip, 0u);
    EXPECT_EQ(c.auth.block_duration, seconds(86400));
    EXPECT_EQ(c.auth.max_concurrent_per_ip, 1u);
    EXPECT_FALSE(c.auth.allow_plaintext_on_loopback);
    EXPECT_EQ(c.store.reader_threads, 4u);
    EXPECT_EQ(c.store.segment_max_size, 1ull << 30);
    EXPECT_EQ(c.store.tombstone_max_age, seconds(7 * 86400));
    EXPECT_EQ(c.smtp.max_recipients, 100u);
    EXPECT_FALSE(c.smtp.helo_required);
    EXPECT_EQ(c.smtp.banner, "ready");
    EXPECT_EQ(c.pop3.expire_days, 30u);
    EXPECT_EQ(c.pop3.login_delay, seconds(300));
    EXPECT_FALSE(c.pop3.lock_maildrop);
}

TEST(ConfigValues, Pop3Limits) {
    EXPECT_EQ(parsed("pop3.expire_days = 0").pop3.expire_days, 0u);
    EXPECT_EQ(parsed("pop3.expire_days = 36500").pop3.expire_days, 36500u);
    EXPECT_THAT(errors_of("pop3.expire_days = -1"),
                HasSubstr("'pop3.expire_days' must be an integer 0-36500, got -1"));
    EXPECT_THAT(errors_of("pop3.expire_days = \"7d\""),
                HasSubstr("'pop3.expire_days' must be an integer 0-36500"));
    EXPECT_EQ(parsed("pop3.login_delay = 90").pop3.login_delay, seconds(90));
    EXPECT_THAT(errors_of("pop3.login_delay = \"2d\""),
                HasSubstr("'pop3.login_delay' must be a duration from 0s to 1d"));
    EXPECT_THAT(errors_of("pop3.lock_maildrop = \"no\""),
                HasSubstr("'pop3.lock_maildrop' must be true or false"));
    EXPECT_THAT(errors_of("[pop3]\nexpire_day = 3\n"), HasSubstr("did you mean 'expire_days'?"));
}

TEST(ConfigValues, LogLevels) {
    EXPECT_EQ(parsed("log.level = \"trace\"").log.level, log::Level::trace);
    EXPECT_EQ(parsed("log.level = \"warn\"").log.level, log::Level::warn);
    EXPECT_EQ(parsed("log.level = \"error\"").log.level, log::Level::error);
    EXPECT_EQ(parsed("log.level = \"off\"").log.level, log::Level::off);
    EXPECT_THAT(errors_of("log.level = \"verbose\""),
                HasSubstr("'log.level' must be one of \"trace\", \"debug\", \"info\", \"warn\", "
                          "\"error\", \"off\", got \"verbose\""));
}

TEST(ConfigValues, TlsMinVersionAcceptsFloatSlip) {
    EXPECT_EQ(parsed("tls.min_version = 1.3").tls.min_version, TlsVersion::tls1_3);
    EXPECT_EQ(parsed("tls.min_version = 1.2").tls.min_version, TlsVersion::tls1_2);
    EXPECT_THAT(errors_of("tls.min_version = \"1.1\""),
                HasSubstr("'tls.min_version' must be one of \"1.2\", \"1.3\", got \"1.1\""));
    EXPECT_THAT(errors_of("tls.min_version = 1.0"), HasSubstr("got 1"));
}

// ------------------------------------------------------------------ type errors

// Every known key, given a value of the wrong type (an inline table), is
// reported with its full path. Array-table keys get the required siblings.
TEST(ConfigTypeErrors, EveryKeyRejectsWrongType) {
    for (const std::string& path : config_key_paths()) {
        std::string doc;
        std::string want;
        if (path.starts_with("listener[].")) {
            std::string key = path.substr(11);
            doc = "[[listener]]\n";
            if (key != "name") doc += "name = \"x\"\n";
            if (key != "protocol") doc += "protocol = \"imap\"\n";
            doc += key + " = {}\n";
            want = "'listener[0]." + key + "' must be";
        } else if (path.starts_with("tls.certificate[].")) {
            std::string key = path.substr(18);
            doc = "[[tls.certificate]]\n";
            doc += key == "cert" ? "key = \"k\"\n" : "cert = \"c\"\n";
            doc += key + " = {}\n";
            want = "'tls.certificate[0]." + key + "' must be";
        } else {
            auto dot = path.find('.');
            doc = "[" + path.substr(0, dot) + "]\n" + path.substr(dot + 1) + " = {}\n";
            want = "'" + path + "' must be";
        }
        std::string err = errors_of(doc);
        EXPECT_THAT(err, HasSubstr(want)) << doc;
        EXPECT_THAT(err, HasSubstr("got a table")) << doc;
        // Positioned at the offending value.
        EXPECT_THAT(err, ::testing::StartsWith("postamt.toml:")) << doc;
    }
}

TEST(ConfigTypeErrors, PortNotAnIntegerWithPosition) {
    std::string err = errors_of(R"([[listener]]
name = "a"
protocol = "imap"

[[listener]]
name = "b"
protocol = "pop3"

[[listener]]
name = "c"
protocol = "smtp"
port = "abc"
)");
    EXPECT_EQ(err, "postamt.toml:12:8: 'listener[2].port' must be an integer 1-65535, got \"abc\"");
}

TEST(ConfigTypeErrors, BadPorts) {
    const std::string base = "[[listener]]\nname = \"x\"\nprotocol = \"imap\"\n";
    EXPECT_THAT(errors_of(base + "port = 0"), HasSubstr("must be an integer 1-65535, got 0"));
    EXPECT_THAT(errors_of(base + "port = 65536"), HasSubstr("got 65536"));
    EXPECT_THAT(errors_of(base + "port = -25"), HasSubstr("got -25"));
    EXPECT_THAT(errors_of(base + "port = 143.0"), HasSubstr("got 143.0"));
    EXPECT_THAT(errors_of(base + "port = \"143\""), HasSubstr("got \"143\" (remove the quotes)"));
    EXPECT_EQ(parsed(base + "port = 65535").listeners[0].port, 65535);
    EXPECT_EQ(parsed(base + "port = 1").listeners[0].port, 1);
}

TEST(ConfigTypeErrors, IntegerRanges) {
    EXPECT_THAT(errors_of("limits.max_connections = 0"),
                HasSubstr("'limits.max_connections' must be an integer 1-1000000, got 0"));
    EXPECT_THAT(errors_of("limits.max_connections = -1"), HasSubstr("got -1"));
    EXPECT_THAT(errors_of("auth.hash_threads = 1000"),
                HasSubstr("'auth.hash_threads' must be an integer 1-256, got 1000"));
    EXPECT_THAT(errors_of("smtp.max_recipients = 50"),
                HasSubstr("'smtp.max_recipients' must be an integer 100-100000, got 50"));
    EXPECT_THAT(errors_of("auth.argon2_ops_limit = 0"), HasSubstr("'auth.argon2_ops_limit'"));
}

TEST(ConfigTypeErrors, Booleans) {
    EXPECT_THAT(errors_of("smtp.helo_required = \"yes\""),
                HasSubstr("'smtp.helo_required' must be true or false (without quotes), got "
                          "\"yes\""));
    EXPECT_THAT(errors_of("auth.allow_plaintext_on_loopback = 1"), HasSubstr("got 1"));
}

TEST(ConfigTypeErrors, Strings) {
    EXPECT_THAT(errors_of("server.data_dir = 5"),
                HasSubstr("'server.data_dir' must be a string, got 5"));
    EXPECT_THAT(errors_of("server.data_dir = \"\""),
                HasSubstr("'server.data_dir' must not be empty"));
    EXPECT_THAT(errors_of("server.data_dir = \"/var/\\u0000x\""),
                HasSubstr("without control characters, got \"/var/\\x00x\""));
    EXPECT_THAT(errors_of("server.hostname = \"mail_server!\""),
                HasSubstr("'server.hostname' must be a domain name"));
    EXPECT_THAT(errors_of("server.hostname = \"\""), HasSubstr("'server.hostname' must be"));
    EXPECT_THAT(errors_of("server.hostname = \".\""), HasSubstr("'server.hostname' must be"));
    EXPECT_EQ(parsed("server.hostname = \"MX.example.org.\"").server.hostname, "mx.example.org");
    EXPECT_THAT(errors_of("server.hostname = \"-a.example\""), HasSubstr("'server.hostname'"));
    EXPECT_THAT(errors_of("server.default_domain = \"b\xC3\xBC"
                          "cher.example\""),
                HasSubstr("use the xn-- form"));
    EXPECT_EQ(parsed("server.default_domain = \"xn--bcher-kva.example\"").server.default_domain,
              "xn--bcher-kva.example");
    EXPECT_THAT(errors_of("server.run_as_user = \"mail user\""),
                HasSubstr("'server.run_as_user' must be a user name"));
    EXPECT_THAT(errors_of("server.run_as_user = \"-x\""), HasSubstr("'server.run_as_user'"));
    EXPECT_THAT(errors_of("smtp.banner = \"hi\\r\\n250 fake\""),
                HasSubstr("'smtp.banner' must be at most 200 printable ASCII characters"));
    EXPECT_THAT(errors_of("smtp.banner = \"" + std::string(201, 'x') + "\""),
                HasSubstr("'smtp.banner'"));
    EXPECT_THAT(errors_of("store.backend = \"postgres\""),
                HasSubstr("'store.backend' must be one of \"sqlite\", got \"postgres\""));
}

TEST(ConfigTypeErrors, LongBadValueIsShortenedInMessage) {
    std::string err = errors_of("log.level = \"" + std::string(5000, 'v') + "\"");
    EXPECT_LT(err.size(), 300u);
    EXPECT_THAT(err, HasSubstr("...\""));
}

// ------------------------------------------------------------------ sizes, durations

TEST(ConfigSizes, AcceptedForms) {
    EXPECT_EQ(parsed("limits.max_message_size = \"10M\"").limits.max_message_size, 10u << 20);
    EXPECT_EQ(parsed("limits.max_message_size = \"10MiB\"").limits.max_message_size, 10u << 20);
    EXPECT_EQ(parsed("limits.max_message_size = 2048").limits.max_message_size, 2048u);
    EXPECT_EQ(parsed("limits.max_message_size = \"2G\"").limits.max_message_size, 2ull << 30);
}

TEST(ConfigSizes, BadSizes) {
    for (const char* v : {"\"50X\"", "\"1.5G\"", "-1", "1.5", "\"\"", "\"3G\"", "\"512\"", "true",
                          "\"99999999999999999999\""}) {
        std::string err = errors_of(std::string("limits.max_message_size = ") + v);
        EXPECT_THAT(err, HasSubstr("'limits.max_message_size' must be a size from 1K to 2G such "
                                   "as \"512K\", \"50M\", \"1G\" or a number of bytes, got "))
            << v;
    }
    EXPECT_THAT(errors_of("limits.max_message_size = \"50X\""), HasSubstr("got \"50X\""));
    EXPECT_THAT(errors_of("store.segment_max_size = \"100K\""),
                HasSubstr("'store.segment_max_size' must be a size from 1M to 64G"));
}

TEST(ConfigDurations, AcceptedForms) {
    EXPECT_EQ(parsed("limits.smtp_idle_timeout = \"90s\"").limits.smtp_idle_timeout, seconds(90));
    EXPECT_EQ(parsed("limits.smtp_idle_timeout = 90").limits.smtp_idle_timeout, seconds(90));
    EXPECT_EQ(parsed("limits.smtp_idle_timeout = \"1m30s\"").limits.smtp_idle_timeout, seconds(90));
    EXPECT_EQ(parsed("auth.cache_ttl = \"0s\"").auth.cache_ttl, seconds(0));
}

TEST(ConfigDurations, BadDurations) {
    for (const char* v :
         {"\"5x\"", "\"1.5h\"", "-5", "\"0s\"", "\"8d\"", "\"5ms\"", "\"30m1h\"", "2.5", "false"}) {
        std::string err = errors_of(std::string("limits.imap_idle_timeout = ") + v);
        EXPECT_THAT(err, HasSubstr("'limits.imap_idle_timeout' must be a duration from 1s to 7d "
                                   "such as \"30s\", \"5m\", \"2h\", \"30d\" or a number of "
                                   "seconds, got "))
            << v;
    }
    EXPECT_THAT(errors_of("auth.cache_ttl = \"2d\""),
                HasSubstr("'auth.cache_ttl' must be a duration from 0s to 1d"));
    EXPECT_THAT(errors_of("store.tombstone_max_age = \"10m\""),
                HasSubstr("'store.tombstone_max_age' must be a duration from 1h to 3650d"));
}

// ------------------------------------------------------------------ unknown keys

TEST(ConfigUnknownKeys, NestedTypoSuggestsKey) {
    std::string err = errors_of("[limits]\nmax_mesage_size = \"10M\"\n");
    EXPECT_EQ(err,
              "postamt.toml:2:1: unknown key 'limits.max_mesage_size' (did you mean "
              "'max_message_size'?)");
}

TEST(ConfigUnknownKeys, TopLevel) {
    EXPECT_THAT(errors_of("foo = 1"),
                HasSubstr("unknown key 'foo' (known sections: server, log, tls, listener, limits, "
                          "auth, store, smtp, pop3, submission, queue, outbound, dns, dkim, acme, mta_sts)"));
    EXPECT_THAT(errors_of("[limit]\nmax_errors = 3"),
                HasSubstr("unknown key 'limit' (did you mean 'limits'?)"));
    EXPECT_THAT(errors_of("lgo.level = \"info\""),
                HasSubstr("unknown key 'lgo' (did you mean 'log'?)"));
    EXPECT_THAT(errors_of("[listeners]\nname = \"x\""),
                HasSubstr("unknown key 'listeners' (did you mean 'listener'?)"));
}

TEST(ConfigUnknownKeys, KeyInWrongSectionPointsToRightOne) {
    EXPECT_THAT(errors_of("hostname = \"mx.example.com\""),
                HasSubstr("unknown key 'hostname' (did you mean 'server.hostname'?)"));
    EXPECT_THAT(errors_of("[server]\nmax_message_size = \"10M\""),
                HasSubstr("unknown key 'server.max_message_size' (did you mean "
                          "'limits.max_message_size'?)"));
}

TEST(ConfigUnknownKeys, NothingCloseListsKnownKeys) {
    EXPECT_THAT(errors_of("[store]\nfrobnicate = 1"),
                HasSubstr("unknown key 'store.frobnicate' (known keys here: backend, "
                          "reader_threads, segment_max_size, tombstone_max_age)"));
}

TEST(ConfigUnknownKeys, InArrayTables) {
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\nprot = 1\n"),
                HasSubstr("postamt.toml:4:1: unknown key 'listener[0].prot' (did you mean "
                          "'port'?)"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\nzzz = 1\n"),
                HasSubstr("unknown key 'listener[0].zzz' (known keys here: name, protocol, "
                          "address, port, tls, proxy_protocol, services)"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocl = \"imap\"\n"),
                HasSubstr("unknown key 'listener[0].protocl' (did you mean 'protocol'?)"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"a\"\nprotocol = \"imap\"\n"
                          "[[listener]]\nname = \"b\"\nprotocol = \"pop3\"\naddresses = []\n"),
                HasSubstr("unknown key 'listener[1].addresses' (did you mean 'address'?)"));
    EXPECT_THAT(errors_of("[[tls.certificate]]\ncert = \"a\"\nkey = \"b\"\nchain = \"c\"\n"),
                HasSubstr("unknown key 'tls.certificate[0].chain'"));
}

TEST(ConfigUnknownKeys, InlineTablesAndDottedKeysToo) {
    EXPECT_THAT(errors_of("limits = { max_errors = 3, max_eror = 4 }"),
                HasSubstr("unknown key 'limits.max_eror' (did you mean 'max_errors'?)"));
    EXPECT_THAT(errors_of("auth.hash_thread = 3"),
                HasSubstr("unknown key 'auth.hash_thread' (did you mean 'hash_threads'?)"));
}

TEST(ConfigUnknownKeys, StrangeKeysStayOnOneLine) {
    std::string err = errors_of("\"a\\nb\" = 1\n[smtp]\n\"it's\" = 2\n");
    EXPECT_EQ(line_count(err), 2u) << err;
    EXPECT_THAT(err, HasSubstr("unknown key '\"a\\x0ab\"'"));
    EXPECT_THAT(err, HasSubstr("unknown key 'smtp.\"it's\"'"));
}

TEST(ConfigUnknownKeys, SectionOfWrongType) {
    EXPECT_THAT(errors_of("limits = 5"),
                HasSubstr("'limits' must be a table (a [limits] section), got 5"));
}

// ------------------------------------------------------------------ all problems

TEST(ConfigErrors, AllProblemsReportedOnePerLine) {
    std::string err = errors_of(R"(
[server]
data_dir = 7
[limits]
max_conections = 3
max_errors = 0
[smtp]
helo_required = "no"
)");
    EXPECT_EQ(line_count(err), 4u) << err;
    EXPECT_THAT(err, HasSubstr("postamt.toml:3:12: 'server.data_dir' must be a string, got 7"));
    EXPECT_THAT(err, HasSubstr("postamt.toml:5:1: unknown key 'limits.max_conections'"));
    EXPECT_THAT(err, HasSubstr("postamt.toml:6:14: 'limits.max_errors' must be an integer"));
    EXPECT_THAT(err, HasSubstr("postamt.toml:8:17: 'smtp.helo_required' must be true or false"));
}

TEST(ConfigErrors, ProblemsInFileOrder) {
    // toml++ iterates keys alphabetically; messages must follow the file.
    std::string err = errors_of(R"([smtp]
max_recipients = 1
[[listener]]
protocol = "imaps"
port = "993"
[auth]
block_duration = "forever"
)");
    auto lines = postamt::text::split(err, '\n');
    ASSERT_EQ(lines.size(), 5u) << err;
    EXPECT_THAT(std::string(lines[0]),
                ::testing::StartsWith("postamt.toml:2:18: 'smtp.max_recipients'"));
    EXPECT_THAT(std::string(lines[1]),
                ::testing::StartsWith("postamt.toml:3:1: 'listener[0]' has no name"));
    EXPECT_THAT(std::string(lines[2]),
                ::testing::StartsWith("postamt.toml:4:12: 'listener[0].protocol'"));
    EXPECT_THAT(std::string(lines[3]),
                ::testing::StartsWith("postamt.toml:5:8: 'listener[0].port'"));
    EXPECT_THAT(std::string(lines[4]),
                ::testing::StartsWith("postamt.toml:7:18: 'auth.block_duration'"));
}

TEST(ConfigErrors, SourceNameIsUsed) {
    auto r = parse_config("log.level = 1", "/etc/postamt/postamt.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, ::testing::StartsWith("/etc/postamt/postamt.toml:1:13: "));
}

// ------------------------------------------------------------------ parse errors

TEST(ConfigSyntax, ErrorsCarryLineAndColumn) {
    std::string err = errors_of("[server]\ndata_dir = \"/x\"\n[limits\nmax_errors = 3\n");
    EXPECT_THAT(err, ::testing::StartsWith("postamt.toml:3:"));
    EXPECT_THAT(err, HasSubstr("TOML syntax error: "));
    EXPECT_EQ(line_count(err), 1u);
}

// Found by fuzz_config: toml++ quotes the bad input, newline included.
TEST(ConfigSyntax, MessageStaysOnOneLine) {
    std::string err = errors_of("smtp.helo_required = fa\n");
    EXPECT_EQ(line_count(err), 1u) << err;
    EXPECT_THAT(err, ::testing::StartsWith("postamt.toml:1:"));
    EXPECT_THAT(err, HasSubstr("saw 'fa\\x0a'"));
}

TEST(ConfigSyntax, DuplicateKey) {
    std::string err = errors_of("[smtp]\nmax_recipients = 200\nmax_recipients = 300\n");
    EXPECT_THAT(err, ::testing::StartsWith("postamt.toml:3:"));
    EXPECT_THAT(err, HasSubstr("TOML syntax error"));
}

TEST(ConfigSyntax, UnterminatedStringAndBadUtf8) {
    EXPECT_THAT(errors_of("smtp.banner = \"open\n"), HasSubstr("postamt.toml:1:"));
    EXPECT_THAT(errors_of("smtp.banner = \"\xff\xfe\"\n"), HasSubstr("TOML syntax error"));
}

// ------------------------------------------------------------------ listeners

TEST(ConfigListeners, DefaultsFilledFromProtocolAndTls) {
    Config c = parsed(R"(
[[listener]]
name = "in"
protocol = "smtp"
[[listener]]
name = "subs"
protocol = "submission"
tls = "implicit"
[[listener]]
name = "pop"
protocol = "pop3"
[[listener]]
name = "web"
protocol = "http"
[[listener]]
name = "one"
protocol = "imap"
address = "::1"
)");
    ASSERT_EQ(c.listeners.size(), 5u);
    EXPECT_EQ(c.listeners[0].port, 25);
    EXPECT_EQ(c.listeners[0].tls, TlsMode::starttls);
    EXPECT_EQ(c.listeners[0].addresses, (std::vector<std::string>{"0.0.0.0", "::"}));
    EXPECT_EQ(c.listeners[1].port, 465);
    EXPECT_EQ(c.listeners[2].port, 110);
    EXPECT_EQ(c.listeners[2].tls, TlsMode::starttls);
    EXPECT_EQ(c.listeners[3].port, 8080);
    EXPECT_EQ(c.listeners[3].tls, TlsMode::none);
    EXPECT_EQ(c.listeners[3].addresses, std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(c.listeners[4].addresses, std::vector<std::string>{"::1"});
    EXPECT_EQ(c.listeners[4].port, 143);
}

TEST(ConfigListeners, DuplicateNames) {
    std::string err = errors_of(R"([[listener]]
name = "imap"
protocol = "imap"
[[listener]]
name = "imap"
protocol = "imap"
port = 1143
)");
    EXPECT_EQ(err,
              "postamt.toml:5:8: 'listener[1].name' \"imap\" is already used by listener[0]; "
              "listener names must be unique");
}

TEST(ConfigListeners, DuplicateAddressAndPort) {
    std::string err = errors_of(R"([[listener]]
name = "a"
protocol = "imap"
address = ["0.0.0.0", "::"]
[[listener]]
name = "b"
protocol = "pop3"
port = 143
address = ["0:0::0"]
)");
    EXPECT_THAT(err,
                HasSubstr("'listener[1]' ('b') and listener[0] ('a') both listen on [::]:143"));
}

TEST(ConfigListeners, SameAddressTwiceInOneListener) {
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\n"
                          "address = [\"::\", \"0::0\"]\n"),
                HasSubstr("postamt.toml:4:11: 'listener[0].address' lists [::] twice"));
}

TEST(ConfigListeners, SamePortOnV4AndV6IsFine) {
    Config c = parsed(R"([[listener]]
name = "a4"
protocol = "imap"
address = "0.0.0.0"
[[listener]]
name = "a6"
protocol = "imap"
address = "::"
)");
    EXPECT_EQ(c.listeners.size(), 2u);
}

TEST(ConfigListeners, MissingNameAndProtocol) {
    EXPECT_THAT(errors_of("[[listener]]\nprotocol = \"imap\"\n"),
                HasSubstr("'listener[0]' has no name"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"imaps\"\n"),
                HasSubstr("'listener[0]' has no protocol; add e.g. protocol = \"imap\" with tls = "
                          "\"implicit\""));
}

TEST(ConfigListeners, ProtocolAliasHint) {
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imaps\"\n"),
                HasSubstr("got \"imaps\" (for imaps write protocol = \"imap\" with tls = "
                          "\"implicit\")"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"submissions\"\n"),
                HasSubstr("protocol = \"submission\" with tls = \"implicit\""));
}

TEST(ConfigListeners, TlsRules) {
    EXPECT_THAT(errors_of("[[listener]]\nname = \"w\"\nprotocol = \"http\"\ntls = \"starttls\"\n"),
                HasSubstr("postamt.toml:4:7: 'listener[0].tls' = \"starttls\" is not possible for "
                          "http"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\nport = 993\n"),
                HasSubstr("'listener[0]' listens on port 993, the implicit-TLS port for imap, but "
                          "tls is not set (default \"starttls\"); add tls = \"implicit\""));
    // An explicit choice is respected.
    EXPECT_EQ(parsed("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\nport = 993\ntls = "
                     "\"starttls\"\n")
                  .listeners[0]
                  .tls,
              TlsMode::starttls);
    EXPECT_THAT(errors_of("[[listener]]\nname = \"x\"\nprotocol = \"imap\"\ntls = true\n"),
                HasSubstr("(TLS mode names, not true/false)"));
}

TEST(ConfigListeners, AddressErrors) {
    const std::string base = "[[listener]]\nname = \"x\"\nprotocol = \"imap\"\n";
    EXPECT_THAT(errors_of(base + "address = [\"localhost\"]"),
                HasSubstr("'listener[0].address[0]' must be an IP address"));
    EXPECT_THAT(errors_of(base + "address = [\"::\", 5]"),
                HasSubstr("'listener[0].address[1]' must be an IP address such as \"0.0.0.0\", "
                          "\"::\" or \"192.0.2.1\", got 5"));
    EXPECT_THAT(errors_of(base + "address = []"),
                HasSubstr("'listener[0].address' is empty; list at least one IP address"));
    EXPECT_THAT(errors_of(base + "address = \"1.2.3.4.5\""),
                HasSubstr("'listener[0].address' must be an IP address"));
}

TEST(ConfigListeners, NameRules) {
    EXPECT_THAT(errors_of("[[listener]]\nname = \"a b\"\nprotocol = \"imap\"\n"),
                HasSubstr("'listener[0].name' must be 1-64 letters, digits"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"\"\nprotocol = \"imap\"\n"),
                HasSubstr("'listener[0].name' must be"));
}

TEST(ConfigListeners, ShapeErrors) {
    EXPECT_THAT(errors_of("[listener]\nname = \"x\"\nprotocol = \"imap\"\n"),
                HasSubstr("'listener' must be an array of tables: write [[listener]] (two "
                          "brackets), got a table"));
    EXPECT_THAT(errors_of("listener = []"),
                HasSubstr("'listener' is empty; remove it to get the default listeners"));
    EXPECT_THAT(errors_of("listener = [1]"), HasSubstr("'listener[0]' must be a table, got 1"));
}

// ------------------------------------------------------------------ tls

TEST(ConfigTls, CertWithoutKey) {
    EXPECT_THAT(errors_of("[tls]\ncert = \"/a.pem\"\n"),
                HasSubstr("postamt.toml:2:8: 'tls.cert' is set but 'tls.key' is not; set both"));
    EXPECT_THAT(errors_of("[tls]\nkey = \"/a.key\"\n"),
                HasSubstr("'tls.key' is set but 'tls.cert' is not"));
}

TEST(ConfigTls, CertificateEntriesNeedBoth) {
    std::string err = errors_of("[[tls.certificate]]\ncert = \"/a.pem\"\n[[tls.certificate]]\n");
    EXPECT_THAT(err, HasSubstr("'tls.certificate[0]' has no key"));
    EXPECT_THAT(err, HasSubstr("'tls.certificate[1]' has no cert"));
    EXPECT_THAT(err, HasSubstr("'tls.certificate[1]' has no key"));
    EXPECT_THAT(errors_of("[tls]\ncertificate = 5"),
                HasSubstr("'tls.certificate' must be an array of tables: write "
                          "[[tls.certificate]]"));
}

TEST(ConfigListener, HttpServices) {
    auto r = parse(
        "[[listener]]\nname = \"web\"\nprotocol = \"http\"\naddress = [\"0.0.0.0\"]\n"
        "services = [\"autoconfig\", \"metrics\", \"autoconfig\"]\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->listeners.size(), 1u);
    EXPECT_EQ(r->listeners[0].services, (std::vector<std::string>{"autoconfig", "metrics"}));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"w\"\nprotocol = \"http\"\nservices = [\"webmail\"]\n"),
                HasSubstr("'listener[0].services[0]' must be one of autoconfig, acme, mta-sts, admin, metrics"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"w\"\nprotocol = \"http\"\nservices = []\n"),
                HasSubstr("must be a non-empty array"));
    EXPECT_THAT(errors_of("[[listener]]\nname = \"i\"\nprotocol = \"imap\"\nservices = [\"admin\"]\n"),
                HasSubstr("'listener[0].services' applies only to http listeners"));
}

TEST(ConfigKeys, PathsListed) {
    auto keys = config_key_paths();
    auto has = [&](const char* k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
    EXPECT_TRUE(has("server.hostname"));
    EXPECT_TRUE(has("listener[].proxy_protocol"));
    EXPECT_TRUE(has("tls.certificate[].key"));
    EXPECT_TRUE(has("limits.pop3_idle_timeout"));
    EXPECT_FALSE(has("tls.certificate"));
    EXPECT_TRUE(has("pop3.expire_days"));
    EXPECT_EQ(keys.size(), 80u);
}

TEST(ConfigAcme, DefaultsAndValues) {
    Config d = parsed("");
    EXPECT_FALSE(d.acme.enabled);
    EXPECT_EQ(d.acme.challenge, "tls-alpn-01");
    EXPECT_EQ(d.acme.renew_before, std::chrono::seconds(30 * 86400));
    Config c = parsed(
        "[acme]\nenabled = true\ndirectory_url = \"https://127.0.0.1:14000/dir\"\nemail = \"a@b.example\"\n"
        "challenge = \"http-01\"\nrenew_before = \"10d\"\nnames = [\"Extra.Example.org\"]\n");
    EXPECT_TRUE(c.acme.enabled);
    EXPECT_EQ(c.acme.directory_url, "https://127.0.0.1:14000/dir");
    EXPECT_EQ(c.acme.challenge, "http-01");
    EXPECT_EQ(c.acme.renew_before, std::chrono::seconds(10 * 86400));
    ASSERT_EQ(c.acme.names.size(), 1u);
    EXPECT_EQ(c.acme.names[0], "extra.example.org");
    EXPECT_THAT(errors_of("[acme]\ndirectory_url = \"http://x\""), HasSubstr("'acme.directory_url'"));
    EXPECT_THAT(errors_of("[acme]\nchallenge = \"dns-01\""), HasSubstr("'acme.challenge'"));
    EXPECT_THAT(errors_of("[acme]\nnames = [\"-bad\"]"), HasSubstr("'acme.names'"));
}

TEST(ConfigMtaSts, DefaultsAndValues) {
    Config d = parsed("");
    EXPECT_EQ(d.mta_sts.mode, "testing");
    EXPECT_EQ(d.mta_sts.max_age, std::chrono::seconds(7 * 86400));
    Config c = parsed("[mta_sts]\nmode = \"enforce\"\nmax_age = \"14d\"\n");
    EXPECT_EQ(c.mta_sts.mode, "enforce");
    EXPECT_EQ(c.mta_sts.max_age, std::chrono::seconds(14 * 86400));
    EXPECT_THAT(errors_of("[mta_sts]\nmode = \"report\""), HasSubstr("'mta_sts.mode'"));
    // RFC 8461 3.2: max_age is at most 31557600 seconds.
    EXPECT_THAT(errors_of("[mta_sts]\nmax_age = 31557601"), HasSubstr("'mta_sts.max_age'"));
}
