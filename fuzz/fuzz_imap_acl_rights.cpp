// libFuzzer target for the RFC 4314 rights model (imap/acl_rights.h):
// rights strings, SETACL modifications, identifiers, and effective rights
// over an arbitrary ACL. Input: lines "identifier<TAB>rights"; the first
// line is "user<TAB>owner<TAB>modification". Crashes and broken invariants
// (abort) are bugs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imap/acl_rights.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Canonical: only known rights, in kAllRights order, no repeats.
bool canonical(std::string_view r) {
    std::size_t pos = 0;
    for (char c : r) {
        auto at = acl::kAllRights.find(c, pos);
        if (at == std::string_view::npos) return false;
        pos = at + 1;
    }
    return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t j = s.find(sep, i);
        if (j == std::string_view::npos) j = s.size();
        out.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto lines = split(in, '\n');
    auto head = split(lines[0], '\t');
    std::string_view user = head[0];
    std::string_view owner = head.size() > 1 ? head[1] : "";
    std::string_view mod = head.size() > 2 ? head[2] : "";

    if (auto r = acl::parse_rights(mod)) {
        check(canonical(*r));
        // display() only appends "c" and/or "d" (which stand for "some
        // member", so parsing the display back may give more rights).
        std::string shown = acl::display(*r);
        check(shown.size() <= r->size() + 2);
        check(shown.compare(0, r->size(), *r) == 0);
        for (char c : std::string_view(shown).substr(r->size())) check(c == 'c' || c == 'd');
    }
    if (auto r = acl::apply_modification("lr", mod)) check(canonical(*r));
    if (auto id = acl::normalise_identifier(user)) {
        check(!id->empty());
        check(acl::normalise_identifier(*id) == id);  // idempotent
    }

    std::vector<store::AclEntry> acl;
    for (std::size_t i = 1; i < lines.size() && i < 64; ++i) {
        auto f = split(lines[i], '\t');
        acl.push_back({std::string(f[0]), std::string(f.size() > 1 ? f[1] : "")});
    }
    std::string eff = acl::effective_rights(user, owner, acl);
    check(canonical(eff));
    auto nu = acl::normalise_identifier(user), no = acl::normalise_identifier(owner);
    if (nu && no && *nu == *no) check(eff == acl::kAllRights);
    auto lr = acl::list_rights(user, owner);
    check(lr.required.empty() || lr.optional.empty());
    return 0;
}
