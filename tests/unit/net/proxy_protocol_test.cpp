#include "net/proxy_protocol.h"

#include <gtest/gtest.h>

using namespace postamt::net;

namespace {

std::string v2(unsigned char ver_cmd, unsigned char fam, std::string body) {
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += char(ver_cmd);
    h += char(fam);
    h += char((body.size() >> 8) & 0xFF);
    h += char(body.size() & 0xFF);
    return h + body;
}

std::string v4_block() {
    return std::string("\xC0\x00\x02\x01" "\xC6\x33\x64\x02" "\x04\xD2" "\x00\x19", 12);  // 192.0.2.1:1234 -> 198.51.100.2:25
}

TEST(ProxyV1, Tcp4) {
    std::string in = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\nEHLO x\r\n";
    auto h = parse_proxy_header(in);
    ASSERT_EQ(h.status, ProxyStatus::ok) << h.error;
    EXPECT_EQ(h.version, 1);
    EXPECT_FALSE(h.local);
    EXPECT_EQ(h.src_addr, "192.0.2.1");
    EXPECT_EQ(h.dst_addr, "198.51.100.2");
    EXPECT_EQ(h.src_port, 56324);
    EXPECT_EQ(h.dst_port, 25);
    EXPECT_EQ(in.substr(h.consumed), "EHLO x\r\n");
}

TEST(ProxyV1, Tcp6Normalised) {
    auto h = parse_proxy_header("PROXY TCP6 2001:DB8:0:0::1 ::1 65535 0\r\n");
    ASSERT_EQ(h.status, ProxyStatus::ok) << h.error;
    EXPECT_TRUE(h.ipv6);
    EXPECT_EQ(h.src_addr, "2001:db8::1");
    EXPECT_EQ(h.dst_addr, "::1");
    EXPECT_EQ(h.src_port, 65535);
    EXPECT_EQ(h.dst_port, 0);
}

TEST(ProxyV1, Unknown) {
    auto h = parse_proxy_header("PROXY UNKNOWN\r\n");
    ASSERT_EQ(h.status, ProxyStatus::ok);
    EXPECT_TRUE(h.local);
    EXPECT_EQ(h.consumed, 15u);
    h = parse_proxy_header("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nX");
    ASSERT_EQ(h.status, ProxyStatus::ok);
    EXPECT_TRUE(h.local);
}

TEST(ProxyV1, NeedMoreForEveryPrefix) {
    std::string full = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n";
    for (std::size_t n = 0; n < full.size(); ++n)
        EXPECT_EQ(parse_proxy_header(full.substr(0, n)).status, ProxyStatus::need_more) << n;
    EXPECT_EQ(parse_proxy_header(full).status, ProxyStatus::ok);
}

TEST(ProxyV1, Malformed) {
    const char* bad[] = {
        "EHLO example.org\r\n",
        "proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n",      // case matters
        "PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n",        // missing port
        "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 3\r\n",    // extra field
        "PROXY TCP4  192.0.2.1 198.51.100.2 1 2\r\n",     // double space
        "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n",     // trailing space
        "PROXY TCP4 192.0.2.256 198.51.100.2 1 2\r\n",    // bad octet
        "PROXY TCP4 ::1 ::1 1 2\r\n",                     // v6 address for TCP4
        "PROXY TCP6 192.0.2.1 198.51.100.2 1 2\r\n",      // v4 address for TCP6
        "PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n",  // port out of range
        "PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n",     // leading zero
        "PROXY TCP4 192.0.2.1 198.51.100.2 -1 2\r\n",     // sign
        "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n",      // protocol
        "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n",        // LF without CR
        "PROXY TCP4 192.0.2.1\r198.51.100.2 1 2\r\n",     // stray CR
        "PROXY \r\n",                                     // empty
    };
    for (const char* b : bad) EXPECT_EQ(parse_proxy_header(b).status, ProxyStatus::error) << b;
}

TEST(ProxyV1, TooLongWithoutCrlf) {
    std::string s = "PROXY UNKNOWN " + std::string(200, 'a');
    EXPECT_EQ(parse_proxy_header(s).status, ProxyStatus::error);
    // 107 bytes is the limit, CRLF included.
    std::string at_limit = "PROXY UNKNOWN " + std::string(107 - 16, 'a') + "\r\n";
    ASSERT_EQ(at_limit.size(), 107u);
    EXPECT_EQ(parse_proxy_header(at_limit).status, ProxyStatus::ok);
    std::string over = "PROXY UNKNOWN " + std::string(108 - 16, 'a') + "\r\n";
    EXPECT_EQ(parse_proxy_header(over).status, ProxyStatus::error);
}

TEST(ProxyV2, Tcp4WithTlvsAndPayload) {
    std::string body = v4_block() + std::string("\x04\x00\x02xy", 5);  // a NOOP TLV
    std::string in = v2(0x21, 0x11, body) + "payload";
    auto h = parse_proxy_header(in);
    ASSERT_EQ(h.status, ProxyStatus::ok) << h.error;
    EXPECT_EQ(h.version, 2);
    EXPECT_EQ(h.src_addr, "192.0.2.1");
    EXPECT_EQ(h.dst_addr, "198.51.100.2");
    EXPECT_EQ(h.src_port, 1234);
    EXPECT_EQ(h.dst_port, 25);
    EXPECT_EQ(in.substr(h.consumed), "payload");
}

TEST(ProxyV2, Tcp6) {
    std::string body(36, '\0');
    body[15] = 1;            // ::1
    body[16] = char(0xfe);   // fe80::2
    body[17] = char(0x80);
    body[31] = 2;
    body[32] = 0x01;         // port 256
    body[33] = 0x00;
    body[34] = 0x03;         // port 993
    body[35] = char(0xe1);
    auto h = parse_proxy_header(v2(0x21, 0x21, body));
    ASSERT_EQ(h.status, ProxyStatus::ok) << h.error;
    EXPECT_EQ(h.src_addr, "::1");
    EXPECT_EQ(h.dst_addr, "fe80::2");
    EXPECT_EQ(h.src_port, 256);
    EXPECT_EQ(h.dst_port, 993);
}

TEST(ProxyV2, LocalAndUnspec) {
    auto h = parse_proxy_header(v2(0x20, 0x00, ""));
    ASSERT_EQ(h.status, ProxyStatus::ok);
    EXPECT_TRUE(h.local);
    EXPECT_EQ(h.consumed, 16u);
    h = parse_proxy_header(v2(0x20, 0x11, v4_block()));  // LOCAL ignores addresses
    ASSERT_EQ(h.status, ProxyStatus::ok);
    EXPECT_TRUE(h.local);
    EXPECT_EQ(h.consumed, 28u);
    h = parse_proxy_header(v2(0x21, 0x00, "abc"));
    ASSERT_EQ(h.status, ProxyStatus::ok);
    EXPECT_TRUE(h.local);
}

TEST(ProxyV2, NeedMoreUntilComplete) {
    std::string full = v2(0x21, 0x11, v4_block());
    for (std::size_t n = 0; n < full.size(); ++n)
        EXPECT_EQ(parse_proxy_header(full.substr(0, n)).status, ProxyStatus::need_more) << n;
}

TEST(ProxyV2, Malformed) {
    EXPECT_EQ(parse_proxy_header(v2(0x11, 0x11, v4_block())).status, ProxyStatus::error);  // version 1
    EXPECT_EQ(parse_proxy_header(v2(0x31, 0x11, v4_block())).status, ProxyStatus::error);  // version 3
    EXPECT_EQ(parse_proxy_header(v2(0x22, 0x11, v4_block())).status, ProxyStatus::error);  // command 2
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x12, v4_block())).status, ProxyStatus::error);  // UDP
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x77, v4_block())).status, ProxyStatus::error);  // family
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x11, "short")).status, ProxyStatus::error);     // block < 12
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x21, v4_block())).status, ProxyStatus::error);  // block < 36
    // A declared length above the cap is refused before it arrives.
    std::string huge("\r\n\r\n\0\r\nQUIT\n\x21\x11\xff\xff", 16);
    EXPECT_EQ(parse_proxy_header(huge).status, ProxyStatus::error);
    // Signature broken in the middle.
    std::string broken("\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c", 16);
    EXPECT_EQ(parse_proxy_header(broken + v4_block()).status, ProxyStatus::error);
}

}  // namespace
