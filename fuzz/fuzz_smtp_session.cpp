// Drives an SMTP session (src/smtp/session.h) with arbitrary client input
// and a deterministic fake store, the way a runner would: input split at LF,
// long lines handed over in fragments, BDAT chunks taken from the stream,
// TLS "started" when asked. Invariants checked:
//  - every call yields at most one reply, and each reply is well formed
//    (one code, CRLF lines, "-" on all but the last line);
//  - after a reply with an error code, every later reply still comes one
//    per call; after a close, the session never says anything again;
//  - a delivery only follows the end of DATA ("." ending in CRLF) or a
//    completed BDAT LAST chunk, never a DATA that saw a bare LF or CR, and
//    never more than one per DATA/BDAT LAST;
//  - a delivered message starts with Return-Path and Received and stays
//    within the size limit (plus those headers).
//
// Input: byte 0 = option flags, then the client byte stream.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/log.h"
#include "smtp/session.h"

using namespace postamt;
using namespace postamt::smtp;

namespace {

constexpr uint64_t kMaxSize = 4096;

uint32_t hash(std::string_view s) {
    uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
}

void check_reply_text(const std::string& t) {
    if (t.size() < 6 || t.substr(t.size() - 2) != "\r\n") __builtin_trap();
    std::string code = t.substr(0, 3);
    std::size_t pos = 0;
    while (pos < t.size()) {
        std::size_t e = t.find("\r\n", pos);
        if (e == std::string::npos) __builtin_trap();
        std::string_view line(t.data() + pos, e - pos);
        if (line.size() < 4 || line.substr(0, 3) != code) __builtin_trap();
        bool last = e + 2 == t.size();
        if (line[3] != (last ? ' ' : '-')) __builtin_trap();
        if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos)
            __builtin_trap();
        pos = e + 2;
    }
}

struct Driver {
    Session session;
    bool closed = false;
    bool tls_pending = false;
    uint64_t chunk_wanted = 0;
    bool chunk_is_last = false;
    int deliveries_allowed = 0;  // armed by "." CRLF in DATA / BDAT LAST
    int deliveries = 0;
    uint32_t salt;

    Driver(SessionOptions o, uint32_t s) : session(o, env()), salt(s) {}

    static SessionEnv env() {
        SessionEnv e;
        e.now = [] {
            return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
        };
        e.next_queue_id = [] { return std::string("QID"); };
        return e;
    }

    Result<store::Resolution> resolve(const std::string& a) {
        uint32_t h = hash(a) ^ salt;
        store::Resolution r;
        switch (h % 6) {
            case 0:
                return make_error(Errc::unavailable, "down");
            case 1:
                r.kind = store::RecipientKind::not_local;
                break;
            case 2:
                r.kind = store::RecipientKind::unknown_user;
                break;
            case 3:
                r.kind = store::RecipientKind::forward;
                r.forward_to = {"x@remote.example"};
                break;
            default:
                r.kind = store::RecipientKind::local;
                r.accounts = {static_cast<store::AccountId>(h % 3 + 1),
                              static_cast<store::AccountId>(h % 2 + 1)};
        }
        return r;
    }

    // Runs one step to its end; returns the number of replies it produced.
    int run(Step s) {
        int replies = 0;
        for (int guard = 0; guard < 1000; ++guard) {
            if (closed && !std::holds_alternative<step::None>(s)) __builtin_trap();
            if (std::holds_alternative<step::None>(s)) return replies;
            if (auto* r = std::get_if<step::Reply>(&s)) {
                check_reply_text(r->text);
                return replies + 1;
            }
            if (auto* r = std::get_if<step::ReplyAndClose>(&s)) {
                check_reply_text(r->text);
                closed = true;
                return replies + 1;
            }
            if (auto* r = std::get_if<step::StartTls>(&s)) {
                check_reply_text(r->text);
                tls_pending = true;
                return replies + 1;
            }
            if (auto* r = std::get_if<step::Delivered>(&s)) {
                check_reply_text(r->text);
                if (r->text.rfind("250 ", 0) != 0 || !r->report.accepted) __builtin_trap();
                return replies + 1;
            }
            if (auto* r = std::get_if<step::ReadChunk>(&s)) {
                if (r->remaining == 0) __builtin_trap();
                chunk_wanted = r->remaining;
                return replies;
            }
            if (auto* r = std::get_if<step::NeedLookup>(&s)) {
                s = session.on_lookup_result(resolve(r->address));
                continue;
            }
            if (auto* r = std::get_if<step::NeedQuota>(&s)) {
                uint32_t h = hash(std::to_string(r->account)) ^ salt;
                if (h % 4 == 0)
                    s = session.on_quota_result(make_error(Errc::over_quota, "full"),
                                                int64_t(h % 3000));
                else if (h % 9 == 1)
                    s = session.on_quota_result(make_error(Errc::unavailable, "down"));
                else
                    s = session.on_quota_result(ok_status());
                continue;
            }
            if (auto* r = std::get_if<step::NeedDelivery>(&s)) {
                if (deliveries_allowed <= 0) __builtin_trap();
                --deliveries_allowed;
                ++deliveries;
                const auto& d = r->message.data;
                if (d.rfind("Return-Path: <", 0) != 0) __builtin_trap();
                // Submission hides the client ("Received: by ..."); port 25 never does.
                if (d.find("\r\nReceived: ") == std::string::npos) __builtin_trap();
                if (d.size() > kMaxSize + 2000) __builtin_trap();
                if (r->message.targets.empty() && r->forward_to.empty() && !r->message.outbound)
                    __builtin_trap();
                // Only an authenticated submission session queues remote mail
                // (no open relay).
                if (r->message.outbound && session.account() == 0 && r->forward_to.empty())
                    __builtin_trap();
                std::vector<store::DeliveredCopy> copies;
                uint32_t h = salt;
                for (const auto& t : r->message.targets) {
                    store::DeliveredCopy c;
                    c.account = t.account;
                    h = h * 31 + 7;
                    if (h % 5 == 0) c.error = Errc::over_quota;
                    if (h % 7 == 0) c.error = Errc::unavailable;
                    copies.push_back(c);
                }
                if (salt % 11 == 0)
                    s = session.on_delivery_result(make_error(Errc::unavailable, "disk"));
                else
                    s = session.on_delivery_result(copies);
                continue;
            }
            if (auto* r = std::get_if<step::VerifyPassword>(&s)) {
                // One fixed account: "user@example.com" / "secret".
                auth::AuthResult res;
                if (r->login == "user@example.com" && r->password == "secret") {
                    res.status = auth::AuthStatus::ok;
                    store::Account a;
                    a.id = 1;
                    a.local_part = "user";
                    a.domain = "example.com";
                    res.account = a;
                } else {
                    res.status = (salt % 13 == 0) ? auth::AuthStatus::unavailable
                                                  : auth::AuthStatus::bad_credentials;
                }
                s = session.on_password_result(res);
                continue;
            }
            if (std::holds_alternative<step::LookupScram>(s)) {
                auth::ScramLookup res;  // no keys: the exchange fails at the proof
                res.status = (salt % 3 == 0) ? auth::AuthStatus::unavailable : auth::AuthStatus::ok;
                s = session.on_scram_lookup(res);
                continue;
            }
            if (std::holds_alternative<step::ReportScram>(s)) {
                s = session.on_scram_reported();
                continue;
            }
            __builtin_trap();
        }
        __builtin_trap();
    }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Keep formatting the log lines (arbitrary bytes go through log::quote)
    // but send them nowhere.
    postamt::log::Options lo;
    lo.level = postamt::log::Level::debug;
    lo.file = "/dev/null";
    lo.async = false;
    postamt::log::init(lo);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    uint8_t flags = data[0];
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

    SessionOptions o;
    o.hostname = "mx.example.com";
    o.postmaster_domain = "example.com";
    o.max_message_size = kMaxSize;
    o.max_recipients = 4;
    o.max_errors = (flags & 1) ? 0 : 20;
    o.tls_available = flags & 2;
    o.helo_required = flags & 4;
    o.forwarding_available = flags & 8;
    o.mode = (flags & 16) ? Mode::submission : Mode::inbound;
    Driver d(o, static_cast<uint32_t>(flags) * 2654435761u);

    PeerInfo p;
    p.ip = (flags & 32) ? "2001:db8::1" : "192.0.2.1";
    if (flags & 64) p.rdns = "client.example.org";
    if (flags & 128) {  // AUTH without TLS (plaintext allowed on loopback)
        p.ip = "127.0.0.1";
        p.loopback = true;
    }
    if (d.run(d.session.on_connect(p)) != 1) __builtin_trap();

    std::size_t pos = 0;
    int calls = 0;
    bool mid_line = false;  // the previous on_line was a fragment
    while (pos < in.size() && !d.closed && calls < 20000) {
        ++calls;
        if (d.tls_pending) {
            // The runner discards buffered plaintext after STARTTLS; here the
            // rest of the stream stands for what arrives through TLS.
            d.tls_pending = false;
            d.session.on_tls_started(TlsInfo{"TLSv1.3", "TLS_AES_128_GCM_SHA256", 128});
        }
        if (d.chunk_wanted > 0) {
            std::size_t n = std::min<std::size_t>(
                {static_cast<std::size_t>(d.chunk_wanted), in.size() - pos, 97});
            d.chunk_wanted -= n;
            // Only the call completing a BDAT LAST chunk may deliver.
            d.deliveries_allowed = (d.chunk_wanted == 0 && d.chunk_is_last) ? 1 : 0;
            int replies = d.run(d.session.on_chunk_data(in.substr(pos, n)));
            pos += n;
            if (d.chunk_wanted > 0 && replies != 0) __builtin_trap();
            if (d.chunk_wanted == 0 && replies != 1) __builtin_trap();
            continue;
        }
        std::size_t lf = in.find('\n', pos);
        std::string_view line;
        LineEnd end;
        std::size_t next;
        if (lf == std::string_view::npos) {
            line = in.substr(pos);
            end = LineEnd::none;
            next = in.size();
        } else {
            line = in.substr(pos, lf - pos);
            end = LineEnd::lf;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
                end = LineEnd::crlf;
            }
            next = lf + 1;
        }
        if (line.size() > 700) {
            // Runner buffer limit: hand over a fragment (never cut between
            // CR and LF, as a careful runner does).
            std::size_t cut = 700;
            if (in[pos + cut - 1] == '\r') --cut;
            line = in.substr(pos, cut);
            end = LineEnd::none;
            next = pos + cut;
        }
        const bool in_data = d.session.in_data();
        const bool is_end = in_data && !mid_line && end == LineEnd::crlf && line == ".";
        bool bdat_last = false;
        if (!in_data && line.size() >= 5) {
            std::string up(line);
            for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            bdat_last = up.rfind("BDAT ", 0) == 0 && up.find(" LAST") != std::string::npos;
        }
        d.chunk_is_last = bdat_last;
        d.deliveries_allowed = (is_end || bdat_last) ? 1 : 0;
        int replies = d.run(d.session.on_line(line, end, next < in.size()));
        mid_line = end == LineEnd::none;
        pos = next;
        if (in_data && !is_end && replies != 0 && !d.closed)
            __builtin_trap();                                              // DATA lines are silent
        if (in_data && is_end && replies != 1) __builtin_trap();           // the end gets one reply
        if (in_data && end == LineEnd::lf && !d.closed) __builtin_trap();  // bare LF in DATA closes
        if (end == LineEnd::none && !in_data && replies != 0)
            __builtin_trap();  // fragments wait for the line end
    }
    if (d.closed) {
        // Nothing more, whatever comes.
        if (d.run(d.session.on_line("NOOP", LineEnd::crlf)) != 0) __builtin_trap();
    }
    return 0;
}
