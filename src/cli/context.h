#pragma once
// What every subcommand needs: the loaded configuration, a lazily opened
// store, blocking store calls, and the failure/exit-code convention
// (0 ok, 1 operation failed, 2 usage error, 3 configuration error).
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/result.h"
#include "store/store.h"

namespace postamt::cli {

enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitConfig = 3 };

// Thrown by command code; run() prints the message on stderr and exits with
// the code.
class CliFailure : public std::runtime_error {
public:
    CliFailure(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

[[noreturn]] void fail(const std::string& msg);         // exit 1
[[noreturn]] void usage_error(const std::string& msg);  // exit 2
[[noreturn]] void config_error(const std::string& msg); // exit 3

struct GlobalOptions {
    std::string config_path;     // empty: POSTAMT_CONFIG or the default path
    std::string data_dir;        // non-empty: overrides server.data_dir
};

inline constexpr const char* kDefaultConfigPath = "/etc/postamt/postamt.toml";

class Context {
public:
    explicit Context(GlobalOptions opts);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // Loads the configuration on first use; a missing file is an error
    // unless it is the built-in default path (then built-in defaults apply).
    const Config& config();
    // The path actually used, or empty when built-in defaults apply.
    const std::string& config_source();
    const std::string& data_dir();

    // Opens the store at data_dir on first use. `create` is honoured only by
    // the first call: commands that merely read refuse a missing store.
    store::Store& store(bool create = false);
    // The same store, for long-lived users (the server's sessions).
    std::shared_ptr<store::Store> shared_store(bool create = false);
    void close_store();

private:
    GlobalOptions opts_;
    std::optional<Config> config_;
    std::string config_source_;
    std::shared_ptr<store::Store> store_;
};

// Unwraps a result or fails with "<what>: <reason>" (exit 1).
template <class T>
T must(Result<T> r, std::string_view what) {
    if (!r.ok()) fail(std::string(what) + ": " + r.error().message);
    return std::move(r).value();
}

// Blocking store call: call<T>([&](auto cb) { st.list_domains(cb); }).
template <class T, class Start>
Result<T> call(Start&& start) {
    return store::wait_for<T>(std::forward<Start>(start));
}

// "user@Example.ORG" -> "user@example.org"; usage error when unusable.
std::string normalize_address(std::string_view address);
// A domain name: lower-cased; usage error on characters a domain cannot hold.
std::string normalize_domain(std::string_view domain);
// "1G", "500M", "1048576", "unlimited" (0); usage error otherwise.
int64_t parse_quota_size(std::string_view s);
// Reads an account or fails with "no account <address>".
store::Account find_account(store::Store& st, const std::string& address);

}  // namespace postamt::cli
