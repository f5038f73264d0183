// The `postamt` command line: CLI11 wiring only (the one translation unit
// that includes CLI11, 7.5 s to compile). Each subcommand's work is in its
// own file (commands.h).
#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <functional>

#include "cli/admin_commands.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "common/log.h"

namespace postamt::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

// Storage for every option and argument; CLI11 writes into it during parse.
struct Args {
    GlobalOptions global;
    std::string domain, address, source, target, path, dir, mailbox, uid, size;
    UserAddOptions user_add;
    ServeOptions serve;
    DkimGenerateOptions dkim;
    PasswordSource password;
    bool yes = false;
    int64_t messages = 0;
    bool force = false;
    int wait_seconds = 300;
};

void add_password_options(CLI::App* cmd, PasswordSource& pw) {
    auto* in = cmd->add_flag("--password-stdin", pw.from_stdin, "Read the password as one line from stdin");
    auto* argv_opt = cmd->add_option_function<std::string>(
        "--password-argv", [&pw](const std::string& v) { pw.from_argv = v; },
        "UNSAFE: take the password from the command line (visible to other users in ps and in shell history)");
    argv_opt->type_name("PASS");
    in->excludes(argv_opt);
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"Postamt mail server (SMTP, IMAP, POP3) administration", "postamt"};
    app.set_version_flag("--version", std::string("postamt ") + kVersion);
    app.require_subcommand(1);
    app.fallthrough();  // global options are accepted after the subcommand too

    Args a;
    std::function<int(Context&)> action;
    auto does = [&action](std::function<int(Context&)> f) { return [&action, f] { action = f; }; };

    app.add_option("-c,--config", a.global.config_path,
                   std::string("Configuration file (default: $POSTAMT_CONFIG, else ") + kDefaultConfigPath +
                       "; built-in defaults when that does not exist)")
        ->type_name("PATH");
    app.add_option("--data-dir", a.global.data_dir, "Use this data directory instead of server.data_dir")
        ->type_name("DIR");

    // check-config
    auto* serve_cmd = app.add_subcommand("serve", "Run the mail server until SIGTERM/SIGINT");
    serve_cmd->add_flag("--first-run-setup", a.serve.first_run_setup,
                        "On an empty store, create a demo domain and account and print its password");
    serve_cmd->callback(does([&a](Context& c) { return serve(c, a.serve); }));

    app.add_subcommand("check-config", "Load the configuration and run the start-up checks")
        ->callback(does([](Context& c) { return check_config(c); }));

    // domain
    auto* domain = app.add_subcommand("domain", "Manage mail domains");
    domain->require_subcommand(1);
    auto* d_add = domain->add_subcommand("add", "Add a domain");
    d_add->add_option("domain", a.domain, "Domain name")->required();
    d_add->callback(does([&a](Context& c) { domain_add(c, a.domain); return 0; }));
    domain->add_subcommand("list", "List domains")->callback(does([](Context& c) { domain_list(c); return 0; }));
    auto* d_rm = domain->add_subcommand("remove", "Remove a domain (refused while it has accounts)");
    d_rm->add_option("domain", a.domain, "Domain name")->required();
    d_rm->callback(does([&a](Context& c) { domain_remove(c, a.domain); return 0; }));

    // user
    auto* user = app.add_subcommand("user", "Manage accounts");
    user->require_subcommand(1);
    auto* u_add = user->add_subcommand("add", "Add an account (asks for the password twice)");
    u_add->add_option("address", a.user_add.address, "local@domain (the domain must exist)")->required();
    u_add->add_option("--quota", a.user_add.quota, "Storage quota, e.g. 500M, 2G, unlimited (default)")
        ->type_name("SIZE");
    u_add->add_option("--quota-messages", a.user_add.quota_messages, "Message count quota (0: unlimited)")
        ->type_name("N");
    add_password_options(u_add, a.user_add.password);
    u_add->callback(does([&a](Context& c) { user_add(c, a.user_add); return 0; }));

    auto* u_pw = user->add_subcommand("passwd", "Set an account's password");
    u_pw->add_option("address", a.address, "local@domain")->required();
    add_password_options(u_pw, a.password);
    u_pw->callback(does([&a](Context& c) { user_passwd(c, a.address, a.password); return 0; }));

    auto* u_list = user->add_subcommand("list", "List accounts with quota and usage");
    u_list->add_option("domain", a.domain, "Only this domain");
    u_list->callback(does([&a](Context& c) { user_list(c, a.domain); return 0; }));

    auto* u_rm = user->add_subcommand("remove", "Remove an account and all its mail");
    u_rm->add_option("address", a.address, "local@domain")->required();
    u_rm->add_flag("-y,--yes", a.yes, "Do not ask for confirmation");
    u_rm->callback(does([&a](Context& c) { user_remove(c, a.address, a.yes); return 0; }));

    auto* u_quota = user->add_subcommand("quota", "Set an account's quota");
    u_quota->add_option("address", a.address, "local@domain")->required();
    u_quota->add_option("size", a.size, "Storage quota, e.g. 500M, 2G, or unlimited")->required();
    auto* q_msgs = u_quota->add_option("--messages", a.messages, "Message count quota (0: unlimited)")->type_name("N");
    u_quota->callback(does([&a, q_msgs](Context& c) {
        user_quota(c, a.address, a.size, q_msgs->count() ? std::optional<int64_t>(a.messages) : std::nullopt);
        return 0;
    }));
    auto* u_dis = user->add_subcommand("disable", "Refuse the account's logins (IMAP, POP3, submission); mail still arrives");
    u_dis->add_option("address", a.address, "local@domain")->required();
    u_dis->callback(does([&a](Context& c) { user_set_disabled(c, a.address, true); return 0; }));
    auto* u_en = user->add_subcommand("enable", "Allow the account's logins again");
    u_en->add_option("address", a.address, "local@domain")->required();
    u_en->callback(does([&a](Context& c) { user_set_disabled(c, a.address, false); return 0; }));

    // api token (admin API, docs/admin-api.md)
    auto* api = app.add_subcommand("api", "Admin API access");
    api->require_subcommand(1);
    auto* api_token = api->add_subcommand("token", "Admin API tokens (only their SHA-256 is stored)");
    api_token->require_subcommand(1);
    auto* tk_create = api_token->add_subcommand("create", "Create a token and print it once");
    tk_create->add_option("name", a.source, "Name to list and revoke it by")->required();
    tk_create->callback(does([&a](Context& c) { api_token_create(c, a.source); return 0; }));
    auto* tk_list = api_token->add_subcommand("list", "List token names");
    tk_list->callback(does([](Context& c) { api_token_list(c); return 0; }));
    auto* tk_rm = api_token->add_subcommand("revoke", "Revoke a token");
    tk_rm->add_option("name", a.source, "Token name")->required();
    tk_rm->callback(does([&a](Context& c) { api_token_revoke(c, a.source); return 0; }));

    // alias, resolve
    auto* alias = app.add_subcommand("alias", "Manage aliases and catch-alls");
    alias->require_subcommand(1);
    auto* al_add = alias->add_subcommand("add", "Add an alias (source @domain is a catch-all)");
    al_add->add_option("source", a.source, "local@domain or @domain")->required();
    al_add->add_option("target", a.target, "Any address, local or remote")->required();
    al_add->callback(does([&a](Context& c) { alias_add(c, a.source, a.target); return 0; }));
    auto* al_list = alias->add_subcommand("list", "List aliases");
    al_list->add_option("domain", a.domain, "Only aliases whose source is in this domain");
    al_list->callback(does([&a](Context& c) { alias_list(c, a.domain); return 0; }));
    auto* al_rm = alias->add_subcommand("remove", "Remove an alias (all its targets unless one is given)");
    al_rm->add_option("source", a.source, "local@domain or @domain")->required();
    al_rm->add_option("target", a.target, "Only this target");
    al_rm->callback(does([&a](Context& c) { alias_remove(c, a.source, a.target); return 0; }));

    auto* res = app.add_subcommand("resolve", "Show what an address delivers to");
    res->add_option("address", a.address, "local@domain")->required();
    res->callback(does([&a](Context& c) { resolve(c, a.address); return 0; }));

    // mailbox, message
    auto* mailbox = app.add_subcommand("mailbox", "Inspect mailboxes");
    mailbox->require_subcommand(1);
    auto* mb_list = mailbox->add_subcommand("list", "List an account's mailboxes");
    mb_list->add_option("user", a.address, "local@domain")->required();
    mb_list->callback(does([&a](Context& c) { mailbox_list(c, a.address); return 0; }));

    auto* message = app.add_subcommand("message", "Inspect messages");
    message->require_subcommand(1);
    auto* m_cat = message->add_subcommand("cat", "Print a message's stored bytes exactly");
    m_cat->add_option("user", a.address, "local@domain")->required();
    m_cat->add_option("mailbox", a.mailbox, "Mailbox name, '/' separated (INBOX, Archive/2024)")->required();
    m_cat->add_option("uid", a.uid, "Message UID")->required();
    m_cat->callback(does([&a](Context& c) { message_cat(c, a.address, a.mailbox, a.uid); return 0; }));

    // queue
    auto* queue = app.add_subcommand("queue", "Inspect and manage the outbound queue");
    queue->require_subcommand(1);
    queue->add_subcommand("list", "List queued messages and their recipients")
        ->callback(does([](Context& c) { queue_list(c); return 0; }));
    auto* q_show = queue->add_subcommand("show", "Show one queued message: envelope, recipients, headers");
    q_show->add_option("id", a.target, "Queue id")->required();
    q_show->callback(does([&a](Context& c) { queue_show(c, a.target); return 0; }));
    auto* q_retry = queue->add_subcommand("retry", "Make a queued message's pending recipients due now");
    q_retry->add_option("id", a.target, "Queue id")->required();
    q_retry->callback(does([&a](Context& c) { queue_retry(c, a.target); return 0; }));
    auto* q_del = queue->add_subcommand("delete", "Remove a queued message without sending a bounce");
    q_del->add_option("id", a.target, "Queue id")->required();
    q_del->callback(does([&a](Context& c) { queue_delete(c, a.target); return 0; }));
    queue->add_subcommand("flush", "Make every pending recipient due now")
        ->callback(does([](Context& c) { queue_flush(c); return 0; }));

    // backup, restore
    auto* bk = app.add_subcommand("backup", "Consistent online backup of the data directory");
    bk->add_option("dir", a.dir, "Target directory (new or empty)")->required();
    bk->callback(does([&a](Context& c) { backup(c, a.dir); return 0; }));
    auto* rs = app.add_subcommand("restore", "Restore a backup into the (empty) data directory");
    rs->add_option("backup-dir", a.dir, "Directory written by postamt backup")->required();
    rs->callback(does([&a](Context& c) { restore(c, a.dir); return 0; }));

    // acme
    auto* acme = app.add_subcommand("acme", "Certificates from an ACME CA (docs/acme.md)");
    acme->require_subcommand(1);
    acme->add_subcommand("status", "Show the stored certificates, their names and expiry, and the last attempt")
        ->callback(does([](Context& c) { return acme_status(c); }));
    auto* acme_renew_cmd =
        acme->add_subcommand("renew", "Ask the running server to renew certificates that are due, and wait for it");
    acme_renew_cmd->add_flag("--force", a.force, "Renew now even if the certificate is not due");
    acme_renew_cmd->add_option("--wait", a.wait_seconds, "Seconds to wait for the outcome (default 300)");
    acme_renew_cmd->callback(does([&a](Context& c) { return acme_renew(c, a.force, a.wait_seconds); }));

    // dkim
    auto* dkim = app.add_subcommand("dkim", "DKIM signing keys and their DNS records");
    dkim->require_subcommand(1);
    auto* dk_gen = dkim->add_subcommand("generate", "Create keys for a domain and print the DNS TXT records");
    dk_gen->add_option("domain", a.dkim.domain, "Domain name (the From domain of signed mail)")->required();
    dk_gen->add_option("--selector", a.dkim.selector,
                       "Selector base; keys get <base>-rsa and <base>-ed25519 (default: [dkim] selector)")
        ->type_name("S");
    dk_gen->add_option("--algorithm", a.dkim.algorithm, "rsa, ed25519 or both (default)")
        ->check(CLI::IsMember({"rsa", "ed25519", "both"}));
    dk_gen->callback(does([&a](Context& c) { dkim_generate(c, a.dkim); return 0; }));
    dkim->add_subcommand("list", "List the signing keys")->callback(does([](Context& c) { dkim_list(c); return 0; }));
    auto* dk_dns = dkim->add_subcommand("dns", "Print the DNS TXT records of a domain's keys");
    dk_dns->add_option("domain", a.domain, "Domain name")->required();
    dk_dns->callback(does([&a](Context& c) { dkim_dns(c, a.domain); return 0; }));

    // dns
    auto* dns = app.add_subcommand("dns", "Print the DNS records a domain needs (dns <domain>), or check them");
    dns->add_option("domain", a.domain, "Domain name: print its records, ready to paste into the zone");
    auto* dns_check_cmd = dns->add_subcommand("check", "Look the records up and say which are missing or wrong");
    dns_check_cmd->add_option("domain", a.target, "Domain name")->required();
    dns->callback(does([&a, dns_check_cmd](Context& c) {
        if (dns_check_cmd->parsed()) return dns_check(c, a.target);
        if (a.domain.empty()) usage_error("dns: give a domain (postamt dns example.org) or: postamt dns check <domain>");
        dns_print(c, a.domain);
        return 0;
    }));

    // import
    auto* imp = app.add_subcommand("import", "Import mail from other servers");
    imp->require_subcommand(1);
    auto* imp_md = imp->add_subcommand("maildir", "Import a Dovecot Maildir++ into an existing account");
    imp_md->add_option("path", a.path, "The maildir (its root is the INBOX)")->required();
    imp_md->add_option("user", a.address, "local@domain")->required();
    imp_md->callback(does([&a](Context& c) { import_maildir_cmd(c, a.path, a.address); return 0; }));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // Name an unknown command instead of CLI11's "A subcommand is required".
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg == "-c" || arg == "--config" || arg == "--data-dir") {
                ++i;
                continue;
            }
            if (arg.empty() || arg[0] == '-') continue;
            bool known = false;
            for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
                if (sub->get_name() == arg) known = true;
            if (!known) {
                fmt::print(stderr, "postamt: unknown command '{}'; see postamt --help\n", arg);
                return kExitUsage;
            }
            break;
        }
        int code = app.exit(e);  // prints help, version or the error
        return code == 0 ? kExitOk : kExitUsage;
    }
    if (!action) {
        fmt::print(stderr, "postamt: no command given; see postamt --help\n");
        return kExitUsage;
    }

    log::Options lo;
    lo.level = log::Level::warn;  // the commands report to the admin themselves
    lo.async = false;
    log::init(lo);
    int rc = kExitFailed;
    {
        Context ctx(a.global);
        try {
            rc = action(ctx);
            ctx.close_store();
        } catch (const CliFailure& f) {
            fmt::print(stderr, "postamt: {}\n", f.what());
            rc = f.code();
        } catch (const std::exception& e) {
            fmt::print(stderr, "postamt: unexpected error: {}\n", e.what());
            rc = kExitFailed;
        }
    }
    log::shutdown();
    return rc;
}

}  // namespace postamt::cli
