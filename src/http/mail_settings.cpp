// Client setup documents (http/mail_settings.h).
#include "http/mail_settings.h"

#include <expat.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "common/digest.h"

namespace postamt::http {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool standard_port(Protocol p, std::uint16_t port) {
    switch (p) {
        case Protocol::imap: return port == 993 || port == 143;
        case Protocol::pop3: return port == 995 || port == 110;
        case Protocol::submission: return port == 465 || port == 587;
        default: return false;
    }
}

std::uint16_t default_port(Protocol p, TlsMode tls) {
    const bool implicit = tls == TlsMode::implicit;
    switch (p) {
        case Protocol::imap: return implicit ? 993 : 143;
        case Protocol::pop3: return implicit ? 995 : 110;
        case Protocol::submission: return implicit ? 465 : 587;
        default: return 0;
    }
}

const char* security_name(TlsMode t) { return t == TlsMode::implicit ? "SSL/TLS" : "STARTTLS"; }

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

// Percent-encoding for a query value (RFC 3986 unreserved stay).
std::string url_encode(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += ch;
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

const MailEndpoint* first_of(const MailSettings& s, Protocol p) {
    for (const auto& e : s.endpoints)
        if (e.protocol == p) return &e;
    return nullptr;
}

}  // namespace

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

MailSettings mail_settings(const Config& cfg) {
    MailSettings s;
    s.hostname = cfg.server.hostname;
    for (Protocol p : {Protocol::imap, Protocol::pop3, Protocol::submission}) {
        for (TlsMode t : {TlsMode::implicit, TlsMode::starttls}) {
            std::optional<std::uint16_t> port;
            for (const auto& l : cfg.listeners) {
                if (l.protocol != p || l.tls != t) continue;
                if (standard_port(p, l.port)) {
                    port = l.port;
                    break;
                }
                if (!port) port = default_port(p, t);
            }
            if (port) s.endpoints.push_back({p, t, *port});
        }
    }
    return s;
}

std::optional<std::string> address_domain(std::string_view address) {
    auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != std::string_view::npos)
        return std::nullopt;
    std::string_view d = address.substr(at + 1);
    if (d.empty() || d.size() > 253 || d.front() == '.' || d.find("..") != std::string_view::npos) return std::nullopt;
    for (char c : address)
        if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == '\\' || c == '/')
            return std::nullopt;
    std::string out = lower(d);
    if (out.back() == '.') out.pop_back();
    return out;
}

std::string thunderbird_config(const MailSettings& s, const std::string& domain) {
    const std::string host = xml_escape(s.hostname);
    const std::string dom = xml_escape(domain);
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n";
    x += "  <emailProvider id=\"" + dom + "\">\n";
    x += "    <domain>" + dom + "</domain>\n";
    x += "    <displayName>" + dom + " mail</displayName>\n";
    x += "    <displayShortName>" + dom + "</displayShortName>\n";
    auto server = [&](const MailEndpoint& e, const char* element, const char* type) {
        x += std::string("    <") + element + " type=\"" + type + "\">\n";
        x += "      <hostname>" + host + "</hostname>\n";
        x += "      <port>" + std::to_string(e.port) + "</port>\n";
        x += std::string("      <socketType>") + (e.tls == TlsMode::implicit ? "SSL" : "STARTTLS") + "</socketType>\n";
        x += "      <username>%EMAILADDRESS%</username>\n";
        x += "      <authentication>password-cleartext</authentication>\n";
        x += std::string("    </") + element + ">\n";
    };
    // Clients take the first incoming server as the default: IMAP before POP3.
    for (const auto& e : s.endpoints)
        if (e.protocol == Protocol::imap) server(e, "incomingServer", "imap");
    for (const auto& e : s.endpoints)
        if (e.protocol == Protocol::pop3) server(e, "incomingServer", "pop3");
    for (const auto& e : s.endpoints)
        if (e.protocol == Protocol::submission) server(e, "outgoingServer", "smtp");
    x += "  </emailProvider>\n</clientConfig>\n";
    return x;
}

namespace {

struct PoxState {
    XML_Parser parser = nullptr;
    int capture_depth = -1;  // depth of the EMailAddress element being read
    int depth = 0;
    bool found = false;
    bool doctype = false;
    bool too_long = false;
    std::string email;
};

// RFC 5321 4.5.3.1: a path is at most 256 octets; allow surrounding blanks.
constexpr std::size_t kMaxAddress = 1024;

std::string_view local_name(const XML_Char* name) {
    std::string_view n(name);
    auto bar = n.rfind('|');
    return bar == std::string_view::npos ? n : n.substr(bar + 1);
}

void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char**) {
    auto* st = static_cast<PoxState*>(ud);
    ++st->depth;
    if (!st->found && st->capture_depth < 0 && local_name(name) == "EMailAddress") st->capture_depth = st->depth;
}

void XMLCALL on_end(void* ud, const XML_Char*) {
    auto* st = static_cast<PoxState*>(ud);
    if (st->capture_depth == st->depth) {
        st->capture_depth = -1;
        st->found = true;
    }
    --st->depth;
}

void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
    auto* st = static_cast<PoxState*>(ud);
    if (st->capture_depth < 0) return;
    if (st->email.size() + static_cast<std::size_t>(len) > kMaxAddress)
        st->too_long = true;
    else
        st->email.append(s, static_cast<std::size_t>(len));
}

// No DOCTYPE: nothing legitimate needs one, and it is where entity
// expansion attacks live.
void XMLCALL on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    auto* st = static_cast<PoxState*>(ud);
    st->doctype = true;
    XML_StopParser(st->parser, XML_FALSE);
}

}  // namespace

std::optional<std::string> parse_autodiscover_request(std::string_view xml) {
    if (xml.size() > (1u << 20)) return std::nullopt;
    PoxState st;
    XML_Parser p = XML_ParserCreateNS(nullptr, '|');
    if (!p) return std::nullopt;
    st.parser = p;
    XML_SetUserData(p, &st);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    auto rc = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), XML_TRUE);
    XML_ParserFree(p);
    if (rc != XML_STATUS_OK || st.doctype || st.too_long || !st.found) return std::nullopt;
    std::string_view e = st.email;
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t' || e.front() == '\r' || e.front() == '\n'))
        e.remove_prefix(1);
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t' || e.back() == '\r' || e.back() == '\n'))
        e.remove_suffix(1);
    if (e.empty()) return std::nullopt;
    return std::string(e);
}

std::string autodiscover_response(const MailSettings& s, const std::string& address) {
    const std::string host = xml_escape(s.hostname);
    const std::string user = xml_escape(address);
    std::string x =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n"
        "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n"
        "    <Account>\n"
        "      <AccountType>email</AccountType>\n"
        "      <Action>settings</Action>\n";
    // Outlook uses the first Protocol of each Type: the preferred endpoint.
    for (auto [p, type] : {std::pair{Protocol::imap, "IMAP"}, std::pair{Protocol::pop3, "POP3"},
                           std::pair{Protocol::submission, "SMTP"}}) {
        const MailEndpoint* e = first_of(s, p);
        if (!e) continue;
        x += "      <Protocol>\n";
        x += std::string("        <Type>") + type + "</Type>\n";
        x += "        <Server>" + host + "</Server>\n";
        x += "        <Port>" + std::to_string(e->port) + "</Port>\n";
        x += "        <DomainRequired>off</DomainRequired>\n";
        x += "        <LoginName>" + user + "</LoginName>\n";
        x += "        <SPA>off</SPA>\n";
        if (e->tls == TlsMode::implicit)
            x += "        <SSL>on</SSL>\n";
        else
            x += "        <Encryption>TLS</Encryption>\n";
        x += "        <AuthRequired>on</AuthRequired>\n";
        if (p == Protocol::submission) x += "        <UsePOPAuth>on</UsePOPAuth>\n";
        x += "      </Protocol>\n";
    }
    x += "    </Account>\n  </Response>\n</Autodiscover>\n";
    return x;
}

std::string autodiscover_json(const std::string& domain) {
    return "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://autodiscover." + json_escape(domain) +
           "/autodiscover/autodiscover.xml\"}";
}

std::string stable_uuid(std::string_view seed) {
    std::string digest = sha256(seed);
    auto* md = reinterpret_cast<unsigned char*>(digest.data());
    // Name-based layout (RFC 9562 5.8, version 8: custom hash).
    md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x80);
    md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
    char out[40];
    std::snprintf(out, sizeof out, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", md[0],
                  md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13],
                  md[14], md[15]);
    return out;
}

std::string apple_mobileconfig(const MailSettings& s, const std::string& address) {
    const std::string host = xml_escape(s.hostname);
    const std::string user = xml_escape(address);
    const MailEndpoint* in = first_of(s, Protocol::imap);
    const MailEndpoint* out = first_of(s, Protocol::submission);
    // Reverse-DNS identifier from the host name: mail.example.org -> org.example.mail.
    std::string rev;
    std::string_view h = s.hostname;
    while (!h.empty()) {
        auto dot = h.rfind('.');
        std::string_view label = dot == std::string_view::npos ? h : h.substr(dot + 1);
        if (!rev.empty()) rev += '.';
        rev += label;
        h = dot == std::string_view::npos ? std::string_view() : h.substr(0, dot);
    }
    const std::string id = xml_escape(rev.empty() ? "postamt" : rev);
    const std::string seed = s.hostname + "\n" + lower(address);
    auto boolean = [](bool b) { return b ? std::string("<true/>") : std::string("<false/>"); };
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n<dict>\n"
        "  <key>PayloadContent</key>\n  <array>\n    <dict>\n";
    x += "      <key>EmailAccountDescription</key><string>" + user + "</string>\n";
    x += "      <key>EmailAccountType</key><string>EmailTypeIMAP</string>\n";
    x += "      <key>EmailAddress</key><string>" + user + "</string>\n";
    if (in) {
        x += "      <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>\n";
        x += "      <key>IncomingMailServerHostName</key><string>" + host + "</string>\n";
        x += "      <key>IncomingMailServerPortNumber</key><integer>" + std::to_string(in->port) + "</integer>\n";
        x += "      <key>IncomingMailServerUseSSL</key>" + boolean(in->tls == TlsMode::implicit) + "\n";
        x += "      <key>IncomingMailServerUsername</key><string>" + user + "</string>\n";
    }
    if (out) {
        x += "      <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>\n";
        x += "      <key>OutgoingMailServerHostName</key><string>" + host + "</string>\n";
        x += "      <key>OutgoingMailServerPortNumber</key><integer>" + std::to_string(out->port) + "</integer>\n";
        x += "      <key>OutgoingMailServerUseSSL</key>" + boolean(out->tls == TlsMode::implicit) + "\n";
        x += "      <key>OutgoingMailServerUsername</key><string>" + user + "</string>\n";
        x += "      <key>OutgoingPasswordSameAsIncomingPassword</key><true/>\n";
    }
    x += "      <key>PayloadDescription</key><string>Mail account " + user + "</string>\n";
    x += "      <key>PayloadDisplayName</key><string>" + user + "</string>\n";
    x += "      <key>PayloadIdentifier</key><string>" + id + ".mail." + stable_uuid(seed + "\naccount") + "</string>\n";
    x += "      <key>PayloadType</key><string>com.apple.mail.managed</string>\n";
    x += "      <key>PayloadUUID</key><string>" + stable_uuid(seed + "\naccount") + "</string>\n";
    x += "      <key>PayloadVersion</key><integer>1</integer>\n";
    x += "    </dict>\n  </array>\n";
    x += "  <key>PayloadDescription</key><string>Sets up the mail account " + user + " (the password is asked for on the device).</string>\n";
    x += "  <key>PayloadDisplayName</key><string>Mail: " + user + "</string>\n";
    x += "  <key>PayloadIdentifier</key><string>" + id + ".profile." + stable_uuid(seed + "\nprofile") + "</string>\n";
    x += "  <key>PayloadRemovalDisallowed</key><false/>\n";
    x += "  <key>PayloadType</key><string>Configuration</string>\n";
    x += "  <key>PayloadUUID</key><string>" + stable_uuid(seed + "\nprofile") + "</string>\n";
    x += "  <key>PayloadVersion</key><integer>1</integer>\n";
    x += "</dict>\n</plist>\n";
    return x;
}

std::string setup_page(const MailSettings& s, const std::string& address, const std::string& error) {
    const std::string addr = xml_escape(address);
    std::string h =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Mail setup</title>\n<style>\n"
        "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:44em;padding:1em;line-height:1.4;color:#222}\n"
        "form{display:flex;flex-wrap:wrap;gap:.5em;margin:1em 0}\n"
        "input[type=email]{flex:1 1 14em;font-size:1.1em;padding:.4em}\n"
        "button{font-size:1.1em;padding:.4em 1em}\n"
        "table{border-collapse:collapse;width:100%;margin:1em 0}\n"
        "th,td{border:1px solid #ccc;padding:.4em;text-align:left;overflow-wrap:anywhere}\n"
        "th{background:#f2f2f2}.error{color:#a00}\n"
        // On a phone each row becomes a card of "label: value" lines.
        "@media (max-width:40em){thead{display:none}table,tbody,tr,td{display:block;width:auto}"
        "tr{border:1px solid #ccc;margin:0 0 .8em;padding:.3em}td{border:0;padding:.15em .3em}"
        "td::before{content:attr(data-label) \": \";color:#666}td:first-child{font-weight:bold}"
        "td:first-child::before{content:none}}\n"
        "</style>\n</head>\n<body>\n<h1>Set up your mail app</h1>\n"
        "<p>Type your e-mail address to see the settings for your mail app.</p>\n"
        "<form method=\"get\" action=\"/setup\">\n"
        "<input type=\"email\" id=\"emailaddress\" name=\"emailaddress\" required placeholder=\"you@example.org\" "
        "autocomplete=\"email\" value=\"" +
        addr +
        "\">\n<button type=\"submit\" id=\"show\">Show settings</button>\n</form>\n";
    if (!error.empty()) {
        h += "<p class=\"error\" id=\"error\">" + xml_escape(error) + "</p>\n";
    } else if (!address.empty()) {
        h += "<p>Most apps (Thunderbird, K-9 Mail, FairEmail, Outlook, Apple Mail) find these by themselves "
             "once you type your address and password. If yours asks:</p>\n";
        h += "<table id=\"settings\">\n<thead><tr><th>Account type</th><th>Server</th><th>Port</th>"
             "<th>Security</th><th>User name</th></tr></thead>\n<tbody>\n";
        for (const auto& e : s.endpoints) {
            const char* what = e.protocol == Protocol::imap   ? "Incoming mail (IMAP)"
                               : e.protocol == Protocol::pop3 ? "Incoming mail (POP3)"
                                                              : "Outgoing mail (SMTP)";
            const char* proto = e.protocol == Protocol::imap ? "imap" : e.protocol == Protocol::pop3 ? "pop3" : "smtp";
            h += std::string("<tr class=\"") + proto + "\"><td>" + what +
                 "</td><td class=\"server\" data-label=\"Server\">" + xml_escape(s.hostname) +
                 "</td><td class=\"port\" data-label=\"Port\">" + std::to_string(e.port) +
                 "</td><td class=\"security\" data-label=\"Security\">" + security_name(e.tls) +
                 "</td><td class=\"user\" data-label=\"User name\">" + addr + "</td></tr>\n";
        }
        h += "</tbody>\n</table>\n<p>Password: your account's password. Authentication: normal password.</p>\n";
        h += "<p>iPhone, iPad and Mac: <a id=\"profile\" href=\"/setup/mobileconfig?emailaddress=" +
             xml_escape(url_encode(address)) +
             "\">download the configuration profile</a>, then install it in Settings (it asks for your "
             "password; the profile contains none).</p>\n";
    }
    h += "</body>\n</html>\n";
    return h;
}

}  // namespace postamt::http
