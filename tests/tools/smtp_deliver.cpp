// Drives the outbound SMTP client (src/smtp/smtp_client.h) once, for the
// integration tests (tests/integration/test_smtp_client.py):
//
//   smtp_deliver --dns 127.0.0.1@5353 --port 2525 --domain example.org
//                --from a@example.net --to bob@example.org [--to ...]
//                --file message.eml [options]
//
// Prints one JSON object per recipient, in order:
//   {"recipient": "...", "kind": "delivered|transient|permanent", "code": 250,
//    "status": "2.0.0", "text": "...", "remote_mta": "...", "remote_address": "...",
//    "relayed_without_dsn": false}
// and, last, {"stats": {"opened": N, "reused": N, "transactions": N, "seconds": F}}.
// --repeat K delivers the same message K times in a row (connection reuse);
// --parallel K runs K deliveries at once (limits).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/log.h"
#include "net/asio.h"
#include "smtp/dns_resolver.h"
#include "smtp/smtp_client.h"

using namespace postamt;
using namespace postamt::smtp;
namespace asio = boost::asio;

namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

struct Args {
    Config cfg;
    std::string domain, file;
    OutboundMessage msg;
    int repeat = 1, parallel = 1;
    long dns_timeout_ms = 5000;
    long reuse_ms = 5000;
    std::uint64_t seed = 0;
};

void usage() {
    std::cerr
        << "usage: smtp_deliver --domain D --from S --to R [--to R...] --file MSG [--dns IP@PORT]\n"
           "  [--port N] [--helo NAME] [--source IP] [--tls opportunistic|required|none]\n"
           "  [--connect-timeout S] [--command-timeout S] [--dns-timeout MS] "
           "[--max-per-destination N]\n"
           "  [--max-connections N] [--smarthost H[:P]] [--smarthost-tls starttls|implicit]\n"
           "  [--smarthost-user U] [--smarthost-password-file F] [--smtputf8] [--8bit]\n"
           "  [--notify SUCCESS,FAILURE|NEVER] [--orcpt] [--envid X] [--ret FULL|HDRS]\n"
           "  [--repeat K] [--parallel K] [--reuse-ms MS] [--seed N] [--debug]\n";
}

std::uint8_t parse_notify(const std::string& s) {
    std::uint8_t n = 0;
    std::stringstream ss(s);
    std::string w;
    while (std::getline(ss, w, ',')) {
        if (w == "NEVER") n |= notify_never;
        if (w == "SUCCESS") n |= notify_success;
        if (w == "FAILURE") n |= notify_failure;
        if (w == "DELAY") n |= notify_delay;
    }
    return n;
}

asio::awaitable<void> one(std::shared_ptr<OutboundDelivery> out, std::string domain,
                          OutboundMessage msg, std::vector<std::vector<RecipientOutcome>>* sink) {
    sink->push_back(co_await out->deliver(std::move(domain), std::move(msg)));
}

asio::awaitable<void> run(Args* a, int* status) {
    auto ex = co_await asio::this_coro::executor;
    auto dns = DnsResolver::create(ex, a->cfg.dns, std::chrono::milliseconds(a->dns_timeout_ms));
    if (!dns) {
        std::cerr << "dns: " << dns.error().message << "\n";
        *status = 2;
        co_return;
    }
    OutboundDelivery::Options opt;
    opt.reuse_idle = std::chrono::milliseconds(a->reuse_ms);
    opt.mx_seed = a->seed;
    auto out = OutboundDelivery::create(ex, a->cfg, dns.value(), opt);
    if (!out) {
        std::cerr << "outbound: " << out.error().message << "\n";
        *status = 2;
        co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<RecipientOutcome>> results;
    for (int r = 0; r < a->repeat; ++r) {
        if (a->parallel <= 1) {
            co_await one(out.value(), a->domain, a->msg, &results);
            continue;
        }
        // K at once; wait for all of them with a timer used as a latch.
        auto left = std::make_shared<int>(a->parallel);
        auto done =
            std::make_shared<asio::steady_timer>(ex, std::chrono::steady_clock::time_point::max());
        for (int k = 0; k < a->parallel; ++k) {
            asio::co_spawn(ex, one(out.value(), a->domain, a->msg, &results),
                           [left, done](std::exception_ptr) {
                               if (--*left == 0) done->cancel();
                           });
        }
        if (*left > 0) co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& outcomes : results) {
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const auto& o = outcomes[i];
            std::cout << "{\"recipient\": " << json_string(a->msg.recipients[i].address)
                      << ", \"kind\": " << json_string(outcome_kind_name(o.kind))
                      << ", \"code\": " << o.code << ", \"status\": " << json_string(o.status)
                      << ", \"text\": " << json_string(o.text)
                      << ", \"remote_mta\": " << json_string(o.remote_mta)
                      << ", \"remote_address\": " << json_string(o.remote_address)
                      << ", \"relayed_without_dsn\": " << (o.relayed_without_dsn ? "true" : "false")
                      << "}\n";
        }
    }
    auto st = co_await out.value()->stats();
    co_await out.value()->close_idle();
    std::cout << "{\"stats\": {\"opened\": " << st.connections_opened
              << ", \"reused\": " << st.connections_reused
              << ", \"transactions\": " << st.transactions << ", \"seconds\": " << secs << "}}\n";
    std::cout.flush();
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    a.cfg.server.hostname = "client.example.net";
    a.cfg.outbound.connect_timeout = std::chrono::seconds(5);
    a.cfg.outbound.command_timeout = std::chrono::seconds(30);
    bool orcpt = false;
    std::uint8_t notify = 0;
    bool debug = false;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--dns")
            a.cfg.dns.forwarders.push_back(val());
        else if (k == "--port")
            a.cfg.outbound.port = static_cast<std::uint16_t>(std::stoi(val()));
        else if (k == "--domain")
            a.domain = val();
        else if (k == "--from")
            a.msg.sender = val();
        else if (k == "--to")
            a.msg.recipients.push_back(OutboundRecipient{val(), "", 0});
        else if (k == "--file")
            a.file = val();
        else if (k == "--helo")
            a.cfg.outbound.helo_name = val();
        else if (k == "--source")
            a.cfg.outbound.source_addresses.push_back(val());
        else if (k == "--tls")
            a.cfg.outbound.tls = val();
        else if (k == "--connect-timeout")
            a.cfg.outbound.connect_timeout = std::chrono::seconds(std::stoi(val()));
        else if (k == "--command-timeout")
            a.cfg.outbound.command_timeout = std::chrono::seconds(std::stoi(val()));
        else if (k == "--dns-timeout")
            a.dns_timeout_ms = std::stol(val());
        else if (k == "--max-per-destination")
            a.cfg.outbound.max_per_destination = std::stoul(val());
        else if (k == "--max-connections")
            a.cfg.outbound.max_connections = std::stoul(val());
        else if (k == "--smarthost")
            a.cfg.outbound.smarthost = val();
        else if (k == "--smarthost-tls")
            a.cfg.outbound.smarthost_tls = val();
        else if (k == "--smarthost-user")
            a.cfg.outbound.smarthost_user = val();
        else if (k == "--smarthost-password-file")
            a.cfg.outbound.smarthost_password_file = val();
        else if (k == "--smtputf8")
            a.msg.smtputf8 = true;
        else if (k == "--8bit")
            a.msg.body_8bit = true;
        else if (k == "--notify")
            notify = parse_notify(val());
        else if (k == "--orcpt")
            orcpt = true;
        else if (k == "--envid")
            a.msg.envid = val();
        else if (k == "--ret")
            a.msg.ret = val() == "HDRS" ? DsnRet::hdrs : DsnRet::full;
        else if (k == "--repeat")
            a.repeat = std::stoi(val());
        else if (k == "--parallel")
            a.parallel = std::stoi(val());
        else if (k == "--reuse-ms")
            a.reuse_ms = std::stol(val());
        else if (k == "--seed")
            a.seed = std::stoull(val());
        else if (k == "--debug")
            debug = true;
        else {
            usage();
            return 2;
        }
    }
    if (a.domain.empty() || a.msg.recipients.empty() || a.file.empty()) {
        usage();
        return 2;
    }
    for (auto& r : a.msg.recipients) {
        r.notify = notify;
        if (orcpt) r.orcpt = "rfc822;" + r.address;
    }
    std::ifstream f(a.file, std::ios::binary);
    if (!f) {
        std::cerr << "cannot read " << a.file << "\n";
        return 2;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    a.msg.data = std::make_shared<const std::string>(ss.str());
    log::Options lo;
    lo.level = debug ? log::Level::debug : log::Level::warn;
    lo.async = false;
    log::init(lo);
    int status = 0;
    asio::io_context ioc;
    asio::co_spawn(ioc, run(&a, &status), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run();
    log::shutdown();
    return status;
}
