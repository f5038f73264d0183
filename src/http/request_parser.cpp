// HTTP/1.x request parsing (http/request_parser.h). Beast is used as a
// parser only: the bytes come from net::Connection, never from Beast streams.
#include "http/request_parser.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace postamt::http {

namespace bhttp = boost::beast::http;

struct RequestParser::Impl {
    bhttp::request_parser<bhttp::string_body> p;
};

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Host header value (or absolute-form authority) without port and trailing
// dot, lower-cased; "[::1]:8080" -> "::1". Empty when malformed.
std::string host_only(std::string_view h) {
    std::string_view name;
    if (!h.empty() && h.front() == '[') {
        auto close = h.find(']');
        if (close == std::string_view::npos) return {};
        name = h.substr(1, close - 1);
        auto rest = h.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return {};
    } else {
        name = h.substr(0, h.find(':'));
    }
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    for (char c : name)
        if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\' || c == '@' || c == '"') return {};
    return lower(name);
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            int a = i + 1 < in.size() ? hex(in[i + 1]) : -1;
            int b = i + 2 < in.size() ? hex(in[i + 2]) : -1;
            if (a < 0 || b < 0) return false;
            char d = static_cast<char>(a * 16 + b);
            if (d == '\0') return false;
            out += d;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return true;
}

bool parse_query(std::string_view q, std::multimap<std::string, std::string>& out) {
    while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view part = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        std::string name, value;
        if (!percent_decode(part.substr(0, eq), name, true)) return false;
        if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), value, true)) return false;
        out.emplace(std::move(name), std::move(value));
    }
    return true;
}

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) { next(); }
RequestParser::~RequestParser() = default;

void RequestParser::next() {
    impl_ = std::make_unique<Impl>();
    impl_->p.header_limit(static_cast<std::uint32_t>(limits_.max_header));
    impl_->p.body_limit(limits_.max_body);
    impl_->p.eager(true);
    req_ = Request{};
    started_ = false;
    blank_ = 0;
    stalled_ = false;
    keep_alive_ = false;
    error_status_ = 0;
    error_text_.clear();
}

ParseStatus RequestParser::fail(int status, std::string text) {
    error_status_ = status;
    error_text_ = std::move(text);
    return ParseStatus::error;
}

bool RequestParser::expects_continue() const {
    if (!impl_ || !impl_->p.is_header_done() || impl_->p.is_done()) return false;
    auto& h = impl_->p.get();
    auto it = h.find(bhttp::field::expect);
    return it != h.end() && lower(it->value()) == "100-continue" && h.version() >= 11;
}

ParseStatus RequestParser::parse() {
    if (error_status_) return ParseStatus::error;
    auto& p = impl_->p;
    while (!p.is_done()) {
        // Empty lines before a request line are ignored (RFC 9112 2.2), a few.
        if (!started_) {
            std::size_t skip = 0;
            while (skip < buf_.size() && (buf_[skip] == '\r' || buf_[skip] == '\n')) ++skip;
            blank_ += skip;
            buf_.erase(0, skip);
            if (blank_ > kMaxBlank) return fail(400, "too many empty lines before the request");
            if (buf_.empty()) return ParseStatus::need_more;
        }
        if (buf_.empty() || stalled_) return ParseStatus::need_more;
        // Beast (1.81) assumes that a chunked body's last chunk is handed to
        // it with at least 5 bytes ("0\r\n" and what follows) and asserts
        // otherwise; every complete ending ("0\r\n\r\n") has 5, so a shorter
        // rest waits for more bytes.
        if (p.is_header_done() && p.chunked() && buf_.size() < 5) return ParseStatus::need_more;
        started_ = true;
        boost::beast::error_code ec;
        std::size_t used = p.put(boost::asio::buffer(buf_.data(), buf_.size()), ec);
        buf_.erase(0, used);
        if (ec == bhttp::error::need_more) {
            stalled_ = true;  // Beast must not see the same bytes again without more
            if (!p.is_header_done() && buf_.size() > limits_.max_header)
                return fail(431, "request header fields too large");
            return ParseStatus::need_more;
        }
        if (ec == bhttp::error::header_limit) return fail(431, "request header fields too large");
        if (ec == bhttp::error::body_limit) return fail(413, "content too large");
        if (ec == bhttp::error::bad_version) return fail(505, "HTTP version not supported");
        if (ec == bhttp::error::bad_transfer_encoding) return fail(501, "transfer coding not implemented");
        if (ec) return fail(400, "malformed request: " + ec.message());
        if (used == 0 && !p.is_done()) {
            stalled_ = true;
            return ParseStatus::need_more;
        }
    }
    return finish();
}

ParseStatus RequestParser::finish() {
    auto& m = impl_->p.get();
    if (m.version() != 11 && m.version() != 10) return fail(505, "HTTP version not supported");
    Request r;
    r.method = std::string(m.method_string());
    r.target = std::string(m.target());
    for (const auto& f : m) r.headers.emplace(lower(f.name_string()), std::string(f.value()));

    // RFC 9112 3.2: exactly one Host in HTTP/1.1.
    auto hosts = r.headers.count("host");
    if (hosts > 1 || (hosts == 0 && m.version() == 11)) return fail(400, "exactly one Host header is required");
    std::string host_header = r.header("host");

    std::string_view target = r.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        // absolute-form (RFC 9112 3.2.2): the authority replaces Host.
        target.remove_prefix(target.find("//") + 2);
        auto slash = target.find_first_of("/?");
        host_header = std::string(target.substr(0, slash));
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        if (target.front() == '?') return fail(400, "malformed request target");
    } else if (target == "*") {
        if (r.method != "OPTIONS") return fail(400, "malformed request target");
    } else if (target.empty() || target.front() != '/') {
        return fail(400, "malformed request target");
    }
    if (!host_header.empty()) {
        r.host = host_only(host_header);
        if (r.host.empty()) return fail(400, "malformed Host header");
    }
    auto q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    if (auto hash = raw_path.find('#'); hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
    if (!percent_decode(raw_path, r.path, false)) return fail(400, "malformed percent-encoding in path");
    if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
        if (!parse_query(query, r.query)) return fail(400, "malformed percent-encoding in query");
    }
    keep_alive_ = m.version() == 11 && impl_->p.keep_alive();
    r.body = std::move(m.body());
    req_ = std::move(r);
    return ParseStatus::done;
}

Request RequestParser::take() { return std::move(req_); }

}  // namespace postamt::http
