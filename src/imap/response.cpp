#include "imap/response.h"

#include <algorithm>

#include "common/text.h"

namespace postamt::imap {

std::string format_reply(std::string_view tag, const Reply& r) {
    std::string out(tag);
    out += r.kind == Reply::Kind::ok ? " OK " : r.kind == Reply::Kind::no ? " NO " : " BAD ";
    if (!r.code.empty()) {
        out += '[';
        out += r.code;
        out += "] ";
    }
    // Response text must not contain CR or LF (resp-text is TEXT-CHAR).
    for (char c : r.text) out += (c == '\r' || c == '\n') ? ' ' : c;
    if (r.text.empty()) out += "done";
    out += "\r\n";
    return out;
}

Reply store_error_reply(const Error& e, std::string_view what) {
    std::string text(what);
    if (!e.message.empty()) {
        text += ": ";
        text += e.message;
    }
    switch (e.code) {
        case Errc::not_found:
            return Reply::no(text, "NONEXISTENT");
        case Errc::already_exists:
            return Reply::no(text, "ALREADYEXISTS");
        case Errc::over_quota:
            return Reply::no(text, "OVERQUOTA");
        case Errc::permission:
            return Reply::no(text, "NOPERM");
        case Errc::too_big:
            return Reply::no(text, "TOOBIG");
        case Errc::unavailable:
            return Reply::no(std::string(what) + ": temporarily unavailable, try again",
                             "UNAVAILABLE");
        case Errc::invalid:
        case Errc::conflict:
            return Reply::no(text, "CANNOT");
        case Errc::ok:
        case Errc::internal:
            break;
    }
    return Reply::no(std::string(what) + ": internal error", "SERVERBUG");
}

namespace {

struct SystemFlagName {
    store::SystemFlag bit;
    const char* name;
};
constexpr SystemFlagName kSystemFlags[] = {
    {store::kAnswered, "\\Answered"}, {store::kFlagged, "\\Flagged"},
    {store::kDeleted, "\\Deleted"},   {store::kSeen, "\\Seen"},
    {store::kDraft, "\\Draft"},
};

}  // namespace

void append_flag_list(std::string& out, uint32_t system, const std::vector<std::string>& keywords,
                      bool recent) {
    out += '(';
    bool first = true;
    auto add = [&](std::string_view f) {
        if (!first) out += ' ';
        first = false;
        out.append(f);
    };
    for (const auto& f : kSystemFlags)
        if (system & f.bit) add(f.name);
    if (recent) add("\\Recent");
    for (const auto& k : keywords) add(k);
    out += ')';
}

std::string defined_flags(const std::vector<std::string>& keywords) {
    std::string out;
    for (const auto& f : kSystemFlags) {
        if (!out.empty()) out += ' ';
        out += f.name;
    }
    for (const auto& k : keywords) {
        out += ' ';
        out += k;
    }
    return out;
}

Result<store::Flags> parse_flags(const std::vector<std::string>& flags) {
    store::Flags out;
    for (const auto& f : flags) {
        if (!f.empty() && f[0] == '\\') {
            if (text::iequals(f, "\\Recent")) continue;
            bool known = false;
            for (const auto& s : kSystemFlags) {
                if (text::iequals(f, s.name)) {
                    out.system |= s.bit;
                    known = true;
                }
            }
            if (!known) return make_error(Errc::invalid, "unknown system flag " + f);
            continue;
        }
        // Keywords compare case-insensitively (RFC 9051 2.3.2): keep the
        // first spelling.
        bool dup = std::any_of(out.keywords.begin(), out.keywords.end(),
                               [&](const std::string& k) { return text::iequals(k, f); });
        if (!dup) out.keywords.push_back(f);
    }
    return out;
}

}  // namespace postamt::imap
