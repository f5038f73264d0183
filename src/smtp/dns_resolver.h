#pragma once
// Asynchronous DNS for outbound delivery: libunbound (DNSSEC-capable, its
// upstream configurable) driven from the Asio event loop. libunbound works
// in a background thread of its own (ub_ctx_async(ctx, 1), never a fork in
// a threaded server); its results are picked up through ub_fd(): an Asio
// stream_descriptor waits for that fd to become readable and ub_process()
// then runs the result callbacks on this resolver's strand.
//
// Every lookup hops onto that strand, so DnsResolver may be used from any
// executor and any number of coroutines at once.
//
// Failures are told apart because they decide between bounce and retry:
//   Errc::not_found    NXDOMAIN: the name does not exist (permanent)
//   Errc::unavailable  SERVFAIL, REFUSED, timeout, network trouble, a
//                      DNSSEC-bogus answer (temporary: retry later)
//   Errc::invalid      the name cannot be looked up at all (syntax)
// NODATA (the name exists, no record of that type) is success with no
// records; lookup_mx's caller then uses the implicit MX (mx_plan.h).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include "common/config.h"
#include "common/result.h"

#include "net/asio.h"
#include "smtp/mx_plan.h"

struct ub_ctx;
struct ub_result;

namespace postamt::smtp {

namespace asio = boost::asio;

struct MxAnswer {
    std::vector<MxRecord> records;  // as received (mx_plan orders them)
    std::string canonical_name;     // the name after CNAMEs, or the name asked for
    bool secure = false;            // DNSSEC-validated
};

struct AddressAnswer {
    // IPv6 addresses first, then IPv4 (RFC 6724's default preference), each
    // family in the order received; textual form ("192.0.2.1", "2001:db8::1").
    std::vector<std::string> addresses;
    bool secure = false;
};

struct TxtAnswer {
    // One string per TXT record: its character-strings concatenated (RFC 7208
    // 3.3, RFC 6376 3.6.2.2 both read a record that way).
    std::vector<std::string> records;
    bool secure = false;
};

class DnsResolver : public std::enable_shared_from_this<DnsResolver> {
  public:
    // Forwarders from [dns] forwarders ("ip" or "ip@port"), else the servers
    // of /etc/resolv.conf (full recursion if there are none); the DNSSEC
    // trust anchor file when set. `query_timeout` bounds each lookup on top
    // of libunbound's own retries (then Errc::unavailable).
    static Result<std::shared_ptr<DnsResolver>> create(
        asio::any_io_executor ex, const DnsConfig& cfg,
        std::chrono::milliseconds query_timeout = std::chrono::seconds(30));
    ~DnsResolver();
    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    asio::awaitable<Result<MxAnswer>> lookup_mx(std::string domain);
    // A and AAAA, asked in parallel. not_found only when both say NXDOMAIN;
    // unavailable when either failed temporarily and neither gave an address.
    asio::awaitable<Result<AddressAnswer>> lookup_addresses(std::string host);
    asio::awaitable<Result<TxtAnswer>> lookup_txt(std::string name);

    // Raw result of one query, for the typed lookups above.
    struct Raw {
        int rcode = 0;
        bool havedata = false, nxdomain = false, secure = false, bogus = false, timed_out = false;
        int error = 0;  // libunbound error code (UB_*), 0 when the query ran
        std::vector<std::string> rdata;
        std::string canonname;
        std::string why_bogus;
    };
    // Any record type (SRV, CNAME for `postamt dns check`): the raw answer
    // for a name passed through dns_query_name(); rdata in wire form.
    asio::awaitable<Raw> lookup_raw(std::string name, int type);

  private:
    struct Pending;
    DnsResolver(asio::any_io_executor ex, ub_ctx* ctx, std::chrono::milliseconds timeout);
    asio::awaitable<Raw> query(std::string name, int type);
    asio::awaitable<Raw> query_on_strand(std::string name, int type);
    asio::awaitable<std::pair<Raw, Raw>> addresses_on_strand(std::string host);
    void arm_fd_wait();
    static void on_result(void* arg, int err, ::ub_result* result);

    asio::strand<asio::any_io_executor> strand_;
    ub_ctx* ctx_ = nullptr;
    std::unique_ptr<asio::posix::stream_descriptor> fd_;
    std::chrono::milliseconds timeout_;
    int pending_count_ = 0;
    bool waiting_fd_ = false;
};

// The name as it goes into a query: lower-case A-labels without the
// trailing dot; nullopt when it cannot be one (exposed for the unit tests).
std::optional<std::string> dns_query_name(std::string_view name);

// Classifies a raw answer: ok, not_found (NXDOMAIN), unavailable (the rest).
// Exposed for the unit tests.
Status classify_dns(const DnsResolver::Raw& r, const std::string& name);

// A and AAAA answers combined as lookup_addresses describes.
Result<AddressAnswer> address_answer(const DnsResolver::Raw& aaaa, const DnsResolver::Raw& a,
                                     const std::string& host);

// Wire-format helpers (RFC 1035 3.3), pure; exposed for the unit tests.
// A domain name in uncompressed wire form at `off`: "mx1.example.org"
// (lower-case, no trailing dot), "" for the root; nullopt when malformed.
std::optional<std::string> parse_wire_name(std::string_view rdata, std::size_t& off);
std::optional<MxRecord> parse_mx_rdata(std::string_view rdata);
std::optional<std::string> parse_txt_rdata(std::string_view rdata);

}  // namespace postamt::smtp
