// summarize() (parsed_message.h): one parse per delivered message, the
// serialized ParsedMessage plus the SORT/SEARCH columns.
#include "mime/encoded_word.h"
#include "mime/message_parser.h"

namespace postamt::mime {
namespace {

const Address* first_mailbox(const std::vector<Address>& list) {
    for (const auto& a : list)
        if (a.kind == Address::Kind::mailbox) return &a;
    return nullptr;
}

}  // namespace

SortFields sort_fields(const ParsedMessage& msg) {
    SortFields f;
    if (msg.envelopes.empty()) return f;
    const Envelope& e = msg.envelopes[0];
    if (e.subject) {
        f.subject = decode_header_text(*e.subject);
        f.base_subject = base_subject(f.subject);
    }
    if (const Address* a = first_mailbox(e.from)) {
        f.from = display_form(*a);
        f.from_mailbox = a->mailbox;
    }
    if (const Address* a = first_mailbox(e.to)) {
        f.to = display_form(*a);
        f.to_mailbox = a->mailbox;
    }
    if (const Address* a = first_mailbox(e.cc)) {
        f.cc = display_form(*a);
        f.cc_mailbox = a->mailbox;
    }
    if (e.message_id) f.message_id = *e.message_id;
    if (e.parsed_date) f.sent_date = e.parsed_date->unix_seconds;
    return f;
}

Summary summarize(std::string_view canonical_message) {
    ParsedMessage msg = parse_message(canonical_message);
    Summary s;
    s.serialized = serialize(msg);
    s.fields = sort_fields(msg);
    return s;
}

}  // namespace postamt::mime
