#include "imap/object_id.h"

namespace postamt::imap {

std::string mailbox_object_id(store::MailboxId id) { return "F" + std::to_string(id); }

std::string email_object_id(store::BlobId id) { return "M" + std::to_string(id); }

std::optional<store::BlobId> parse_email_object_id(std::string_view text) {
    if (text.size() < 2 || text.size() > 19 || text[0] != 'M') return std::nullopt;
    store::BlobId id = 0;
    for (char c : text.substr(1)) {
        if (c < '0' || c > '9') return std::nullopt;
        id = id * 10 + (c - '0');
    }
    if (id <= 0) return std::nullopt;
    return id;
}

}  // namespace postamt::imap
