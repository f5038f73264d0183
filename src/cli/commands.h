#pragma once
// The subcommands, one file each (cmd_*.cpp). app.cpp parses the command
// line with CLI11 and calls these; they print results on stdout and report
// failures by throwing CliFailure (context.h).
#include <cstdint>
#include <optional>
#include <string>

#include "cli/context.h"

namespace postamt::cli {

// Where a new password comes from (user add / user passwd).
struct PasswordSource {
    bool from_stdin = false;
    std::optional<std::string> from_argv;  // --password-argv (unsafe: visible in ps)
};

// check-config
int check_config(Context& ctx);

// domain
void domain_add(Context& ctx, const std::string& domain);
void domain_list(Context& ctx);
void domain_remove(Context& ctx, const std::string& domain);

// user
struct UserAddOptions {
    std::string address;
    std::string quota;  // size notation or "unlimited"; empty: unlimited
    int64_t quota_messages = 0;
    PasswordSource password;
};
void user_add(Context& ctx, const UserAddOptions& o);
void user_passwd(Context& ctx, const std::string& address, const PasswordSource& pw);
void user_list(Context& ctx, const std::string& domain);
void user_remove(Context& ctx, const std::string& address, bool yes);
void user_quota(Context& ctx, const std::string& address, const std::string& size,
                std::optional<int64_t> messages);

// alias, resolve
void alias_add(Context& ctx, const std::string& source, const std::string& target);
void alias_list(Context& ctx, const std::string& domain);
void alias_remove(Context& ctx, const std::string& source, const std::string& target);
void resolve(Context& ctx, const std::string& address);

// mailbox, message
void mailbox_list(Context& ctx, const std::string& address);
void message_cat(Context& ctx, const std::string& address, const std::string& mailbox, const std::string& uid);

// queue (the outbound queue)
void queue_list(Context& ctx);
void queue_show(Context& ctx, const std::string& id);
void queue_retry(Context& ctx, const std::string& id);
void queue_delete(Context& ctx, const std::string& id);
void queue_flush(Context& ctx);

// acme (cmd_acme.cpp, docs/acme.md)
int acme_status(Context& ctx);
int acme_renew(Context& ctx, bool force, int wait_seconds);

// backup, restore
void backup(Context& ctx, const std::string& dir);
void restore(Context& ctx, const std::string& backup_dir);

// serve
struct ServeOptions {
    bool first_run_setup = false;  // empty store: create a demo domain and account
};
int serve(Context& ctx, const ServeOptions& o);

// dkim (cmd_dkim.cpp, docs/dkim.md)
struct DkimGenerateOptions {
    std::string domain;
    std::string selector;             // base; empty: [dkim] selector
    std::string algorithm = "both";  // rsa, ed25519, both
};
void dkim_generate(Context& ctx, const DkimGenerateOptions& o);
void dkim_list(Context& ctx);
void dkim_dns(Context& ctx, const std::string& domain);

// dns (cmd_dns.cpp, docs/dns.md)
void dns_print(Context& ctx, const std::string& domain);
int dns_check(Context& ctx, const std::string& domain);  // kExitFailed when a record is missing or wrong

// import
void import_maildir_cmd(Context& ctx, const std::string& path, const std::string& address);

}  // namespace postamt::cli
