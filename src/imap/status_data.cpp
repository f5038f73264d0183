#include "imap/status_data.h"

#include "imap/recent_registry.h"
#include "net/await_store.h"
#include "store/search_query.h"

namespace postamt::imap {
namespace {

asio::awaitable<std::optional<uint32_t>> count_matching(SessionPtr s, store::MailboxId mb,
                                                        store::SearchNode q) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    auto r = co_await net::await_store<std::vector<store::Uid>>(
        [&](auto done) { st->search(mb, std::move(q), std::move(done)); });
    if (!r) co_return std::nullopt;
    co_return static_cast<uint32_t>(r->size());
}

}  // namespace

asio::awaitable<std::optional<std::string>> status_attributes(SessionPtr s, store::Mailbox mb,
                                                              std::vector<StatusItem> items) {
    std::string out;
    for (StatusItem it : items) {
        if (!out.empty()) out += ' ';
        switch (it) {
            case StatusItem::messages:
                out += "MESSAGES " + std::to_string(mb.messages);
                break;
            case StatusItem::uidnext:
                out += "UIDNEXT " + std::to_string(mb.uid_next);
                break;
            case StatusItem::uidvalidity:
                out += "UIDVALIDITY " + std::to_string(mb.uid_validity);
                break;
            case StatusItem::unseen:
                out += "UNSEEN " + std::to_string(mb.unseen);
                break;
            case StatusItem::size:
                out += "SIZE " + std::to_string(mb.size);
                break;
            case StatusItem::highestmodseq:
                out += "HIGHESTMODSEQ " + std::to_string(mb.highest_modseq);
                break;
            case StatusItem::appendlimit:
                out += "APPENDLIMIT " + std::to_string(s->ctx->limits.max_message_size);
                break;
            case StatusItem::mailboxid:
                out += "MAILBOXID (" + mailbox_object_id(mb.id) + ")";
                break;
            case StatusItem::deleted: {
                store::SearchNode q;
                q.kind = store::SearchNode::Kind::flags_set;
                q.number = store::kDeleted;
                auto n = co_await count_matching(s, mb.id, std::move(q));
                if (!n) co_return std::nullopt;
                out += "DELETED " + std::to_string(*n);
                break;
            }
            case StatusItem::recent: {
                // Messages no session has been told about yet (nothing is
                // claimed); without a boundary yet: those stored since start.
                std::optional<store::Uid> boundary = RecentRegistry::instance().peek(mb.id);
                store::SearchNode q;
                if (boundary) {
                    q.kind = store::SearchNode::Kind::uids;
                    q.uids.push_back(store::UidRange{*boundary + 1, 0xFFFFFFFFu});
                } else {
                    q.kind = store::SearchNode::Kind::save_date;
                    q.date_from = RecentRegistry::instance().started();
                }
                uint32_t n = 0;
                if (!boundary || *boundary + 1 < mb.uid_next) {
                    auto c = co_await count_matching(s, mb.id, std::move(q));
                    if (!c) co_return std::nullopt;
                    n = *c;
                }
                out += "RECENT " + std::to_string(n);
                break;
            }
        }
    }
    co_return out;
}

}  // namespace postamt::imap
