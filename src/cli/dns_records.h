#pragma once
// The DNS records a domain needs (docs/dns.md), as `postamt dns <domain>`
// prints them and `postamt dns check <domain>` compares them with what DNS
// answers. Pure: no I/O, no Asio; the lookups live in cmd_dns.cpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace postamt::cli {

struct DnsRecord {
    enum class Kind { mx, spf, dkim, dmarc, cname, srv, mta_sts, tls_rpt };
    Kind kind = Kind::mx;
    std::string name;  // owner name, lower-case, without the trailing dot
    std::string type;  // "MX", "TXT", "CNAME", "SRV"
    // TXT: the text (one string, split into 255-octet pieces when printed);
    // MX, CNAME, SRV: the target host; SRV "." (service not offered) is "".
    std::string data;
    std::uint16_t priority = 0;  // MX preference, SRV priority
    std::uint16_t weight = 0;    // SRV
    std::uint16_t port = 0;      // SRV
    std::string comment;         // why the record exists, printed above it
};

struct DkimKeyRecord {
    std::string selector;
    std::string record;  // "v=DKIM1; k=ed25519; p=..."
};

struct DnsPlanInput {
    std::string domain;    // lower-case
    std::string hostname;  // [server] hostname: the MX and the target of the other names
    std::vector<ListenerConfig> listeners;
    std::vector<std::string> source_addresses;  // [outbound] source_addresses: listed in SPF
    std::string smarthost;                      // [outbound] smarthost (SPF needs the provider)
    std::vector<DkimKeyRecord> dkim;
    std::string mta_sts_id;    // from the served policy (http/mta_sts.h)
    std::string mta_sts_mode;  // only for the comment
    std::string report_address;  // DMARC and TLS-RPT reports; empty: postmaster@<domain>
    bool report_address_unknown = false;  // it does not receive mail here (hint in the output)
};

// The records in the order they are printed: MX, SPF, DKIM, DMARC, the
// client-setup names (autoconfig, autodiscover CNAMEs and RFC 6186/8314 SRV),
// then MTA-STS and TLS-RPT.
std::vector<DnsRecord> plan_dns_records(const DnsPlanInput& in);

// One zone-file line: "<name>. 3600 IN <type> <data>" with TXT text quoted
// and split into strings of at most 255 octets (RFC 1035 3.3.14).
std::string zone_line(const DnsRecord& r, int ttl = 3600);

// The whole output of `postamt dns`: a header, then each record with its
// comment lines (";") and any hints (DKIM keys missing, smarthost, ports).
std::string render_zone(const DnsPlanInput& in, const std::vector<DnsRecord>& records);

// What the resolver answered for a record's name and type.
struct DnsFound {
    enum class Status { answered, nxdomain, error };
    Status status = Status::answered;  // answered with no values: NODATA
    std::string error;                 // Status::error: why (SERVFAIL, timeout, ...)
    // Presentation form without trailing dots: TXT the strings concatenated
    // (RFC 7208 3.3); MX "10 mail.example.org"; SRV "0 1 993 mail.example.org"
    // ("0 0 0 ." for not offered); CNAME the target.
    std::vector<std::string> values;
    // CNAME only: the name's own A/AAAA addresses and the host's, so a name
    // with address records instead of a CNAME can be accepted.
    std::vector<std::string> name_addresses;
    std::vector<std::string> host_addresses;
};

enum class Verdict { ok, missing, wrong, error };
std::string_view verdict_name(Verdict v);

struct CheckOutcome {
    Verdict verdict = Verdict::missing;
    std::string found;     // what DNS has (empty when missing)
    std::string expected;  // what `postamt dns` prints
    std::string note;      // why it is wrong, or how it was accepted
};

CheckOutcome check_record(const DnsRecord& expected, const DnsFound& found);

// The value of a record as DnsFound holds it (the form check_record compares).
std::string presentation(const DnsRecord& r);

// A short label for a record in reports: "MX", "SPF", "DKIM postamt-rsa", "SRV _imaps._tcp", ...
std::string record_label(const DnsRecord& r);

// Tag-value lists of DKIM, DMARC, MTA-STS and TLS-RPT records ("k=v; k2=v2"):
// the value of `tag`, whitespace around it removed (and inside it for
// DKIM's p=), empty if absent. Exposed for the unit tests.
std::string tag_value(std::string_view record, std::string_view tag);

}  // namespace postamt::cli
