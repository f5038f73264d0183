#pragma once
// Log facade: structured key=value events over fmt/core, so that most files
// never include spdlog (13.5 s per TU header-only, DESIGN.md). One line per
// event an admin greps for: `event=<name> key=value ...`.
#include <fmt/core.h>

#include <string>
#include <string_view>

namespace postamt::log {

enum class Level { trace, debug, info, warn, error, off };

struct Options {
    Level level = Level::info;
    std::string file;         // empty: stderr
    bool async = true;        // bounded async queue, overflow drops oldest
    std::size_t queue_size = 8192;
};

void init(const Options& opts);
void shutdown();  // flushes the async queue
bool enabled(Level lvl);
void write(Level lvl, std::string_view line);
Level parse_level(std::string_view s, bool* ok = nullptr);

// Quotes a value when it has spaces, quotes, '=' or control characters so a
// line stays one greppable record; control bytes become \xNN.
std::string quote(std::string_view v);

template <class... Args>
void emit(Level lvl, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(lvl)) return;
    write(lvl, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) { emit(Level::debug, f, std::forward<Args>(a)...); }
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... a) { emit(Level::info, f, std::forward<Args>(a)...); }
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) { emit(Level::warn, f, std::forward<Args>(a)...); }
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... a) { emit(Level::error, f, std::forward<Args>(a)...); }

}  // namespace postamt::log
