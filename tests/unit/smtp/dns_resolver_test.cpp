// The pure parts of the resolver: rdata parsing and how answers are
// classified (the live path is covered by tests/integration/test_smtp_client.py
// against dnsmasq).
#include "smtp/dns_resolver.h"

#include <gtest/gtest.h>

#include <string>

using namespace postamt;
using namespace postamt::smtp;

namespace {
std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s.push_back(static_cast<char>(c));
    return s;
}
}  // namespace

TEST(DnsWire, MxRdata) {
    auto mx = parse_mx_rdata(bytes({0, 10, 2, 'M', 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
    ASSERT_TRUE(mx);
    EXPECT_EQ(mx->preference, 10);
    EXPECT_EQ(mx->host, "mx.example");
    auto null_mx = parse_mx_rdata(bytes({0, 0, 0}));
    ASSERT_TRUE(null_mx);
    EXPECT_EQ(null_mx->host, "");
}

TEST(DnsWire, MalformedMxRdata) {
    EXPECT_FALSE(parse_mx_rdata(""));
    EXPECT_FALSE(parse_mx_rdata(bytes({0, 10})));
    EXPECT_FALSE(parse_mx_rdata(bytes({0, 10, 5, 'a', 'b', 0})));  // label runs past the end
    EXPECT_FALSE(parse_mx_rdata(bytes({0, 10, 0xc0, 12})));        // compression pointer
    EXPECT_FALSE(parse_mx_rdata(bytes({0, 10, 1, 'a', 0, 'x'})));  // trailing garbage
    EXPECT_FALSE(parse_mx_rdata(bytes({0, 10, 1, 'a'})));          // no root label
    std::string long_name = bytes({0, 1});
    for (int i = 0; i < 5; ++i) long_name += std::string(1, char(63)) + std::string(63, 'a');
    long_name.push_back(0);
    EXPECT_FALSE(parse_mx_rdata(long_name));  // over 255 octets
}

TEST(DnsWire, TxtRdataJoinsCharacterStrings) {
    EXPECT_EQ(parse_txt_rdata(bytes({3, 'a', 'b', 'c', 2, 'd', 'e'})), "abcde");
    EXPECT_EQ(parse_txt_rdata(bytes({0})), "");
    EXPECT_FALSE(parse_txt_rdata(bytes({4, 'a'})));
    EXPECT_FALSE(parse_txt_rdata(""));
}

TEST(DnsClassify, NxdomainIsPermanentServfailAndTimeoutTemporary) {
    DnsResolver::Raw ok;
    EXPECT_TRUE(classify_dns(ok, "x"));
    DnsResolver::Raw nx;
    nx.rcode = 3;
    nx.nxdomain = true;
    EXPECT_EQ(classify_dns(nx, "x").error().code, Errc::not_found);
    DnsResolver::Raw servfail;
    servfail.rcode = 2;
    EXPECT_EQ(classify_dns(servfail, "x").error().code, Errc::unavailable);
    DnsResolver::Raw refused;
    refused.rcode = 5;
    EXPECT_EQ(classify_dns(refused, "x").error().code, Errc::unavailable);
    DnsResolver::Raw timeout;
    timeout.timed_out = true;
    EXPECT_EQ(classify_dns(timeout, "x").error().code, Errc::unavailable);
    DnsResolver::Raw bogus;
    bogus.bogus = true;
    EXPECT_EQ(classify_dns(bogus, "x").error().code, Errc::unavailable);
}

TEST(DnsClassify, AddressAnswerCombinesFamilies) {
    DnsResolver::Raw v6, v4;
    v6.havedata = v4.havedata = true;
    v6.rdata.push_back(std::string(15, '\0') + '\1');
    v4.rdata.push_back(bytes({127, 0, 0, 2}));
    auto a = address_answer(v6, v4, "h");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->addresses, (std::vector<std::string>{"::1", "127.0.0.2"}));

    DnsResolver::Raw nodata;
    DnsResolver::Raw nx;
    nx.nxdomain = true;
    nx.rcode = 3;
    DnsResolver::Raw servfail;
    servfail.rcode = 2;
    EXPECT_EQ(address_answer(nx, nx, "h").error().code, Errc::not_found);
    EXPECT_EQ(address_answer(nodata, servfail, "h").error().code, Errc::unavailable);
    EXPECT_EQ(address_answer(servfail, nodata, "h").error().code, Errc::unavailable);
    auto empty = address_answer(nodata, nodata, "h");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->addresses.empty());
    // An address from one family is enough even if the other failed.
    auto partial = address_answer(servfail, v4, "h");
    ASSERT_TRUE(partial);
    EXPECT_EQ(partial->addresses, (std::vector<std::string>{"127.0.0.2"}));
}

TEST(DnsQueryName, AsciiAndIdna) {
    EXPECT_EQ(dns_query_name("Example.ORG."), "example.org");
    EXPECT_EQ(dns_query_name("b\xc3\xbc"
                             "cher.example"),
              "xn--bcher-kva.example");
    EXPECT_EQ(dns_query_name("M\xc3\x9c"
                             "NCHEN.example"),
              "xn--mnchen-3ya.example");
    EXPECT_FALSE(dns_query_name(""));
    EXPECT_FALSE(dns_query_name("."));
    EXPECT_FALSE(dns_query_name("a b.example"));
    EXPECT_FALSE(dns_query_name(std::string("a\0b.example", 11)));
    EXPECT_FALSE(dns_query_name("\xff\xfe.example"));  // not UTF-8
    EXPECT_FALSE(dns_query_name(std::string(254, 'a')));
}
