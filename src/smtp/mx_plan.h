#pragma once
// Which hosts to try for a destination domain, and in which order
// (RFC 5321 5.1). Pure: the DNS answers come in, a plan comes out.
//
//  - MX records are tried in increasing preference; hosts of equal
//    preference are shuffled (RFC 5321 5.1: "randomize them to spread the
//    load"), with a seedable generator so tests are reproducible.
//  - No MX records (NODATA): the domain itself is the single host, with
//    preference 0 ("implicit MX", RFC 5321 5.1); its A/AAAA records are
//    looked up like any MX host's.
//  - Null MX (RFC 7505 3): a single MX whose exchange is the root "." means
//    the domain accepts no mail: permanent failure 556 5.1.10. A "." among
//    other MX records is not a null MX (RFC 7505 forbids publishing that);
//    it is dropped and the other hosts are used.
//  - Our own name among the MX hosts (RFC 5321 5.1: "if the SMTP client
//    finds itself among the MX hosts ... discard all MX RRs with a
//    preference ... equal to or greater than its own"): the hosts from our
//    preference on are dropped; when nothing is left the mail would loop:
//    permanent failure 554 5.4.6, as Postfix reports it.
//  - A domain whose MX names the domain itself is an ordinary MX host.
//  - CNAMEs: the resolver follows a CNAME on the domain (the MX query is
//    answered for its target), and an MX host that is a CNAME (not allowed
//    by RFC 2181 10.3, common anyway) resolves to its target's addresses.
//  - At most `max_hosts` hosts (RFC 5321 5.1 leaves the limit to the
//    client; Postfix tries 5 addresses); the most preferred are kept.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::smtp {

// One MX record as the resolver returns it (dns_resolver.h).
struct MxRecord {
    std::uint16_t preference = 0;
    std::string host;  // lower-case, without the trailing dot; "" for the root (null MX)
    bool operator==(const MxRecord&) const = default;
};

struct MxPlanOptions {
    std::vector<std::string> local_names;  // our own host names, lower-case
    std::size_t max_hosts = 10;
    std::uint64_t seed = 0;  // equal-preference shuffle; 0: from std::random_device
};

struct MxHost {
    std::string name;  // lower-case, no trailing dot
    std::uint16_t preference = 0;
    bool implicit = false;  // the domain itself, there being no MX
    bool operator==(const MxHost&) const = default;
};

struct MxPlan {
    std::vector<MxHost> hosts;  // in the order to try; empty on failure
    // When hosts is empty: the permanent failure for every recipient.
    int code = 0;        // 556, 554
    std::string status;  // "5.1.10", "5.4.6"
    std::string text;
    bool ok() const { return !hosts.empty(); }
};

// `records` is the MX answer; empty when the domain has none (NODATA).
// `domain` is the (CNAME-resolved) destination domain, lower-case.
MxPlan plan_mx(std::string_view domain, const std::vector<MxRecord>& records,
               const MxPlanOptions& opt);

}  // namespace postamt::smtp
