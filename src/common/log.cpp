#include "common/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace postamt::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum to_spd(Level l) {
    switch (l) {
        case Level::trace: return spdlog::level::trace;
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warn: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
        case Level::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> logger() {
    if (!g_logger) {
        g_logger = std::make_shared<spdlog::logger>(
            "postamt", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        g_logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
        g_logger->set_level(spdlog::level::trace);
    }
    return g_logger;
}

}  // namespace

void init(const Options& opts) {
    g_level.store(static_cast<int>(opts.level));
    spdlog::sink_ptr sink;
    if (opts.file.empty())
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    else
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file);
    std::shared_ptr<spdlog::logger> l;
    if (opts.async) {
        if (!spdlog::thread_pool()) spdlog::init_thread_pool(opts.queue_size, 1);
        l = std::make_shared<spdlog::async_logger>("postamt", sink, spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::overrun_oldest);
    } else {
        l = std::make_shared<spdlog::logger>("postamt", sink);
    }
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::warn);
    // Info lines reach the file within a second (tail -f, log shippers),
    // without a write per line.
    spdlog::drop("postamt");
    spdlog::register_logger(l);
    spdlog::flush_every(std::chrono::seconds(1));
    g_logger = l;
}

void shutdown() {
    if (g_logger) g_logger->flush();
    g_logger.reset();
    spdlog::shutdown();
}

bool enabled(Level lvl) { return static_cast<int>(lvl) >= g_level.load(std::memory_order_relaxed); }

void write(Level lvl, std::string_view line) { logger()->log(to_spd(lvl), "{}", line); }

Level parse_level(std::string_view s, bool* ok) {
    if (ok) *ok = true;
    if (s == "trace") return Level::trace;
    if (s == "debug") return Level::debug;
    if (s == "info") return Level::info;
    if (s == "warn" || s == "warning") return Level::warn;
    if (s == "error") return Level::error;
    if (s == "off") return Level::off;
    if (ok) *ok = false;
    return Level::info;
}

std::string quote(std::string_view v) {
    bool needs = v.empty();
    for (unsigned char c : v)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) needs = true;
    if (!needs) return std::string(v);
    std::string out = "\"";
    for (unsigned char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < ' ' || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

}  // namespace postamt::log
