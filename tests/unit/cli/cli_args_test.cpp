// Argument parsing and exit codes: 0 ok, 1 operation failed, 2 usage
// error, 3 configuration error.
#include "auth/password_hash.h"
#include "cli_test_util.h"

namespace postamt::cli::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(CliTest, VersionAndHelp) {
    auto v = run_binary({"--version"}, "", dir);
    EXPECT_EQ(v.code, 0);
    EXPECT_THAT(v.out, HasSubstr("postamt 0.1.0"));
    auto h = run_binary({"--help"}, "", dir);
    EXPECT_EQ(h.code, 0);
    for (const char* cmd : {"check-config", "domain", "user", "alias", "resolve", "mailbox", "message", "backup",
                            "restore", "import"})
        EXPECT_THAT(h.out, HasSubstr(cmd));
    auto uh = run_binary({"user", "add", "--help"}, "", dir);
    EXPECT_EQ(uh.code, 0);
    EXPECT_THAT(uh.out, HasSubstr("--password-stdin"));
    EXPECT_THAT(uh.out, HasSubstr("UNSAFE"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"frobnicate"},
        {"domain"},
        {"domain", "add"},
        {"domain", "add", "exa mple.org"},
        {"domain", "add", "-bad.example"},
        {"domain", "explode", "example.org"},
        {"user", "add"},
        {"user", "add", "bob", "--password-stdin"},
        {"user", "add", "bob@", "--password-stdin"},
        {"user", "add", "x@example.org", "--quota", "12X", "--password-stdin"},
        {"user", "add", "x@example.org", "--quota-messages", "many", "--password-stdin"},
        {"user", "add", "x@example.org", "--password-stdin", "--password-argv", "pw"},
        {"user", "passwd"},
        {"user", "quota", "bob@example.org"},
        {"user", "quota", "bob@example.org", "lots"},
        {"user", "remove"},
        {"alias", "add", "a@example.org"},
        {"alias", "add", "a@example.org", "not-an-address"},
        {"alias", "add", "@bad domain", "bob@example.org"},
        {"alias", "remove"},
        {"resolve"},
        {"resolve", "nobody"},
        {"mailbox", "list"},
        {"message", "cat", "bob@example.org", "INBOX"},
        {"message", "cat", "bob@example.org", "INBOX", "abc"},
        {"message", "cat", "bob@example.org", "INBOX", "0"},
        {"message", "cat", "bob@example.org", "INBOX", "4294967296"},
        {"backup"},
        {"restore"},
        {"import", "maildir", "/nonexistent"},
        {"import", "mbox", "/tmp", "bob@example.org"},
        {"check-config", "extra-arg"},
    };
    for (const auto& args : cases) {
        auto r = pm(args);
        std::string joined;
        for (const auto& a : args) joined += a + " ";
        EXPECT_EQ(r.code, 2) << "postamt " << joined << "\nstdout: " << r.out << "\nstderr: " << r.err;
        EXPECT_FALSE(r.err.empty()) << joined;
    }
}

TEST_F(CliTest, UnknownCommandIsNamed) {
    auto r = pm({"frobnicate"});
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
}

TEST_F(CliTest, ConfigurationErrorsExitThree) {
    auto missing = run_binary({"-c", dir + "/nope.toml", "domain", "list"}, "", dir);
    EXPECT_EQ(missing.code, 3);
    EXPECT_THAT(missing.err, HasSubstr("nope.toml"));

    spit(dir + "/bad.toml", "[server]\ndata_dri = \"/tmp/x\"\n");
    auto bad = run_binary({"-c", dir + "/bad.toml", "check-config"}, "", dir);
    EXPECT_EQ(bad.code, 3);
    EXPECT_THAT(bad.err, HasSubstr("data_dri"));  // names the key

    spit(dir + "/bad2.toml", "[limits]\nmax_message_size = \"lots\"\n");
    auto bad2 = run_binary({"-c", dir + "/bad2.toml", "--data-dir", data, "domain", "list"}, "", dir);
    EXPECT_EQ(bad2.code, 3);
    EXPECT_THAT(bad2.err, HasSubstr("max_message_size"));
}

TEST_F(CliTest, CheckConfig) {
    auto r = pm({"check-config"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("configuration OK"));
    EXPECT_TRUE(std::filesystem::is_directory(data));  // validate_runtime creates it

    // A data directory that cannot be created is a runtime problem.
    spit(dir + "/file", "x");
    auto bad = pm_in(dir + "/file/sub", {"check-config"});
    EXPECT_EQ(bad.code, 3);
    EXPECT_FALSE(bad.err.empty());
}

TEST_F(CliTest, GlobalOptionsAfterTheSubcommand) {
    ASSERT_EQ(pm({"domain", "add", "example.org"}).code, 0);
    auto r = run_binary({"domain", "list", "-c", config, "--data-dir", data}, "", dir);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "example.org\n");
}

TEST_F(CliTest, OperationFailuresExitOne) {
    // No store yet: read-only commands do not create one.
    auto none = pm({"domain", "list"});
    EXPECT_EQ(none.code, 1);
    EXPECT_FALSE(std::filesystem::exists(data + "/mail.db"));

    add_bob();
    struct Case {
        std::vector<std::string> args;
        std::string err;
    };
    const std::vector<Case> cases = {
        {{"domain", "add", "example.org"}, "example.org"},
        {{"domain", "remove", "example.org"}, "example.org"},  // has accounts
        {{"domain", "remove", "other.org"}, "other.org"},
        {{"user", "add", "bob@example.org", "--password-argv", "x"}, "exists"},
        {{"user", "add", "eve@unknown.org", "--password-argv", "x"}, "eve@unknown.org"},
        {{"user", "passwd", "nobody@example.org", "--password-argv", "x"}, "no account nobody@example.org"},
        {{"user", "quota", "nobody@example.org", "1G"}, "no account"},
        {{"user", "remove", "nobody@example.org", "--yes"}, "no account"},
        {{"alias", "remove", "nothing@example.org"}, "no alias"},
        {{"mailbox", "list", "nobody@example.org"}, "no account"},
        {{"message", "cat", "bob@example.org", "INBOX", "1"}, "no message with UID 1"},
        {{"message", "cat", "bob@example.org", "Nope", "1"}, "no mailbox Nope"},
        {{"restore", dir + "/no-backup"}, "no backup"},
    };
    for (const auto& c : cases) {
        auto r = pm(c.args);
        EXPECT_EQ(r.code, 1) << c.args[0] << " " << c.args[1] << ": " << r.err;
        EXPECT_THAT(r.err, HasSubstr(c.err)) << c.args[0] << " " << c.args[1];
    }
}

TEST_F(CliTest, PasswordSources) {
    ASSERT_EQ(pm({"domain", "add", "example.org"}).code, 0);
    // No terminal and no --password-stdin: a usage error, nothing created.
    auto tty = pm({"user", "add", "bob@example.org"});
    EXPECT_EQ(tty.code, 2);
    EXPECT_THAT(tty.err, HasSubstr("--password-stdin"));
    // Empty stdin is refused.
    EXPECT_EQ(pm({"user", "add", "bob@example.org", "--password-stdin"}, "").code, 1);
    EXPECT_EQ(pm({"user", "add", "bob@example.org", "--password-stdin"}, "\n").code, 1);

    // One line from stdin (CRLF stripped); the rest of stdin is ignored.
    auto ok = pm({"user", "add", "bob@example.org", "--password-stdin"}, "s3cret pass\r\nsecond line\n");
    ASSERT_EQ(ok.code, 0) << ok.err;
    EXPECT_EQ(pm({"user", "add", "carol@example.org", "--password-argv", "carol-pw"}).code, 0);
    {
        auto st = open_store(data);
        auto bob = must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
        ASSERT_TRUE(bob);
        EXPECT_EQ(auth::verify_password(bob->credentials.password_hash, "s3cret pass"), auth::VerifyResult::ok);
        EXPECT_EQ(auth::verify_password(bob->credentials.password_hash, "s3cret pass\r"), auth::VerifyResult::mismatch);
        EXPECT_FALSE(bob->credentials.scram_sha256.empty());
        auto carol = must(SYNC(std::optional<store::Account>, st->find_account("carol@example.org", cb)));
        ASSERT_TRUE(carol);
        EXPECT_EQ(auth::verify_password(carol->credentials.password_hash, "carol-pw"), auth::VerifyResult::ok);
        st->close();
    }

    auto pw = pm({"user", "passwd", "Bob@Example.ORG", "--password-stdin"}, "new-one\n");
    ASSERT_EQ(pw.code, 0) << pw.err;
    auto st = open_store(data);
    auto bob = must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
    ASSERT_TRUE(bob);
    EXPECT_EQ(auth::verify_password(bob->credentials.password_hash, "new-one"), auth::VerifyResult::ok);
    EXPECT_EQ(auth::verify_password(bob->credentials.password_hash, "s3cret pass"), auth::VerifyResult::mismatch);
    st->close();
}

}  // namespace
}  // namespace postamt::cli::testing
