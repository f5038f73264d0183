// Authenticator against the real store (SQLite backend) in a temp directory.
#include <crypt.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "auth/authenticator.h"
#include "store/store.h"

using namespace postamt;
using namespace postamt::auth;

namespace {

const Argon2Params kFast{1, 64 * 1024};

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/postamt-auth-store-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

AuthResult verify(Authenticator& a, std::string login, std::string pw) {
    std::promise<AuthResult> p;
    auto f = p.get_future();
    a.verify_password(std::move(login), std::move(pw), "192.0.2.1", Service::imap,
                      [&p](AuthResult r) { p.set_value(std::move(r)); });
    return f.get();
}

}  // namespace

TEST(AuthenticatorStore, VerifyAndUpgradeAgainstRealStore) {
    TempDir dir;
    store::StoreOptions so;
    so.data_dir = dir.path.string();
    auto opened = store::Store::open(so);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    std::shared_ptr<store::Store> st = *opened;
    ASSERT_TRUE(store::wait_for<store::Domain>([&](auto cb) { st->add_domain("example.org", cb); }).ok());

    store::NewAccount bob;
    bob.address = "bob@example.org";
    bob.credentials = *Authenticator::make_credentials("hunter2", kFast);
    ASSERT_TRUE(store::wait_for<store::Account>([&](auto cb) { st->add_account(bob, cb); }).ok());

    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    ASSERT_TRUE(crypt_gensalt_rn("$6$", 5000, nullptr, 0, salt, sizeof salt));
    crypt_data data{};
    store::NewAccount carol;
    carol.address = "carol@example.org";
    carol.credentials.password_hash = std::string("{SHA512-CRYPT}") + crypt_rn("imported", salt, &data, sizeof data);
    ASSERT_TRUE(store::wait_for<store::Account>([&](auto cb) { st->add_account(carol, cb); }).ok());

    {
        AuthenticatorOptions o;
        o.argon2 = kFast;
        o.default_domain = "example.org";
        Authenticator auth(store_directory(st), o);
        AuthResult r = verify(auth, "bob", "hunter2");
        ASSERT_EQ(r.status, AuthStatus::ok) << r.reason;
        EXPECT_EQ(r.account->address(), "bob@example.org");
        EXPECT_EQ(verify(auth, "bob@example.org", "wrong").status, AuthStatus::bad_credentials);
        EXPECT_EQ(verify(auth, "nobody@example.org", "x").reason, "unknown_user");

        ASSERT_EQ(verify(auth, "carol@example.org", "imported").status, AuthStatus::ok);
        // The re-hash is written asynchronously; wait for it to show up.
        std::optional<store::Account> acct;
        for (int i = 0; i < 200; ++i) {
            auto found = store::wait_for<std::optional<store::Account>>(
                [&](auto cb) { st->find_account("carol@example.org", cb); });
            ASSERT_TRUE(found.ok());
            acct = *found;
            if (acct && acct->credentials.password_hash.starts_with("{ARGON2ID}")) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ASSERT_TRUE(acct);
        EXPECT_EQ(acct->credentials.password_hash.rfind("{ARGON2ID}", 0), 0u);
        EXPECT_TRUE(parse_scram_credentials(acct->credentials.scram_sha256));

        std::promise<ScramLookup> p;
        auth.lookup_scram("carol", "192.0.2.1", Service::imap, [&p](ScramLookup l) { p.set_value(std::move(l)); });
        ScramLookup l = p.get_future().get();
        ASSERT_EQ(l.status, AuthStatus::ok);
        ASSERT_TRUE(l.credentials);
        auto derived = scram_derive("imported", l.credentials->salt, l.credentials->iterations);
        ASSERT_TRUE(derived.ok());
        EXPECT_EQ(derived->stored_key, l.credentials->stored_key);
    }
    st->close();
}
