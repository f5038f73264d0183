// postamt message cat <user> <mailbox> <uid>: the stored bytes, unchanged.
#include <cstdio>

#include "cli/commands.h"

namespace postamt::cli {

void message_cat(Context& ctx, const std::string& address_in, const std::string& mailbox, const std::string& uid_text) {
    std::string address = normalize_address(address_in);
    store::Uid uid = 0;
    {
        uint64_t v = 0;
        bool ok = !uid_text.empty() && uid_text.size() <= 10;
        for (char c : uid_text) {
            if (c < '0' || c > '9') ok = false;
            v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (!ok || v == 0 || v > 0xFFFFFFFFu) usage_error("invalid UID '" + uid_text + "' (1 to 4294967295)");
        uid = static_cast<store::Uid>(v);
    }
    auto& st = ctx.store();
    auto acct = find_account(st, address);
    auto mb = must(call<std::optional<store::Mailbox>>([&](auto cb) { st.get_mailbox(acct.id, mailbox, cb); }),
                   "cannot read mailbox " + mailbox);
    if (!mb) fail("no mailbox " + mailbox + " for " + address);
    auto rows = must(call<std::vector<store::MessageRow>>(
                         [&](auto cb) { st.fetch_rows(mb->id, {store::UidRange{uid, uid}}, cb); }),
                     "cannot read messages of " + mailbox);
    if (rows.empty()) fail("no message with UID " + std::to_string(uid) + " in " + mb->name);
    auto bytes = must(call<std::string>([&](auto cb) { st.read_blob(rows.front().blob, 0, -1, cb); }),
                      "cannot read message " + std::to_string(uid));
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
        fail("cannot write the message to stdout");
}

}  // namespace postamt::cli
