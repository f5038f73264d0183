#pragma once
// DKIM canonicalisation (RFC 6376 3.4) and the two hash inputs of a
// signature (3.7): the body hash over the canonical body (optionally cut at
// l=) and the header hash input (the selected header fields, canonical, then
// the DKIM-Signature field itself with an empty b= and no final CRLF).
// Written once for signing (dkim_sign.h) and for verifying inbound mail.
// Pure functions of bytes; the message is in canonical CRLF form.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::smtp::dkim {

enum class Canon { simple, relaxed };

// "simple/relaxed" etc. (c= tag). A missing body part means simple (RFC 6376
// 3.5 c=); nullopt for unknown names.
struct CanonPair {
    Canon header = Canon::simple;
    Canon body = Canon::simple;
};
std::optional<CanonPair> parse_canon_pair(std::string_view c_tag);

// A message split into header fields and body. Each field is its whole text
// ("Name: value", with any folding) without the final CRLF. The header ends
// at the first empty line (or at a line that cannot be a header field, as the
// MIME parser and Postfix treat it); the body starts after it.
struct SplitMessage {
    std::vector<std::string_view> fields;
    std::string_view body;
};
SplitMessage split_message(std::string_view message);

// The name of a field's text: before the colon, trailing WSP removed.
std::string_view field_name(std::string_view field);

// One header field, canonical, with its final CRLF (3.4.1 simple, 3.4.2
// relaxed).
std::string canon_header(std::string_view field, Canon c);

// The canonical body (3.4.3 simple, 3.4.4 relaxed), streamed to `out` in
// pieces so that big bodies are never copied whole.
void canon_body(std::string_view body, Canon c, const std::function<void(std::string_view)>& out);
std::string canon_body(std::string_view body, Canon c);

enum class HashAlg { sha256, sha1 };  // sha1 only for verifying rsa-sha1 (RFC 8301 forbids signing)

// Hash of the canonical body; with `length_limit` (l=) only its first octets
// are hashed. `canonical_length` (optional) receives the full canonical
// length, so a verifier can reject l= greater than the body (3.5 l=).
std::string body_hash(std::string_view body, Canon c, std::optional<uint64_t> length_limit = std::nullopt,
                      HashAlg alg = HashAlg::sha256, uint64_t* canonical_length = nullptr);

// The fields named by h= (names as listed, case-insensitive), picked from
// the bottom up for repeated names (5.4.2); a name listed more often than it
// occurs contributes nothing for the extra instances (over-signing).
std::vector<std::string_view> select_fields(const std::vector<std::string_view>& fields,
                                            const std::vector<std::string>& names);

// h= value -> names ("from : to:subject" -> {"from","to","subject"}), FWS
// removed.
std::vector<std::string> parse_h_tag(std::string_view h_value);

// The DKIM-Signature field with the value of its b= tag removed (3.7: "with
// the value of the b= tag (including all surrounding whitespace) deleted");
// bh= and everything else untouched.
std::string without_b_value(std::string_view signature_field);

// The header hash input of 3.7: the selected fields canonical, each with
// CRLF, then the signature field (b= already empty) canonical without CRLF.
std::string header_hash_input(const std::vector<std::string_view>& selected_fields,
                              std::string_view signature_field_b_empty, Canon c);

// RFC 6376 3.2 tag=value list of a DKIM-Signature or key record: tags in
// order, names and values with FWS stripped at both ends (values keep inner
// FWS; callers of b=/bh=/p= remove it). nullopt on a syntax error or a
// duplicate tag.
struct Tag {
    std::string name;
    std::string value;
};
std::optional<std::vector<Tag>> parse_tag_list(std::string_view text);

}  // namespace postamt::smtp::dkim
