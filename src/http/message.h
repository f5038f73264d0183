#pragma once
// An HTTP request as the handlers see it and the response they give back.
// Both are plain data, free of Asio and Beast, so handlers (autoconfig,
// admin API, metrics, ACME challenges) are unit-tested without sockets; the
// connection runner (http/runner.*) parses bytes into a Request and writes
// the Response.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace postamt::http {

struct Request {
    std::string method;  // upper case as sent: "GET", "POST", ...
    std::string target;  // as sent: "/mail/config-v1.1.xml?emailaddress=a%40b"
    std::string path;    // percent-decoded path without the query: "/mail/config-v1.1.xml"
    std::multimap<std::string, std::string> query;  // decoded names and values
    // Header names lower-cased; repeated headers keep every value in order.
    std::multimap<std::string, std::string> headers;
    std::string body;
    std::string host;       // Host header without port, lower-cased (SNI name if absent)
    std::string listener;   // ListenerConfig::name the request arrived on
    std::string remote_ip;  // after PROXY protocol
    bool tls = false;

    // First value of a header (name in any case), empty if absent.
    std::string header(std::string_view name) const;
    // First value of a query parameter, empty if absent.
    std::string param(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added by the runner
    std::string body;

    Response& set(std::string name, std::string value);  // replaces an existing header of that name
    static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
    static Response json(int status, std::string body);
    // {"error": {"status": N, "message": "..."}}: every API error has this shape.
    static Response json_error(int status, std::string_view message);
};

// Handlers answer exactly once through Reply, from any thread (the store
// calls back on its own threads); the runner resumes the connection on its
// strand. A handler that drops Reply without calling it gets a 500.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Reply)>;

}  // namespace postamt::http
