// SASLprep (RFC 4013) through ICU's StringPrep with the RFC 4013 profile,
// applied to passwords before SCRAM key derivation (RFC 5802 2.2 Normalize).
#include <unicode/usprep.h>
#include <unicode/ustring.h>

#include <vector>

#include "auth/scram.h"

namespace postamt::auth {

std::optional<std::string> saslprep(std::string_view s) {
    bool ascii_printable = true;
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7E) ascii_printable = false;
    if (ascii_printable) return std::string(s);  // RFC 4013 maps nothing in printable ASCII
    if (!is_valid_utf8(s) || s.size() > 4096) return std::nullopt;

    UErrorCode err = U_ZERO_ERROR;
    std::vector<UChar> in(s.size() + 1);
    int32_t in_len = 0;
    u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &in_len, s.data(),
                  static_cast<int32_t>(s.size()), &err);
    if (U_FAILURE(err)) return std::nullopt;
    UStringPrepProfile* prep = usprep_openByType(USPREP_RFC4013_SASLPREP, &err);
    if (U_FAILURE(err)) return std::nullopt;
    // NFKC can expand; RFC 3454 output is bounded well below 4x here.
    std::vector<UChar> out(static_cast<std::size_t>(in_len) * 4 + 16);
    UParseError perr;
    // Stored strings: unassigned code points are prohibited (RFC 3454 7).
    int32_t out_len = usprep_prepare(prep, in.data(), in_len, out.data(),
                                     static_cast<int32_t>(out.size()), USPREP_DEFAULT, &perr, &err);
    usprep_close(prep);
    if (U_FAILURE(err) || out_len == 0) return std::nullopt;
    std::string result(static_cast<std::size_t>(out_len) * 3 + 4, '\0');
    int32_t result_len = 0;
    u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &result_len, out.data(), out_len, &err);
    if (U_FAILURE(err)) return std::nullopt;
    result.resize(static_cast<std::size_t>(result_len));
    return result;
}

}  // namespace postamt::auth
