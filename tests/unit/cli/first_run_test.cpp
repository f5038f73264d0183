#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "auth/password_hash.h"
#include "cli/client_settings.h"
#include "cli/first_run.h"

namespace postamt::cli {
namespace {

using ::testing::HasSubstr;

TEST(FirstRun, DemoDomainFollowsConfiguration) {
    Config c;
    c.server.hostname = "mail.example.org";
    EXPECT_EQ(demo_domain(c), "example.org");
    c.server.hostname = "example.org";
    EXPECT_EQ(demo_domain(c), "example.org");
    c.server.hostname = "box";
    EXPECT_EQ(demo_domain(c), "example.test");
    c.server.default_domain = "family.example";
    EXPECT_EQ(demo_domain(c), "family.example");
}

TEST(FirstRun, CreatesDemoAccountOnceWithWorkingPassword) {
    auto dir = std::filesystem::temp_directory_path() / ("postamt-firstrun-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    store::StoreOptions o;
    o.data_dir = dir.string();
    o.min_free_bytes = 0;
    auto st = store::Store::open(o);
    ASSERT_TRUE(st.ok());
    Config c;
    c.server.hostname = "mail.example.org";
    auto demo = ensure_demo_account(**st, c);
    ASSERT_TRUE(demo.ok()) << demo.error().message;
    ASSERT_TRUE(demo->has_value());
    EXPECT_EQ((*demo)->address, "demo@example.org");
    EXPECT_EQ((*demo)->password.size(), 16u);
    auto acct = store::wait_for<std::optional<store::Account>>(
        [&](auto cb) { (*st)->find_account("demo@example.org", cb); });
    ASSERT_TRUE(acct.ok() && acct->has_value());
    EXPECT_EQ(auth::verify_password((*acct)->credentials.password_hash, (*demo)->password), auth::VerifyResult::ok);
    EXPECT_FALSE((*acct)->credentials.scram_sha256.empty());
    auto again = ensure_demo_account(**st, c);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->has_value()) << "an existing store is left alone";
    (*st)->close();
    std::filesystem::remove_all(dir);
}

TEST(ClientSettings, ListsImplicitTlsFirstAndHidesHttp) {
    std::vector<ActiveListener> ls{{Protocol::smtp, TlsMode::starttls, 25},
                                   {Protocol::imap, TlsMode::starttls, 143},
                                   {Protocol::imap, TlsMode::implicit, 993},
                                   {Protocol::submission, TlsMode::implicit, 465},
                                   {Protocol::http, TlsMode::none, 8080}};
    auto t = client_settings_table("mail.example.org", "demo@example.org", ls);
    EXPECT_THAT(t, HasSubstr("Incoming mail (IMAP)"));
    EXPECT_LT(t.find("993"), t.find("143"));
    EXPECT_LT(t.find("143"), t.find("465"));
    EXPECT_THAT(t, HasSubstr("SSL/TLS"));
    EXPECT_THAT(t, HasSubstr("demo@example.org"));
    EXPECT_EQ(t.find("8080"), std::string::npos);
}

}  // namespace
}  // namespace postamt::cli
