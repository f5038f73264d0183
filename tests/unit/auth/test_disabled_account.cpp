// A disabled account (store schema 7, `postamt user disable`) fails every
// login path the way a wrong password or unknown user does, also when its
// password is in the verified-credential cache; enabling it restores login.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "auth/authenticator.h"
#include "store/store.h"

using namespace postamt;
using namespace postamt::auth;

namespace {

const Argon2Params kFast{1, 64 * 1024};

AuthResult verify(Authenticator& a, std::string login, std::string pw) {
    std::promise<AuthResult> p;
    auto f = p.get_future();
    a.verify_password(std::move(login), std::move(pw), "192.0.2.7", Service::imap,
                      [&p](AuthResult r) { p.set_value(std::move(r)); });
    return f.get();
}

ScramLookup scram(Authenticator& a, std::string login) {
    std::promise<ScramLookup> p;
    auto f = p.get_future();
    a.lookup_scram(std::move(login), "192.0.2.7", Service::imap, [&p](ScramLookup r) { p.set_value(std::move(r)); });
    return f.get();
}

}  // namespace

TEST(DisabledAccount, LoginFailsLikeAWrongPasswordAndComesBack) {
    char tmpl[] = "/tmp/postamt-auth-disabled-XXXXXX";
    std::filesystem::path dir = mkdtemp(tmpl);
    store::StoreOptions so;
    so.data_dir = dir.string();
    auto opened = store::Store::open(so);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    std::shared_ptr<store::Store> st = *opened;
    ASSERT_TRUE(store::wait_for<store::Domain>([&](auto cb) { st->add_domain("example.org", cb); }).ok());
    store::NewAccount na;
    na.address = "dora@example.org";
    na.credentials = *Authenticator::make_credentials("pw-dora", kFast, 16);
    auto acct = store::wait_for<store::Account>([&](auto cb) { st->add_account(na, cb); });
    ASSERT_TRUE(acct.ok());
    {
        AuthenticatorOptions o;
        o.argon2 = kFast;
        Authenticator auth(store_directory(st), o);
        // A successful login puts the password into the credential cache.
        ASSERT_EQ(verify(auth, "dora@example.org", "pw-dora").status, AuthStatus::ok);
        ASSERT_TRUE(scram(auth, "dora@example.org").credentials.has_value());

        ASSERT_TRUE(store::wait_for<Unit>([&](auto cb) { st->set_disabled(acct.value().id, true, cb); }).ok());
        AuthResult disabled = verify(auth, "dora@example.org", "pw-dora");
        AuthResult wrong = verify(auth, "nobody@example.org", "pw-dora");
        EXPECT_EQ(disabled.status, AuthStatus::bad_credentials);
        EXPECT_EQ(disabled.status, wrong.status);
        EXPECT_EQ(disabled.reason, wrong.reason);  // same log reason as an unknown user
        EXPECT_FALSE(disabled.account.has_value());
        // SCRAM: no keys, so the mechanism fakes the exchange and fails at the proof.
        ScramLookup sl = scram(auth, "dora@example.org");
        EXPECT_EQ(sl.status, AuthStatus::ok);
        EXPECT_FALSE(sl.credentials.has_value());
        EXPECT_FALSE(sl.account.has_value());

        ASSERT_TRUE(store::wait_for<Unit>([&](auto cb) { st->set_disabled(acct.value().id, false, cb); }).ok());
        EXPECT_EQ(verify(auth, "dora@example.org", "pw-dora").status, AuthStatus::ok);
    }
    st->close();
    std::filesystem::remove_all(dir);
}
