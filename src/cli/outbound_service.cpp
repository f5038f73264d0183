#include "cli/outbound_service.h"

#include <ctime>

#include "common/log.h"
#include "smtp/dkim_sign.h"
#include "smtp/dns_resolver.h"
#include "smtp/smtp_client.h"
#include "smtp/submission_limiter.h"

namespace postamt::cli {

Result<std::shared_ptr<smtp::RunnerContext>> make_submission_context(
    const Config& cfg, std::shared_ptr<store::Store> store, std::shared_ptr<auth::Authenticator> auth,
    bool tls_available) {
    auto ctx = std::make_shared<smtp::RunnerContext>();
    ctx->store = std::move(store);
    ctx->auth = std::move(auth);
    ctx->options = smtp::SessionOptions::from_config(cfg, smtp::Mode::submission, tls_available);
    ctx->options.forwarding_available = true;  // the queue runner sends remote mail
    auto limiter = std::make_shared<smtp::SubmissionLimiter>(cfg.submission.max_messages_per_hour);
    ctx->env.allow_message = [limiter](store::AccountId a) { return limiter->allow(a); };
    if (cfg.dkim.sign) {
        std::string dir = smtp::dkim::key_directory(cfg.dkim.key_dir, cfg.server.data_dir);
        auto ring = smtp::dkim::Keyring::load(dir);
        if (!ring) return ring.error();
        log::info("event=dkim_keys dir={} domains={} keys={}", log::quote(dir), ring->domains().size(),
                  ring->size());
        auto shared = std::make_shared<const smtp::dkim::Keyring>(std::move(ring.value()));
        ctx->env.sign = [shared](std::string_view message) -> std::string {
            auto sig = smtp::dkim::sign_with_keyring(*shared, message, std::time(nullptr));
            if (!sig) {
                // Unsigned mail is still mail: send it, say why in the log.
                log::warn("event=dkim_sign_failed error={}", log::quote(sig.error().message));
                return {};
            }
            return std::move(sig.value());
        };
    }
    return ctx;
}

Result<std::shared_ptr<smtp::QueueRunner>> start_queue_runner(net::Server& server, const Config& cfg,
                                                              std::shared_ptr<store::Store> store) {
    auto ex = server.io_context().get_executor();
    auto dns = smtp::DnsResolver::create(ex, cfg.dns);
    if (!dns) return dns.error();
    auto out = smtp::OutboundDelivery::create(ex, cfg, dns.value());
    if (!out) return out.error();
    auto runner = std::make_shared<smtp::QueueRunner>(ex, std::move(store), out.value(), cfg);
    net::Server* srv = &server;
    runner->set_stop_check([srv] { return srv->stopping(); });
    runner->set_force_stop([srv] { srv->io_context().stop(); });
    runner->start();
    return runner;
}

}  // namespace postamt::cli
