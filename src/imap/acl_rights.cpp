#include "imap/acl_rights.h"

#include "common/text.h"

namespace postamt::imap::acl {
namespace {

std::string canonical(const bool (&on)[128]) {
    std::string out;
    for (char c : kAllRights)
        if (on[static_cast<unsigned char>(c)]) out += c;
    return out;
}

// Marks the rights in `letters` in `on`; false on a character that is not
// a right.
bool mark(std::string_view letters, bool (&on)[128], bool value) {
    for (char c : letters) {
        if (c == 'c') {
            for (char m : kCreateMembers) on[static_cast<unsigned char>(m)] = value;
        } else if (c == 'd') {
            for (char m : kDeleteMembers) on[static_cast<unsigned char>(m)] = value;
        } else if (kAllRights.find(c) != std::string_view::npos) {
            on[static_cast<unsigned char>(c)] = value;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::string> parse_rights(std::string_view letters) {
    bool on[128] = {};
    if (!mark(letters, on, true)) return std::nullopt;
    return canonical(on);
}

std::optional<std::string> apply_modification(std::string_view current, std::string_view mod) {
    bool on[128] = {};
    if (!mark(current, on, true)) return std::nullopt;
    if (!mod.empty() && mod[0] == '+') {
        if (!mark(mod.substr(1), on, true)) return std::nullopt;
        return canonical(on);
    }
    if (!mod.empty() && mod[0] == '-') {
        if (!mark(mod.substr(1), on, false)) return std::nullopt;
        return canonical(on);
    }
    return parse_rights(mod);
}

std::string display(std::string_view canon) {
    std::string out(canon);
    bool create = false, del = false;
    for (char c : canon) {
        if (kCreateMembers.find(c) != std::string_view::npos) create = true;
        if (kDeleteMembers.find(c) != std::string_view::npos) del = true;
    }
    if (create) out += 'c';
    if (del) out += 'd';
    return out;
}

bool has(std::string_view rights, char right) { return rights.find(right) != std::string_view::npos; }

bool is_negative(std::string_view id) { return !id.empty() && id[0] == '-'; }

std::optional<std::string> normalise_identifier(std::string_view id) {
    std::string prefix;
    if (is_negative(id)) {
        prefix = "-";
        id.remove_prefix(1);
    }
    if (id.empty()) return std::nullopt;
    if (text::iequals(id, "anyone")) return prefix + "anyone";
    // Only local addresses name users here (no groups). A byte outside
    // printable ASCII, a space or a second '@' is not an address.
    auto at = id.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == id.size() || id.find('@', at + 1) != std::string_view::npos)
        return std::nullopt;
    for (char c : id)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
    return prefix + std::string(id.substr(0, at + 1)) + text::to_lower(id.substr(at + 1));
}

std::string effective_rights(std::string_view user, std::string_view owner, const std::vector<store::AclEntry>& entries) {
    auto same_user = [](std::string_view a, std::string_view b) {
        auto na = normalise_identifier(a), nb = normalise_identifier(b);
        return na && nb && *na == *nb;
    };
    if (same_user(user, owner)) return std::string(kAllRights);
    bool on[128] = {};
    bool off[128] = {};
    for (const auto& e : entries) {
        std::string_view id = e.identifier;
        bool neg = is_negative(id);
        if (neg) id.remove_prefix(1);
        if (!(id == "anyone" || same_user(id, user))) continue;
        mark(e.rights, neg ? off : on, true);
    }
    std::string out;
    for (char c : kAllRights)
        if (on[static_cast<unsigned char>(c)] && !off[static_cast<unsigned char>(c)]) out += c;
    return out;
}

ListRights list_rights(std::string_view identifier, std::string_view owner) {
    ListRights lr;
    auto a = normalise_identifier(identifier), o = normalise_identifier(owner);
    if (a && o && *a == *o) {
        // The owner's rights cannot be changed (effective_rights).
        lr.required = std::string(kAllRights);
        lr.required += "cd";
        return lr;
    }
    // Every right is independent; "c" and "d" are listed next to their
    // members as RFC 4314 2.1.1 (**) asks when they are not tied.
    for (char c : kAllRights) lr.optional.emplace_back(1, c);
    lr.optional.emplace_back("c");
    lr.optional.emplace_back("d");
    return lr;
}

}  // namespace postamt::imap::acl
