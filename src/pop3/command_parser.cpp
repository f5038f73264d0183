#include "pop3/command_parser.h"

#include <array>
#include <cctype>
#include <vector>

namespace postamt::pop3 {
namespace {

struct VerbName {
    std::string_view name;
    Verb verb;
};

constexpr std::array<VerbName, 15> kVerbs{{
    {"USER", Verb::user},
    {"PASS", Verb::pass},
    {"APOP", Verb::apop},
    {"AUTH", Verb::auth},
    {"STLS", Verb::stls},
    {"CAPA", Verb::capa},
    {"QUIT", Verb::quit},
    {"STAT", Verb::stat},
    {"LIST", Verb::list},
    {"RETR", Verb::retr},
    {"DELE", Verb::dele},
    {"NOOP", Verb::noop},
    {"RSET", Verb::rset},
    {"TOP", Verb::top},
    {"UIDL", Verb::uidl},
}};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

ParseResult fail(std::string text) {
    ParseResult r;
    r.error = std::move(text);
    return r;
}

ParseResult ok(Command c) {
    ParseResult r;
    r.command = std::move(c);
    return r;
}

// Arguments split at spaces; runs of spaces count as one (lenient with
// clients that pad), leading and trailing ones are dropped.
std::vector<std::string_view> split_args(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size() && out.size() <= 3) {
        while (i < s.size() && s[i] == ' ') ++i;
        if (i == s.size()) break;
        std::size_t j = s.find(' ', i);
        if (j == std::string_view::npos) j = s.size();
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<std::uint64_t> parse_digits(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

}  // namespace

std::string_view verb_name(Verb v) {
    for (const auto& e : kVerbs)
        if (e.verb == v) return e.name;
    return "?";
}

std::optional<std::uint32_t> parse_message_number(std::string_view s) {
    auto v = parse_digits(s);
    if (!v || *v == 0 || *v > kMaxMessageNumber) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

std::optional<std::uint32_t> parse_count(std::string_view s) {
    auto v = parse_digits(s);
    if (!v || *v > 0xFFFFFFFFull) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

ParseResult parse_command(std::string_view line) {
    if (line.empty()) return fail("Empty command");
    // Controls (NUL, CR inside the line, ...) are never part of a command;
    // 8-bit bytes may be (UTF-8 user names and passwords).
    for (unsigned char c : line)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return fail("Invalid characters in command");
    std::size_t sp = line.find(' ');
    std::string_view keyword = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    if (keyword.size() < 3 || keyword.size() > 4) return fail("Unknown command");
    std::string kw = upper(keyword);
    const VerbName* found = nullptr;
    for (const auto& e : kVerbs)
        if (e.name == kw) found = &e;
    if (!found) return fail("Unknown command");

    Command c;
    c.verb = found->verb;
    std::string_view name = found->name;
    if (c.verb == Verb::pass) {
        // RFC 1939 7: the whole rest of the line is the password.
        if (rest.empty()) return fail("PASS needs a password");
        if (rest.size() > kMaxArgumentLength) return fail("Password too long");
        c.arg = std::string(rest);
        return ok(std::move(c));
    }
    auto args = split_args(rest);
    for (auto a : args)
        if (a.size() > kMaxArgumentLength) return fail(std::string(name) + ": argument too long");
    auto want = [&](std::size_t lo, std::size_t hi,
                    std::string_view usage) -> std::optional<ParseResult> {
        if (args.size() < lo || args.size() > hi) return fail("Syntax: " + std::string(usage));
        return std::nullopt;
    };
    switch (c.verb) {
        case Verb::stls:
        case Verb::capa:
        case Verb::quit:
        case Verb::stat:
        case Verb::noop:
        case Verb::rset:
            if (auto e = want(0, 0, std::string(name) + " takes no arguments")) return *e;
            break;
        case Verb::user:
            if (auto e = want(1, 1, "USER name")) return *e;
            c.arg = std::string(args[0]);
            break;
        case Verb::apop:
            if (auto e = want(2, 2, "APOP name digest")) return *e;
            c.arg = std::string(args[0]);
            break;
        case Verb::auth:
            if (auto e = want(0, 2, "AUTH [mechanism [initial-response]]")) return *e;
            if (!args.empty()) c.arg = upper(args[0]);
            if (args.size() == 2) c.initial_response = std::string(args[1]);
            break;
        case Verb::list:
        case Verb::uidl:
            if (auto e = want(0, 1, std::string(name) + " [message]")) return *e;
            if (!args.empty()) {
                c.msg = parse_message_number(args[0]);
                if (!c.msg) return fail("Invalid message number");
            }
            break;
        case Verb::retr:
        case Verb::dele:
            if (auto e = want(1, 1, std::string(name) + " message")) return *e;
            c.msg = parse_message_number(args[0]);
            if (!c.msg) return fail("Invalid message number");
            break;
        case Verb::top: {
            if (auto e = want(2, 2, "TOP message lines")) return *e;
            c.msg = parse_message_number(args[0]);
            if (!c.msg) return fail("Invalid message number");
            auto n = parse_count(args[1]);
            if (!n) return fail("Invalid number of lines");
            c.lines = *n;
            break;
        }
        case Verb::pass:
            break;
    }
    return ok(std::move(c));
}

}  // namespace postamt::pop3
