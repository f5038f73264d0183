// Client setup documents (http/mail_settings.h): endpoints from listeners,
// Thunderbird XML, autodiscover request parsing (malformed input) and
// response, the Apple profile and the /setup page.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/mail_settings.h"

using namespace postamt;
using namespace postamt::http;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {
ListenerConfig listener(Protocol p, TlsMode t, std::uint16_t port) {
    ListenerConfig l;
    l.name = "x";
    l.protocol = p;
    l.tls = t;
    l.port = port;
    l.addresses = {"0.0.0.0"};
    return l;
}
}  // namespace

TEST(MailSettings, FromListeners) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    cfg.listeners = {listener(Protocol::submission, TlsMode::starttls, 587),
                     listener(Protocol::imap, TlsMode::starttls, 143),
                     listener(Protocol::imap, TlsMode::implicit, 10993),  // shifted: clients reach 993
                     listener(Protocol::submission, TlsMode::implicit, 465),
                     listener(Protocol::smtp, TlsMode::starttls, 25),
                     listener(Protocol::http, TlsMode::none, 8080)};
    MailSettings s = mail_settings(cfg);
    EXPECT_EQ(s.hostname, "mail.example.org");
    ASSERT_EQ(s.endpoints.size(), 4u);  // no POP3 listener: no POP3 entry
    EXPECT_EQ(s.endpoints[0], (MailEndpoint{Protocol::imap, TlsMode::implicit, 993}));
    EXPECT_EQ(s.endpoints[1], (MailEndpoint{Protocol::imap, TlsMode::starttls, 143}));
    EXPECT_EQ(s.endpoints[2], (MailEndpoint{Protocol::submission, TlsMode::implicit, 465}));
    EXPECT_EQ(s.endpoints[3], (MailEndpoint{Protocol::submission, TlsMode::starttls, 587}));
    // Implicit TLS on 143 is a standard port of IMAP: advertised as configured.
    cfg.listeners = {listener(Protocol::imap, TlsMode::implicit, 143)};
    EXPECT_EQ(mail_settings(cfg).endpoints.at(0).port, 143);
}

TEST(MailSettings, AddressDomain) {
    EXPECT_EQ(address_domain("User@Example.ORG"), "example.org");
    EXPECT_EQ(address_domain("a@example.org."), "example.org");
    EXPECT_FALSE(address_domain("example.org"));
    EXPECT_FALSE(address_domain("@example.org"));
    EXPECT_FALSE(address_domain("a@"));
    EXPECT_FALSE(address_domain("a@b@c"));
    EXPECT_FALSE(address_domain("a b@c"));
    EXPECT_FALSE(address_domain("a@c/../x"));
    EXPECT_FALSE(address_domain("a@x..y"));
}

TEST(MailSettings, ThunderbirdPrefersImplicitTls) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    cfg.listeners = default_listeners();
    std::string x = thunderbird_config(mail_settings(cfg), "example.org");
    EXPECT_THAT(x, HasSubstr("<emailProvider id=\"example.org\">"));
    auto imap_ssl = x.find("<port>993</port>");
    auto imap_tls = x.find("<port>143</port>");
    auto pop_ssl = x.find("<port>995</port>");
    auto smtp_ssl = x.find("<port>465</port>");
    auto smtp_tls = x.find("<port>587</port>");
    ASSERT_NE(imap_ssl, std::string::npos);
    EXPECT_LT(imap_ssl, imap_tls);
    EXPECT_LT(imap_tls, pop_ssl);
    EXPECT_LT(smtp_ssl, smtp_tls);
    EXPECT_THAT(x, HasSubstr("<username>%EMAILADDRESS%</username>"));
    EXPECT_THAT(x, HasSubstr("<socketType>STARTTLS</socketType>"));
}

TEST(MailSettings, AutodiscoverRequest) {
    const char* ok =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
        "<Request><EMailAddress> a@example.org </EMailAddress>"
        "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
        "</AcceptableResponseSchema></Request></Autodiscover>";
    EXPECT_EQ(parse_autodiscover_request(ok), "a@example.org");
    EXPECT_EQ(parse_autodiscover_request("<a><EMailAddress>x@y</EMailAddress></a>"), "x@y");
    EXPECT_FALSE(parse_autodiscover_request(""));
    EXPECT_FALSE(parse_autodiscover_request("not xml"));
    EXPECT_FALSE(parse_autodiscover_request("<a><EMailAddress>x@y</EMailAddress>"));  // unclosed
    EXPECT_FALSE(parse_autodiscover_request("<a><EMailAddress>x@y</a></EMailAddress>"));
    EXPECT_FALSE(parse_autodiscover_request("<a><EMailAddress></EMailAddress></a>"));
    EXPECT_FALSE(parse_autodiscover_request("<a><Other>x@y</Other></a>"));
    EXPECT_FALSE(parse_autodiscover_request("<a><b:EMailAddress>x@y</b:EMailAddress></a>"));  // unbound prefix
    // Found by fuzz_autodiscover: text beyond the bound is refused, not cut.
    EXPECT_FALSE(parse_autodiscover_request("<a><EMailAddress>" + std::string(2000, 'x') +
                                            "@example.org</EMailAddress></a>"));
    // Entity expansion needs a DOCTYPE: refused outright.
    EXPECT_FALSE(parse_autodiscover_request(
        "<!DOCTYPE a [<!ENTITY e \"x@y\">]><a><EMailAddress>&e;</EMailAddress></a>"));
}

TEST(MailSettings, AutodiscoverResponseAndJson) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    cfg.listeners = default_listeners();
    std::string x = autodiscover_response(mail_settings(cfg), "a&b@example.org");
    EXPECT_THAT(x, HasSubstr("<Type>IMAP</Type>"));
    EXPECT_THAT(x, HasSubstr("<Port>993</Port>"));
    EXPECT_THAT(x, HasSubstr("<Port>465</Port>"));
    EXPECT_THAT(x, Not(HasSubstr("<Port>143</Port>")));  // one per type: the preferred one
    EXPECT_THAT(x, HasSubstr("<LoginName>a&amp;b@example.org</LoginName>"));
    EXPECT_EQ(autodiscover_json("example.org"),
              "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://autodiscover.example.org/autodiscover/"
              "autodiscover.xml\"}");
}

TEST(MailSettings, MobileconfigStableUuids) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    cfg.listeners = default_listeners();
    auto s = mail_settings(cfg);
    std::string a = apple_mobileconfig(s, "a@example.org");
    EXPECT_EQ(a, apple_mobileconfig(s, "a@example.org"));
    EXPECT_NE(a, apple_mobileconfig(s, "b@example.org"));
    EXPECT_THAT(a, HasSubstr("<string>com.apple.mail.managed</string>"));
    EXPECT_THAT(a, HasSubstr("<key>IncomingMailServerPortNumber</key><integer>993</integer>"));
    EXPECT_THAT(a, HasSubstr("<key>OutgoingMailServerPortNumber</key><integer>465</integer>"));
    EXPECT_THAT(a, Not(HasSubstr("Password</key><string>")));  // no password in the profile
    std::string u = stable_uuid("x");
    EXPECT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '8');
    EXPECT_EQ(u, stable_uuid("x"));
}

TEST(MailSettings, SetupPage) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    cfg.listeners = default_listeners();
    auto s = mail_settings(cfg);
    std::string empty = setup_page(s, "", "");
    EXPECT_THAT(empty, HasSubstr("<form"));
    EXPECT_THAT(empty, Not(HasSubstr("<table")));
    std::string page = setup_page(s, "<b>@example.org", "");
    EXPECT_THAT(page, HasSubstr("&lt;b&gt;@example.org"));
    EXPECT_THAT(page, Not(HasSubstr("<b>@")));
    EXPECT_THAT(page, HasSubstr("<td class=\"port\" data-label=\"Port\">993</td>"));
    EXPECT_THAT(page, HasSubstr("/setup/mobileconfig?emailaddress=%3Cb%3E%40example.org"));
    EXPECT_THAT(page, Not(HasSubstr("http://")));  // nothing loaded from elsewhere
    EXPECT_THAT(setup_page(s, "x@other.org", "not ours"), HasSubstr("not ours"));
}
