#include "cli/dns_records.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace postamt::cli {
namespace {

using Kind = DnsRecord::Kind;

bool loopback(std::string_view ip) { return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "localhost"; }

// A listener other hosts can reach: at least one non-loopback address.
bool is_public(const ListenerConfig& l) {
    return std::any_of(l.addresses.begin(), l.addresses.end(), [](const std::string& a) { return !loopback(a); });
}

const ListenerConfig* public_listener(const std::vector<ListenerConfig>& ls, Protocol p, TlsMode t) {
    for (const auto& l : ls)
        if (l.protocol == p && l.tls == t && is_public(l)) return &l;
    return nullptr;
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string strip_dot(std::string s) {
    if (!s.empty() && s.back() == '.' && s.size() > 1) s.pop_back();
    return text::to_lower(s);
}

// Whitespace runs collapsed to one space, trimmed, lower-cased: SPF terms
// are case-insensitive (RFC 7208 4.6.1) and separated by any amount of space.
std::string normalize_spf(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += text::to_lower(c);
    }
    return out;
}

// Does the TXT text start with the version tag `v` ("v=spf1", "v=DMARC1",
// ...), followed by the end, a space or a ';'? Case-insensitive.
bool has_version(std::string_view txt, std::string_view v) {
    std::string t = trim(txt);
    if (t.size() < v.size() || text::to_lower(t.substr(0, v.size())) != text::to_lower(v)) return false;
    if (t.size() == v.size()) return true;
    char next = t[v.size()];
    return next == ';' || std::isspace(static_cast<unsigned char>(next));
}

std::vector<std::string> with_version(const std::vector<std::string>& values, std::string_view v) {
    std::vector<std::string> out;
    for (const auto& x : values)
        if (has_version(x, v)) out.push_back(x);
    return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep = " | ") {
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += sep;
        out += x;
    }
    return out;
}

std::string quote_txt(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// "pref host" / "prio weight port target" split on spaces.
std::vector<std::string> fields(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

DnsRecord srv(const DnsPlanInput& in, std::string_view service, Protocol p, TlsMode t, std::uint16_t priority,
              std::string what) {
    DnsRecord r;
    r.kind = Kind::srv;
    r.type = "SRV";
    r.name = std::string(service) + "._tcp." + in.domain;
    const ListenerConfig* l = public_listener(in.listeners, p, t);
    if (l) {
        r.data = in.hostname;
        r.priority = priority;
        r.weight = 1;
        r.port = l->port;
        r.comment = what;
    } else {
        // RFC 6186 3.4: target "." says the service is not offered, so
        // clients do not guess one.
        r.comment = what + " is not offered (no public listener): target \".\" tells clients not to try it";
    }
    return r;
}

CheckOutcome outcome(Verdict v, std::string found, std::string expected, std::string note = {}) {
    return CheckOutcome{v, std::move(found), std::move(expected), std::move(note)};
}

// TXT records identified by a version tag, of which there must be exactly one.
CheckOutcome check_single_txt(const DnsRecord& e, const DnsFound& f, std::string_view version,
                              const std::string& expected) {
    auto matching = with_version(f.values, version);
    if (matching.empty()) {
        std::string note = f.values.empty() ? "" : "no record starting with " + std::string(version);
        return outcome(Verdict::missing, join(f.values), expected, note);
    }
    if (matching.size() > 1)
        return outcome(Verdict::wrong, join(matching), expected,
                       fmt::format("{} records starting with {}: receivers then ignore them all; keep one",
                                   matching.size(), version));
    return outcome(Verdict::ok, matching.front(), expected);
}

// "; "-prefixed comment lines of at most `width` columns, broken at spaces.
std::string comment_lines(std::string_view text, std::size_t width = 80) {
    std::string out, line;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t sp = text.find(' ', pos);
        std::string_view word = text.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
        pos = sp == std::string_view::npos ? text.size() : sp + 1;
        if (!line.empty() && 2 + line.size() + 1 + word.size() > width) {
            out += "; " + line + "\n";
            line.clear();
        }
        if (!line.empty()) line += ' ';
        line += word;
    }
    if (!line.empty()) out += "; " + line + "\n";
    return out;
}

}  // namespace

std::string tag_value(std::string_view record, std::string_view tag) {
    std::size_t pos = 0;
    while (pos <= record.size()) {
        std::size_t semi = record.find(';', pos);
        std::string_view part = record.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
        std::size_t eq = part.find('=');
        if (eq != std::string_view::npos && trim(part.substr(0, eq)) == tag) {
            std::string v = trim(part.substr(eq + 1));
            // DKIM allows folding whitespace inside the base64 key (RFC 6376 3.6.1).
            if (tag == "p") v.erase(std::remove_if(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); }), v.end());
            return v;
        }
        if (semi == std::string_view::npos) break;
        pos = semi + 1;
    }
    return {};
}

std::vector<DnsRecord> plan_dns_records(const DnsPlanInput& in) {
    std::vector<DnsRecord> out;
    const std::string& d = in.domain;
    const std::string report = in.report_address.empty() ? "postmaster@" + d : in.report_address;

    DnsRecord mx;
    mx.kind = Kind::mx;
    mx.name = d;
    mx.type = "MX";
    mx.priority = 10;
    mx.data = in.hostname;
    mx.comment = "MX: other servers deliver mail for " + d + " to " + in.hostname + " (port 25)";
    out.push_back(mx);

    DnsRecord spf;
    spf.kind = Kind::spf;
    spf.name = d;
    spf.type = "TXT";
    spf.data = "v=spf1 mx";
    for (const auto& a : in.source_addresses)
        spf.data += (a.find(':') != std::string::npos ? " ip6:" : " ip4:") + a;
    spf.data += " -all";
    spf.comment = "SPF (RFC 7208): only the MX host" +
                  std::string(in.source_addresses.empty() ? "" : " and the outbound addresses") +
                  " may send mail from @" + d + "; receivers reject the rest (-all)";
    out.push_back(spf);

    for (const auto& k : in.dkim) {
        DnsRecord r;
        r.kind = Kind::dkim;
        r.name = k.selector + "._domainkey." + d;
        r.type = "TXT";
        r.data = k.record;
        r.comment = "DKIM (RFC 6376): public key of selector " + k.selector + "; outgoing mail is signed with it";
        out.push_back(r);
    }

    DnsRecord dmarc;
    dmarc.kind = Kind::dmarc;
    dmarc.name = "_dmarc." + d;
    dmarc.type = "TXT";
    dmarc.data = "v=DMARC1; p=quarantine; rua=mailto:" + report;
    dmarc.comment = "DMARC (RFC 7489): mail failing SPF and DKIM alignment goes to spam (p=quarantine);"
                    " aggregate reports go to " + report +
                    ". To change: rua= to the mailbox that reads the reports, p=none to only watch, p=reject"
                    " once the reports are clean";
    out.push_back(dmarc);

    for (const char* sub : {"autoconfig", "autodiscover"}) {
        DnsRecord c;
        c.kind = Kind::cname;
        c.name = std::string(sub) + "." + d;
        c.type = "CNAME";
        c.data = in.hostname;
        c.comment = std::string(sub) == "autoconfig"
                        ? "Thunderbird, K-9, FairEmail and Evolution fetch their settings from autoconfig." + d
                        : "Outlook fetches its settings from autodiscover." + d;
        out.push_back(c);
    }
    // RFC 6186 with RFC 8314 5.1: implicit TLS preferred (lower priority
    // value), IMAP preferred over POP3.
    out.push_back(srv(in, "_submissions", Protocol::submission, TlsMode::implicit, 0,
                      "Submission with implicit TLS (RFC 8314)"));
    out.push_back(srv(in, "_submission", Protocol::submission, TlsMode::starttls, 10, "Submission with STARTTLS"));
    out.push_back(srv(in, "_imaps", Protocol::imap, TlsMode::implicit, 0, "IMAP with implicit TLS"));
    out.push_back(srv(in, "_imap", Protocol::imap, TlsMode::starttls, 10, "IMAP with STARTTLS"));
    out.push_back(srv(in, "_pop3s", Protocol::pop3, TlsMode::implicit, 20, "POP3 with implicit TLS"));
    out.push_back(srv(in, "_pop3", Protocol::pop3, TlsMode::starttls, 30, "POP3 with STARTTLS"));

    DnsRecord host;
    host.kind = Kind::cname;
    host.name = "mta-sts." + d;
    host.type = "CNAME";
    host.data = in.hostname;
    host.comment = "MTA-STS policy host: https://mta-sts." + d + "/.well-known/mta-sts.txt is served by this server";
    out.push_back(host);

    DnsRecord sts;
    sts.kind = Kind::mta_sts;
    sts.name = "_mta-sts." + d;
    sts.type = "TXT";
    sts.data = "v=STSv1; id=" + in.mta_sts_id;
    sts.comment = "MTA-STS (RFC 8461): senders must use TLS with a valid certificate for " + in.hostname +
                  " (mode " + (in.mta_sts_mode.empty() ? std::string("testing") : in.mta_sts_mode) +
                  "); the id changes whenever the policy does: republish this record then";
    out.push_back(sts);

    DnsRecord rpt;
    rpt.kind = Kind::tls_rpt;
    rpt.name = "_smtp._tls." + d;
    rpt.type = "TXT";
    rpt.data = "v=TLSRPTv1; rua=mailto:" + report;
    rpt.comment = "TLS-RPT (RFC 8460): daily reports of TLS failures delivering to " + d + " go to " + report;
    out.push_back(rpt);
    return out;
}

std::string presentation(const DnsRecord& r) {
    switch (r.kind) {
        case Kind::mx: return fmt::format("{} {}", r.priority, r.data);
        case Kind::srv:
            if (r.data.empty()) return "0 0 0 .";
            return fmt::format("{} {} {} {}", r.priority, r.weight, r.port, r.data);
        case Kind::cname: return r.data;
        default: return r.data;
    }
}

std::string zone_line(const DnsRecord& r, int ttl) {
    std::string data;
    if (r.type == "TXT") {
        for (std::size_t p = 0; p < r.data.size() || p == 0; p += 255) {
            if (!data.empty()) data += ' ';
            data += quote_txt(r.data.substr(p, 255));
        }
    } else if (r.kind == Kind::srv && r.data.empty()) {
        data = "0 0 0 .";
    } else {
        data = presentation(r) + ".";
    }
    return fmt::format("{}. {} IN {} {}", r.name, ttl, r.type, data);
}

std::string render_zone(const DnsPlanInput& in, const std::vector<DnsRecord>& records) {
    std::string out;
    out += comment_lines(fmt::format("DNS records for {} (postamt dns {}). Paste them into the zone of {}; "
                                     "`postamt dns check {}` compares them with DNS.",
                                     in.domain, in.domain, in.domain, in.domain));
    out += comment_lines(fmt::format("{} itself needs A (and AAAA) records with this server's public addresses, "
                                     "and a PTR record for each of them naming {}.",
                                     in.hostname, in.hostname));
    const ListenerConfig* smtp = public_listener(in.listeners, Protocol::smtp, TlsMode::starttls);
    if (!smtp) smtp = public_listener(in.listeners, Protocol::smtp, TlsMode::none);
    if (!smtp || smtp->port != 25)
        out += comment_lines("Note: no public smtp listener on port 25 is configured; other servers deliver only "
                             "to port 25.");
    bool dkim_done = false;
    for (const auto& r : records) {
        if (r.kind == Kind::dmarc && !dkim_done && in.dkim.empty())
            out += "\n" + comment_lines(fmt::format("DKIM: {} has no signing key yet. Create one with `postamt dkim "
                                                    "generate {}`, then run `postamt dns {}` again to get its record.",
                                                    in.domain, in.domain, in.domain));
        if (r.kind == Kind::dkim || r.kind == Kind::dmarc) dkim_done = true;
        out += "\n" + comment_lines(r.comment);
        if (r.kind == Kind::spf && !in.smarthost.empty())
            out += comment_lines(fmt::format("Mail leaves through the smarthost {}: add the provider's SPF "
                                             "mechanism (e.g. include:...) before -all.",
                                             in.smarthost));
        if ((r.kind == Kind::dmarc || r.kind == Kind::tls_rpt) && in.report_address_unknown)
            out += comment_lines(fmt::format("Note: {} does not receive mail here yet: create it (postamt alias add "
                                             "{} you@{}) or change rua= to a mailbox that exists.",
                                             in.report_address.empty() ? "postmaster@" + in.domain : in.report_address,
                                             in.report_address.empty() ? "postmaster@" + in.domain : in.report_address,
                                             in.domain));
        out += zone_line(r) + "\n";
    }
    return out;
}

std::string_view verdict_name(Verdict v) {
    switch (v) {
        case Verdict::ok: return "ok";
        case Verdict::missing: return "missing";
        case Verdict::wrong: return "wrong";
        case Verdict::error: return "error";
    }
    return "error";
}

std::string record_label(const DnsRecord& r) {
    switch (r.kind) {
        case Kind::mx: return "MX";
        case Kind::spf: return "SPF";
        case Kind::dkim: return "DKIM " + r.name.substr(0, r.name.find('.'));
        case Kind::dmarc: return "DMARC";
        case Kind::cname: return "CNAME " + r.name.substr(0, r.name.find('.'));
        case Kind::srv: return "SRV " + r.name.substr(0, r.name.find("._tcp") + 5);
        case Kind::mta_sts: return "MTA-STS";
        case Kind::tls_rpt: return "TLS-RPT";
    }
    return r.type;
}

CheckOutcome check_record(const DnsRecord& e, const DnsFound& f) {
    const std::string expected = presentation(e);
    if (f.status == DnsFound::Status::error) return outcome(Verdict::error, "", expected, f.error);
    if (f.status == DnsFound::Status::nxdomain)
        return outcome(Verdict::missing, "", expected, "the name " + e.name + " does not exist");

    switch (e.kind) {
        case Kind::mx: {
            if (f.values.empty()) return outcome(Verdict::missing, "", expected);
            for (const auto& v : f.values) {
                auto fs = fields(v);
                if (fs.size() == 2 && strip_dot(fs[1]) == text::to_lower(e.data))
                    return outcome(Verdict::ok, join(f.values), expected);
            }
            return outcome(Verdict::wrong, join(f.values), expected, "no MX points to " + e.data);
        }
        case Kind::spf: {
            auto c = check_single_txt(e, f, "v=spf1", expected);
            if (c.verdict == Verdict::ok && normalize_spf(c.found) != normalize_spf(e.data)) {
                c.verdict = Verdict::wrong;
                c.note = "the SPF record differs";
            }
            return c;
        }
        case Kind::dkim: {
            std::vector<std::string> keys;
            for (const auto& v : f.values)
                if (!tag_value(v, "p").empty()) keys.push_back(v);
            if (keys.empty()) return outcome(Verdict::missing, join(f.values), expected);
            const std::string want = tag_value(e.data, "p");
            for (const auto& k : keys)
                if (tag_value(k, "p") == want) return outcome(Verdict::ok, k, expected);
            return outcome(Verdict::wrong, join(keys), expected,
                           "the published key (p=) is not this server's key for the selector");
        }
        case Kind::dmarc: {
            auto c = check_single_txt(e, f, "v=DMARC1", expected);
            if (c.verdict == Verdict::ok) {
                // rua may point anywhere (the printed comment says to change
                // it); the policy is what protects the domain.
                std::string want = text::to_lower(tag_value(e.data, "p"));
                std::string got = text::to_lower(tag_value(c.found, "p"));
                if (got != want) {
                    c.verdict = Verdict::wrong;
                    c.note = got.empty() ? "no p= policy tag" : "policy p=" + got + ", expected p=" + want;
                }
            }
            return c;
        }
        case Kind::mta_sts: {
            auto c = check_single_txt(e, f, "v=STSv1", expected);
            if (c.verdict == Verdict::ok && tag_value(c.found, "id") != tag_value(e.data, "id")) {
                c.verdict = Verdict::wrong;
                c.note = "the id differs: the policy changed since the record was published (or it was never "
                         "this server's); senders keep the old policy until the id changes";
            }
            return c;
        }
        case Kind::tls_rpt: {
            auto c = check_single_txt(e, f, "v=TLSRPTv1", expected);
            if (c.verdict == Verdict::ok && tag_value(c.found, "rua").empty()) {
                c.verdict = Verdict::wrong;
                c.note = "no rua= report address";
            }
            return c;
        }
        case Kind::cname: {
            for (const auto& v : f.values)
                if (strip_dot(v) == text::to_lower(e.data)) return outcome(Verdict::ok, join(f.values), expected);
            if (!f.values.empty())
                return outcome(Verdict::wrong, join(f.values), expected, "CNAME to another host");
            if (f.name_addresses.empty()) return outcome(Verdict::missing, "", expected);
            // Address records instead of a CNAME work as long as they are
            // the host's own.
            auto same = std::is_permutation(f.name_addresses.begin(), f.name_addresses.end(),
                                            f.host_addresses.begin(), f.host_addresses.end());
            if (same)
                return outcome(Verdict::ok, join(f.name_addresses), expected,
                               "address records instead of a CNAME, the same as " + e.data + "'s");
            return outcome(Verdict::wrong, join(f.name_addresses), expected,
                           "addresses differ from those of " + e.data + " (" +
                               (f.host_addresses.empty() ? std::string("none") : join(f.host_addresses, ", ")) + ")");
        }
        case Kind::srv: {
            if (f.values.empty()) return outcome(Verdict::missing, "", expected);
            for (const auto& v : f.values) {
                auto fs = fields(v);
                if (fs.size() != 4) continue;
                std::string target = fs[3] == "." ? "" : strip_dot(fs[3]);
                if (e.data.empty()) {
                    if (target.empty()) return outcome(Verdict::ok, join(f.values), expected);
                    continue;
                }
                if (target == text::to_lower(e.data) && fs[2] == std::to_string(e.port) &&
                    fs[0] == std::to_string(e.priority))
                    return outcome(Verdict::ok, join(f.values), expected);
            }
            return outcome(Verdict::wrong, join(f.values), expected,
                           e.data.empty() ? "the service is not offered here: publish target \".\""
                                          : "target, port or priority differ");
        }
    }
    return outcome(Verdict::error, "", expected, "unknown record kind");
}

}  // namespace postamt::cli
