#pragma once
// Modified UTF-7 mailbox names (RFC 3501 5.1.3; RFC 9051 keeps it for
// clients that have not enabled UTF8=ACCEPT).
#include <optional>
#include <string>
#include <string_view>

namespace postamt::imap {

// UTF-8 -> modified UTF-7. Printable ASCII (0x20-0x7e) stands for itself,
// "&" becomes "&-", every run of other characters "&" + modified BASE64
// ("," for "/", no padding) of its UTF-16BE + "-". Invalid UTF-8 in the
// input (the store only holds valid names) is encoded as U+FFFD.
std::string utf8_to_mutf7(std::string_view utf8);

// Modified UTF-7 -> UTF-8, strict: nullopt unless `mutf7` is exactly what
// utf8_to_mutf7() would produce for some name. Rejected: 8-bit bytes and
// raw controls; "&" not followed by "-" or a terminated base64 run; base64
// outside the modified alphabet, "=" padding, spare bits that are non-zero
// or a whole sextet; encoded printable ASCII (incl. "&"); two adjacent
// encoded runs ("&AOQ-&AOQ-" is "&AOQA5A-"); unpaired UTF-16 surrogates.
// Decoded controls (U+0000..) are returned: name rules are the caller's.
std::optional<std::string> mutf7_to_utf8(std::string_view mutf7);

}  // namespace postamt::imap
