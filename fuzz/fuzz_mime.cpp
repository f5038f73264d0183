// libFuzzer target for mime/: summarize(), the serialize/deserialize round
// trip, deserialize() of raw bytes, and the decoding helpers. Any crash,
// sanitizer report or broken invariant (abort) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/encoded_word.h"
#include "mime/message_parser.h"
#include "mime/transfer_decode.h"

using namespace postamt::mime;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_structure(const ParsedMessage& pm, std::size_t size) {
    check(pm.size == size);
    check(!pm.parts.empty() && !pm.envelopes.empty());
    check(pm.parts.size() <= kMaxParts + kMaxDepth + 1);
    for (std::size_t k = 0; k < pm.parts.size(); ++k) {
        const Part& p = pm.parts[k];
        check(p.header_start <= p.body_start && p.body_start <= p.end && p.end <= size);
        if (k == 0) {
            check(p.parent == kNoIndex);
        } else {
            check(p.parent < k);
            const Part& parent = pm.parts[p.parent];
            check(parent.body_start <= p.header_start && p.end <= parent.end);
        }
        if (p.is_multipart()) check(!p.children.empty());
        if (p.is_message()) check(p.children.size() == 1 && p.envelope < pm.envelopes.size());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);

    // Raw bytes as a serialized summary: must be rejected or be consistent.
    if (auto d = deserialize(raw)) {
        for (std::size_t k = 1; k < d->parts.size(); ++k) check(d->parts[k].parent < k);
        auto again = deserialize(serialize(*d));
        check(again.has_value() && *again == *d);
    }

    std::string m = canonicalize_crlf(raw);
    check(is_canonical_crlf(m));
    Summary s = summarize(m);
    auto back = deserialize(s.serialized);
    check(back.has_value());
    ParsedMessage pm = parse_message(m);
    check(*back == pm);
    check_structure(pm, m.size());

    // The message as given (not canonical) must be parseable too.
    ParsedMessage pr = parse_message(raw);
    check_structure(pr, raw.size());

    // Decoding helpers on a bounded number of parts.
    std::size_t n = 0;
    for (const Part& p : pm.parts) {
        if (++n > 16) break;
        (void)part_text_utf8(m, p);
        if (p.description) (void)decode_header_text(*p.description);
    }
    for (const Envelope& e : pm.envelopes) {
        for (const Address& a : e.from) (void)display_form(a);
        if (e.subject) (void)base_subject(decode_header_text(*e.subject));
    }
    (void)pm.find_section({1, 1, 2});
    (void)pm.find_section({2, 1});
    return 0;
}
