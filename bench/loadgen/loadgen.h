#pragma once
// postamt-loadgen: an event-driven load generator for SMTP and IMAP servers
// (issue 7). One io_context per thread (--threads, default 1), every session
// a coroutine on it, so two cores are enough to load a server that shares
// them. Each subcommand prints one JSON object on stdout and a short human
// summary on stderr.
//
// g++ 12 coroutine rules (DESIGN.md): coroutines are free functions or
// members with by-value parameters, no capturing coroutine lambdas, no
// co_await inside a condition.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl.hpp>

#include "net/asio.h"

namespace loadgen {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// ---- command line ----------------------------------------------------------
// --key value and --flag; positional arguments are refused.
class Args {
  public:
    Args(int argc, char** argv, int first);
    std::string str(const std::string& key, const std::string& def) const;
    long num(const std::string& key, long def) const;
    double real(const std::string& key, double def) const;
    bool flag(const std::string& key) const;
    std::vector<std::string> list(const std::string& key) const;  // comma-separated, repeatable
    // Keys given but never asked for (typos): reported as an error.
    void check_used() const;

  private:
    std::multimap<std::string, std::string> values_;
    mutable std::map<std::string, bool> used_;
};

// ---- connection ------------------------------------------------------------
// A TCP connection, plain or implicit TLS (no certificate check: a load
// generator against test servers), with a read buffer for lines and
// literals. Errors throw (std::runtime_error or boost::system::system_error).
class Conn {
  public:
    Conn(asio::any_io_executor ex, asio::ssl::context* tls);
    asio::awaitable<void> connect(std::string host, std::uint16_t port);
    // One line without its CRLF (bare LF accepted).
    asio::awaitable<std::string> read_line();
    asio::awaitable<std::string> read_exact(std::size_t n);
    asio::awaitable<void> write(std::string data);
    void close();
    bool is_open() const;

  private:
    asio::awaitable<void> fill();
    asio::ip::tcp::socket sock_;
    asio::ssl::context* tls_ctx_;
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> tls_;
    std::string buf_;
    std::size_t pos_ = 0;
};

std::unique_ptr<asio::ssl::context> client_tls_context();

// ---- measurements ----------------------------------------------------------
// Latency samples (microseconds) of one kind of operation.
struct Samples {
    std::vector<double> us;
    long errors = 0;
    void add(Clock::duration d) { us.push_back(std::chrono::duration<double, std::micro>(d).count()); }
    void merge(const Samples& o) {
        us.insert(us.end(), o.us.begin(), o.us.end());
        errors += o.errors;
    }
    // {"count":..,"per_s":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..,"mean_ms":..,"errors":..}
    std::string json(double seconds) const;
};

double percentile(std::vector<double> v, double p);  // p in [0,100]; v unsorted

// CPU seconds (user+sys, with the c-fields of reaped children) of every
// process in the trees rooted at `roots`, from /proc.
double cpu_seconds(const std::vector<int>& roots);
std::vector<int> pid_list(const Args& a);
// This process's own CPU seconds (user+sys), to show whether the generator
// itself was busy (reported as loadgen_cpu_s).
double self_cpu_seconds();  // --cpu-pid, repeatable or comma-separated

std::string json_str(std::string_view s);
std::string json_num(double v);

// Keeps the first few error messages for the report.
struct ErrorLog {
    long count = 0;
    std::vector<std::string> samples;
    void add(std::string msg) {
        ++count;
        if (samples.size() < 8) samples.push_back(std::move(msg));
    }
    void merge(const ErrorLog& o) {
        count += o.count;
        for (const auto& s : o.samples)
            if (samples.size() < 8) samples.push_back(s);
    }
    std::string json() const;
};

// ---- messages ----------------------------------------------------------------
// Messages of the bench corpus (mboxo file), CRLF, or empty when the file is missing.
std::vector<std::string> load_corpus(const std::string& path);
// A synthetic message of about `size` bytes (headers + lorem ipsum lines).
std::string synthetic_message(std::size_t size, std::uint64_t seq);
// "." at the start of a line doubled (RFC 5321 4.5.2); `msg` ends in CRLF.
std::string dot_stuff(std::string_view msg);
// 64-bit FNV-1a, for verifying message bodies the generator appended itself.
std::uint64_t fnv1a(std::string_view s);
// Prepends "X-Loadgen-Check: <hex fnv1a of the rest>" so a FETCH of the
// message can be checked byte for byte.
std::string with_check_header(std::string msg);
// true: the message carries no check header, or it matches.
bool check_header_ok(std::string_view msg);

// Runs one io_context per thread until all work is done.
void run_threads(std::vector<std::unique_ptr<asio::io_context>>& ios);

int run_smtp(const Args& a);
int run_imap(const Args& a);
int run_imap_scenario(const Args& a);

}  // namespace loadgen
