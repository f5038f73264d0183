#pragma once
// What a mail client needs to set up an account (server, port, security,
// user name for IMAP, POP3 and SMTP submission), and the documents the
// clients fetch to learn it without typing: Thunderbird autoconfig,
// Outlook autodiscover (POX and the JSON v2 redirect), an Apple
// .mobileconfig and the /setup page (docs/autoconfig.md). Pure functions of
// their inputs: no sockets, no store.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace postamt::http {

struct MailEndpoint {
    Protocol protocol = Protocol::imap;  // imap, pop3 or submission
    TlsMode tls = TlsMode::implicit;     // implicit or starttls
    std::uint16_t port = 0;
    bool operator==(const MailEndpoint&) const = default;
};

struct MailSettings {
    std::string hostname;                 // [server] hostname
    std::vector<MailEndpoint> endpoints;  // preferred first: implicit TLS before STARTTLS (RFC 8314 3)
};

// From the listeners `serve` runs: one endpoint per (protocol, TLS mode)
// that has a listener. A listener on one of the protocol's public standard
// ports is advertised with its port; one elsewhere (tests, the +10000
// shift without root, behind a port forward) is advertised on the
// standard port of its mode, which is what clients on the internet reach.
MailSettings mail_settings(const Config& cfg);

// "user@Example.ORG" -> "example.org"; nullopt unless exactly one '@' with
// a non-empty local part and a plausible domain.
std::optional<std::string> address_domain(std::string_view address);

// Thunderbird / K-9 / FairEmail autoconfig (clientConfig version 1.1).
std::string thunderbird_config(const MailSettings& s, const std::string& domain);

// Outlook autodiscover: the EMailAddress of a POX request (any namespace);
// nullopt for malformed XML, a DOCTYPE, or no address.
std::optional<std::string> parse_autodiscover_request(std::string_view xml);
std::string autodiscover_response(const MailSettings& s, const std::string& address);
// The JSON v2 answer for Protocol=AutodiscoverV1: where the POX endpoint is.
std::string autodiscover_json(const std::string& domain);

// Apple configuration profile with one com.apple.mail.managed payload (IMAP
// and SMTP, no password). The UUIDs are derived from host and address, so
// downloading it again gives the same profile (it replaces, not duplicates).
std::string apple_mobileconfig(const MailSettings& s, const std::string& address);
std::string stable_uuid(std::string_view seed);

// The /setup page: a form for the address and, with an address, the
// settings table and the profile link. `error` replaces the table.
std::string setup_page(const MailSettings& s, const std::string& address, const std::string& error);

std::string xml_escape(std::string_view s);

}  // namespace postamt::http
