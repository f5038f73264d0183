#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <thread>

// Asio's SSL part is compiled here once (postamt_net compiles the rest;
// BOOST_ASIO_SEPARATE_COMPILATION comes from its compile definitions).
#include <boost/asio/ssl/impl/src.hpp>

#include "loadgen.h"
#include "mime/mbox.h"

namespace loadgen {

// ---- Args ---------------------------------------------------------------------
Args::Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument: " + k);
        k = k.substr(2);
        auto eq = k.find('=');
        if (eq != std::string::npos) {
            values_.emplace(k.substr(0, eq), k.substr(eq + 1));
        } else if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
            values_.emplace(k, argv[++i]);
        } else {
            values_.emplace(k, "");
        }
    }
}

std::string Args::str(const std::string& key, const std::string& def) const {
    used_[key] = true;
    auto it = values_.find(key);
    return it == values_.end() ? def : it->second;
}

long Args::num(const std::string& key, long def) const {
    auto s = str(key, "");
    if (s.empty()) return def;
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (*end) throw std::runtime_error("--" + key + " needs a number, not " + s);
    return v;
}

double Args::real(const std::string& key, double def) const {
    auto s = str(key, "");
    if (s.empty()) return def;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (*end) throw std::runtime_error("--" + key + " needs a number, not " + s);
    return v;
}

bool Args::flag(const std::string& key) const {
    used_[key] = true;
    return values_.count(key) > 0;
}

std::vector<std::string> Args::list(const std::string& key) const {
    used_[key] = true;
    std::vector<std::string> out;
    auto [b, e] = values_.equal_range(key);
    for (auto it = b; it != e; ++it) {
        std::stringstream ss(it->second);
        std::string item;
        while (std::getline(ss, item, ','))
            if (!item.empty()) out.push_back(item);
    }
    return out;
}

void Args::check_used() const {
    for (const auto& [k, v] : values_)
        if (!used_.count(k)) throw std::runtime_error("unknown option --" + k);
}

// ---- Conn ------------------------------------------------------------------------
Conn::Conn(asio::any_io_executor ex, asio::ssl::context* tls) : sock_(ex), tls_ctx_(tls) {}

asio::awaitable<void> Conn::connect(std::string host, std::uint16_t port) {
    asio::ip::tcp::endpoint ep(asio::ip::make_address(host), port);
    co_await sock_.async_connect(ep, asio::use_awaitable);
    sock_.set_option(asio::ip::tcp::no_delay(true));
    if (tls_ctx_) {
        tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(sock_), *tls_ctx_);
        co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }
}

asio::awaitable<void> Conn::fill() {
    if (pos_ > 0 && pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
    } else if (pos_ > 65536) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    char tmp[65536];
    std::size_t n = 0;
    if (tls_)
        n = co_await tls_->async_read_some(asio::buffer(tmp), asio::use_awaitable);
    else
        n = co_await sock_.async_read_some(asio::buffer(tmp), asio::use_awaitable);
    buf_.append(tmp, n);
}

asio::awaitable<std::string> Conn::read_line() {
    std::size_t scan = pos_;
    for (;;) {
        auto nl = buf_.find('\n', scan);
        if (nl != std::string::npos) {
            std::size_t end = nl > pos_ && buf_[nl - 1] == '\r' ? nl - 1 : nl;
            std::string line = buf_.substr(pos_, end - pos_);
            pos_ = nl + 1;
            co_return line;
        }
        if (buf_.size() - pos_ > 64 * 1024 * 1024) throw std::runtime_error("line longer than 64 MiB");
        std::size_t keep = buf_.size() - pos_;
        co_await fill();
        scan = pos_ + keep;
    }
}

asio::awaitable<std::string> Conn::read_exact(std::size_t n) {
    while (buf_.size() - pos_ < n) co_await fill();
    std::string out = buf_.substr(pos_, n);
    pos_ += n;
    co_return out;
}

asio::awaitable<void> Conn::write(std::string data) {
    if (tls_)
        co_await asio::async_write(*tls_, asio::buffer(data), asio::use_awaitable);
    else
        co_await asio::async_write(sock_, asio::buffer(data), asio::use_awaitable);
}

void Conn::close() {
    boost::system::error_code ec;
    auto& s = tls_ ? tls_->next_layer() : sock_;
    s.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    s.close(ec);
}

bool Conn::is_open() const { return tls_ ? tls_->next_layer().is_open() : sock_.is_open(); }

std::unique_ptr<asio::ssl::context> client_tls_context() {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
}

// ---- measurements ----------------------------------------------------------------
double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    auto lo = static_cast<std::size_t>(std::floor(rank));
    auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::string json_num(double v) {
    if (!std::isfinite(v)) return "null";
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

std::string json_str(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            out += b;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string Samples::json(double seconds) const {
    double sum = 0, mx = 0;
    for (double v : us) {
        sum += v;
        mx = std::max(mx, v);
    }
    std::vector<double> sorted = us;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) {
        if (sorted.empty()) return 0.0;
        double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
        auto lo = static_cast<std::size_t>(std::floor(rank));
        auto hi = std::min(lo + 1, sorted.size() - 1);
        return (sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo))) / 1000.0;
    };
    std::string o = "{\"count\": " + std::to_string(us.size());
    o += ", \"per_s\": " + json_num(seconds > 0 ? static_cast<double>(us.size()) / seconds : 0);
    o += ", \"p50_ms\": " + json_num(pct(50)) + ", \"p90_ms\": " + json_num(pct(90));
    o += ", \"p99_ms\": " + json_num(pct(99)) + ", \"max_ms\": " + json_num(mx / 1000.0);
    o += ", \"mean_ms\": " + json_num(us.empty() ? 0 : sum / static_cast<double>(us.size()) / 1000.0);
    o += ", \"errors\": " + std::to_string(errors) + "}";
    return o;
}

std::string ErrorLog::json() const {
    std::string o = "[";
    for (std::size_t i = 0; i < samples.size(); ++i) o += (i ? ", " : "") + json_str(samples[i]);
    return o + "]";
}

namespace {
// (ppid, cpu ticks) of one /proc/<pid>/stat, or nullopt.
std::optional<std::pair<int, long long>> read_stat(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!std::getline(in, s)) return std::nullopt;
    auto rp = s.rfind(')');
    if (rp == std::string::npos) return std::nullopt;
    std::istringstream f(s.substr(rp + 2));
    std::vector<std::string> fields;
    std::string x;
    while (f >> x) fields.push_back(x);
    // fields[0] is state (field 3); utime..cstime are fields 14..17.
    if (fields.size() < 15) return std::nullopt;
    long long t = 0;
    for (int i = 11; i <= 14; ++i) t += std::stoll(fields[static_cast<std::size_t>(i)]);
    return std::make_pair(std::stoi(fields[1]), t);
}
}  // namespace

double cpu_seconds(const std::vector<int>& roots) {
    if (roots.empty()) return 0;
    std::map<int, std::vector<int>> children;
    std::map<int, long long> ticks;
    if (DIR* d = opendir("/proc")) {
        while (auto* e = readdir(d)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            int pid = std::atoi(e->d_name);
            auto st = read_stat(pid);
            if (!st) continue;
            children[st->first].push_back(pid);
            ticks[pid] = st->second;
        }
        closedir(d);
    }
    long long total = 0;
    std::vector<int> todo(roots.begin(), roots.end());
    std::map<int, bool> seen;
    while (!todo.empty()) {
        int p = todo.back();
        todo.pop_back();
        if (seen[p]) continue;
        seen[p] = true;
        total += ticks.count(p) ? ticks[p] : 0;
        for (int c : children[p]) todo.push_back(c);
    }
    return static_cast<double>(total) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return sec(ru.ru_utime) + sec(ru.ru_stime);
}

std::vector<int> pid_list(const Args& a) {
    std::vector<int> out;
    for (const auto& s : a.list("cpu-pid")) out.push_back(std::stoi(s));
    return out;
}

// ---- messages --------------------------------------------------------------------
std::vector<std::string> load_corpus(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    return postamt::mime::split_mbox(ss.str());
}

std::string synthetic_message(std::size_t size, std::uint64_t seq) {
    std::string m = "From: loadgen@example.net\r\nTo: bench@example.org\r\nSubject: loadgen message " +
                    std::to_string(seq) + "\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n\r\n";
    static const std::string line =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while (m.size() + line.size() <= size) m += line;
    if (m.size() < size) m += std::string(size - m.size() >= 2 ? size - m.size() - 2 : 0, 'x') + "\r\n";
    return m;
}

std::string dot_stuff(std::string_view msg) {
    std::string out;
    out.reserve(msg.size() + 64);
    bool bol = true;
    for (char c : msg) {
        if (bol && c == '.') out += '.';
        out += c;
        bol = c == '\n';
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

static const std::string kCheck = "X-Loadgen-Check: ";

std::string with_check_header(std::string msg) {
    char b[32];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(fnv1a(msg)));
    return kCheck + b + "\r\n" + msg;
}

bool check_header_ok(std::string_view msg) {
    if (msg.rfind(kCheck, 0) != 0) return true;
    auto eol = msg.find("\r\n");
    if (eol == std::string_view::npos) return false;
    auto want = msg.substr(kCheck.size(), eol - kCheck.size());
    char b[32];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(fnv1a(msg.substr(eol + 2))));
    return want == b;
}

void run_threads(std::vector<std::unique_ptr<asio::io_context>>& ios) {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < ios.size(); ++i) threads.emplace_back([&ios, i] { ios[i]->run(); });
    ios[0]->run();
    for (auto& t : threads) t.join();
}

}  // namespace loadgen
