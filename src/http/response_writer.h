#pragma once
// Serialising a Response onto the wire (RFC 9112 4, 6): status line, the
// handler's headers, Date, Server, Content-Length and Connection. Free of
// sockets so the exact bytes are unit-tested.
#include <ctime>
#include <string>
#include <string_view>

#include "http/message.h"

namespace postamt::http {

struct WriteOptions {
    bool head = false;   // HEAD: headers as for GET (same Content-Length), no body
    bool close = false;  // adds "Connection: close"
    std::time_t now = 0;  // for Date; 0 = the current time
};

std::string_view reason_phrase(int status);
// IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t t);
std::string serialize_response(const Response& r, const WriteOptions& o);
// A plain-text error response ("404 Not Found\n" unless `detail`).
Response error_response(int status, std::string_view detail = {});

}  // namespace postamt::http
