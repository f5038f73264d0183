#pragma once
// Incremental HTTP/1.x request parsing (RFC 9112) over bytes as they
// arrive, free of sockets: Beast's request_parser does the message framing
// (start line, fields, Content-Length and chunked bodies, limits); this
// adds what the handlers need (decoded path and query, lower-cased header
// names, the Host without port) and the status for each kind of bad input.
// Bytes after a complete request stay buffered for the next one (pipelining).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"

namespace postamt::http {

struct ParserLimits {
    std::size_t max_header = 16 << 10;  // start line + fields: 431 beyond
    std::size_t max_body = 1 << 20;     // decoded body: 413 beyond
};

enum class ParseStatus {
    need_more,  // feed more bytes
    done,       // take() the request
    error,      // error_status() says which; close after answering
};

class RequestParser {
public:
    explicit RequestParser(ParserLimits limits = {});
    ~RequestParser();
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    void append(std::string_view bytes) {
        buf_.append(bytes);
        if (!bytes.empty()) stalled_ = false;
    }
    // Parses what is buffered. After done, take() the request and call
    // next() before parsing the following one.
    ParseStatus parse();
    Request take();
    void next();

    // Any byte of the current request received (a read timeout now is 408).
    bool started() const { return started_ || blank_ > 0 || !buf_.empty(); }
    // The header asked for "100-continue" and the body has not arrived yet
    // (RFC 9110 10.1.1): the runner sends the interim response once.
    bool expects_continue() const;
    // After done: whether the connection may stay open (HTTP/1.1 without
    // "Connection: close"; HTTP/1.0 is always closed).
    bool keep_alive() const { return keep_alive_; }
    // After error: 400, 413, 431, 501 or 505.
    int error_status() const { return error_status_; }
    const std::string& error_text() const { return error_text_; }
    std::size_t buffered() const { return buf_.size(); }

private:
    struct Impl;
    ParseStatus fail(int status, std::string text);
    ParseStatus finish();

    ParserLimits limits_;
    std::unique_ptr<Impl> impl_;
    std::string buf_;
    Request req_;
    static constexpr std::size_t kMaxBlank = 64;
    bool started_ = false;
    std::size_t blank_ = 0;  // CR/LF skipped before this request line
    bool stalled_ = false;   // need_more and no byte appended since
    bool keep_alive_ = false;
    int error_status_ = 0;
    std::string error_text_;
};

// Percent-decoding (RFC 3986 2.1). false: a '%' not followed by two hex
// digits, or a decoded NUL. `plus_is_space` for query strings (HTML forms).
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

// "a=1&b=x%40y" -> {a: 1, b: x@y}; false when a part cannot be decoded.
bool parse_query(std::string_view q, std::multimap<std::string, std::string>& out);

}  // namespace postamt::http
