#include "imap/mailbox_names.h"

#include <algorithm>
#include <vector>

#include "common/text.h"
#include "common/utf8.h"
#include "imap/mutf7.h"
#include "imap/wire_string.h"
#include "store/mailbox_name.h"
#include "store/types.h"

namespace postamt::imap {
namespace {

constexpr char kSep = store::kHierarchySep;

// A leading "inbox" level in any case is INBOX (RFC 9051 5.1).
std::string canonical_inbox(std::string name) {
    if (name.size() >= 5 && text::iequals(std::string_view(name).substr(0, 5), "INBOX") &&
        (name.size() == 5 || name[5] == kSep)) {
        for (std::size_t i = 0; i < 5; ++i)
            name[i] = static_cast<char>(text::to_lower(name[i]) - 32);
    }
    return name;
}

}  // namespace

Result<std::string> mailbox_from_wire(std::string_view wire, bool utf8) {
    for (unsigned char c : wire)
        if (c < 0x20 || c == 0x7f)
            return make_error(Errc::invalid, "control characters in mailbox name");
    std::string name;
    if (utf8) {
        if (!is_valid_utf8(wire))
            return make_error(Errc::invalid, "mailbox name is not valid UTF-8");
        name = std::string(wire);
    } else {
        auto d = mutf7_to_utf8(wire);
        if (!d) return make_error(Errc::invalid, "invalid modified UTF-7 in mailbox name");
        name = std::move(*d);
    }
    if (name.empty()) return make_error(Errc::invalid, "empty mailbox name");
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f)
            return make_error(Errc::invalid, "control characters in mailbox name");
        if (c == '%' || c == '*')
            return make_error(Errc::invalid,
                              "wildcards (% and *) are not allowed in mailbox names");
    }
    if (name.front() == kSep || name.back() == kSep || name.find("//") != std::string::npos)
        return make_error(Errc::invalid, "empty hierarchy level in mailbox name");
    for (auto level : text::split(name, kSep))
        if (level == "." || level == "..")
            return make_error(Errc::invalid, "\".\" and \"..\" are not mailbox names");
    auto n = store::normalize_mailbox_name(name);
    if (!n) return make_error(Errc::invalid, "mailbox name too long or too deep");
    return *n;
}

void append_mailbox(std::string& out, std::string_view name, bool utf8) {
    if (utf8) {
        append_string(out, name, true);
    } else {
        append_string(out, utf8_to_mutf7(name), false);
    }
}

std::string wire_mailbox(std::string_view name, bool utf8) {
    std::string out;
    append_mailbox(out, name, utf8);
    return out;
}

std::optional<std::string> list_pattern(std::string_view reference, std::string_view pattern,
                                        bool utf8) {
    std::string joined;
    // RFC 9051 6.3.9: the reference is prepended; a pattern starting with the
    // separator is taken from the root.
    if (!reference.empty() && !(pattern.size() && pattern[0] == kSep)) {
        joined = std::string(reference);
        joined += pattern;
    } else {
        joined = std::string(pattern);
    }
    if (utf8) {
        if (!is_valid_utf8(joined)) return std::nullopt;
        return canonical_inbox(std::move(joined));
    }
    auto d = mutf7_to_utf8(joined);
    if (!d) return std::nullopt;
    return canonical_inbox(std::move(*d));
}

namespace {

// The pattern as an NFA over its positions: state i means "p[0..i) matched
// so far". Wildcards match the empty string, so they pass on to i+1.
class PatternRun {
  public:
    explicit PatternRun(std::string_view p) : p_(p), on_(p.size() + 1, 0), next_(p.size() + 1, 0) {
        on_[0] = 1;
        close(on_);
    }
    void feed(char c) {
        std::fill(next_.begin(), next_.end(), 0);
        for (std::size_t i = 0; i < p_.size(); ++i) {
            if (!on_[i]) continue;
            if (p_[i] == '*' || (p_[i] == '%' && c != kSep))
                next_[i] = 1;
            else if (p_[i] == c)
                next_[i + 1] = 1;
        }
        close(next_);
        on_.swap(next_);
    }
    bool matched() const { return on_[p_.size()]; }
    // Some state can still reach the end after at least one more character.
    bool can_continue() const {
        for (std::size_t i = 0; i < p_.size(); ++i)
            if (on_[i]) return true;
        return false;
    }

  private:
    void close(std::vector<char>& s) {
        for (std::size_t i = 0; i < p_.size(); ++i)
            if (s[i] && (p_[i] == '*' || p_[i] == '%')) s[i + 1] = 1;
    }
    std::string_view p_;
    std::vector<char> on_, next_;
};

// Patterns are short in practice; a longer one is matched literally only.
constexpr std::size_t kMaxPattern = 1024;

}  // namespace

bool pattern_matches(std::string_view p, std::string_view n) {
    if (p.size() > kMaxPattern) return p == n;
    PatternRun run(p);
    for (char c : n) run.feed(c);
    return run.matched();
}

bool pattern_may_match_below(std::string_view p, std::string_view name) {
    if (p.size() > kMaxPattern) return false;
    PatternRun run(p);
    for (char c : name) run.feed(c);
    run.feed(kSep);
    return run.can_continue();
}

}  // namespace postamt::imap
