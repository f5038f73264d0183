#include "net/proxy_protocol.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace postamt::net {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

ProxyHeader fail(int version, std::string reason) {
    ProxyHeader h;
    h.status = ProxyStatus::error;
    h.version = version;
    h.error = std::move(reason);
    return h;
}

bool is_prefix_of(std::string_view have, std::string_view full) {
    return have.size() < full.size() && full.substr(0, have.size()) == have;
}

// Ports in v1 are decimal 0..65535 without leading zeros (spec 2.1).
bool parse_port(std::string_view s, std::uint16_t& out) {
    if (s.empty() || s.size() > 5) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + unsigned(c - '0');
    }
    if (v > 65535) return false;
    out = std::uint16_t(v);
    return true;
}

bool parse_ip(std::string_view s, bool v6, std::string& out) {
    if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return false;
    char tmp[INET6_ADDRSTRLEN] = {};
    std::memcpy(tmp, s.data(), s.size());
    unsigned char bin[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, tmp, bin) != 1) return false;
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bin, text, sizeof text)) return false;
    out = text;
    return true;
}

ProxyHeader parse_v1(std::string_view bytes) {
    // The whole line, CRLF included, fits in 107 bytes (spec 2.1).
    std::string_view window = bytes.substr(0, std::min(bytes.size(), kProxyV1MaxLength));
    std::size_t cr = window.find("\r\n");
    if (cr == std::string_view::npos) {
        if (window.find('\n') != std::string_view::npos) return fail(1, "v1 line without CRLF");
        if (bytes.size() >= kProxyV1MaxLength) return fail(1, "v1 line too long");
        return {};
    }
    std::string_view line = window.substr(kV1Prefix.size(), cr - kV1Prefix.size());
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
        return fail(1, "v1 stray CR or LF");

    std::array<std::string_view, 6> tok{};
    std::size_t n = 0;
    while (!line.empty()) {
        if (n == tok.size()) return fail(1, "v1 too many fields");
        std::size_t sp = line.find(' ');
        std::string_view t = line.substr(0, sp);
        if (t.empty()) return fail(1, "v1 empty field");
        tok[n++] = t;
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
        if (line.empty()) return fail(1, "v1 trailing space");
    }
    ProxyHeader h;
    h.version = 1;
    h.consumed = cr + 2;
    if (n >= 1 && tok[0] == "UNKNOWN") {  // anything may follow UNKNOWN
        h.status = ProxyStatus::ok;
        h.local = true;
        return h;
    }
    if (n != 5) return fail(1, "v1 wrong number of fields");
    if (tok[0] == "TCP4") h.ipv6 = false;
    else if (tok[0] == "TCP6") h.ipv6 = true;
    else return fail(1, "v1 unknown protocol");
    if (!parse_ip(tok[1], h.ipv6, h.src_addr)) return fail(1, "v1 bad source address");
    if (!parse_ip(tok[2], h.ipv6, h.dst_addr)) return fail(1, "v1 bad destination address");
    if (!parse_port(tok[3], h.src_port)) return fail(1, "v1 bad source port");
    if (!parse_port(tok[4], h.dst_port)) return fail(1, "v1 bad destination port");
    h.status = ProxyStatus::ok;
    return h;
}

std::uint16_t be16(const unsigned char* p) { return std::uint16_t((p[0] << 8) | p[1]); }

ProxyHeader parse_v2(std::string_view bytes) {
    if (bytes.size() < 16) return {};
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    unsigned ver = p[12] >> 4, cmd = p[12] & 0x0F;
    if (ver != 2) return fail(2, "v2 bad version");
    if (cmd > 1) return fail(2, "v2 bad command");
    unsigned family = p[13];
    std::size_t len = be16(p + 14);
    if (16 + len > kProxyV2MaxLength) return fail(2, "v2 header too long");
    if (bytes.size() < 16 + len) return {};

    ProxyHeader h;
    h.version = 2;
    h.consumed = 16 + len;
    if (cmd == 0) {  // LOCAL: health check from the proxy itself (spec 2.2)
        h.status = ProxyStatus::ok;
        h.local = true;
        return h;
    }
    const unsigned char* a = p + 16;
    char text[INET6_ADDRSTRLEN];
    switch (family) {
        case 0x11:  // TCP over IPv4
            if (len < 12) return fail(2, "v2 short IPv4 address block");
            inet_ntop(AF_INET, a, text, sizeof text);
            h.src_addr = text;
            inet_ntop(AF_INET, a + 4, text, sizeof text);
            h.dst_addr = text;
            h.src_port = be16(a + 8);
            h.dst_port = be16(a + 10);
            break;
        case 0x21:  // TCP over IPv6
            if (len < 36) return fail(2, "v2 short IPv6 address block");
            h.ipv6 = true;
            inet_ntop(AF_INET6, a, text, sizeof text);
            h.src_addr = text;
            inet_ntop(AF_INET6, a + 16, text, sizeof text);
            h.dst_addr = text;
            h.src_port = be16(a + 32);
            h.dst_port = be16(a + 34);
            break;
        case 0x00:  // UNSPEC: the receiver must ignore the address block
        case 0x31:  // unix stream: no IP to report
            h.local = true;
            break;
        default:  // UDP and unknown families make no sense for mail
            return fail(2, "v2 unsupported address family");
    }
    h.status = ProxyStatus::ok;
    return h;
}

}  // namespace

ProxyHeader parse_proxy_header(std::string_view bytes) {
    if (bytes.size() >= kV2Signature.size() && bytes.substr(0, kV2Signature.size()) == kV2Signature)
        return parse_v2(bytes);
    if (bytes.size() >= kV1Prefix.size() && bytes.substr(0, kV1Prefix.size()) == kV1Prefix)
        return parse_v1(bytes);
    if (is_prefix_of(bytes, kV2Signature) || is_prefix_of(bytes, kV1Prefix)) return {};
    return fail(0, "not a PROXY protocol header");
}

}  // namespace postamt::net
