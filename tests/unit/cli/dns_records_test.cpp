#include "cli/dns_records.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace postamt::cli {
namespace {

using Kind = DnsRecord::Kind;

ListenerConfig listener(Protocol p, TlsMode t, uint16_t port, std::vector<std::string> addrs = {"0.0.0.0", "::"}) {
    ListenerConfig l;
    l.name = std::string(protocol_name(p)) + std::to_string(port);
    l.protocol = p;
    l.tls = t;
    l.port = port;
    l.addresses = std::move(addrs);
    return l;
}

DnsPlanInput input() {
    DnsPlanInput in;
    in.domain = "example.org";
    in.hostname = "mail.example.org";
    in.listeners = default_listeners();
    in.mta_sts_id = "0123456789abcdef0123456789abcdef";
    in.mta_sts_mode = "testing";
    return in;
}

const DnsRecord& find(const std::vector<DnsRecord>& rs, const std::string& name, const std::string& type) {
    auto it = std::find_if(rs.begin(), rs.end(), [&](const DnsRecord& r) { return r.name == name && r.type == type; });
    if (it == rs.end()) throw std::runtime_error("no record " + name + " " + type);
    return *it;
}

TEST(DnsRecords, FullSetForTheDefaultListeners) {
    auto rs = plan_dns_records(input());
    EXPECT_EQ(zone_line(find(rs, "example.org", "MX")), "example.org. 3600 IN MX 10 mail.example.org.");
    EXPECT_EQ(zone_line(rs[1]), "example.org. 3600 IN TXT \"v=spf1 mx -all\"");
    EXPECT_EQ(zone_line(find(rs, "_dmarc.example.org", "TXT")),
              "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org\"");
    EXPECT_EQ(zone_line(find(rs, "autoconfig.example.org", "CNAME")),
              "autoconfig.example.org. 3600 IN CNAME mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "autodiscover.example.org", "CNAME")),
              "autodiscover.example.org. 3600 IN CNAME mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "mta-sts.example.org", "CNAME")),
              "mta-sts.example.org. 3600 IN CNAME mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_mta-sts.example.org", "TXT")),
              "_mta-sts.example.org. 3600 IN TXT \"v=STSv1; id=0123456789abcdef0123456789abcdef\"");
    EXPECT_EQ(zone_line(find(rs, "_smtp._tls.example.org", "TXT")),
              "_smtp._tls.example.org. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.org\"");
    // RFC 6186 / 8314: implicit TLS preferred (lower priority value), IMAP over POP3.
    EXPECT_EQ(zone_line(find(rs, "_submissions._tcp.example.org", "SRV")),
              "_submissions._tcp.example.org. 3600 IN SRV 0 1 465 mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_submission._tcp.example.org", "SRV")),
              "_submission._tcp.example.org. 3600 IN SRV 10 1 587 mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_imaps._tcp.example.org", "SRV")),
              "_imaps._tcp.example.org. 3600 IN SRV 0 1 993 mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_imap._tcp.example.org", "SRV")),
              "_imap._tcp.example.org. 3600 IN SRV 10 1 143 mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_pop3s._tcp.example.org", "SRV")),
              "_pop3s._tcp.example.org. 3600 IN SRV 20 1 995 mail.example.org.");
    EXPECT_EQ(zone_line(find(rs, "_pop3._tcp.example.org", "SRV")),
              "_pop3._tcp.example.org. 3600 IN SRV 30 1 110 mail.example.org.");
    EXPECT_EQ(rs.size(), 14u);  // no DKIM key
    for (const auto& r : rs) EXPECT_FALSE(r.comment.empty()) << r.name;
}

TEST(DnsRecords, ConfiguredPortsAndMissingOrLoopbackListeners) {
    auto in = input();
    in.listeners = {listener(Protocol::smtp, TlsMode::starttls, 25),
                    listener(Protocol::imap, TlsMode::implicit, 10993),
                    listener(Protocol::submission, TlsMode::implicit, 465, {"127.0.0.1", "::1"}),
                    listener(Protocol::pop3, TlsMode::none, 110)};
    auto rs = plan_dns_records(in);
    EXPECT_EQ(zone_line(find(rs, "_imaps._tcp.example.org", "SRV")),
              "_imaps._tcp.example.org. 3600 IN SRV 0 1 10993 mail.example.org.");
    // Not offered to others: loopback only, absent, or without TLS at all.
    for (const char* n : {"_submissions", "_submission", "_imap", "_pop3", "_pop3s"})
        EXPECT_EQ(zone_line(find(rs, std::string(n) + "._tcp.example.org", "SRV")),
                  std::string(n) + "._tcp.example.org. 3600 IN SRV 0 0 0 .")
            << n;
}

TEST(DnsRecords, SpfListsTheOutboundAddresses) {
    auto in = input();
    in.source_addresses = {"192.0.2.25", "2001:db8::25"};
    auto rs = plan_dns_records(in);
    EXPECT_EQ(find(rs, "example.org", "TXT").data, "v=spf1 mx ip4:192.0.2.25 ip6:2001:db8::25 -all");
}

TEST(DnsRecords, DkimKeysAndLongTxtSplitting) {
    auto in = input();
    std::string long_key = "v=DKIM1; k=rsa; p=" + std::string(400, 'A');
    in.dkim = {{"postamt-ed25519", "v=DKIM1; k=ed25519; p=KEY"}, {"postamt-rsa", long_key}};
    auto rs = plan_dns_records(in);
    EXPECT_EQ(rs.size(), 16u);
    EXPECT_EQ(zone_line(find(rs, "postamt-ed25519._domainkey.example.org", "TXT")),
              "postamt-ed25519._domainkey.example.org. 3600 IN TXT \"v=DKIM1; k=ed25519; p=KEY\"");
    // RFC 1035 3.3.14: at most 255 octets per character-string.
    std::string line = zone_line(find(rs, "postamt-rsa._domainkey.example.org", "TXT"));
    std::string first = long_key.substr(0, 255), second = long_key.substr(255);
    EXPECT_EQ(line, "postamt-rsa._domainkey.example.org. 3600 IN TXT \"" + first + "\" \"" + second + "\"");
}

TEST(DnsRecords, TxtQuotesAreEscaped) {
    DnsRecord r;
    r.kind = Kind::spf;
    r.name = "x.example";
    r.type = "TXT";
    r.data = "a\"b\\c";
    EXPECT_EQ(zone_line(r), "x.example. 3600 IN TXT \"a\\\"b\\\\c\"");
}

TEST(DnsRecords, RenderedZoneHasCommentsAndHints) {
    auto in = input();
    in.smarthost = "smtp.provider.example:587";
    std::string z = render_zone(in, plan_dns_records(in));
    // Comments are wrapped: look for phrases in the text with the breaks undone.
    std::string joined = z;
    for (std::size_t p; (p = joined.find("\n; ")) != std::string::npos;) joined.replace(p, 3, " ");
    EXPECT_NE(z.find("; DKIM: example.org has no signing key yet"), std::string::npos);
    EXPECT_NE(joined.find("postamt dkim generate example.org"), std::string::npos);
    EXPECT_NE(joined.find("smarthost smtp.provider.example:587"), std::string::npos);
    EXPECT_NE(z.find("; DMARC (RFC 7489)"), std::string::npos);
    EXPECT_NE(joined.find("To change: rua="), std::string::npos);
    // Default listeners include port 25 on all addresses: no port warning.
    EXPECT_EQ(z.find("no public smtp listener"), std::string::npos);
    // Every non-comment, non-empty line is a record line.
    std::size_t pos = 0;
    int records = 0;
    while (pos < z.size()) {
        std::size_t nl = z.find('\n', pos);
        std::string line = z.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == ';') continue;
        EXPECT_NE(line.find(". 3600 IN "), std::string::npos) << line;
        ++records;
    }
    EXPECT_EQ(records, 14);
}

TEST(DnsRecords, TagValue) {
    EXPECT_EQ(tag_value("v=DMARC1; p=quarantine; rua=mailto:a@b", "p"), "quarantine");
    EXPECT_EQ(tag_value("v=DMARC1;p=reject", "p"), "reject");
    EXPECT_EQ(tag_value("v=DKIM1; k=rsa; p=AB CD\tEF", "p"), "ABCDEF");
    EXPECT_EQ(tag_value("v=STSv1; id=abc;", "id"), "abc");
    EXPECT_EQ(tag_value("v=STSv1", "id"), "");
    EXPECT_EQ(tag_value("", "p"), "");
    EXPECT_EQ(tag_value(";;=;p", "p"), "");
    EXPECT_EQ(tag_value("sp=none; p=x", "p"), "x");  // sp= is not p=
}

// ---- check_record

DnsFound answered(std::vector<std::string> values) {
    DnsFound f;
    f.values = std::move(values);
    return f;
}

CheckOutcome check(const std::string& name, const std::string& type, const DnsFound& f) {
    auto rs = plan_dns_records(input());
    return check_record(find(rs, name, type), f);
}

TEST(DnsCheck, Mx) {
    EXPECT_EQ(check("example.org", "MX", answered({"10 mail.example.org"})).verdict, Verdict::ok);
    // Another preference or extra MX hosts are fine as long as ours is there.
    EXPECT_EQ(check("example.org", "MX", answered({"5 backup.example.net", "20 MAIL.example.org."})).verdict,
              Verdict::ok);
    auto w = check("example.org", "MX", answered({"10 mx.other.example"}));
    EXPECT_EQ(w.verdict, Verdict::wrong);
    EXPECT_EQ(w.found, "10 mx.other.example");
    EXPECT_EQ(w.expected, "10 mail.example.org");
    EXPECT_EQ(check("example.org", "MX", answered({})).verdict, Verdict::missing);
    DnsFound nx;
    nx.status = DnsFound::Status::nxdomain;
    EXPECT_EQ(check("example.org", "MX", nx).verdict, Verdict::missing);
    DnsFound err;
    err.status = DnsFound::Status::error;
    err.error = "SERVFAIL";
    auto e = check("example.org", "MX", err);
    EXPECT_EQ(e.verdict, Verdict::error);
    EXPECT_EQ(e.note, "SERVFAIL");
}

TEST(DnsCheck, Spf) {
    EXPECT_EQ(check("example.org", "TXT", answered({"google-site-verification=x", "v=spf1 mx -all"})).verdict,
              Verdict::ok);
    EXPECT_EQ(check("example.org", "TXT", answered({"V=SPF1  MX   -ALL "})).verdict, Verdict::ok);
    auto w = check("example.org", "TXT", answered({"v=spf1 a ~all"}));
    EXPECT_EQ(w.verdict, Verdict::wrong);
    EXPECT_EQ(w.found, "v=spf1 a ~all");
    EXPECT_EQ(w.expected, "v=spf1 mx -all");
    // RFC 7208 3.2: two SPF records are a permanent error.
    EXPECT_EQ(check("example.org", "TXT", answered({"v=spf1 mx -all", "v=spf1 a -all"})).verdict, Verdict::wrong);
    EXPECT_EQ(check("example.org", "TXT", answered({"v=spf10 mx"})).verdict, Verdict::missing);
    EXPECT_EQ(check("example.org", "TXT", answered({})).verdict, Verdict::missing);
}

TEST(DnsCheck, Dkim) {
    auto in = input();
    in.dkim = {{"s1", "v=DKIM1; k=ed25519; p=KEYDATA"}};
    auto rs = plan_dns_records(in);
    const auto& e = find(rs, "s1._domainkey.example.org", "TXT");
    EXPECT_EQ(check_record(e, answered({"v=DKIM1; k=ed25519; p=KEY DATA"})).verdict, Verdict::ok);
    EXPECT_EQ(check_record(e, answered({"v=DKIM1; k=ed25519; p=OTHER"})).verdict, Verdict::wrong);
    EXPECT_EQ(check_record(e, answered({"v=DKIM1; p="})).verdict, Verdict::missing);  // revoked key
    EXPECT_EQ(check_record(e, answered({})).verdict, Verdict::missing);
}

TEST(DnsCheck, DmarcAcceptsAnotherReportAddressButNotAnotherPolicy) {
    EXPECT_EQ(check("_dmarc.example.org", "TXT", answered({"v=DMARC1; p=quarantine; rua=mailto:dmarc@elsewhere.example"}))
                  .verdict,
              Verdict::ok);
    auto w = check("_dmarc.example.org", "TXT", answered({"v=DMARC1; p=none"}));
    EXPECT_EQ(w.verdict, Verdict::wrong);
    EXPECT_EQ(w.note, "policy p=none, expected p=quarantine");
    EXPECT_EQ(check("_dmarc.example.org", "TXT", answered({"v=DMARC1; rua=mailto:x@y"})).verdict, Verdict::wrong);
    EXPECT_EQ(check("_dmarc.example.org", "TXT", answered({"unrelated"})).verdict, Verdict::missing);
}

TEST(DnsCheck, MtaStsIdMustMatchTheServedPolicy) {
    EXPECT_EQ(check("_mta-sts.example.org", "TXT", answered({"v=STSv1; id=0123456789abcdef0123456789abcdef;"})).verdict,
              Verdict::ok);
    auto w = check("_mta-sts.example.org", "TXT", answered({"v=STSv1; id=20240101"}));
    EXPECT_EQ(w.verdict, Verdict::wrong);
    EXPECT_NE(w.note.find("the id differs"), std::string::npos);
}

TEST(DnsCheck, TlsRpt) {
    EXPECT_EQ(check("_smtp._tls.example.org", "TXT", answered({"v=TLSRPTv1; rua=mailto:tls@x.example"})).verdict,
              Verdict::ok);
    EXPECT_EQ(check("_smtp._tls.example.org", "TXT", answered({"v=TLSRPTv1;"})).verdict, Verdict::wrong);
    EXPECT_EQ(check("_smtp._tls.example.org", "TXT", answered({})).verdict, Verdict::missing);
}

TEST(DnsCheck, CnameOrTheSameAddresses) {
    EXPECT_EQ(check("autoconfig.example.org", "CNAME", answered({"mail.example.org"})).verdict, Verdict::ok);
    EXPECT_EQ(check("autoconfig.example.org", "CNAME", answered({"web.example.org"})).verdict, Verdict::wrong);
    DnsFound a;
    a.name_addresses = {"192.0.2.1", "2001:db8::1"};
    a.host_addresses = {"2001:db8::1", "192.0.2.1"};
    auto ok = check("autoconfig.example.org", "CNAME", a);
    EXPECT_EQ(ok.verdict, Verdict::ok);
    EXPECT_NE(ok.note.find("address records instead of a CNAME"), std::string::npos);
    a.host_addresses = {"192.0.2.9"};
    EXPECT_EQ(check("autoconfig.example.org", "CNAME", a).verdict, Verdict::wrong);
    EXPECT_EQ(check("autoconfig.example.org", "CNAME", answered({})).verdict, Verdict::missing);
}

TEST(DnsCheck, Srv) {
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"0 1 993 mail.example.org"})).verdict, Verdict::ok);
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"0 5 993 mail.example.org."})).verdict,
              Verdict::ok);  // weight is the admin's business
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"0 1 143 mail.example.org"})).verdict,
              Verdict::wrong);
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"10 1 993 mail.example.org"})).verdict,
              Verdict::wrong);
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"0 0 0 ."})).verdict, Verdict::wrong);
    EXPECT_EQ(check("_imaps._tcp.example.org", "SRV", answered({"garbage"})).verdict, Verdict::wrong);
    // A service not offered expects the "." target.
    auto in = input();
    in.listeners = {listener(Protocol::smtp, TlsMode::starttls, 25)};
    auto rs = plan_dns_records(in);
    const auto& none = find(rs, "_pop3._tcp.example.org", "SRV");
    EXPECT_EQ(presentation(none), "0 0 0 .");
    EXPECT_EQ(check_record(none, answered({"0 0 0 ."})).verdict, Verdict::ok);
    EXPECT_EQ(check_record(none, answered({"30 1 110 mail.example.org"})).verdict, Verdict::wrong);
}

TEST(DnsCheck, Labels) {
    auto in = input();
    in.dkim = {{"s1", "v=DKIM1; p=K"}};
    auto rs = plan_dns_records(in);
    std::vector<std::string> labels;
    for (const auto& r : rs) labels.push_back(record_label(r));
    EXPECT_EQ(labels[0], "MX");
    EXPECT_EQ(labels[1], "SPF");
    EXPECT_EQ(labels[2], "DKIM s1");
    EXPECT_EQ(labels[3], "DMARC");
    EXPECT_EQ(labels[4], "CNAME autoconfig");
    EXPECT_EQ(labels[6], "SRV _submissions._tcp");
    EXPECT_EQ(labels.back(), "TLS-RPT");
}

}  // namespace
}  // namespace postamt::cli

namespace postamt::cli {
namespace {

TEST(DnsRecords, CommentsAreWrappedAndNameAMissingReportAddress) {
    auto in = input();
    in.report_address_unknown = true;
    std::string z = render_zone(in, plan_dns_records(in));
    std::size_t pos = 0;
    while (pos < z.size()) {
        std::size_t nl = z.find('\n', pos);
        std::string line = z.substr(pos, nl - pos);
        pos = nl + 1;
        if (!line.empty() && line[0] == ';') {
            EXPECT_LE(line.size(), 80u) << line;
        }
    }
    for (std::size_t p; (p = z.find("\n; ")) != std::string::npos;) z.replace(p, 3, " ");
    EXPECT_NE(z.find("postmaster@example.org does not receive mail here yet"), std::string::npos);
}

}  // namespace
}  // namespace postamt::cli
