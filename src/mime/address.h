#pragma once
// RFC 5322 section 3.4 address lists (with section 4.4 obsolete forms and
// RFC 6532 UTF-8), parsed into the parts IMAP ENVELOPE needs (RFC 9051
// 7.5.2): name, adl, mailbox, host, plus group start/end markers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

struct Address {
    enum class Kind : uint8_t { mailbox = 0, group_start = 1, group_end = 2 };
    Kind kind = Kind::mailbox;
    // Display name as written (quotes and escapes removed, words joined by
    // one space, RFC 2047 encoded words kept); for a group start, the group
    // name. A comment after a bare addr-spec ("a@b (Name)") becomes the name.
    std::string name;
    std::string adl;      // obsolete source route, e.g. "@a.example,@b.example"
    std::string mailbox;  // local part, unquoted
    std::string host;     // domain; empty when the address had none
    bool operator==(const Address&) const = default;
};

// Never fails; garbage yields whatever addresses can be recognised.
// `raw_value` may be folded.
std::vector<Address> parse_address_list(std::string_view raw_value);

// "mailbox@host" (or just mailbox when there is no host).
std::string addr_spec(const Address& a);
// RFC 5957 display form: decoded name if any, else addr_spec().
std::string display_form(const Address& a);

}  // namespace postamt::mime
