#include "admin/validate.h"

#include <cstdint>

#include "auth/password_hash.h"
#include "common/text.h"
#include "common/utf8.h"
#include "store/store.h"

namespace postamt::admin {

Result<std::string> normalize_address(std::string_view address) {
    auto parts = store::split_address(address);
    bool ok = parts.has_value();
    // Accounts and aliases are dot-atom local parts (RFC 5322 3.4.1): no
    // specials, spaces or controls, so "a@b@c" or "x@@y" never becomes one.
    if (ok)
        for (unsigned char c : parts->first)
            if (c <= ' ' || c == 0x7f || std::string_view("()<>[]:;@\\,\"").find(static_cast<char>(c)) != std::string_view::npos)
                ok = false;
    if (!ok) return make_error(Errc::invalid, "invalid address '" + std::string(address) + "' (expected local@domain)");
    return parts->first + "@" + parts->second;
}

Result<std::string> normalize_domain(std::string_view domain) {
    std::string d = text::to_lower(text::trim(domain));
    if (!d.empty() && d.back() == '.') d.pop_back();
    bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' && d.front() != '-';
    for (std::size_t i = 0; ok && i < d.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(d[i]);
        bool label_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c >= 0x80;
        if (c == '.') {
            if (d[i - 1] == '.' || d[i - 1] == '-' || (i + 1 < d.size() && d[i + 1] == '-')) ok = false;
        } else if (!label_char) {
            ok = false;
        }
    }
    if (ok && d.back() == '-') ok = false;
    // Validate once more the way the store will see it in addresses.
    if (ok && !store::split_address("postmaster@" + d)) ok = false;
    if (!ok) return make_error(Errc::invalid, "invalid domain name '" + std::string(domain) + "'");
    return d;
}

Result<std::string> normalize_alias_source(std::string_view source) {
    if (!source.empty() && source.front() == '@') {
        auto d = normalize_domain(source.substr(1));
        if (!d) return d.error();
        return "@" + d.value();
    }
    return normalize_address(source);
}

Result<int64_t> parse_quota_size(std::string_view s) {
    std::string_view t = text::trim(s);
    if (text::iequals(t, "unlimited") || text::iequals(t, "none")) return int64_t{0};
    auto v = text::parse_size(t);
    if (!v || *v > static_cast<uint64_t>(INT64_MAX))
        return make_error(Errc::invalid,
                          "invalid size '" + std::string(s) + "' (examples: 500M, 2G, 1048576, unlimited)");
    return static_cast<int64_t>(*v);
}

Status check_quota_value(int64_t v, std::string_view what) {
    if (v < 0) return make_error(Errc::invalid, std::string(what) + " must not be negative");
    if (v > kMaxQuotaValue) return make_error(Errc::invalid, std::string(what) + " is too large");
    return ok_status();
}

Status check_password(std::string_view password) {
    if (password.empty()) return make_error(Errc::invalid, "the password is empty");
    if (password.size() > auth::kMaxPasswordBytes)
        return make_error(Errc::invalid, "the password is longer than " + std::to_string(auth::kMaxPasswordBytes) + " bytes");
    if (!is_valid_utf8(password)) return make_error(Errc::invalid, "the password is not valid UTF-8");
    for (unsigned char c : password)
        if (c < 0x20 || c == 0x7f) return make_error(Errc::invalid, "the password contains a control character");
    return ok_status();
}

}  // namespace postamt::admin
