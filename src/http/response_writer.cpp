// Response serialisation (http/response_writer.h).
#include "http/response_writer.h"

#include <cstdio>

namespace postamt::http {
namespace {

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

// A header value a handler set must not split the response (CR/LF
// injection): such characters become spaces.
void append_clean(std::string& out, std::string_view v) {
    for (char c : v) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

}  // namespace

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

std::string http_date(std::time_t t) {
    struct tm tm {};
    gmtime_r(&t, &tm);
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
                  months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string serialize_response(const Response& r, const WriteOptions& o) {
    const int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
    // RFC 9110 6.4.1: 1xx, 204 and 304 carry no content.
    const bool no_body = status < 200 || status == 204 || status == 304;
    std::string out;
    out.reserve(256 + (o.head || no_body ? 0 : r.body.size()));
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";
    bool has_date = false, has_server = false;
    for (const auto& [name, value] : r.headers) {
        if (iequals(name, "content-length") || iequals(name, "connection") || iequals(name, "transfer-encoding"))
            continue;  // framing is ours
        if (name.empty() || name.find_first_of(":\r\n \t") != std::string::npos) continue;
        has_date = has_date || iequals(name, "date");
        has_server = has_server || iequals(name, "server");
        out += name;
        out += ": ";
        append_clean(out, value);
        out += "\r\n";
    }
    if (!has_date) out += "Date: " + http_date(o.now ? o.now : std::time(nullptr)) + "\r\n";
    if (!has_server) out += "Server: Postamt\r\n";
    if (!no_body) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (o.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!o.head && !no_body) out += r.body;
    return out;
}

Response error_response(int status, std::string_view detail) {
    std::string body = std::to_string(status) + " " + std::string(reason_phrase(status));
    if (!detail.empty()) body += ": " + std::string(detail);
    body += "\n";
    return Response::text(status, std::move(body));
}

}  // namespace postamt::http
