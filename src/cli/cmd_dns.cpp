// postamt dns <domain> | postamt dns check <domain> (docs/dns.md)
//
// The records come from cli/dns_records.h (pure); this file gathers the
// inputs (config, store, DKIM keyring, MTA-STS policy) and, for `check`,
// looks every record up through the server's own resolver ([dns]
// forwarders), so the check sees what the server's DNS sees.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "cli/commands.h"
#include "cli/dns_records.h"
#include "http/mta_sts.h"
#include "net/asio.h"
#include "smtp/dkim_sign.h"
#include "smtp/dns_resolver.h"

namespace postamt::cli {
namespace {

namespace asio = net::asio;

constexpr int kTypeCname = 5;
constexpr int kTypeSrv = 33;

DnsPlanInput plan_input(Context& ctx, const std::string& domain_in) {
    const Config& cfg = ctx.config();
    DnsPlanInput in;
    in.domain = normalize_domain(domain_in);
    auto domains = must(call<std::vector<store::Domain>>([&](auto cb) { ctx.store().list_domains(cb); }),
                        "cannot list domains");
    bool known = std::any_of(domains.begin(), domains.end(), [&](const store::Domain& d) { return d.name == in.domain; });
    if (!known) fail("no domain " + in.domain + "; add it with: postamt domain add " + in.domain);
    in.hostname = cfg.server.hostname;
    in.listeners = cfg.listeners;
    in.source_addresses = cfg.outbound.source_addresses;
    in.smarthost = cfg.outbound.smarthost;
    auto ring = must(smtp::dkim::Keyring::load(smtp::dkim::key_directory(cfg.dkim.key_dir, ctx.data_dir())),
                     "cannot load the DKIM keys");
    for (const auto* k : ring.keys_for(in.domain)) in.dkim.push_back({k->selector, k->key.dns_record()});
    // The report address should reach someone (RFC 5321 4.5.1: postmaster must exist).
    auto res = call<store::Resolution>([&](auto cb) { ctx.store().resolve_recipient("postmaster@" + in.domain, cb); });
    in.report_address_unknown = !res || res->kind == store::RecipientKind::unknown_user ||
                                res->kind == store::RecipientKind::not_local;
    auto policy = http::mta_sts_policy(cfg);
    in.mta_sts_id = http::mta_sts_id(http::mta_sts_text(policy));
    in.mta_sts_mode = policy.mode;
    return in;
}

DnsFound from_status(const Status& st) {
    DnsFound f;
    if (!st) {
        f.status = st.error().code == Errc::not_found ? DnsFound::Status::nxdomain : DnsFound::Status::error;
        f.error = st.error().message;
    }
    return f;
}

template <class T>
DnsFound from_result(const Result<T>& r) {
    return from_status(r ? ok_status() : Status(r.error()));
}

std::string srv_text(std::string_view rd) {
    if (rd.size() < 7) return {};
    auto u16 = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(rd[i])) << 8 | static_cast<unsigned char>(rd[i + 1]);
    };
    std::size_t off = 6;
    auto target = smtp::parse_wire_name(rd, off);
    if (!target) return {};
    return fmt::format("{} {} {} {}", u16(0), u16(2), u16(4), target->empty() ? "." : *target);
}

asio::awaitable<std::vector<std::string>> addresses_of(std::shared_ptr<smtp::DnsResolver> dns, std::string name) {
    auto r = co_await dns->lookup_addresses(name);
    std::vector<std::string> out;
    if (r) out = r->addresses;
    co_return out;
}

asio::awaitable<DnsFound> look_up(std::shared_ptr<smtp::DnsResolver> dns, DnsRecord rec) {
    DnsFound f;
    switch (rec.kind) {
        case DnsRecord::Kind::mx: {
            auto r = co_await dns->lookup_mx(rec.name);
            f = from_result(r);
            if (r)
                for (const auto& mx : r->records)
                    f.values.push_back(fmt::format("{} {}", mx.preference, mx.host.empty() ? "." : mx.host));
            break;
        }
        case DnsRecord::Kind::cname:
        case DnsRecord::Kind::srv: {
            int type = rec.kind == DnsRecord::Kind::srv ? kTypeSrv : kTypeCname;
            auto raw = co_await dns->lookup_raw(rec.name, type);
            f = from_status(smtp::classify_dns(raw, rec.name));
            if (f.status != DnsFound::Status::answered) break;
            for (const auto& rd : raw.rdata) {
                if (type == kTypeSrv) {
                    std::string v = srv_text(rd);
                    if (!v.empty()) f.values.push_back(v);
                } else {
                    std::size_t off = 0;
                    auto target = smtp::parse_wire_name(rd, off);
                    if (target) f.values.push_back(*target);
                }
            }
            if (type == kTypeCname && f.values.empty()) {
                f.name_addresses = co_await addresses_of(dns, rec.name);
                f.host_addresses = co_await addresses_of(dns, rec.data);
            }
            break;
        }
        default: {
            auto r = co_await dns->lookup_txt(rec.name);
            f = from_result(r);
            if (r) f.values = r->records;
            break;
        }
    }
    co_return f;
}

// One record; all of them run at once, so a slow or dead resolver costs one
// timeout, not one per record.
asio::awaitable<void> check_one(std::shared_ptr<smtp::DnsResolver> dns, DnsRecord rec, CheckOutcome* out,
                                bool* done) {
    DnsFound f = co_await look_up(dns, rec);
    *out = check_record(rec, f);
    *done = true;
}

}  // namespace

void dns_print(Context& ctx, const std::string& domain) {
    auto in = plan_input(ctx, domain);
    fmt::print("{}", render_zone(in, plan_dns_records(in)));
}

int dns_check(Context& ctx, const std::string& domain) {
    auto in = plan_input(ctx, domain);
    ctx.close_store();
    auto records = plan_dns_records(in);
    std::vector<CheckOutcome> outcomes(records.size());
    std::unique_ptr<bool[]> done(new bool[records.size()]());

    asio::io_context io;
    auto dns = must(smtp::DnsResolver::create(io.get_executor(), ctx.config().dns, std::chrono::seconds(10)),
                    "cannot start the DNS resolver");
    for (std::size_t i = 0; i < records.size(); ++i)
        asio::co_spawn(io, check_one(dns, records[i], &outcomes[i], &done[i]), asio::detached);
    io.run();
    for (std::size_t i = 0; i < records.size(); ++i)
        if (!done[i]) fail("DNS check did not finish");

    std::size_t width = 0;
    for (const auto& r : records) width = std::max(width, record_label(r).size());
    int bad = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        const auto& o = outcomes[i];
        fmt::print("{:<8} {:<{}} {} {}\n", verdict_name(o.verdict), record_label(r), width, r.name, r.type);
        if (o.verdict == Verdict::ok) {
            if (!o.note.empty()) fmt::print("{:>9}({})\n", "", o.note);
            continue;
        }
        ++bad;
        if (!o.found.empty()) fmt::print("{:>9}found:    {}\n", "", o.found);
        fmt::print("{:>9}expected: {}\n", "", o.expected);
        if (!o.note.empty()) fmt::print("{:>9}{}\n", "", o.note);
    }
    if (bad == 0)
        fmt::print("\nAll {} records of {} are published as `postamt dns {}` prints them.\n", records.size(),
                   in.domain, in.domain);
    else
        fmt::print("\n{} of {} records of {} need attention; `postamt dns {}` prints them all.\n", bad,
                   records.size(), in.domain, in.domain);
    return bad == 0 ? kExitOk : kExitFailed;
}

}  // namespace postamt::cli
