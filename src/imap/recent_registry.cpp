#include "imap/recent_registry.h"

#include <algorithm>
#include <ctime>

namespace postamt::imap {

RecentRegistry& RecentRegistry::instance() {
    static RecentRegistry r;
    return r;
}

RecentRegistry::RecentRegistry() : started_(static_cast<int64_t>(std::time(nullptr))) {}

store::Uid RecentRegistry::boundary(store::MailboxId mailbox, store::Uid highest, bool claim,
                                    store::Uid initial) {
    std::lock_guard lk(mu_);
    auto [it, inserted] = seen_.try_emplace(mailbox, initial);
    store::Uid before = it->second;
    if (claim) it->second = std::max(it->second, highest);
    return before;
}

std::optional<store::Uid> RecentRegistry::peek(store::MailboxId mailbox) {
    std::lock_guard lk(mu_);
    auto it = seen_.find(mailbox);
    if (it == seen_.end()) return std::nullopt;
    return it->second;
}

}  // namespace postamt::imap
