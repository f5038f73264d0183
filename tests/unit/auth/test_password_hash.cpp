#include <crypt.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "auth/password_hash.h"

using namespace postamt::auth;

namespace {

const Argon2Params kFast{1, 64 * 1024};

std::string crypt_hash(const char* prefix, unsigned long rounds, const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn(prefix, rounds, nullptr, 0, salt, sizeof salt)) return {};
    crypt_data data{};
    const char* out = crypt_rn(password.c_str(), salt, &data, sizeof data);
    return out ? std::string(out) : std::string();
}

}  // namespace

TEST(PasswordHash, Argon2idRoundTrip) {
    auto h = hash_password("correct horse", kFast);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->rfind("{ARGON2ID}$argon2id$v=19$", 0), 0u) << *h;
    EXPECT_EQ(verify_password(*h, "correct horse"), VerifyResult::ok);
    EXPECT_EQ(verify_password(*h, "correct horsE"), VerifyResult::mismatch);
    EXPECT_EQ(verify_password(*h, "correct horse "), VerifyResult::mismatch);
    EXPECT_EQ(verify_password(*h, ""), VerifyResult::mismatch);
    // Two hashes of the same password differ (random salt).
    auto h2 = hash_password("correct horse", kFast);
    ASSERT_TRUE(h2.ok());
    EXPECT_NE(*h, *h2);
}

TEST(PasswordHash, DefaultParametersAreInteractiveAndTimed) {
    auto t0 = std::chrono::steady_clock::now();
    auto h = hash_password("pencil");
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(h.ok());
    EXPECT_NE(h->find("$m=65536,t=2,p=1$"), std::string::npos) << *h;
    EXPECT_EQ(verify_password(*h, "pencil"), VerifyResult::ok);
    auto t2 = std::chrono::steady_clock::now();
    EXPECT_FALSE(needs_rehash(*h));
    std::printf("[ measure ] argon2id default hash %.1f ms, verify %.1f ms\n",
                std::chrono::duration<double, std::milli>(t1 - t0).count(),
                std::chrono::duration<double, std::milli>(t2 - t1).count());
}

TEST(PasswordHash, RejectsBadPasswordsWhenHashing) {
    EXPECT_FALSE(hash_password("", kFast).ok());
    EXPECT_FALSE(hash_password(std::string("a\0b", 3), kFast).ok());
    EXPECT_FALSE(hash_password(std::string(kMaxPasswordBytes + 1, 'x'), kFast).ok());
    EXPECT_EQ(hash_password("", kFast).error().code, postamt::Errc::invalid);
}

TEST(PasswordHash, BareArgon2idAndCaseInsensitiveScheme) {
    auto h = hash_password("pw1", kFast);
    ASSERT_TRUE(h.ok());
    std::string bare = h->substr(10);
    EXPECT_EQ(verify_password(bare, "pw1"), VerifyResult::ok);
    EXPECT_EQ(verify_password("{argon2id}" + bare, "pw1"), VerifyResult::ok);
    EXPECT_EQ(hash_scheme("{argon2id}" + bare), "ARGON2ID");
}

TEST(PasswordHash, Sha512CryptGeneratedWithLibcrypt) {
    std::string c = crypt_hash("$6$", 5000, "s3cret!");
    ASSERT_EQ(c.rfind("$6$", 0), 0u);
    EXPECT_EQ(verify_password("{SHA512-CRYPT}" + c, "s3cret!"), VerifyResult::ok);
    EXPECT_EQ(verify_password("{SHA512-CRYPT}" + c, "s3cret"), VerifyResult::mismatch);
    EXPECT_EQ(verify_password("{CRYPT}" + c, "s3cret!"), VerifyResult::ok);
    EXPECT_TRUE(needs_rehash("{SHA512-CRYPT}" + c));
    // Scheme and hash family must agree.
    EXPECT_EQ(verify_password("{BLF-CRYPT}" + c, "s3cret!"), VerifyResult::unsupported);
}

TEST(PasswordHash, Sha512CryptKnownVector) {
    // From the SHA-crypt specification (Drepper), test 1.
    std::string stored =
        "{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4"
        "OTLiBFdcbYEdFCoEOfaS35inz1";
    EXPECT_EQ(verify_password(stored, "Hello world!"), VerifyResult::ok);
    EXPECT_EQ(verify_password(stored, "Hello world"), VerifyResult::mismatch);
}

TEST(PasswordHash, BcryptGeneratedWithLibcrypt) {
    for (const char* prefix : {"$2b$", "$2y$"}) {
        std::string c = crypt_hash(prefix, 4, "blowfish pw");
        ASSERT_EQ(c.rfind(prefix, 0), 0u) << prefix;
        EXPECT_EQ(verify_password("{BLF-CRYPT}" + c, "blowfish pw"), VerifyResult::ok) << c;
        EXPECT_EQ(verify_password("{BLF-CRYPT}" + c, "blowfish PW"), VerifyResult::mismatch);
        EXPECT_TRUE(needs_rehash("{BLF-CRYPT}" + c));
    }
}

TEST(PasswordHash, Sha256Crypt) {
    std::string c = crypt_hash("$5$", 5000, "pw256");
    EXPECT_EQ(verify_password("{SHA256-CRYPT}" + c, "pw256"), VerifyResult::ok);
    EXPECT_EQ(verify_password("{SHA256-CRYPT}" + c, "pw25"), VerifyResult::mismatch);
}

TEST(PasswordHash, PlaintextAndUnknownSchemesRefused) {
    EXPECT_EQ(verify_password("{PLAIN}secret", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("{CLEAR}secret", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("{CLEARTEXT}secret", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("secret", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("{ARGON2ID}garbage", "secret"), VerifyResult::unsupported);
    EXPECT_EQ(verify_password("{SHA512-CRYPT}$1$abc$def", "secret"), VerifyResult::unsupported);
    EXPECT_TRUE(needs_rehash("{PLAIN}secret"));
}

TEST(PasswordHash, CryptWithNulInPasswordNeverMatches) {
    std::string c = crypt_hash("$6$", 5000, "abc");
    EXPECT_EQ(verify_password("{SHA512-CRYPT}" + c, std::string("abc\0def", 7)), VerifyResult::mismatch);
}

TEST(PasswordHash, LockedCryptHashNeverMatches) {
    EXPECT_NE(verify_password("{CRYPT}*", "x"), VerifyResult::ok);
    EXPECT_NE(verify_password("{CRYPT}!", "x"), VerifyResult::ok);
    EXPECT_NE(verify_password("{CRYPT}", "x"), VerifyResult::ok);
}

TEST(PasswordHash, NeedsRehashWhenParametersChange) {
    auto h = hash_password("pw", kFast);
    ASSERT_TRUE(h.ok());
    EXPECT_FALSE(needs_rehash(*h, kFast));
    EXPECT_TRUE(needs_rehash(*h, Argon2Params{2, 64 * 1024}));
    EXPECT_TRUE(needs_rehash(*h));  // default params differ from kFast
}
