#pragma once
// HAProxy PROXY protocol v1 (text) and v2 (binary) header parser, as a pure
// function over bytes (testable and fuzzable without sockets). Spec:
// https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
//
// The caller feeds what it has read so far; `need_more` asks for more bytes,
// `error` means the connection must be closed, `ok` carries the addresses
// and how many bytes the header took (the rest belongs to the protocol).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace postamt::net {

enum class ProxyStatus { need_more, error, ok };

struct ProxyHeader {
    ProxyStatus status = ProxyStatus::need_more;
    int version = 0;     // 1 or 2 once recognised
    // v1 "UNKNOWN", v2 LOCAL or an unsupported family (unix, unspec): the
    // proxy speaks for itself; keep the socket's own addresses.
    bool local = false;
    bool ipv6 = false;
    std::string src_addr;  // textual IP (inet_ntop form)
    std::uint16_t src_port = 0;
    std::string dst_addr;
    std::uint16_t dst_port = 0;
    std::size_t consumed = 0;  // header length, when ok
    std::string error;         // short reason, when error (for logs)
};

// v1 headers are at most 107 bytes; v2 headers larger than this are refused.
inline constexpr std::size_t kProxyV1MaxLength = 107;
inline constexpr std::size_t kProxyV2MaxLength = 16 + 4096;

ProxyHeader parse_proxy_header(std::string_view bytes);

}  // namespace postamt::net
