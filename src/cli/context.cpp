#include "cli/context.h"

#include <cstdlib>
#include <filesystem>

#include "admin/validate.h"
#include "common/text.h"

namespace postamt::cli {

void fail(const std::string& msg) { throw CliFailure(kExitFailed, msg); }
void usage_error(const std::string& msg) { throw CliFailure(kExitUsage, msg); }
void config_error(const std::string& msg) { throw CliFailure(kExitConfig, msg); }

Context::Context(GlobalOptions opts) : opts_(std::move(opts)) {}

Context::~Context() { close_store(); }

const Config& Context::config() {
    if (config_) return *config_;
    std::string path = opts_.config_path;
    bool chosen = !path.empty();
    if (!chosen) {
        const char* env = std::getenv("POSTAMT_CONFIG");
        if (env && *env) {
            path = env;
            chosen = true;
        } else {
            path = kDefaultConfigPath;
        }
    }
    std::error_code ec;
    if (!chosen && !std::filesystem::exists(path, ec)) {
        config_.emplace();  // built-in defaults
    } else {
        auto cfg = load_config(path);
        if (!cfg.ok()) {
            if (cfg.error().code == Errc::not_found) config_error("configuration file " + path + " does not exist");
            config_error(cfg.error().message);
        }
        config_.emplace(std::move(cfg).value());
        config_source_ = path;
    }
    if (!opts_.data_dir.empty()) config_->server.data_dir = opts_.data_dir;
    return *config_;
}

const std::string& Context::config_source() {
    config();
    return config_source_;
}

const std::string& Context::data_dir() { return config().server.data_dir; }

store::Store& Context::store(bool create) {
    if (store_) return *store_;
    const Config& cfg = config();
    store::StoreOptions o;
    o.data_dir = cfg.server.data_dir;
    o.reader_threads = static_cast<int>(cfg.store.reader_threads ? cfg.store.reader_threads : 1);
    o.segment_max_bytes = static_cast<int64_t>(cfg.store.segment_max_size);
    o.create = create;
    auto st = store::Store::open(o);
    if (!st.ok()) {
        if (st.error().code == Errc::not_found)
            fail("cannot open the store: " + st.error().message +
                 " (add a domain first, or pass --data-dir / set server.data_dir)");
        fail("cannot open the store at " + o.data_dir + ": " + st.error().message);
    }
    store_ = std::move(st).value();
    return *store_;
}

std::shared_ptr<store::Store> Context::shared_store(bool create) {
    store(create);
    return store_;
}

void Context::close_store() {
    if (store_) store_->close();
    store_.reset();
}

// The checks themselves live in admin/validate.h, shared with the admin API;
// here a refusal is a usage error (exit 2).
std::string normalize_address(std::string_view address) {
    auto r = admin::normalize_address(address);
    if (!r) usage_error(r.error().message);
    return std::move(r).value();
}

std::string normalize_domain(std::string_view domain) {
    auto r = admin::normalize_domain(domain);
    if (!r) usage_error(r.error().message);
    return std::move(r).value();
}

int64_t parse_quota_size(std::string_view s) {
    auto r = admin::parse_quota_size(s);
    if (!r) usage_error(r.error().message);
    return r.value();
}

store::Account find_account(store::Store& st, const std::string& address) {
    auto acct = must(call<std::optional<store::Account>>([&](auto cb) { st.find_account(address, cb); }),
                     "cannot look up " + address);
    if (!acct) fail("no account " + address);
    return *acct;
}

}  // namespace postamt::cli
