// postamt mailbox list <user>
#include <fmt/core.h>

#include "cli/commands.h"

namespace postamt::cli {

void mailbox_list(Context& ctx, const std::string& address_in) {
    std::string address = normalize_address(address_in);
    auto& st = ctx.store();
    auto acct = find_account(st, address);
    auto boxes = must(call<std::vector<store::Mailbox>>([&](auto cb) { st.list_mailboxes(acct.id, cb); }),
                      "cannot list mailboxes of " + address);
    fmt::print("{:<32} {:<12} {:>8} {:>8} {:>12} {:>8} {}\n", "NAME", "SPECIAL-USE", "MESSAGES", "UNSEEN",
               "UIDVALIDITY", "UIDNEXT", "SUBSCRIBED");
    for (const auto& m : boxes) {
        fmt::print("{:<32} {:<12} {:>8} {:>8} {:>12} {:>8} {}\n", m.name, m.special_use.empty() ? "-" : m.special_use,
                   m.messages, m.unseen, m.uid_validity, m.uid_next, m.subscribed ? "yes" : "no");
    }
}

}  // namespace postamt::cli
