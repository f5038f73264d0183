// Connection behaviour over loopback through net::Server and the echo protocol.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "net/self_signed.h"
#include "net_test_support.h"

using namespace nettest;
using namespace std::chrono_literals;

namespace {

TEST(Connection, LineEndingsCrlfAndBareLf) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    c.send("one\r\ntwo\nthree\r\n");
    EXPECT_EQ(c.line(), "ECHO one crlf");
    EXPECT_EQ(c.line(), "ECHO two bare_lf");
    EXPECT_EQ(c.line(), "ECHO three crlf");
    // A CR inside a line is content, not a terminator.
    c.send("a\rb\r\n");
    EXPECT_EQ(c.line(), "ECHO a\rb crlf");
}

TEST(Connection, LineSplitAcrossPackets) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    c.send("hel");
    std::this_thread::sleep_for(30ms);
    c.send("lo\r");
    std::this_thread::sleep_for(30ms);
    c.send("\n");
    EXPECT_EQ(c.line(), "ECHO hello crlf");
}

TEST(Connection, TooLongLineIsDiscardedAndStreamStaysInSync) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    // Max is 32: exactly 32 bytes is fine, 33 is too long.
    std::string ok32(32, 'x');
    c.send(ok32 + "\r\n");
    EXPECT_EQ(c.line(), "ECHO " + ok32 + " crlf");
    c.send(std::string(33, 'y') + "\r\nnext\r\n");
    EXPECT_EQ(c.line(), "ERR too long");
    EXPECT_EQ(c.line(), "ECHO next crlf");
    // A very long line arriving in several pieces, then a normal one.
    c.send(std::string(40000, 'z'));
    std::this_thread::sleep_for(30ms);
    c.send(std::string(40000, 'z') + "\r\nafter\r\n");
    EXPECT_EQ(c.line(), "ERR too long");
    EXPECT_EQ(c.line(), "ECHO after crlf");
}

TEST(Connection, EofIsReported) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    g_last_end = -1;
    c.send("partial");
    c.shutdown_write();
    EXPECT_EQ(c.line(), "<eof>");  // server ended the session
    for (int i = 0; i < 100 && g_last_end.load() == -1; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(g_last_end.load(), int(net::LineEnd::eof));
}

TEST(Connection, IdleTimeout) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    c.send("TIMEOUT 150\r\n");
    EXPECT_EQ(c.line(), "OK");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.line(), "BYE idle timeout");
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 120ms);
    EXPECT_LT(waited, 5s);
    EXPECT_EQ(c.line(), "<eof>");
}

TEST(Connection, ReadExactAndChunks) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "HELLO plain");
    // The literal may contain CRLF and arrive together with the command.
    c.send("EXACT 7\r\nab\r\ncdeECHOED\r\n");
    EXPECT_EQ(c.line(), "GOT ab");  // reply "GOT ab\r\ncde\r\n"
    EXPECT_EQ(c.line(), "cde");
    EXPECT_EQ(c.line(), "ECHO ECHOED crlf");
    // 100000 bytes streamed through a sink, then the protocol continues.
    std::string big(100000, 'q');
    c.send("CHUNKS 100000\r\n");
    c.send(big + "tail\r\n");
    EXPECT_EQ(c.line(), "CHUNKS ok 100000 qqqqqqqqqqqqqqqq");
    EXPECT_EQ(c.line(), "ECHO tail crlf");
}

TEST(Connection, PeerAndLocalAddressOverIpv6) {
    EchoServer s({echo_listener("v6", TlsMode::none, false, "::1")});
    Client c;
    ASSERT_TRUE(c.connect(s.port("v6"), "::1"));
    EXPECT_EQ(c.line(), "HELLO plain");
    c.send("PEER\r\n");
    std::string peer = c.line();
    EXPECT_TRUE(peer.starts_with("PEER ::1 ")) << peer;
    EXPECT_TRUE(peer.ends_with(" ::1 " + std::to_string(s.port("v6")))) << peer;
}

TEST(Server, DualStackSamePort) {
    // 0.0.0.0-style coexistence: IPv4 and IPv6 loopback on one fixed port.
    // Find a free port first, then bind both addresses to it.
    std::uint16_t port;
    {
        EchoServer probe({echo_listener("probe", TlsMode::none)});
        port = probe.port("probe");
    }
    ListenerConfig l = echo_listener("dual", TlsMode::none);
    l.addresses = {"127.0.0.1", "::1"};
    l.port = port;
    EchoServer s({l});
    auto b = s.server->bound();
    ASSERT_EQ(b.size(), 2u);
    Client a, c;
    ASSERT_TRUE(a.connect(port, "127.0.0.1"));
    ASSERT_TRUE(c.connect(port, "::1"));
    EXPECT_EQ(a.line(), "HELLO plain");
    EXPECT_EQ(c.line(), "HELLO plain");
}

TEST(Server, BindFailureNamesListener) {
    EchoServer first({echo_listener("first", TlsMode::none)});
    Config cfg;
    ListenerConfig l = echo_listener("clash", TlsMode::none);
    l.port = first.port("first");
    cfg.listeners = {l};
    net::Server s(cfg);
    auto st = s.bind();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("listener 'clash'"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("127.0.0.1:" + std::to_string(l.port)), std::string::npos);
    if (::geteuid() != 0) {
        Config low;
        ListenerConfig p = echo_listener("smtp", TlsMode::none);
        p.port = 25;
        ListenerConfig ok = echo_listener("high", TlsMode::none);
        low.listeners = {p, ok};
        net::Server s2(low);
        auto st2 = s2.bind(/*allow_partial=*/true);  // not root: bind what is possible
        EXPECT_TRUE(st2.ok());
        ASSERT_EQ(s2.bound().size(), 1u);
        EXPECT_EQ(s2.bound()[0].listener, "high");
        net::Server s3(low);
        auto st3 = s3.bind(false);
        ASSERT_FALSE(st3.ok());
        EXPECT_NE(st3.error().message.find("listener 'smtp'"), std::string::npos);
        EXPECT_NE(st3.error().message.find("1024"), std::string::npos) << st3.error().message;
    }
}

TEST(Tls, ImplicitHandshakeWithGeneratedCertificate) {
    EchoServer s({echo_listener("tls", TlsMode::implicit)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("tls")));
    ASSERT_TRUE(c.start_tls("mail.test"));
    EXPECT_EQ(c.peer_cert_subject_cn(), "mail.test");  // generated for server.hostname
    EXPECT_EQ(c.line(), "HELLO TLSv1.3");
    c.send("TLSINFO\r\n");
    std::string info = c.line();
    EXPECT_TRUE(info.starts_with("TLS TLSv1.3 TLS_")) << info;
    EXPECT_TRUE(info.ends_with("sni=mail.test")) << info;
    c.send("hello over tls\r\n");
    EXPECT_EQ(c.line(), "ECHO hello over tls crlf");
    // Large payload over TLS: several records.
    c.send("CHUNKS 50000\r\n" + std::string(50000, 't'));
    EXPECT_EQ(c.line(), "CHUNKS ok 50000 tttttttttttttttt");
}

TEST(Tls, Tls12StillAccepted) {
    EchoServer s({echo_listener("tls", TlsMode::implicit)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("tls")));
    // Client capped at TLS 1.2 (min_version default "1.2").
    SSL_CTX* probe = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(probe, TLS1_2_VERSION);
    SSL* ssl = SSL_new(probe);
    SSL_set_fd(ssl, c.fd());
    ASSERT_EQ(SSL_connect(ssl), 1);
    EXPECT_STREQ(SSL_get_version(ssl), "TLSv1.2");
    // Ciphers from the intermediate list only (ECDHE AEAD).
    std::string cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    EXPECT_NE(std::string(net::kIntermediateCiphers).find(cipher), std::string::npos) << cipher;
    SSL_free(ssl);
    SSL_CTX_free(probe);
}

TEST(Tls, StartTlsDiscardsPipelinedPlaintext) {
    EchoServer s({echo_listener("st", TlsMode::starttls)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("st")));
    EXPECT_EQ(c.line(), "HELLO plain");
    // The injection: a command sent in plaintext behind STARTTLS must not be
    // executed after the handshake (CVE-2011-0411).
    c.send("STARTTLS\r\nINJECTED\r\n");
    EXPECT_EQ(c.line(), "OK begin TLS pipelined=yes");
    ASSERT_TRUE(c.start_tls("mail.test"));
    c.send("TLSINFO\r\n");
    std::string info = c.line();
    EXPECT_TRUE(info.starts_with("TLS TLSv1.3")) << info;  // not "ECHO INJECTED"
    c.send("after\r\n");
    EXPECT_EQ(c.line(), "ECHO after crlf");
}

TEST(Tls, StartTlsWithoutPipelining) {
    EchoServer s({echo_listener("st", TlsMode::starttls)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("st")));
    EXPECT_EQ(c.line(), "HELLO plain");
    c.send("STARTTLS\r\n");
    EXPECT_EQ(c.line(), "OK begin TLS pipelined=no");
    ASSERT_TRUE(c.start_tls());
    c.send("x\r\n");
    EXPECT_EQ(c.line(), "ECHO x crlf");
}

TEST(Tls, SniPicksCertificate) {
    TempDir certs;
    auto a = net::generate_self_signed(certs.path + "/a", "alpha.example");
    auto b = net::generate_self_signed(certs.path + "/b", "*.beta.example");
    ASSERT_TRUE(a.ok() && b.ok());
    TlsConfig tc;
    tc.cert = a->cert;
    tc.key = a->key;
    tc.certificates.push_back({b->cert, b->key});
    auto ctx = net::TlsContext::create(tc, certs.path, "unused");
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    EchoServer s({echo_listener("tls", TlsMode::implicit)}, {}, ctx.value());
    auto cn_for = [&](const std::string& sni) {
        Client c;
        if (!c.connect(s.port("tls")) || !c.start_tls(sni)) return std::string("<failed>");
        std::string cn = c.peer_cert_subject_cn();
        c.line();  // greeting
        return cn;
    };
    EXPECT_EQ(cn_for("alpha.example"), "alpha.example");
    EXPECT_EQ(cn_for("imap.beta.example"), "*.beta.example");  // wildcard
    EXPECT_EQ(cn_for("IMAP.BETA.EXAMPLE"), "*.beta.example");  // case-insensitive
    EXPECT_EQ(cn_for("a.b.beta.example"), "alpha.example");    // wildcard is one label
    EXPECT_EQ(cn_for("unknown.example"), "alpha.example");     // default
    EXPECT_EQ(cn_for(""), "alpha.example");                    // no SNI
}

TEST(Tls, ReloadSwapsCertificatesAndKeepsOldOnFailure) {
    TempDir certs;
    auto a = net::generate_self_signed(certs.path + "/a", "old.example");
    ASSERT_TRUE(a.ok());
    TlsConfig tc;
    tc.cert = a->cert;
    tc.key = a->key;
    auto ctx = net::TlsContext::create(tc, certs.path, "unused");
    ASSERT_TRUE(ctx.ok());
    EchoServer s({echo_listener("tls", TlsMode::implicit)}, {}, ctx.value());
    auto cn = [&] {
        Client c;
        if (!c.connect(s.port("tls")) || !c.start_tls()) return std::string("<failed>");
        return c.peer_cert_subject_cn();
    };
    EXPECT_EQ(cn(), "old.example");
    ASSERT_TRUE(net::generate_self_signed(certs.path + "/a", "new.example").ok());  // same paths
    EXPECT_TRUE(s.server->reload_tls().ok());
    EXPECT_EQ(cn(), "new.example");
    std::filesystem::remove(a->key);
    EXPECT_FALSE(s.server->reload_tls().ok());
    EXPECT_EQ(cn(), "new.example");  // old context kept
}

TEST(Limits, PerIpLimitStillCallsHandlerWithFlag) {
    LimitsConfig lim;
    lim.max_connections_per_ip = 2;
    EchoServer s({echo_listener("plain", TlsMode::none)}, lim);
    Client a, b, c;
    ASSERT_TRUE(a.connect(s.port("plain")));
    ASSERT_TRUE(b.connect(s.port("plain")));
    EXPECT_EQ(a.line(), "HELLO plain");
    EXPECT_EQ(b.line(), "HELLO plain");
    ASSERT_TRUE(c.connect(s.port("plain")));
    EXPECT_EQ(c.line(), "BUSY per-ip");
    EXPECT_EQ(c.line(), "<eof>");
    // Closing one frees its slot.
    a.send("QUIT\r\n");
    EXPECT_EQ(a.line(), "BYE");
    EXPECT_EQ(a.line(), "<eof>");
    for (int i = 0; i < 100 && s.server->limits()->count_for_ip("127.0.0.1") != 1; ++i)
        std::this_thread::sleep_for(10ms);
    Client d;
    ASSERT_TRUE(d.connect(s.port("plain")));
    EXPECT_EQ(d.line(), "HELLO plain");
}

TEST(Limits, GlobalLimit) {
    LimitsConfig lim;
    lim.max_connections = 1;
    EchoServer s({echo_listener("plain", TlsMode::none)}, lim);
    Client a, b;
    ASSERT_TRUE(a.connect(s.port("plain")));
    EXPECT_EQ(a.line(), "HELLO plain");
    ASSERT_TRUE(b.connect(s.port("plain")));
    EXPECT_EQ(b.line(), "BUSY global");
}

TEST(Shutdown, GracefulStopLetsInFlightCommandFinish) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client busy, idle;
    ASSERT_TRUE(busy.connect(s.port("plain")));
    ASSERT_TRUE(idle.connect(s.port("plain")));
    EXPECT_EQ(busy.line(), "HELLO plain");
    EXPECT_EQ(idle.line(), "HELLO plain");
    busy.send("SLOW 400\r\n");
    std::this_thread::sleep_for(100ms);  // the command is in flight
    auto t0 = std::chrono::steady_clock::now();
    std::thread stopper([&] { s.server->stop(5s); });
    // The idle connection is told at once; the busy one finishes its command.
    EXPECT_EQ(idle.line(), "BYE shutting down");
    EXPECT_EQ(busy.line(), "DONE shutting_down=yes");
    EXPECT_EQ(busy.line(), "BYE shutting down");
    stopper.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
    EXPECT_EQ(s.server->active_connections(), 0u);
    // No longer accepting.
    Client late;
    EXPECT_FALSE(late.connect(s.port("plain")) && late.line() == "HELLO plain");
}

TEST(Shutdown, GraceExpiryClosesStragglers) {
    EchoServer s({echo_listener("plain", TlsMode::none)});
    Client busy;
    ASSERT_TRUE(busy.connect(s.port("plain")));
    EXPECT_EQ(busy.line(), "HELLO plain");
    busy.send("EXACT 10\r\nabc");  // stuck inside a literal (not interruptible)
    std::this_thread::sleep_for(50ms);
    auto t0 = std::chrono::steady_clock::now();
    s.server->stop(200ms);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(took, 180ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(busy.line(), "<eof>");
}

TEST(Proxy, V1HeaderSetsPeerAddress) {
    EchoServer s({echo_listener("proxied", TlsMode::none, true)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("proxied")));
    c.send("PROXY TCP4 203.0.113.7 192.0.2.1 51000 25\r\nPEER\r\n");
    EXPECT_EQ(c.line(), "HELLO plain");
    EXPECT_EQ(c.line(), "PEER 203.0.113.7 51000 192.0.2.1 25");
}

TEST(Proxy, V2HeaderBeforeImplicitTls) {
    EchoServer s({echo_listener("proxied", TlsMode::implicit, true)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("proxied")));
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += '\x21';  // v2 PROXY
    h += '\x21';  // TCP over IPv6
    h += std::string("\x00\x24", 2);
    unsigned char src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05};
    unsigned char dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    h.append(reinterpret_cast<char*>(src), 16);
    h.append(reinterpret_cast<char*>(dst), 16);
    h += std::string("\x30\x39\x03\xe1", 4);  // 12345 -> 993
    ASSERT_TRUE(c.send(h));
    ASSERT_TRUE(c.start_tls());
    EXPECT_EQ(c.line(), "HELLO TLSv1.3");
    c.send("PEER\r\n");
    EXPECT_EQ(c.line(), "PEER 2001:db8::5 12345 2001:db8::1 993");
}

TEST(Proxy, MalformedHeaderClosesConnection) {
    EchoServer s({echo_listener("proxied", TlsMode::none, true)});
    Client c;
    ASSERT_TRUE(c.connect(s.port("proxied")));
    c.send("EHLO not a proxy header\r\n");
    EXPECT_EQ(c.line(), "<eof>");
}

TEST(Proxy, MissingHeaderTimesOut) {
    Config cfg;
    TempDir d;
    cfg.server.data_dir = d.path;
    cfg.listeners = {echo_listener("proxied", TlsMode::none, true)};
    net::Server s(cfg, net::ServerOptions{.io_threads = 1, .proxy_header_timeout = std::chrono::seconds(1)});
    s.set_handler(Protocol::smtp, echo_protocol);
    ASSERT_TRUE(s.bind().ok());
    s.start();
    Client c;
    ASSERT_TRUE(c.connect(s.port_of("proxied")));
    c.send("PROXY TCP4 1.2.3.4");  // never completed
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.line(), "<eof>");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    s.stop(0ms);
}

}  // namespace
