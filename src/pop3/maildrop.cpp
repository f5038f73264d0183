#include "pop3/maildrop.h"

#include <algorithm>

namespace postamt::pop3 {

Maildrop::Maildrop(store::Pop3Maildrop md)
    : mailbox_id_(md.inbox.id),
      uid_validity_(md.inbox.uid_validity),
      messages_(std::move(md.messages)) {
    marks_.assign(messages_.size(), 0);
    live_count_ = static_cast<std::uint32_t>(messages_.size());
    for (const auto& m : messages_) live_octets_ += m.blob.size;
}

Lookup Maildrop::lookup(std::uint32_t msgno) const {
    if (msgno == 0 || msgno > messages_.size()) return Lookup::no_such_message;
    return is_deleted(msgno) ? Lookup::deleted : Lookup::ok;
}

std::string Maildrop::uidl(std::uint32_t msgno) const {
    const auto& m = message(msgno);
    if (!m.imported_uidl.empty() && !valid_uidl(m.imported_uidl)) {
        // An imported value no POP3 client could have seen (RFC 1939 7):
        // the derived one keeps the listing parseable.
        store::Pop3Message derived = m;
        derived.imported_uidl.clear();
        return store::pop3_uidl(derived, uid_validity_);
    }
    return store::pop3_uidl(m, uid_validity_);
}

bool valid_uidl(std::string_view s) {
    if (s.empty() || s.size() > 70) return false;
    for (unsigned char c : s)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

bool Maildrop::mark_deleted(std::uint32_t msgno) {
    auto& m = marks_[msgno - 1];
    if (m & kDeleted) return false;
    m |= kDeleted;
    --live_count_;
    live_octets_ -= octets(msgno);
    return true;
}

std::uint32_t Maildrop::unmark_all() {
    std::uint32_t n = deleted_count();
    for (auto& m : marks_) m &= static_cast<std::uint8_t>(~kDeleted);
    live_count_ = size();
    live_octets_ = 0;
    for (const auto& m : messages_) live_octets_ += m.blob.size;
    return n;
}

std::vector<store::Uid> Maildrop::deleted_uids() const {
    std::vector<store::Uid> out;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if (marks_[i] & kDeleted) out.push_back(messages_[i].uid);
    return out;
}

std::vector<store::Uid> Maildrop::retrieved_kept_uids() const {
    std::vector<store::Uid> out;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if ((marks_[i] & kRetrieved) && !(marks_[i] & kDeleted)) out.push_back(messages_[i].uid);
    return out;
}

std::vector<store::Uid> expired_uids(const store::Pop3Maildrop& md, std::int64_t now,
                                     std::uint32_t expire_days) {
    std::vector<store::Uid> out;
    if (expire_days == 0) return out;
    const std::int64_t cutoff = now - static_cast<std::int64_t>(expire_days) * 86400;
    for (const auto& m : md.messages)
        if (m.retrieved_at > 0 && m.retrieved_at <= cutoff) out.push_back(m.uid);
    return out;
}

void remove_uids(store::Pop3Maildrop& md, const std::vector<store::Uid>& uids) {
    if (uids.empty()) return;
    auto& v = md.messages;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const store::Pop3Message& m) {
                               return std::binary_search(uids.begin(), uids.end(), m.uid);
                           }),
            v.end());
}

std::vector<store::UidRange> to_ranges(const std::vector<store::Uid>& uids) {
    std::vector<store::UidRange> out;
    for (store::Uid u : uids) {
        if (!out.empty() && out.back().last != 0xFFFFFFFFu && out.back().last + 1 == u)
            out.back().last = u;
        else
            out.push_back(store::UidRange{u, u});
    }
    return out;
}

}  // namespace postamt::pop3
