#include "smtp/dns_resolver.h"

#include <idn2.h>
#include <unbound.h>
#include <unistd.h>

#include "common/log.h"
#include "common/text.h"

namespace postamt::smtp {
namespace {

constexpr int kTypeA = 1;
constexpr int kTypeMx = 15;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kClassIn = 1;
constexpr int kRcodeNxdomain = 3;

// A name we are willing to hand to libunbound: printable ASCII without
// spaces, at most 253 octets without the trailing dot. A domain with
// U-labels (SMTPUTF8 addresses, RFC 6531 3.3) is looked up by its A-labels
// (IDNA2008 via libidn2, UTS #46 non-transitional processing).
std::optional<std::string> query_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) return std::nullopt;
    std::string ascii(name);
    bool utf8 = false;
    for (char c : name) utf8 = utf8 || static_cast<unsigned char>(c) >= 0x80;
    if (utf8) {
        char* out = nullptr;
        int rc = idn2_to_ascii_8z(ascii.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK || !out) {
            if (out) idn2_free(out);
            return std::nullopt;
        }
        ascii = out;
        idn2_free(out);
    }
    if (ascii.size() > 253) return std::nullopt;
    for (char c : ascii) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return std::nullopt;
    }
    return text::to_lower(ascii);
}

std::string rcode_text(int rcode) {
    switch (rcode) {
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 3:
            return "NXDOMAIN";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        default:
            return "rcode " + std::to_string(rcode);
    }
}

}  // namespace

std::optional<std::string> dns_query_name(std::string_view name) { return query_name(name); }

struct DnsResolver::Pending {
    explicit Pending(DnsResolver* r, const asio::strand<asio::any_io_executor>& ex)
        : resolver(r), timer(ex) {}
    DnsResolver* resolver;
    asio::steady_timer timer;  // an event: cancelled when the answer is in
    Raw raw;
    int async_id = 0;
    bool done = false;
};

std::optional<std::string> parse_wire_name(std::string_view rdata, std::size_t& off) {
    std::string out;
    std::size_t total = 0;
    for (;;) {
        if (off >= rdata.size()) return std::nullopt;
        auto len = static_cast<unsigned char>(rdata[off++]);
        if (len == 0) break;
        if (len > 63)
            return std::nullopt;  // compression pointers do not occur in libunbound's rdata
        if (off + len > rdata.size()) return std::nullopt;
        total += len + 1;
        if (total > 255) return std::nullopt;
        if (!out.empty()) out += '.';
        out.append(rdata.substr(off, len));
        off += len;
    }
    return text::to_lower(out);
}

std::optional<MxRecord> parse_mx_rdata(std::string_view rdata) {
    if (rdata.size() < 3) return std::nullopt;
    MxRecord r;
    r.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(rdata[0]) << 8) |
                                              static_cast<unsigned char>(rdata[1]));
    std::size_t off = 2;
    auto host = parse_wire_name(rdata, off);
    if (!host || off != rdata.size()) return std::nullopt;
    r.host = std::move(*host);
    return r;
}

std::optional<std::string> parse_txt_rdata(std::string_view rdata) {
    std::string out;
    std::size_t off = 0;
    if (rdata.empty()) return std::nullopt;
    while (off < rdata.size()) {
        auto len = static_cast<unsigned char>(rdata[off++]);
        if (off + len > rdata.size()) return std::nullopt;
        out.append(rdata.substr(off, len));
        off += len;
    }
    return out;
}

Status classify_dns(const DnsResolver::Raw& r, const std::string& name) {
    if (r.error != 0)
        return make_error(Errc::unavailable,
                          "DNS lookup of " + name + " failed: " + ub_strerror(r.error));
    if (r.timed_out) return make_error(Errc::unavailable, "DNS lookup of " + name + " timed out");
    if (r.bogus)
        return make_error(Errc::unavailable, "DNSSEC validation of " + name + " failed" +
                                                 (r.why_bogus.empty() ? "" : ": " + r.why_bogus));
    if (r.nxdomain || r.rcode == kRcodeNxdomain)
        return make_error(Errc::not_found, "DNS: " + name + " does not exist (NXDOMAIN)");
    if (r.rcode != 0)
        return make_error(Errc::unavailable,
                          "DNS lookup of " + name + " failed: " + rcode_text(r.rcode));
    return ok_status();
}

Result<AddressAnswer> address_answer(const DnsResolver::Raw& r6, const DnsResolver::Raw& r4,
                                     const std::string& host) {
    AddressAnswer a;
    a.secure = true;
    Status st6 = classify_dns(r6, host), st4 = classify_dns(r4, host);
    if (st6) {
        a.secure = a.secure && r6.secure;
        for (const auto& rd : r6.rdata) {
            if (rd.size() != 16) continue;
            asio::ip::address_v6::bytes_type b;
            std::copy(rd.begin(), rd.end(), b.begin());
            a.addresses.push_back(asio::ip::address_v6(b).to_string());
        }
    }
    if (st4) {
        a.secure = a.secure && r4.secure;
        for (const auto& rd : r4.rdata) {
            if (rd.size() != 4) continue;
            asio::ip::address_v4::bytes_type b;
            std::copy(rd.begin(), rd.end(), b.begin());
            a.addresses.push_back(asio::ip::address_v4(b).to_string());
        }
    }
    if (!a.addresses.empty()) return a;
    a.secure = false;
    const bool gone6 = !st6 && st6.error().code == Errc::not_found;
    const bool gone4 = !st4 && st4.error().code == Errc::not_found;
    if (gone6 && gone4) return st4.error();
    // A temporary failure of either family may hide addresses: retry later.
    if (!st4 && !gone4) return st4.error();
    if (!st6 && !gone6) return st6.error();
    return a;  // the name exists without addresses: the caller decides
}

Result<std::shared_ptr<DnsResolver>> DnsResolver::create(asio::any_io_executor ex,
                                                         const DnsConfig& cfg,
                                                         std::chrono::milliseconds query_timeout) {
    ub_ctx* ctx = ub_ctx_create();
    if (!ctx) return make_error(Errc::internal, "libunbound: cannot create a context");
    auto fail = [&](const std::string& what, int rc) -> Error {
        ub_ctx_delete(ctx);
        return make_error(Errc::invalid, what + ": " + ub_strerror(rc));
    };
    // A thread, not a forked process, does the work (we are threaded).
    if (int rc = ub_ctx_async(ctx, 1); rc != 0) return fail("libunbound async mode", rc);
    if (!cfg.forwarders.empty()) {
        for (const auto& f : cfg.forwarders) {
            // "ip@port" is libunbound's own syntax for a forwarder's port.
            if (int rc = ub_ctx_set_fwd(ctx, f.c_str()); rc != 0)
                return fail("dns.forwarders " + f, rc);
        }
    } else if (int rc = ub_ctx_resolvconf(ctx, nullptr); rc != 0) {
        // No usable resolv.conf: recurse from the root ourselves.
        log::warn("event=dns_resolvconf_failed error={}", log::quote(ub_strerror(rc)));
    }
    if (!cfg.trust_anchor.empty()) {
        if (int rc = ub_ctx_add_ta_file(ctx, cfg.trust_anchor.c_str()); rc != 0)
            return fail("dns.trust_anchor " + cfg.trust_anchor, rc);
    }
    int fd = ::dup(ub_fd(ctx));
    if (fd < 0) {
        ub_ctx_delete(ctx);
        return make_error(Errc::internal, "libunbound: no result descriptor");
    }
    std::shared_ptr<DnsResolver> r(new DnsResolver(ex, ctx, query_timeout));
    r->fd_ = std::make_unique<asio::posix::stream_descriptor>(r->strand_, fd);
    return r;
}

DnsResolver::DnsResolver(asio::any_io_executor ex, ub_ctx* ctx, std::chrono::milliseconds timeout)
    : strand_(asio::make_strand(ex)), ctx_(ctx), timeout_(timeout) {}

DnsResolver::~DnsResolver() {
    fd_.reset();
    if (ctx_) ub_ctx_delete(ctx_);
}

void DnsResolver::arm_fd_wait() {
    if (waiting_fd_ || pending_count_ == 0) return;
    waiting_fd_ = true;
    // The handler holds the resolver only while queries are pending; when the
    // last one ends without an answer (timeout) the wait is cancelled.
    fd_->async_wait(
        asio::posix::stream_descriptor::wait_read,
        asio::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec) {
            self->waiting_fd_ = false;
            if (ec) return;
            if (int rc = ub_process(self->ctx_); rc != 0)
                log::warn("event=dns_process_failed error={}", log::quote(ub_strerror(rc)));
            self->arm_fd_wait();
        }));
}

void DnsResolver::on_result(void* arg, int err, ::ub_result* result) {
    auto* p = static_cast<Pending*>(arg);
    p->raw.error = err;
    if (result) {
        p->raw.rcode = result->rcode;
        p->raw.havedata = result->havedata != 0;
        p->raw.nxdomain = result->nxdomain != 0;
        p->raw.secure = result->secure != 0;
        p->raw.bogus = result->bogus != 0;
        if (result->why_bogus) p->raw.why_bogus = result->why_bogus;
        if (result->canonname) p->raw.canonname = result->canonname;
        if (result->havedata && result->data) {
            for (int i = 0; result->data[i]; ++i)
                p->raw.rdata.emplace_back(result->data[i], std::size_t(result->len[i]));
        }
        ub_resolve_free(result);
    }
    p->done = true;
    --p->resolver->pending_count_;
    p->timer.cancel();
}

asio::awaitable<DnsResolver::Raw> DnsResolver::query_on_strand(std::string name, int type) {
    auto p = std::make_shared<Pending>(this, strand_);
    int rc = ub_resolve_async(ctx_, name.c_str(), type, kClassIn, p.get(), &DnsResolver::on_result,
                              &p->async_id);
    if (rc != 0) {
        p->raw.error = rc;
        co_return p->raw;
    }
    ++pending_count_;
    arm_fd_wait();
    p->timer.expires_after(timeout_);
    if (!p->done) {
        auto [ec] = co_await p->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // cancelled: the answer is in; expired: timeout (p->done tells)
    }
    if (!p->done) {
        // ub_cancel guarantees the callback is not called afterwards.
        ub_cancel(ctx_, p->async_id);
        p->raw.timed_out = true;
        if (--pending_count_ == 0 && waiting_fd_) fd_->cancel();
    }
    co_return std::move(p->raw);
}

asio::awaitable<DnsResolver::Raw> DnsResolver::query(std::string name, int type) {
    co_return co_await asio::co_spawn(strand_, query_on_strand(std::move(name), type),
                                      asio::use_awaitable);
}

asio::awaitable<Result<MxAnswer>> DnsResolver::lookup_mx(std::string domain) {
    auto qn = query_name(domain);
    if (!qn)
        co_return make_error(Errc::invalid, "not a domain name that can be looked up: " + domain);
    Raw raw = co_await query(*qn, kTypeMx);
    if (auto st = classify_dns(raw, *qn); !st) co_return st.error();
    MxAnswer a;
    a.secure = raw.secure;
    a.canonical_name = raw.canonname.empty() ? *qn : query_name(raw.canonname).value_or(*qn);
    for (const auto& rd : raw.rdata) {
        auto mx = parse_mx_rdata(rd);
        if (!mx) co_return make_error(Errc::unavailable, "DNS: malformed MX record for " + *qn);
        a.records.push_back(std::move(*mx));
    }
    co_return a;
}

asio::awaitable<std::pair<DnsResolver::Raw, DnsResolver::Raw>> DnsResolver::addresses_on_strand(
    std::string host) {
    // Both queries go out before either answer is awaited.
    auto p4 = std::make_shared<Pending>(this, strand_);
    auto p6 = std::make_shared<Pending>(this, strand_);
    std::shared_ptr<Pending> ps[2] = {p6, p4};
    const int types[2] = {kTypeAaaa, kTypeA};
    for (int i = 0; i < 2; ++i) {
        int rc = ub_resolve_async(ctx_, host.c_str(), types[i], kClassIn, ps[i].get(),
                                  &DnsResolver::on_result, &ps[i]->async_id);
        if (rc != 0) {
            ps[i]->raw.error = rc;
            ps[i]->done = true;
        } else {
            ++pending_count_;
        }
    }
    arm_fd_wait();
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (int i = 0; i < 2; ++i) {
        ps[i]->timer.expires_at(deadline);
        if (!ps[i]->done) {
            auto [ec] = co_await ps[i]->timer.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
        if (!ps[i]->done) {
            ub_cancel(ctx_, ps[i]->async_id);
            ps[i]->raw.timed_out = true;
            ps[i]->done = true;
            if (--pending_count_ == 0 && waiting_fd_) fd_->cancel();
        }
    }
    co_return std::make_pair(std::move(p6->raw), std::move(p4->raw));
}

asio::awaitable<Result<AddressAnswer>> DnsResolver::lookup_addresses(std::string host) {
    auto qn = query_name(host);
    if (!qn) co_return make_error(Errc::invalid, "not a host name that can be looked up: " + host);
    std::pair<Raw, Raw> raw =
        co_await asio::co_spawn(strand_, addresses_on_strand(*qn), asio::use_awaitable);
    co_return address_answer(raw.first, raw.second, *qn);
}

asio::awaitable<DnsResolver::Raw> DnsResolver::lookup_raw(std::string name, int type) {
    std::string qn = query_name(name).value_or(name);
    Raw raw = co_await query(std::move(qn), type);
    co_return raw;
}

asio::awaitable<Result<TxtAnswer>> DnsResolver::lookup_txt(std::string name) {
    auto qn = query_name(name);
    if (!qn)
        co_return make_error(Errc::invalid, "not a domain name that can be looked up: " + name);
    Raw raw = co_await query(*qn, kTypeTxt);
    if (auto st = classify_dns(raw, *qn); !st) co_return st.error();
    TxtAnswer a;
    a.secure = raw.secure;
    for (const auto& rd : raw.rdata) {
        auto t = parse_txt_rdata(rd);
        if (t) a.records.push_back(std::move(*t));
    }
    co_return a;
}

}  // namespace postamt::smtp
