#include "imap/binary_decode.h"

#include "mime/transfer_decode.h"

namespace postamt::imap {
namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (x != y) return false;  // b is lower-case
    }
    return true;
}

bool is_identity(std::string_view e) {
    return iequal(e, "7bit") || iequal(e, "8bit") || iequal(e, "binary");
}

}  // namespace

bool binary_encoding_known(std::string_view e) {
    return is_identity(e) || iequal(e, "base64") || iequal(e, "quoted-printable");
}

std::string binary_encoding_for(const mime::ParsedMessage& msg, const Section& section) {
    if (section.part.empty()) return "binary";
    uint32_t idx = msg.find_section(section.part);
    if (idx >= msg.parts.size()) return "binary";
    const mime::Part& p = msg.parts[idx];
    if (p.is_multipart() || p.is_message()) return "binary";
    return p.encoding;
}

std::optional<std::string> decode_binary(std::string_view body, std::string_view encoding) {
    if (is_identity(encoding)) return std::string(body);
    if (iequal(encoding, "base64")) return mime::decode_base64_lenient(body);
    if (iequal(encoding, "quoted-printable")) return mime::decode_quoted_printable(body);
    return std::nullopt;
}

bool binary_needs_literal8(std::string_view decoded) {
    return decoded.find('\0') != std::string_view::npos;
}

std::optional<uint64_t> binary_size(std::string_view body, std::string_view encoding) {
    if (is_identity(encoding)) return body.size();
    auto d = decode_binary(body, encoding);
    if (!d) return std::nullopt;
    return d->size();
}

}  // namespace postamt::imap
