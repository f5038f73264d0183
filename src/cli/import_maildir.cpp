#include "cli/import_maildir.h"

#include <fmt/core.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "cli/maildir_format.h"
#include "store/mailbox_name.h"

namespace postamt::cli {
namespace {

namespace fs = std::filesystem;

struct PlannedMessage {
    fs::path file;
    store::Uid uid = 0;  // 0: the store assigns the next one
    std::string pop3_uidl;
    store::Flags flags;
};

struct FolderPlan {
    std::string name;  // stored mailbox name
    fs::path dir;
    uint32_t uid_validity = 0;  // 0: no dovecot-uidlist
    store::Uid next_uid = 0;
    std::vector<PlannedMessage> messages;
};

template <class T, class Start>
Result<T> call(Start&& start) {
    return store::wait_for<T>(std::forward<Start>(start));
}

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

// Files of cur/ and new/ (tmp/ holds deliveries in progress: skipped).
std::vector<fs::path> message_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const char* sub : {"cur", "new"}) {
        std::error_code ec;
        for (auto it = fs::directory_iterator(dir / sub, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            std::string name = it->path().filename().string();
            if (name.empty() || name.front() == '.') continue;
            std::error_code ec2;
            if (!it->is_regular_file(ec2)) continue;
            out.push_back(it->path());
        }
    }
    std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    return out;
}

Result<FolderPlan> plan_folder(const std::string& name, const fs::path& dir, std::vector<std::string>& warnings) {
    FolderPlan plan;
    plan.name = name;
    plan.dir = dir;
    std::map<char, std::string> keywords;
    if (auto kw = read_file(dir / "dovecot-keywords")) keywords = maildir::parse_keywords(*kw);

    std::optional<maildir::UidList> uidlist;
    if (fs::exists(dir / "dovecot-uidlist")) {
        auto text = read_file(dir / "dovecot-uidlist");
        if (!text) return make_error(Errc::invalid, "cannot read " + (dir / "dovecot-uidlist").string());
        auto parsed = maildir::parse_uidlist(*text);
        if (!parsed.ok()) return make_error(Errc::invalid, name + ": " + parsed.error().message);
        uidlist = std::move(parsed).value();
        plan.uid_validity = uidlist->uid_validity;
        plan.next_uid = uidlist->next_uid;
    }

    std::map<std::string, fs::path> by_base;
    for (auto& f : message_files(dir)) by_base.emplace(std::string(maildir::base_name(f.filename().string())), f);

    auto add = [&](const fs::path& file, store::Uid uid, std::string uidl) {
        auto info = maildir::parse_info_flags(file.filename().string(), keywords);
        if (!info.unknown.empty())
            warnings.push_back(fmt::format("{}: keyword letters '{}' of {} are not in dovecot-keywords; dropped", name,
                                           info.unknown, file.filename().string()));
        plan.messages.push_back(PlannedMessage{file, uid, std::move(uidl), std::move(info.flags)});
    };

    store::Uid last = 0;
    if (uidlist) {
        for (auto& e : uidlist->entries) {
            auto it = by_base.find(e.base);
            if (it == by_base.end()) continue;  // expunged since the list was written
            if (e.uid <= last) {
                warnings.push_back(fmt::format("{}: UID {} listed twice in dovecot-uidlist; the file gets a new UID",
                                               name, e.uid));
                continue;
            }
            add(it->second, e.uid, e.pop3_uidl);
            last = e.uid;
            by_base.erase(it);
        }
    }
    // Not in the list (delivered after Dovecot last looked): fresh UIDs after
    // the listed ones, in file-name (delivery time) order.
    std::vector<fs::path> rest;
    for (auto& [base, path] : by_base) rest.push_back(path);
    std::sort(rest.begin(), rest.end(), [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    store::Uid next = uidlist ? std::max<store::Uid>(plan.next_uid, last + 1) : 0;
    for (auto& p : rest) add(p, uidlist ? next++ : 0, "");
    if (uidlist) plan.next_uid = std::max<store::Uid>(plan.next_uid, next);
    return plan;
}

Result<std::vector<FolderPlan>> plan_import(const fs::path& root, std::vector<std::string>& warnings) {
    if (!is_dir(root / "cur") && !is_dir(root / "new"))
        return make_error(Errc::invalid, root.string() + " is not a maildir (no cur/ or new/)");
    std::vector<FolderPlan> plans;
    auto inbox = plan_folder("INBOX", root, warnings);
    if (!inbox.ok()) return inbox.error();
    plans.push_back(std::move(inbox).value());
    std::error_code ec;
    std::set<std::string> seen{"INBOX"};
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string dname = it->path().filename().string();
        if (dname.size() < 2 || dname[0] != '.' || dname == "..") continue;
        if (!is_dir(it->path()) || (!is_dir(it->path() / "cur") && !is_dir(it->path() / "new"))) continue;
        auto decoded = maildir::folder_dir_to_mailbox(dname);
        std::optional<std::string> name;
        if (decoded) name = store::normalize_mailbox_name(*decoded);
        if (!name) {
            warnings.push_back("skipped folder " + dname + ": not a usable mailbox name");
            continue;
        }
        if (!seen.insert(*name).second) {
            warnings.push_back("skipped folder " + dname + ": " + *name + " was already imported from another folder");
            continue;
        }
        auto plan = plan_folder(*name, it->path(), warnings);
        if (!plan.ok()) return plan.error();
        plans.push_back(std::move(plan).value());
    }
    if (ec) return make_error(Errc::invalid, "cannot list " + root.string() + ": " + ec.message());
    // Parents before children, so a parent is created with its own
    // UIDVALIDITY rather than implicitly by a child.
    std::sort(plans.begin() + 1, plans.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return plans;
}

// The mailbox to import `plan` into, created or given the imported
// UIDVALIDITY.
Result<store::Mailbox> prepare_mailbox(store::Store& st, const store::Account& account, const FolderPlan& plan,
                                       std::vector<std::string>& warnings) {
    auto existing = call<std::optional<store::Mailbox>>([&](auto cb) { st.get_mailbox(account.id, plan.name, cb); });
    if (!existing.ok()) return existing.error();
    if (!*existing)
        return call<store::Mailbox>(
            [&](auto cb) { st.create_mailbox(account.id, plan.name, "", plan.uid_validity, cb); });
    store::Mailbox mb = **existing;
    if (plan.uid_validity == 0 || mb.uid_validity == plan.uid_validity) return mb;
    // Empty (checked by the caller): take the old server's UIDVALIDITY, so
    // IMAP clients keep their caches (INBOX included).
    auto set = call<Unit>([&](auto cb) { st.set_uid_validity(mb.id, plan.uid_validity, cb); });
    if (!set.ok())
        return make_error(set.error().code, "cannot give " + mb.name + " UIDVALIDITY " +
                                                std::to_string(plan.uid_validity) + ": " + set.error().message);
    mb.uid_validity = plan.uid_validity;
    mb.uid_next = 1;
    return mb;
}

}  // namespace

Result<MaildirImportSummary> import_maildir(store::Store& st, const store::Account& account,
                                            const std::string& maildir_path) {
    MaildirImportSummary summary;
    fs::path root(maildir_path);
    auto plans_r = plan_import(root, summary.warnings);
    if (!plans_r.ok()) return plans_r.error();
    auto& plans = plans_r.value();

    // Check everything before changing anything: no mail is added to a
    // mailbox that already has some (a second import must not duplicate).
    auto boxes = call<std::vector<store::Mailbox>>([&](auto cb) { st.list_mailboxes(account.id, cb); });
    if (!boxes.ok()) return boxes.error();
    std::map<std::string, store::Mailbox> existing;
    for (auto& b : boxes.value()) existing.emplace(b.name, b);
    for (const auto& p : plans) {
        auto it = existing.find(p.name);
        if (it == existing.end()) continue;
        if (it->second.messages > 0)
            return make_error(Errc::already_exists,
                              fmt::format("mailbox {} of {} already holds {} messages; import only fills empty "
                                          "mailboxes (already imported?)",
                                          p.name, account.address(), it->second.messages));
        bool keeps_uidvalidity = p.uid_validity == 0;
        if (keeps_uidvalidity && !p.messages.empty() && p.messages.front().uid != 0 &&
            p.messages.front().uid < it->second.uid_next)
            return make_error(Errc::conflict, fmt::format("mailbox {} already used UIDs up to {}; the imported UIDs "
                                                          "start at {}",
                                                          p.name, it->second.uid_next - 1, p.messages.front().uid));
    }

    for (const auto& plan : plans) {
        auto mb_r = prepare_mailbox(st, account, plan, summary.warnings);
        if (!mb_r.ok()) return make_error(mb_r.error().code, plan.name + ": " + mb_r.error().message);
        const store::Mailbox& mb = mb_r.value();
        bool uidvalidity_differs = plan.uid_validity != 0 && mb.uid_validity != plan.uid_validity;
        store::Uid last_uid = 0;
        // One at a time: explicit UIDs must reach the writer in order.
        for (const auto& m : plan.messages) {
            auto data = read_file(m.file);
            if (!data) {
                summary.warnings.push_back("cannot read " + m.file.string() + "; skipped");
                continue;
            }
            struct stat sb{};
            store::NewMessage nm;
            nm.data = std::move(*data);
            nm.internal_date = ::stat(m.file.c_str(), &sb) == 0 ? static_cast<int64_t>(sb.st_mtime) : 0;
            nm.targets = {store::DeliveryTarget{account.id, mb.id, m.flags}};
            nm.enforce_quota = false;
            nm.uid = m.uid;
            nm.pop3_uidl = m.pop3_uidl;
            // Dovecot's default UIDL (%08Xu%08Xv) depends on UIDVALIDITY:
            // keep the old value when the mailbox could not take it over.
            if (nm.pop3_uidl.empty() && uidvalidity_differs && m.uid != 0)
                nm.pop3_uidl = fmt::format("{:08X}{:08X}", m.uid, plan.uid_validity);
            auto copies = call<std::vector<store::DeliveredCopy>>([&](auto cb) { st.deliver(std::move(nm), cb); });
            if (!copies.ok())
                return make_error(copies.error().code,
                                  "cannot store " + m.file.string() + ": " + copies.error().message);
            const auto& c = copies.value().at(0);
            if (c.error != Errc::ok)
                return make_error(c.error, "cannot store " + m.file.string() + ": " + c.error_message);
            last_uid = c.uid;
            ++summary.messages;
        }
        if (plan.next_uid > last_uid + 1 && plan.next_uid > mb.uid_next) {
            auto r = call<Unit>([&](auto cb) { st.set_uid_next(mb.id, plan.next_uid, cb); });
            if (!r.ok()) return make_error(r.error().code, plan.name + ": cannot set UIDNEXT: " + r.error().message);
        }
        ++summary.folders;
    }

    if (auto subs = read_file(root / "subscriptions")) {
        std::set<std::string> names;
        for (const auto& p : plans) names.insert(p.name);
        for (auto name : maildir::parse_subscriptions(*subs)) {
            auto n = store::normalize_mailbox_name(name);
            if (!n) {
                summary.warnings.push_back("subscription '" + name + "' is not a usable mailbox name; skipped");
                continue;
            }
            // A namespace prefix "INBOX." shows up as INBOX/<name>.
            if (!names.count(*n) && n->rfind("INBOX/", 0) == 0 && names.count(n->substr(6))) *n = n->substr(6);
            auto r = call<Unit>([&](auto cb) { st.set_subscribed(account.id, *n, true, cb); });
            if (!r.ok()) return make_error(r.error().code, "cannot subscribe " + *n + ": " + r.error().message);
            ++summary.subscriptions;
        }
    }

    auto acct = call<std::vector<store::Mailbox>>([&](auto cb) { st.list_mailboxes(account.id, cb); });
    if (acct.ok()) {
        std::set<std::string> names;
        for (const auto& p : plans) names.insert(p.name);
        for (const auto& b : acct.value())
            if (names.count(b.name)) summary.bytes += b.size;
    }
    return summary;
}

}  // namespace postamt::cli
