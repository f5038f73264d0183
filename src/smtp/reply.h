#pragma once
// SMTP replies on the wire (RFC 5321 4.2): a three-digit code, an enhanced
// status code (RFC 2034, RFC 3463) and text. Formatting only; which reply a
// command gets is decided in session*.cpp.
#include <string>
#include <string_view>
#include <vector>

namespace postamt::smtp {

struct Reply {
    int code = 250;
    std::string enhanced;  // "2.1.5"; empty for the greeting, HELO/EHLO and 354 (RFC 2034 3)
    std::string text;

    bool is_error() const { return code >= 400; }
    bool is_permanent() const { return code >= 500; }
    // "550 5.1.1 text\r\n"
    std::string wire() const;
};

// Multi-line reply: "250-first\r\n250-second\r\n250 last\r\n" (RFC 5321 4.2.1).
// Lines carry no enhanced code (used for EHLO). `lines` must not be empty.
std::string multiline_wire(int code, const std::vector<std::string>& lines);

}  // namespace postamt::smtp
