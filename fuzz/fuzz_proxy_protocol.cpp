// libFuzzer target: PROXY protocol v1/v2 header parser (net/proxy_protocol.h).
// Checks the parser's contract on arbitrary bytes: never reads past the
// input, `consumed` lies within the input on success, results are stable
// when more bytes follow a complete header, and a header that needs more
// never turns into an error on a prefix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/proxy_protocol.h"

using postamt::net::parse_proxy_header;
using postamt::net::ProxyStatus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto h = parse_proxy_header(in);
    if (h.status == ProxyStatus::ok) {
        if (h.consumed == 0 || h.consumed > size) std::abort();
        if (!h.local && (h.src_addr.empty() || h.dst_addr.empty())) std::abort();
        // The same header followed by anything parses identically.
        std::string more(in);
        more += "trailing bytes\r\n";
        auto h2 = parse_proxy_header(more);
        if (h2.status != ProxyStatus::ok || h2.consumed != h.consumed || h2.src_addr != h.src_addr ||
            h2.src_port != h.src_port || h2.dst_addr != h.dst_addr || h2.dst_port != h.dst_port)
            std::abort();
        // Every strict prefix of a complete header asks for more.
        for (std::size_t n = 0; n < h.consumed; n += 1 + n / 8)
            if (parse_proxy_header(in.substr(0, n)).status != ProxyStatus::need_more) std::abort();
    } else if (h.status == ProxyStatus::need_more) {
        if (size >= postamt::net::kProxyV2MaxLength) std::abort();
    } else if (h.error.empty()) {
        std::abort();
    }
    return 0;
}
