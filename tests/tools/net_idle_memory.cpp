// Measures the server-side heap cost of idle connections (DESIGN.md: an idle
// connection should cost kilobytes). Starts a net::Server with an echo
// listener (implicit TLS by default, "plain" as second argument for
// comparison), opens N connections from a forked client process over
// loopback, completes the TLS handshakes, reads the greeting, lets them
// idle, and prints the heap (mallinfo2) and RSS growth per connection.
// With "compress" the clients switch to COMPRESS=DEFLATE (RFC 4978) first
// and exchange one compressed command; with "compress-full" they send 40 KiB
// of compressed commands first, so the server's copy of the client's history
// window is full (32 KiB) while idle: the worst case.
//
//   net_idle_memory [N=1000] [tls|plain] [-|compress|compress-full] [exit]
//
// "exit" ends the process right after measuring without closing anything,
// so a heap profiler lists what the idle connections hold as leaks:
//   heaptrack net_idle_memory 200 tls - exit; heaptrack_print -l ...
#include <malloc.h>
#include <zlib.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "net/fd_limit.h"
#include "net/server.h"

using namespace postamt;
namespace asio = net::asio;

namespace {

// Echoes lines; "COMPRESS" switches to DEFLATE as an IMAP session would.
asio::awaitable<void> idle_echo(std::shared_ptr<net::Connection> c) {
    std::string greeting = "OK ready\r\n";
    if (!co_await c->write(greeting)) co_return;
    std::string reply;
    for (;;) {
        auto r = co_await c->read_line(1024);
        if (!r.ok()) co_return;
        if (r.line == "COMPRESS") {
            reply = "OK DEFLATE active\r\n";
            if (!co_await c->write(reply) || !c->start_compress()) co_return;
            continue;
        }
        reply = r.line + "\r\n";
        if (!co_await c->write(reply)) co_return;
    }
}

std::size_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

std::size_t rss_bytes() {
    std::ifstream f("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * std::size_t(sysconf(_SC_PAGESIZE));
}

bool read_line(int fd, SSL* ssl) {
    char ch;
    for (;;) {
        int n = ssl ? SSL_read(ssl, &ch, 1) : int(::recv(fd, &ch, 1, 0));
        if (n <= 0) return false;
        if (ch == '\n') return true;
    }
}

bool send_all(int fd, SSL* ssl, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        int n = ssl ? SSL_write(ssl, s.data() + off, int(s.size() - off))
                    : int(::send(fd, s.data() + off, s.size() - off, 0));
        if (n <= 0) return false;
        off += std::size_t(n);
    }
    return true;
}

// The client side of COMPRESS: raw DEFLATE with zlib's defaults, as IMAP
// clients do. Sends `lines` compressed and waits for as many echoed lines.
bool compressed_exchange(int fd, SSL* ssl, const std::vector<std::string>& lines) {
    z_stream out{}, in{};
    if (deflateInit2(&out, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
    if (inflateInit2(&in, -15) != Z_OK) return false;
    std::size_t want = 0;
    std::string wire;
    char buf[16384];
    for (const auto& l : lines) {
        std::string plain = l + "\r\n";
        out.next_in = reinterpret_cast<Bytef*>(plain.data());
        out.avail_in = uInt(plain.size());
        do {
            out.next_out = reinterpret_cast<Bytef*>(buf);
            out.avail_out = sizeof buf;
            deflate(&out, Z_SYNC_FLUSH);
            wire.append(buf, sizeof buf - out.avail_out);
        } while (out.avail_out == 0);
        ++want;
    }
    bool ok = send_all(fd, ssl, wire);
    std::size_t seen = 0;
    while (ok && seen < want) {
        int n = ssl ? SSL_read(ssl, buf, sizeof buf) : int(::recv(fd, buf, sizeof buf, 0));
        if (n <= 0) {
            ok = false;
            break;
        }
        in.next_in = reinterpret_cast<Bytef*>(buf);
        in.avail_in = uInt(n);
        char plain[65536];
        do {
            in.next_out = reinterpret_cast<Bytef*>(plain);
            in.avail_out = sizeof plain;
            int rc = inflate(&in, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR) ok = false;
            for (char* p = plain; p < reinterpret_cast<char*>(in.next_out); ++p) seen += *p == '\n';
        } while (ok && in.avail_out == 0);
    }
    deflateEnd(&out);
    inflateEnd(&in);
    return ok;
}

// Child: open n connections, handshake, read the greeting, report, idle.
[[noreturn]] void run_clients(int port_pipe, int ready_pipe, int n, bool tls, int compress) {
    std::uint16_t port = 0;
    if (::read(port_pipe, &port, sizeof port) != sizeof port) _exit(2);
    SSL_CTX* ctx = tls ? SSL_CTX_new(TLS_client_method()) : nullptr;
    std::vector<int> fds;
    std::vector<SSL*> ssls;
    for (int i = 0; i < n; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(3);
        SSL* ssl = nullptr;
        if (tls) {
            ssl = SSL_new(ctx);
            SSL_set_fd(ssl, fd);
            SSL_set_tlsext_host_name(ssl, "localhost");
            if (SSL_connect(ssl) != 1) _exit(4);
        }
        if (!read_line(fd, ssl)) _exit(5);
        if (compress) {
            if (!send_all(fd, ssl, "COMPRESS\r\n") || !read_line(fd, ssl)) _exit(7);
            std::vector<std::string> lines = {"a1 NOOP"};
            if (compress == 2)  // 40 KiB of history: the server keeps 32 KiB of it
                for (int k = 0; k < 40; ++k) {
                    std::string l = "a" + std::to_string(k) + " APPEND ";
                    for (unsigned x = unsigned(i * 977 + k); l.size() < 1000; x = x * 1103515245u + 12345u)
                        l.push_back(char('a' + (x >> 16) % 26));
                    lines.push_back(l);
                }
            if (!compressed_exchange(fd, ssl, lines)) _exit(8);
        }
        fds.push_back(fd);
        ssls.push_back(ssl);
    }
    char ok = 1;
    if (::write(ready_pipe, &ok, 1) != 1) _exit(6);
    // Idle until the parent closes the pipe.
    while (::read(port_pipe, &ok, 1) > 0) {
    }
    _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 1000;
    bool tls = !(argc > 2 && std::string(argv[2]) == "plain");
    std::string cmode = argc > 3 ? argv[3] : "";
    int compress = cmode == "compress" ? 1 : cmode == "compress-full" ? 2 : 0;
    net::raise_fd_limit();

    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return 1;
    pid_t pid = ::fork();  // before any thread exists
    if (pid == 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        run_clients(to_child[0], from_child[1], n, tls, compress);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);

    std::string dir = "/tmp/postamt-idle-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    Config cfg;
    cfg.server.data_dir = dir;
    cfg.server.hostname = "localhost";
    cfg.limits.max_connections = 0;
    cfg.limits.max_connections_per_ip = 0;
    ListenerConfig l;
    l.name = "echo";
    l.protocol = Protocol::imap;
    l.addresses = {"127.0.0.1"};
    l.port = 0;
    l.tls = tls ? TlsMode::implicit : TlsMode::none;
    cfg.listeners = {l};
    net::Server server(cfg, net::ServerOptions{.io_threads = 2});
    server.set_handler(Protocol::imap, idle_echo);
    if (auto st = server.bind(); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
    }
    server.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::size_t heap0 = heap_in_use(), rss0 = rss_bytes();

    std::uint16_t port = server.port_of("echo");
    if (::write(to_child[1], &port, sizeof port) != sizeof port) return 1;
    char ok = 0;
    if (::read(from_child[0], &ok, 1) != 1) {
        std::fprintf(stderr, "client process failed\n");
        return 1;
    }
    // Let every handler reach its idle read.
    for (int i = 0; i < 50 && server.active_connections() < std::size_t(n); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Past the connections' COMPRESS parking delay (1 s) too.
    std::this_thread::sleep_for(std::chrono::milliseconds(compress ? 1500 : 500));
    std::size_t heap1 = heap_in_use(), rss1 = rss_bytes();
    std::size_t active = server.active_connections();

    std::printf("mode=%s%s connections=%d active=%zu\n", tls ? "tls" : "plain",
                compress == 2 ? "+compress-full" : compress ? "+compress" : "", n, active);
    std::printf("heap_per_idle_connection=%.1f KiB (mallinfo2 uordblks+hblkhd: %zu -> %zu)\n",
                double(heap1 - heap0) / 1024.0 / n, heap0, heap1);
    std::printf("rss_per_idle_connection=%.1f KiB (RSS %zu -> %zu)\n", double(rss1 - rss0) / 1024.0 / n, rss0,
                rss1);
    if (argc > 4 && std::string(argv[4]) == "exit") {
        // The clients stay connected (they leave when our end of the pipe
        // closes with the process), so nothing is freed before the profiler's
        // atexit handler runs; destructors of locals do not run.
        std::fflush(stdout);
        std::filesystem::remove_all(dir);
        std::exit(0);
    }

    ::close(to_child[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    server.stop(std::chrono::milliseconds(500));
    std::filesystem::remove_all(dir);
    return 0;
}
