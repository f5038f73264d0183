// Connection::start_compress over real loopback connections, plain and TLS:
// a test protocol served by net::Server, a client that compresses with zlib
// (raw DEFLATE, windowBits -15, as IMAP clients do) and, once, Python's zlib.
#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "net_test_support.h"

using namespace nettest;
using namespace std::chrono_literals;
namespace asio = net::asio;

namespace {

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// Half text that compresses well, half random bytes that do not.
std::string mixed_data(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s;
    s.reserve(n);
    while (s.size() < n) {
        if (rng() % 2) {
            for (int i = 0; i < 4000 && s.size() < n; ++i) s.push_back(char(rng()));
        } else {
            for (int i = 0; i < 40 && s.size() < n; ++i) {
                std::string line = "* " + std::to_string(rng() % 100000) + " FETCH (FLAGS (\\Seen))\r\n";
                s.append(line, 0, std::min(line.size(), n - s.size()));
            }
        }
    }
    return s;
}

// A response written from a second coroutine while the protocol's read waits
// (IMAP IDLE's untagged EXISTS).
asio::awaitable<void> tick_later(std::shared_ptr<net::Connection> c, int ms) {
    asio::steady_timer t(c->executor());
    t.expires_after(std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    std::string tick = "* TICK\r\n";
    co_await c->write(tick);
}

// Lines of at most 1000 bytes. Commands: COMPRESS, EXACT n, CHUNKS n,
// SEND n seed, TICK ms, TIMEOUT ms, STARTTLS, STATS; anything else is echoed.
asio::awaitable<void> compress_protocol(std::shared_ptr<net::Connection> c) {
    std::string hello = "HELLO\r\n";
    if (!co_await c->write(hello)) co_return;
    std::string reply;
    for (;;) {
        auto r = co_await c->read_line(1000);
        std::string l = r.line;
        net::LineEnd end = r.end;
        reply.clear();
        bool stop = false;
        if (end == net::LineEnd::shutdown) {
            reply = "BYE shutting down\r\n";
            stop = true;
        } else if (end == net::LineEnd::timeout) {
            reply = "BYE idle timeout\r\n";
            stop = true;
        } else if (end == net::LineEnd::too_long) {
            reply = "ERR too long\r\n";
        } else if (!r.ok()) {
            co_return;
        } else if (l == "COMPRESS") {
            if (c->is_compressed()) {
                reply = "NO already\r\n";
            } else {
                // The protocol's side of RFC 4978: tagged OK, flushed, then switch.
                reply = std::string("OK DEFLATE active pipelined=") + (c->has_buffered_input() ? "yes" : "no") + "\r\n";
                if (!co_await c->write(reply)) co_return;
                if (!c->start_compress()) co_return;
                continue;
            }
        } else if (l == "APPEND-COMPRESS") {  // start_compress with output still buffered
            c->append("pending\r\n");
            bool started = c->start_compress();
            reply = std::string("STARTED ") + (started ? "yes" : "no") + "\r\n";
        } else if (l.starts_with("EXACT ")) {
            auto x = co_await c->read_exact(std::stoul(l.substr(6)));
            reply = "GOT " + std::string(net::read_end_name(x.end)) + " " + std::to_string(x.data.size()) + " " +
                    std::to_string(fnv1a(x.data)) + "\r\n";
        } else if (l.starts_with("CHUNKS ")) {
            std::uint64_t h = fnv1a("");
            std::size_t total = 0;
            auto rend = co_await c->read_chunks(std::stoull(l.substr(7)), [&h, &total](std::string_view p) {
                h = fnv1a(p, h);
                total += p.size();
            });
            reply = "CHUNKS " + std::string(net::read_end_name(rend)) + " " + std::to_string(total) + " " +
                    std::to_string(h) + "\r\n";
        } else if (l.starts_with("SEND ")) {
            std::size_t sp = l.find(' ', 5);
            std::size_t n = std::stoul(l.substr(5, sp - 5));
            std::string data = mixed_data(n, unsigned(std::stoul(l.substr(sp + 1))));
            // In pieces with a flush each, like a FETCH response stream.
            bool ok = true;
            for (std::size_t off = 0; off < data.size() && ok; off += 300000) {
                c->append(std::string_view(data).substr(off, 300000));
                ok = co_await c->flush();
            }
            if (!ok) co_return;
            reply = "\r\nSENT\r\n";
        } else if (l.starts_with("TICK ")) {
            asio::co_spawn(c->executor(), tick_later(c, std::stoi(l.substr(5))), asio::detached);
            reply = "OK tick armed\r\n";
        } else if (l.starts_with("TIMEOUT ")) {
            c->set_idle_timeout(std::chrono::milliseconds(std::stoul(l.substr(8))));
            reply = "OK\r\n";
        } else if (l == "STARTTLS") {
            bool started = co_await c->start_tls();
            reply = std::string("TLS ") + (started ? "yes" : "no") + "\r\n";
        } else if (l == "STATS") {
            auto st = c->compress_stats();
            reply = "STATS " + std::to_string(st.plain_in) + " " + std::to_string(st.wire_in) + " " +
                    std::to_string(st.plain_out) + " " + std::to_string(st.wire_out) + " parks " +
                    std::to_string(st.input_parks) + " " + std::to_string(st.output_parks) + "\r\n";
        } else {
            reply = "ECHO " + l + " " + net::line_end_name(end) + "\r\n";
        }
        if (!co_await c->write(reply) || stop) co_return;
    }
}

struct CompressServer {
    TempDir dir;
    std::unique_ptr<net::Server> server;
    CompressServer() {
        Config cfg;
        cfg.server.data_dir = dir.path;
        cfg.server.hostname = "mail.test";
        cfg.listeners = {echo_listener("plain", TlsMode::none), echo_listener("tls", TlsMode::implicit)};
        server = std::make_unique<net::Server>(cfg, net::ServerOptions{.io_threads = 2});
        server->set_handler(Protocol::smtp, compress_protocol);
        if (!server->bind()) std::abort();
        server->start();
    }
    ~CompressServer() { server->stop(std::chrono::milliseconds(0)); }
    std::uint16_t port(const std::string& name) const { return server->port_of(name); }
};

// A blocking client that can switch to raw DEFLATE like an IMAP client.
class ZClient {
public:
    ~ZClient() {
        if (zin_on_) inflateEnd(&zin_);
        if (zout_on_) deflateEnd(&zout_);
        if (ssl_) SSL_free(ssl_);
        if (ctx_) SSL_CTX_free(ctx_);
        if (fd_ >= 0) ::close(fd_);
    }
    bool connect(std::uint16_t port, bool tls) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval tv{20, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        if (!tls) return true;
        ctx_ = SSL_CTX_new(TLS_client_method());
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        return SSL_connect(ssl_) == 1;
    }
    // What the client sends from now on is compressed.
    void start_deflate() {
        deflateInit2(&zout_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        zout_on_ = true;
    }
    // What the client receives from now on is compressed, including bytes
    // already received behind the last line read.
    void start_inflate() {
        inflateInit2(&zin_, -15);
        zin_on_ = true;
        std::string raw;
        raw.swap(plain_);
        inflate_in(raw);
    }
    void start_compress() {
        start_deflate();
        start_inflate();
    }
    // Compressed with `flush` when compressing (Z_SYNC_FLUSH: the server can
    // decode it at once), raw otherwise.
    std::string wire(const std::string& plain, int flush = Z_SYNC_FLUSH) {
        if (!zout_on_) return plain;
        std::string out;
        zout_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
        zout_.avail_in = uInt(plain.size());
        char buf[16384];
        do {
            zout_.next_out = reinterpret_cast<Bytef*>(buf);
            zout_.avail_out = sizeof buf;
            deflate(&zout_, flush);
            out.append(buf, sizeof buf - zout_.avail_out);
        } while (zout_.avail_out == 0 || zout_.avail_in > 0);
        return out;
    }
    bool send_raw(const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            int n = ssl_ ? SSL_write(ssl_, s.data() + off, int(std::min<std::size_t>(s.size() - off, 1 << 20)))
                         : int(::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL));
            if (n <= 0) return false;
            off += std::size_t(n);
        }
        return true;
    }
    bool send(const std::string& plain, int flush = Z_SYNC_FLUSH) { return send_raw(wire(plain, flush)); }
    // Next line without CRLF; "<eof>" when the server closed, "<timeout>"
    // after 20 s without data.
    std::string line() {
        for (;;) {
            auto p = plain_.find('\n');
            if (p != std::string::npos) {
                std::string l = plain_.substr(0, p);
                plain_.erase(0, p + 1);
                if (!l.empty() && l.back() == '\r') l.pop_back();
                return l;
            }
            if (!receive()) return timed_out_ ? "<timeout>" : "<eof>";
        }
    }
    // Exactly n bytes; shorter on close.
    std::string bytes(std::size_t n) {
        while (plain_.size() < n && receive()) {
        }
        std::string r = plain_.substr(0, n);
        plain_.erase(0, r.size());
        return r;
    }
    bool inflate_error() const { return inflate_error_; }

private:
    bool receive() {
        char tmp[16384];
        errno = 0;
        int n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : int(::recv(fd_, tmp, sizeof tmp, 0));
        if (n <= 0) {
            timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
            return false;
        }
        if (zin_on_) inflate_in(std::string(tmp, std::size_t(n)));
        else plain_.append(tmp, std::size_t(n));
        return true;
    }
    void inflate_in(const std::string& raw) {
        zin_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
        zin_.avail_in = uInt(raw.size());
        char buf[65536];
        for (;;) {
            zin_.next_out = reinterpret_cast<Bytef*>(buf);
            zin_.avail_out = sizeof buf;
            int rc = inflate(&zin_, Z_SYNC_FLUSH);
            plain_.append(buf, sizeof buf - zin_.avail_out);
            if (rc != Z_OK && rc != Z_BUF_ERROR) inflate_error_ = true;
            if (rc != Z_OK || zin_.avail_out != 0) break;
        }
    }

    int fd_ = -1;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    z_stream zin_{}, zout_{};
    bool zin_on_ = false, zout_on_ = false;
    bool inflate_error_ = false;
    bool timed_out_ = false;
    std::string plain_;
};

class CompressConnection : public testing::TestWithParam<bool> {
protected:
    bool tls() const { return GetParam(); }
    std::uint16_t port() const { return server.port(tls() ? "tls" : "plain"); }
    // Connected, greeted, compressing.
    void open(ZClient& c) {
        ASSERT_TRUE(c.connect(port(), tls()));
        ASSERT_EQ(c.line(), "HELLO");
        ASSERT_TRUE(c.send("COMPRESS\r\n"));
        ASSERT_EQ(c.line(), "OK DEFLATE active pipelined=no");
        c.start_compress();
    }
    CompressServer server;
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, CompressConnection, testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tls" : "plain"; });

TEST_P(CompressConnection, EchoBothWaysCompressed) {
    ZClient c;
    open(c);
    for (int i = 0; i < 50; ++i) {
        std::string cmd = "a" + std::to_string(i) + " UID FETCH 1:* (FLAGS)";
        ASSERT_TRUE(c.send(cmd + "\r\n"));
        ASSERT_EQ(c.line(), "ECHO " + cmd + " crlf");
    }
    ASSERT_TRUE(c.send("bare\n"));
    EXPECT_EQ(c.line(), "ECHO bare bare_lf");
    ASSERT_TRUE(c.send("STATS\r\n"));
    std::string stats = c.line();
    unsigned long long pin = 0, win = 0, pout = 0, wout = 0;
    ASSERT_EQ(std::sscanf(stats.c_str(), "STATS %llu %llu %llu %llu parks", &pin, &win, &pout, &wout), 4) << stats;
    EXPECT_GT(pin, 1000u);
    EXPECT_LT(win, pin);  // repeated commands compress
    EXPECT_GT(pout, 1000u);
    // Each reply is a burst of its own, usually after the deflater was
    // parked: the kept history still lets them refer to earlier replies.
    EXPECT_LT(wout, pout / 2) << stats;
    EXPECT_FALSE(c.inflate_error());
}

// After a second without input the zlib state is parked; the next command
// refers back into history sent before parking, and so does our reply.
TEST_P(CompressConnection, ParkedWhileIdleAndResumed) {
    ZClient c;
    open(c);
    std::string cmd = "a1 UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)";
    ASSERT_TRUE(c.send(cmd + "\r\n"));
    EXPECT_EQ(c.line(), "ECHO " + cmd + " crlf");
    ASSERT_TRUE(c.send("STATS\r\n"));
    EXPECT_TRUE(c.line().ends_with(" parks 0 0"));  // busy: nothing parked
    std::this_thread::sleep_for(1300ms);
    ASSERT_TRUE(c.send(cmd + "\r\n"));
    EXPECT_EQ(c.line(), "ECHO " + cmd + " crlf");
    ASSERT_TRUE(c.send("STATS\r\n"));
    EXPECT_TRUE(c.line().ends_with(" parks 1 1"));
    // A response written while the read waits parked (IMAP IDLE): the
    // deflater comes back for it and is parked again after the flush.
    ASSERT_TRUE(c.send("TICK 1500\r\n"));
    EXPECT_EQ(c.line(), "OK tick armed");
    EXPECT_EQ(c.line(), "* TICK");
    ASSERT_TRUE(c.send(cmd + "\r\n"));
    EXPECT_EQ(c.line(), "ECHO " + cmd + " crlf");
    ASSERT_TRUE(c.send("STATS\r\n"));
    EXPECT_TRUE(c.line().ends_with(" parks 2 3"));
    EXPECT_FALSE(c.inflate_error());
}

TEST_P(CompressConnection, SecondCompressIsRefusedAndStartTlsAfterwardsToo) {
    ZClient c;
    open(c);
    ASSERT_TRUE(c.send("COMPRESS\r\n"));
    EXPECT_EQ(c.line(), "NO already");
    ASSERT_TRUE(c.send("STARTTLS\r\n"));
    EXPECT_EQ(c.line(), "TLS no");
    ASSERT_TRUE(c.send("still\r\n"));
    EXPECT_EQ(c.line(), "ECHO still crlf");
}

TEST_P(CompressConnection, RefusedWhileOutputIsBuffered) {
    ZClient c;
    ASSERT_TRUE(c.connect(port(), tls()));
    ASSERT_EQ(c.line(), "HELLO");
    ASSERT_TRUE(c.send("APPEND-COMPRESS\r\n"));
    EXPECT_EQ(c.line(), "pending");  // uncompressed: the switch did not happen
    EXPECT_EQ(c.line(), "STARTED no");
    ASSERT_TRUE(c.send("plain again\r\n"));
    EXPECT_EQ(c.line(), "ECHO plain again crlf");
}

TEST_P(CompressConnection, PipelinedCompressedDataAfterTheCommand) {
    ZClient c;
    ASSERT_TRUE(c.connect(port(), tls()));
    ASSERT_EQ(c.line(), "HELLO");
    // COMPRESS and, in the same segment or TLS record, commands already
    // compressed: a literal, then a line.
    c.start_deflate();
    std::string literal = "line1\r\nline2\r\n";
    ASSERT_TRUE(c.send_raw("COMPRESS\r\n" + c.wire("EXACT 14\r\n" + literal + "after\r\n")));
    EXPECT_EQ(c.line(), "OK DEFLATE active pipelined=yes");  // uncompressed
    c.start_inflate();
    EXPECT_EQ(c.line(), "GOT ok 14 " + std::to_string(fnv1a(literal)));
    EXPECT_EQ(c.line(), "ECHO after crlf");
    EXPECT_FALSE(c.inflate_error());
}

TEST_P(CompressConnection, PipelinedPartialBlockCompletedLater) {
    ZClient c;
    ASSERT_TRUE(c.connect(port(), tls()));
    ASSERT_EQ(c.line(), "HELLO");
    c.start_deflate();
    std::string w = c.wire("first command\r\nsecond command\r\n");
    // Only part of the compressed bytes behind COMPRESS; the rest later.
    ASSERT_TRUE(c.send_raw("COMPRESS\r\n" + w.substr(0, 7)));
    EXPECT_EQ(c.line(), "OK DEFLATE active pipelined=yes");
    c.start_inflate();
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(c.send_raw(w.substr(7)));
    EXPECT_EQ(c.line(), "ECHO first command crlf");
    EXPECT_EQ(c.line(), "ECHO second command crlf");
}

TEST_P(CompressConnection, ByteByByteCompressedInput) {
    ZClient c;
    open(c);
    std::string w = c.wire("EXACT 5\r\nab\r\ncCHUNKS 3\r\nxyzone\r\n");
    for (char ch : w) {
        ASSERT_TRUE(c.send_raw(std::string(1, ch)));
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(c.line(), "GOT ok 5 " + std::to_string(fnv1a("ab\r\nc")));
    EXPECT_EQ(c.line(), "CHUNKS ok 3 " + std::to_string(fnv1a("xyz")));
    EXPECT_EQ(c.line(), "ECHO one crlf");
}

TEST_P(CompressConnection, LargeUploadThroughReadChunksAndReadExact) {
    ZClient c;
    open(c);
    std::string big = mixed_data(5u << 20, 7);
    // The upload is flushed in the middle of a line and in the middle of
    // the literal: read_chunks sees compressed-block boundaries anywhere.
    std::string cmd = "CHUNKS " + std::to_string(big.size()) + "\r\n";
    ASSERT_TRUE(c.send(cmd.substr(0, 4), Z_NO_FLUSH));
    ASSERT_TRUE(c.send(cmd.substr(4) + big.substr(0, 1234567), Z_SYNC_FLUSH));
    ASSERT_TRUE(c.send(big.substr(1234567), Z_NO_FLUSH));
    ASSERT_TRUE(c.send("done\r\n", Z_SYNC_FLUSH));
    EXPECT_EQ(c.line(), "CHUNKS ok " + std::to_string(big.size()) + " " + std::to_string(fnv1a(big)));
    EXPECT_EQ(c.line(), "ECHO done crlf");
    std::string mid = mixed_data(300000, 8);
    ASSERT_TRUE(c.send("EXACT " + std::to_string(mid.size()) + "\r\n" + mid, Z_FULL_FLUSH));
    EXPECT_EQ(c.line(), "GOT ok 300000 " + std::to_string(fnv1a(mid)));
}

TEST_P(CompressConnection, LargeDownload) {
    ZClient c;
    open(c);
    ASSERT_TRUE(c.send("SEND 5242880 9\r\n"));
    std::string got = c.bytes(5u << 20);
    ASSERT_EQ(got.size(), 5u << 20);
    EXPECT_EQ(fnv1a(got), fnv1a(mixed_data(5u << 20, 9)));
    EXPECT_EQ(c.line(), "");
    EXPECT_EQ(c.line(), "SENT");
    ASSERT_TRUE(c.send("next\r\n"));
    EXPECT_EQ(c.line(), "ECHO next crlf");
    EXPECT_FALSE(c.inflate_error());
}

TEST_P(CompressConnection, InflateBombIsBoundedByTheLineLimit) {
    ZClient c;
    open(c);
    // 64 MiB without a line end inflate from ~64 KiB: read_line discards
    // beyond its max as it goes, and the stream stays in sync.
    std::string bomb(64u << 20, 'a');
    ASSERT_TRUE(c.send(bomb, Z_NO_FLUSH));
    bomb.clear();
    bomb.shrink_to_fit();
    ASSERT_TRUE(c.send("\r\nafter\r\n"));
    EXPECT_EQ(c.line(), "ERR too long");
    EXPECT_EQ(c.line(), "ECHO after crlf");
}

TEST_P(CompressConnection, CorruptStreamClosesTheConnection) {
    for (std::string bad : {std::string(64, '\xff'), std::string("\x00\x05\x00\x00\x00", 5)}) {
        ZClient c;
        open(c);
        ASSERT_TRUE(c.send("ok\r\n"));
        EXPECT_EQ(c.line(), "ECHO ok crlf");
        ASSERT_TRUE(c.send_raw(bad));
        EXPECT_EQ(c.line(), "<eof>");
    }
    // The server is still fine.
    ZClient d;
    open(d);
    ASSERT_TRUE(d.send("alive\r\n"));
    EXPECT_EQ(d.line(), "ECHO alive crlf");
}

TEST_P(CompressConnection, ClientEndingItsStreamIsEof) {
    ZClient c;
    open(c);
    ASSERT_TRUE(c.send("last\r\n", Z_FINISH));
    EXPECT_EQ(c.line(), "ECHO last crlf");
    EXPECT_EQ(c.line(), "<eof>");
}

TEST_P(CompressConnection, IdleTimeoutAndResponsesWhileReading) {
    ZClient c;
    open(c);
    // A write from another coroutine while the read is parked idle.
    ASSERT_TRUE(c.send("TICK 100\r\n"));
    EXPECT_EQ(c.line(), "OK tick armed");
    EXPECT_EQ(c.line(), "* TICK");
    ASSERT_TRUE(c.send("after tick\r\n"));
    EXPECT_EQ(c.line(), "ECHO after tick crlf");
    ASSERT_TRUE(c.send("TIMEOUT 150\r\n"));
    EXPECT_EQ(c.line(), "OK");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.line(), "BYE idle timeout");
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 120ms);
    EXPECT_EQ(c.line(), "<eof>");
}

TEST_P(CompressConnection, GracefulShutdownWakesAnIdleCompressedRead) {
    ZClient c;
    open(c);
    ASSERT_TRUE(c.send("x\r\n"));
    EXPECT_EQ(c.line(), "ECHO x crlf");
    std::thread stopper([this] { server.server->stop(std::chrono::seconds(5)); });
    EXPECT_EQ(c.line(), "BYE shutting down");
    EXPECT_EQ(c.line(), "<eof>");
    stopper.join();
}

// Python's zlib as an independent client (plain TCP): compressobj(wbits=-15)
// and decompressobj(wbits=-15), as RFC 4978 clients use it.
TEST(CompressPython, PythonZlibClient) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_FAIL() << "/usr/bin/python3 is required";
    CompressServer server;
    std::string script = R"PY(
import socket, sys, zlib
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
buf = b""
def raw_line():
    global buf
    while b"\n" not in buf:
        d = s.recv(65536)
        if not d: raise SystemExit("eof")
        buf += d
    l, _, buf = buf.partition(b"\n")
    return l.rstrip(b"\r")
assert raw_line() == b"HELLO"
co = zlib.compressobj(6, zlib.DEFLATED, -15)
do = zlib.decompressobj(-15)
s.sendall(b"COMPRESS\r\n" + co.compress(b"pipelined\r\n") + co.flush(zlib.Z_SYNC_FLUSH))
assert raw_line() == b"OK DEFLATE active pipelined=yes"
plain = do.decompress(buf)
def line():
    global plain
    while b"\n" not in plain:
        d = s.recv(65536)
        if not d: raise SystemExit("eof")
        plain += do.decompress(d)
    l, _, plain = plain.partition(b"\n")
    return l.rstrip(b"\r")
assert line() == b"ECHO pipelined crlf", "pipelined"
for i in range(200):
    s.sendall(co.compress(b"a%d NOOP\r\n" % i) + co.flush(zlib.Z_SYNC_FLUSH))
    got = line()
    assert got == b"ECHO a%d NOOP crlf" % i, got
s.sendall(co.compress(b"SEND 1000000 5\r\n") + co.flush(zlib.Z_SYNC_FLUSH))
while len(plain) < 1000000:
    d = s.recv(65536)
    if not d: raise SystemExit("eof")
    plain += do.decompress(d)
plain = plain[1000000:]
assert line() == b""
assert line() == b"SENT"
print("python-ok")
)PY";
    std::string path = server.dir.path + "/client.py";
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fwrite(script.data(), 1, script.size(), f);
    std::fclose(f);
    std::string cmd = "/usr/bin/python3 " + path + " " + std::to_string(server.port("plain")) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int rc = ::pclose(p);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "python-ok\n");
}

}  // namespace
