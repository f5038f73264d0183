#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "admin/api_tokens.h"
#include "admin/operations.h"
#include "admin/validate.h"
#include "auth/password_hash.h"
#include "test_support.h"

namespace postamt::admin {
namespace {

using testing::must;
using testing::temp_dir;

TEST(AdminValidate, Addresses) {
    EXPECT_EQ(normalize_address("Bob@Example.ORG").value(), "bob@example.org");
    EXPECT_EQ(normalize_address("first.last+tag@example.org").value(), "first.last+tag@example.org");
    for (const char* bad : {"", "bob", "@example.org", "bob@", "bob@exa mple.org", "a@b@c.org", "x@@c.org",
                            "a b@c.org", "a\"b@c.org", "a,b@c.org", "a\x01@c.org"}) {
        auto r = normalize_address(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid) << bad;
    }
    EXPECT_EQ(normalize_alias_source("@Example.org").value(), "@example.org");
    EXPECT_FALSE(normalize_alias_source("@bad..org").ok());
}

TEST(AdminValidate, Domains) {
    EXPECT_EQ(normalize_domain(" Example.ORG. ").value(), "example.org");
    // std::string elements: a c_str() of a temporary would dangle here.
    for (const std::string& bad :
         std::vector<std::string>{"", ".", "-a.org", "a-.org", "a..org", "a_b.org", "a/b", std::string(300, 'a')})
        EXPECT_FALSE(normalize_domain(bad).ok()) << bad;
}

TEST(AdminValidate, QuotasAndPasswords) {
    EXPECT_EQ(parse_quota_size("unlimited").value(), 0);
    EXPECT_EQ(parse_quota_size("1K").value(), 1024);
    EXPECT_FALSE(parse_quota_size("lots").ok());
    EXPECT_TRUE(check_quota_value(0, "q").ok());
    EXPECT_FALSE(check_quota_value(-1, "q").ok());
    EXPECT_FALSE(check_quota_value(kMaxQuotaValue + 1, "q").ok());
    EXPECT_TRUE(check_password("correct horse").ok());
    EXPECT_FALSE(check_password("").ok());
    EXPECT_FALSE(check_password(std::string("a\0b", 3)).ok());
    EXPECT_FALSE(check_password("line\r\nbreak").ok());
    EXPECT_FALSE(check_password("\xff\xfe").ok());
    EXPECT_FALSE(check_password(std::string(auth::kMaxPasswordBytes + 1, 'x')).ok());
}

class AdminOps : public ::testing::Test {
protected:
    void SetUp() override {
        dir = temp_dir("admin");
        store::StoreOptions o;
        o.data_dir = dir;
        o.min_free_bytes = 0;
        st = must(store::Store::open(o));
        HashingOptions h;
        h.argon2.ops_limit = 1;
        h.argon2.mem_limit = 1 << 20;  // cheap hashes: these tests are about the flow
        h.scram_iterations = 16;
        ops = std::make_shared<Operations>(st, h);
    }
    void TearDown() override {
        ops.reset();
        st->close();
        std::filesystem::remove_all(dir);
    }
    std::string dir;
    std::shared_ptr<store::Store> st;
    std::shared_ptr<Operations> ops;
};

TEST_F(AdminOps, DomainsUsersAliases) {
    EXPECT_EQ(must(SYNC(store::Domain, ops->add_domain("Example.ORG", cb))).name, "example.org");
    EXPECT_EQ(SYNC(store::Domain, ops->add_domain("example.org", cb)).error().code, Errc::already_exists);
    EXPECT_EQ(SYNC(store::Domain, ops->add_domain("bad..org", cb)).error().code, Errc::invalid);

    // Unknown domain: a bad value, not a missing resource.
    auto nodomain = SYNC(store::Account, ops->create_user({"a@nowhere.org", "pw-123", 0, 0}, cb));
    EXPECT_EQ(nodomain.error().code, Errc::invalid) << nodomain.error().message;
    EXPECT_EQ(SYNC(store::Account, ops->create_user({"a@example.org", "", 0, 0}, cb)).error().code, Errc::invalid);
    EXPECT_EQ(SYNC(store::Account, ops->create_user({"a@example.org", "pw", -1, 0}, cb)).error().code, Errc::invalid);

    auto a = must(SYNC(store::Account, ops->create_user({"alice@Example.org", "pw-123", 1000, 5}, cb)));
    EXPECT_EQ(a.address(), "alice@example.org");
    EXPECT_EQ(a.quota_bytes, 1000);
    EXPECT_TRUE(a.credentials.password_hash.rfind("{ARGON2ID}", 0) == 0);
    EXPECT_EQ(SYNC(store::Account, ops->create_user({"alice@example.org", "x", 0, 0}, cb)).error().code,
              Errc::already_exists);

    auto old_hash = a.credentials.password_hash;
    must(SYNC(Unit, ops->set_password("alice@example.org", "new-pw", cb)));
    auto shown = must(SYNC(store::Account, ops->show_user("alice@example.org", cb)));
    EXPECT_NE(shown.credentials.password_hash, old_hash);
    EXPECT_EQ(auth::verify_password(shown.credentials.password_hash, "new-pw"), auth::VerifyResult::ok);

    // Only the given half of the quota changes.
    auto q = must(SYNC(store::Account, ops->set_quota("alice@example.org", std::nullopt, 9, cb)));
    EXPECT_EQ(q.quota_bytes, 1000);
    EXPECT_EQ(q.quota_messages, 9);

    UserChange ch;
    ch.disabled = true;
    ch.quota_bytes = 0;
    auto u = must(SYNC(store::Account, ops->update_user("alice@example.org", ch, cb)));
    EXPECT_TRUE(u.disabled);
    EXPECT_EQ(u.quota_bytes, 0);
    EXPECT_EQ(u.quota_messages, 9);
    UserChange bad;
    bad.quota_messages = -5;
    bad.disabled = false;
    EXPECT_EQ(SYNC(store::Account, ops->update_user("alice@example.org", bad, cb)).error().code, Errc::invalid);
    EXPECT_TRUE(must(SYNC(store::Account, ops->show_user("alice@example.org", cb))).disabled);  // nothing changed
    EXPECT_EQ(SYNC(store::Account, ops->update_user("nobody@example.org", ch, cb)).error().code, Errc::not_found);
    EXPECT_EQ(SYNC(Unit, ops->set_disabled("nobody@example.org", true, cb)).error().code, Errc::not_found);

    auto al = must(SYNC(store::Alias, ops->add_alias("Info@Example.org", "alice@example.org", cb)));
    EXPECT_EQ(al.source, "info@example.org");
    EXPECT_EQ(SYNC(store::Alias, ops->add_alias("x@nowhere.org", "alice@example.org", cb)).error().code, Errc::invalid);
    EXPECT_EQ(must(SYNC(std::vector<store::Alias>, ops->list_aliases("example.org", cb))).size(), 1u);
    EXPECT_EQ(SYNC(Unit, ops->remove_alias("info@example.org", "bob@example.org", cb)).error().code, Errc::not_found);
    must(SYNC(Unit, ops->remove_alias("Info@example.org", "", cb)));

    EXPECT_EQ(SYNC(Unit, ops->remove_domain("example.org", cb)).error().code, Errc::conflict);
    must(SYNC(Unit, ops->remove_user("alice@example.org", cb)));
    EXPECT_EQ(SYNC(Unit, ops->remove_user("alice@example.org", cb)).error().code, Errc::not_found);
    must(SYNC(Unit, ops->remove_domain("example.org", cb)));
    EXPECT_TRUE(must(SYNC(std::vector<store::Domain>, ops->list_domains(cb))).empty());
}

TEST_F(AdminOps, QueueOnEmptyStore) {
    EXPECT_TRUE(must(SYNC(std::vector<store::OutboundEntry>, ops->list_queue(cb))).empty());
    EXPECT_EQ(must(SYNC(int64_t, ops->flush_queue(cb))), 0);
    EXPECT_EQ(SYNC(store::OutboundEntry, ops->show_queue("NOPE", cb)).error().code, Errc::not_found);
    EXPECT_EQ(SYNC(int64_t, ops->retry_queue("NOPE", cb)).error().code, Errc::not_found);
    EXPECT_EQ(SYNC(Unit, ops->delete_queue("NOPE", cb)).error().code, Errc::not_found);
}

TEST(ApiTokens, CreateListRevokeVerify) {
    std::string dir = temp_dir("tokens");
    std::string path = token_file_path(dir);
    EXPECT_TRUE(load_tokens(path).value().empty());
    auto t1 = create_token(path, "ci").value();
    EXPECT_EQ(t1.rfind("pat_", 0), 0u);
    EXPECT_EQ(t1.size(), 4u + 43u);  // 32 bytes base64url without padding
    EXPECT_EQ(t1.find_first_of("+/="), std::string::npos);
    auto t2 = create_token(path, "ops").value();
    EXPECT_NE(t1, t2);
    EXPECT_EQ(create_token(path, "ci").error().code, Errc::already_exists);
    EXPECT_EQ(create_token(path, "bad name").error().code, Errc::invalid);

    // Only hashes are on disk, mode 0600.
    std::ifstream f(path);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find(t1), std::string::npos);
    EXPECT_EQ(text.find(t1.substr(4)), std::string::npos);
    struct stat sb {};
    ASSERT_EQ(::stat(path.c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0600u);
    auto list = load_tokens(path).value();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "ci");

    TokenVerifier v(path);
    EXPECT_EQ(v.verify("Bearer " + t1).value_or(""), "ci");
    EXPECT_EQ(v.verify("bearer  " + t2).value_or(""), "ops");
    EXPECT_FALSE(v.verify(""));
    EXPECT_FALSE(v.verify("Bearer"));
    EXPECT_FALSE(v.verify("Bearer "));
    EXPECT_FALSE(v.verify("Basic " + t1));
    EXPECT_FALSE(v.verify("Bearer" + t1));
    EXPECT_FALSE(v.verify("Bearer " + t1 + "x"));
    EXPECT_FALSE(v.verify("Bearer " + t1.substr(0, t1.size() - 1)));

    // Revoking takes effect for a verifier that already loaded the file.
    ASSERT_TRUE(revoke_token(path, "ci").ok());
    EXPECT_EQ(revoke_token(path, "ci").error().code, Errc::not_found);
    EXPECT_FALSE(v.verify("Bearer " + t1));
    EXPECT_EQ(v.verify("Bearer " + t2).value_or(""), "ops");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace postamt::admin
