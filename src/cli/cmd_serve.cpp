// `postamt serve`: opens the store, binds the listeners (then drops root),
// runs every implemented protocol until SIGTERM/SIGINT, finishing in-flight
// transactions (graceful stop).
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "acme/manager.h"
#include "cli/client_settings.h"
#include "cli/commands.h"
#include "cli/delivery_queue_timer.h"
#include "cli/first_run.h"
#include "cli/http_routes.h"
#include "cli/outbound_service.h"
#include "auth/authenticator.h"
#include "common/log.h"
#include "http/runner.h"
#include "imap/runner.h"
#include "net/fd_limit.h"
#include "net/privileges.h"
#include "net/server.h"
#include "net/tls_context.h"
#include "pop3/runner.h"
#include "smtp/runner.h"

namespace postamt::cli {
namespace {

// Protocols `serve` runs so far; listeners of the others are left out with a
// log line instead of accepting connections nobody answers.
bool implemented(Protocol p) {
    return p == Protocol::smtp || p == Protocol::submission || p == Protocol::imap || p == Protocol::pop3 ||
           p == Protocol::http;
}

// Not root: ports below 1024 cannot be bound. With the built-in listeners
// (no [[listener]] in the file) serve moves them up by 10000 (25 -> 10025,
// 993 -> 10993, ...) so the two-command start works for anyone; explicit
// listeners are taken as written and fail with a message naming them.
bool shift_privileged_ports(Config& cfg) {
    if (::geteuid() == 0 || cfg.listeners != default_listeners()) return false;
    bool shifted = false;
    for (auto& l : cfg.listeners)
        if (l.port < 1024) {
            l.port = static_cast<uint16_t>(l.port + 10000);
            shifted = true;
        }
    return shifted;
}

constexpr std::chrono::seconds kGrace{30};

auth::AuthenticatorOptions authenticator_options(const Config& cfg) {
    auth::AuthenticatorOptions o;
    o.default_domain = cfg.server.default_domain;
    o.argon2.ops_limit = cfg.auth.argon2_ops_limit;
    o.argon2.mem_limit = static_cast<std::size_t>(cfg.auth.argon2_mem_limit);
    o.cache.ttl = cfg.auth.cache_ttl;
    o.pool.threads = static_cast<int>(cfg.auth.hash_threads);
    o.throttle.max_in_flight = static_cast<int>(cfg.auth.max_concurrent_per_ip);
    // 0 in the config means "never block".
    o.throttle.block_after = cfg.auth.max_failures_per_ip == 0 ? std::numeric_limits<int>::max()
                                                               : static_cast<int>(cfg.auth.max_failures_per_ip);
    o.throttle.block_duration = cfg.auth.block_duration;
    return o;
}

Status chown_tree(const std::string& dir, const std::string& user) {
    struct passwd* pw = ::getpwnam(user.c_str());
    if (!pw)
        return make_error(Errc::not_found, "server.run_as_user '" + user +
                                               "' does not exist; create it (useradd --system " + user +
                                               ") or set run_as_user = \"\" to keep running as root");
    std::error_code ec;
    auto own = [&](const std::filesystem::path& p) {
        if (::lchown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0 && !ec) ec = std::error_code(errno, std::generic_category());
    };
    own(dir);
    for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) own(e.path());
    if (ec) return make_error(Errc::unavailable, "cannot hand " + dir + " to " + user + ": " + ec.message());
    return ok_status();
}

}  // namespace

int serve(Context& ctx, const ServeOptions& o) {
    Config cfg = ctx.config();
    cfg.server.data_dir = ctx.data_dir();
    log::Options lo;
    lo.level = cfg.log.level;
    lo.file = cfg.log.file;
    log::init(lo);
    if (auto st = validate_runtime(cfg); !st) config_error(st.error().message);
    net::raise_fd_limit();

    bool shifted = shift_privileged_ports(cfg);
    std::vector<ListenerConfig> active;
    for (auto& l : cfg.listeners) {
        if (implemented(l.protocol))
            active.push_back(l);
        else
            log::info("event=listener_skipped listener={} protocol={} reason=not_implemented_yet", l.name,
                      protocol_name(l.protocol));
    }
    cfg.listeners = active;
    if (cfg.listeners.empty()) config_error("no listener of an implemented protocol (smtp, imap, pop3) is configured");

    store::Store& st = ctx.store(/*create=*/true);
    std::optional<DemoAccount> demo;
    if (o.first_run_setup) demo = must(ensure_demo_account(st, cfg), "first-run setup");

    net::Server server(cfg);
    auto rctx = std::make_shared<smtp::RunnerContext>();
    rctx->store = ctx.shared_store();
    // Bound once TLS is known (below): STARTTLS is offered only with a certificate.
    bool root = ::geteuid() == 0;
    if (auto b = server.bind(/*allow_partial=*/!root); !b) fail("cannot listen: " + b.error().message);
    rctx->options = smtp::SessionOptions::from_config(cfg, smtp::Mode::inbound, server.tls() != nullptr);
    // Aliases pointing at other domains are sent on through the queue.
    rctx->options.forwarding_available = true;
    // The store already queued these copies in the delivery's transaction
    // (NewMessage::queue_failures); the timer below retries them.
    rctx->on_retry = [](const smtp::DeliveryReport& r) {
        for (auto& f : r.retry)
            log::warn("event=smtp_local_queued qid={} account={} error={}", r.queue_id, f.account,
                      log::quote(f.message));
    };
    server.set_handler(Protocol::smtp, [rctx](std::shared_ptr<net::Connection> c) {
        return smtp::run_session(std::move(c), rctx);
    });
    auto authenticator =
        std::make_shared<auth::Authenticator>(auth::store_directory(ctx.shared_store()), authenticator_options(cfg));
    auto sctx = must(make_submission_context(cfg, ctx.shared_store(), authenticator, server.tls() != nullptr),
                     "submission");
    sctx->on_retry = rctx->on_retry;
    server.set_handler(Protocol::submission, [sctx](std::shared_ptr<net::Connection> c) {
        return smtp::run_session(std::move(c), sctx);
    });
    auto ictx = imap::make_runner_context(cfg, ctx.shared_store(), authenticator, server.tls() != nullptr);
    server.set_handler(Protocol::imap, [ictx](std::shared_ptr<net::Connection> c) {
        return imap::run_session(std::move(c), ictx);
    });
    auto pctx = pop3::make_runner_context(cfg, ctx.shared_store(), authenticator, server.tls() != nullptr);
    server.set_handler(Protocol::pop3, [pctx](std::shared_ptr<net::Connection> c) {
        return pop3::run_session(std::move(c), pctx);
    });
    // ACME (docs/acme.md): stored certificates are served by SNI from the
    // start; the manager's thread obtains and renews them and swaps them in.
    std::unique_ptr<acme::Manager> acme_manager;
    if (cfg.acme.enabled && server.tls()) {
        auto shared = ctx.shared_store();
        acme_manager = std::make_unique<acme::Manager>(cfg, [shared] {
            std::vector<std::string> names;
            auto r = store::wait_for<std::vector<store::Domain>>([&](auto cb) { shared->list_domains(cb); });
            if (r)
                for (const auto& d : *r) names.push_back(d.name);
            return names;
        });
        acme::Manager* m = acme_manager.get();
        server.tls()->set_preferred_certificates([m] { return m->tls_certificates(); });
        net::TlsContext::set_acme_alpn_handler(
            [m](const std::string& host, SSL* ssl) { return m->responder().install_tls_alpn(host, ssl); });
        (void)server.tls()->reload();
    } else if (cfg.acme.enabled) {
        log::warn("event=acme_disabled reason=no_tls_listener");
    }

    // HTTP: every feature's routes in one router, built once (cli/http_routes.cpp).
    HttpFeatures features{&cfg, ctx.shared_store(), authenticator, &server};
    if (acme_manager) features.acme_challenges = &acme_manager->responder();
    auto hctx = http::make_runner_context(build_http_router(features));
    server.set_handler(Protocol::http, [hctx](std::shared_ptr<net::Connection> c) {
        return http::run_session(std::move(c), hctx);
    });

    if (root && !cfg.server.run_as_user.empty()) {
        // The unprivileged user keeps working in the data directory.
        if (auto c = chown_tree(cfg.server.data_dir, cfg.server.run_as_user); !c) fail(c.error().message);
        if (auto d = net::drop_privileges(cfg.server.run_as_user); !d)
            fail("cannot drop privileges: " + d.error().message);
    }

    server.handle_signals(std::chrono::duration_cast<std::chrono::milliseconds>(kGrace));
    server.start();
    start_delivery_queue_timer(server, ctx.shared_store());
    auto queue_runner = must(start_queue_runner(server, cfg, ctx.shared_store()), "outbound queue");
    if (acme_manager) acme_manager->start([tls = server.tls()] { (void)tls->reload(); });

    std::vector<ActiveListener> shown;
    for (auto& b : server.bound()) {
        for (auto& l : cfg.listeners)
            if (l.name == b.listener) {
                bool dup = false;
                for (auto& s : shown) dup = dup || (s.port == b.port && s.protocol == l.protocol);
                if (!dup) shown.push_back({l.protocol, l.tls, b.port});
            }
    }
    std::string user = demo ? demo->address : "<your address>";
    std::printf("Postamt is running (data in %s).\n", cfg.server.data_dir.c_str());
    if (shifted) std::printf("Not running as root: standard ports were moved up by 10000.\n");
    if (demo)
        std::printf("Demo account created: %s  password: %s\n(shown once; change it with `postamt user passwd %s`)\n",
                    demo->address.c_str(), demo->password.c_str(), demo->address.c_str());
    std::printf("\n%s\n", client_settings_table(cfg.server.hostname, user, shown).c_str());
    // The page that shows these settings to users (docs/autoconfig.md).
    for (auto& b : server.bound()) {
        auto l = std::find_if(cfg.listeners.begin(), cfg.listeners.end(),
                              [&](const ListenerConfig& x) { return x.name == b.listener; });
        if (l == cfg.listeners.end() || l->protocol != Protocol::http) continue;
        bool v6 = b.address.find(':') != std::string::npos;
        std::printf("Setup page: %s://%s%s%s:%u/setup\n", l->tls == TlsMode::implicit ? "https" : "http",
                    v6 ? "[" : "", b.address.c_str(), v6 ? "]" : "", static_cast<unsigned>(b.port));
        break;
    }
    std::fflush(stdout);
    log::info("event=serve_started listeners={} hostname={}", shown.size(), cfg.server.hostname);

    server.wait();
    if (acme_manager) {
        acme_manager->stop();
        net::TlsContext::set_acme_alpn_handler({});
    }
    log::info("event=serve_stopped");
    ctx.close_store();
    log::shutdown();
    return 0;
}

}  // namespace postamt::cli
