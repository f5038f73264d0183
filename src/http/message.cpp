// The small helpers of Request and Response (http/message.h).
#include "http/message.h"

#include <cstdio>


namespace postamt::http {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// JSON string contents (RFC 8259 7): quote, backslash and control characters escaped.
std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

}  // namespace

std::string Request::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

std::string Request::param(std::string_view name) const {
    auto it = query.find(std::string(name));
    return it == query.end() ? std::string() : it->second;
}

Response& Response::set(std::string name, std::string value) {
    for (auto it = headers.begin(); it != headers.end();) {
        if (iequals(it->first, name))
            it = headers.erase(it);
        else
            ++it;
    }
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", std::move(content_type));
    return r;
}

Response Response::json(int status, std::string body) {
    return text(status, std::move(body), "application/json");
}

Response Response::json_error(int status, std::string_view message) {
    return json(status, "{\"error\": {\"status\": " + std::to_string(status) + ", \"message\": \"" +
                            json_escape(message) + "\"}}");
}

}  // namespace postamt::http
