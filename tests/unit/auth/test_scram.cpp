#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "auth/scram.h"
#include "common/base64.h"

using namespace postamt::auth;
using postamt::base64_decode;
using postamt::base64_encode;

namespace {

const char* kClientNonce = "rOprNGfwEbeRWgbNEkqO";
const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const char* kSaltB64 = "W22ZaJ0SNY7soEsUEjb6gQ==";

ScramCredentials rfc_credentials() {
    auto c = scram_derive("pencil", *base64_decode(kSaltB64), 4096);
    EXPECT_TRUE(c.ok());
    return *c;
}

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

// Independent client side of RFC 5802 section 3, for building valid and
// subtly broken client-final messages.
std::string client_proof(const std::string& password, const std::string& salt, int iter,
                         const std::string& auth_message) {
    unsigned char salted[32];
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                      iter, EVP_sha256(), 32, salted);
    std::string client_key = hmac(std::string(reinterpret_cast<char*>(salted), 32), "Client Key");
    unsigned char stored[32];
    SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), 32, stored);
    std::string sig = hmac(std::string(reinterpret_cast<char*>(stored), 32), auth_message);
    std::string proof(32, '\0');
    for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ sig[i]);
    return base64_encode(proof);
}

struct Exchange {
    ScramSha256Server server{[] { return std::string(kServerNonce); }};
    std::string client_first_bare;
    std::string server_first;
};

// Runs client-first and the credential lookup; returns the server-first.
Step begin(Exchange& ex, const std::string& client_first, const ScramCredentials* creds) {
    Step s = ex.server.start(client_first);
    if (s.kind != Step::Kind::need_credentials) return s;
    EXPECT_EQ(s.credential, CredentialKind::scram);
    s = ex.server.resume_scram(creds);
    if (s.kind == Step::Kind::challenge) ex.server_first = s.data;
    return s;
}

Step finish_with(Exchange& ex, const std::string& bare, const std::string& without_proof,
                 const std::string& password = "pencil") {
    auto creds = rfc_credentials();
    std::string am = bare + "," + ex.server_first + "," + without_proof;
    return ex.server.step(without_proof + ",p=" + client_proof(password, creds.salt, 4096, am));
}

const std::string kFullNonce = std::string(kClientNonce) + kServerNonce;

}  // namespace

TEST(Scram, Rfc7677ExchangeReproducedExactly) {
    auto creds = rfc_credentials();
    ScramSha256Server server([] { return std::string(kServerNonce); });
    Step s = server.start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    ASSERT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.login, "user");
    s = server.resume_scram(&creds);
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data,
              "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    s = server.step(
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    ASSERT_EQ(s.kind, Step::Kind::success) << s.reason;
    EXPECT_EQ(s.login, "user");
    EXPECT_TRUE(s.has_data);
    EXPECT_EQ(s.data, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    EXPECT_TRUE(server.finished());
    // Nothing after the end.
    EXPECT_EQ(server.step("x").failure, SaslFailure::protocol);
}

TEST(Scram, NoInitialResponseGivesEmptyChallenge) {
    ScramSha256Server server([] { return std::string(kServerNonce); });
    Step s = server.start(std::nullopt);
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data, "");
    s = server.step("n,,n=user,r=abc");
    EXPECT_EQ(s.kind, Step::Kind::need_credentials);
}

TEST(Scram, YFlagAcceptedPFlagRefused) {
    auto creds = rfc_credentials();
    Exchange ex;
    ASSERT_EQ(begin(ex, "y,,n=user,r=cn1", &creds).kind, Step::Kind::challenge);
    std::string nonce = "cn1" + std::string(kServerNonce);
    Step s = finish_with(ex, "n=user,r=cn1", "c=" + base64_encode("y,,") + ",r=" + nonce);
    EXPECT_EQ(s.kind, Step::Kind::success) << s.reason;

    Exchange ex2;
    s = begin(ex2, "p=tls-unique,,n=user,r=cn1", &creds);
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::unsupported);
    EXPECT_EQ(s.data, "e=channel-binding-not-supported");
}

TEST(Scram, ChannelBindingAttributeMustMatchHeader) {
    auto creds = rfc_credentials();
    Exchange ex;
    begin(ex, "n,,n=user,r=" + std::string(kClientNonce), &creds);
    // Client claims "y" in c= after sending "n": downgrade tampering.
    Step s = finish_with(ex, "n=user,r=" + std::string(kClientNonce), "c=eSws,r=" + kFullNonce);
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.data, "e=channel-bindings-dont-match");
}

TEST(Scram, AuthzidEqualAllowedDifferentDenied) {
    auto creds = rfc_credentials();
    Exchange ex;
    ASSERT_EQ(begin(ex, "n,a=user,n=user,r=cn", &creds).kind, Step::Kind::challenge);
    Step s = finish_with(ex, "n=user,r=cn",
                         "c=" + base64_encode("n,a=user,") + ",r=cn" + std::string(kServerNonce));
    EXPECT_EQ(s.kind, Step::Kind::success) << s.reason;

    Exchange ex2;
    s = begin(ex2, "n,a=admin,n=user,r=cn", &creds);
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::authz_denied);
}

TEST(Scram, UsernameEscapesDecoded) {
    ScramSha256Server server([] { return std::string("sn"); });
    Step s = server.start("n,,n=a=2Cb=3Dc,r=cn");
    ASSERT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.login, "a,b=c");
    ScramSha256Server bad([] { return std::string("sn"); });
    s = bad.start("n,,n=a=2Xb,r=cn");
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.data, "e=invalid-username-encoding");
    ScramSha256Server bad_utf8([] { return std::string("sn"); });
    s = bad_utf8.start("n,,n=\xff\xfe,r=cn");
    EXPECT_EQ(s.data, "e=invalid-username-encoding");
}

TEST(Scram, MalformedClientFirstMessages) {
    struct Case {
        std::string msg;
        std::string error;
    };
    std::vector<Case> cases = {
        {"", "e=invalid-encoding"},
        {"n", "e=invalid-encoding"},
        {"x,,n=user,r=abc", "e=invalid-encoding"},
        {"n,,r=abc,n=user", "e=invalid-encoding"},       // wrong attribute order
        {"n,,n=user", "e=invalid-encoding"},             // no nonce
        {"n,,n=user,r=", "e=invalid-encoding"},          // empty nonce
        {"n,,n=,r=abc", "e=invalid-encoding"},           // empty username
        {"n,,n=user,,r=abc", "e=invalid-encoding"},      // empty attribute
        {"n,,m=ext,n=user,r=abc", "e=extensions-not-supported"},
        {"n,,n=user,r=abc,m=x", "e=extensions-not-supported"},
        {"n,b=x,n=user,r=abc", "e=invalid-encoding"},    // not an authzid
        {std::string("n,,n=us\0er,r=abc", 16), "e=invalid-encoding"},
        {"n,,n=user,r=ab\x7f" "c", "e=invalid-encoding"},  // nonce not printable
    };
    for (const auto& c : cases) {
        ScramSha256Server server([] { return std::string("sn"); });
        Step s = server.start(c.msg);
        EXPECT_EQ(s.kind, Step::Kind::failure) << c.msg;
        EXPECT_EQ(s.data, c.error) << c.msg;
        EXPECT_TRUE(server.finished());
    }
}

TEST(Scram, ExtensionsInClientFirstIgnored) {
    ScramSha256Server server([] { return std::string("sn"); });
    Step s = server.start("n,,n=user,r=abc,x=whatever");
    EXPECT_EQ(s.kind, Step::Kind::need_credentials);
}

TEST(Scram, OverlongMessageRejected) {
    ScramSha256Server server([] { return std::string("sn"); });
    Step s = server.start("n,,n=user,r=" + std::string(kMaxSaslMessage, 'a'));
    EXPECT_EQ(s.failure, SaslFailure::too_long);
}

TEST(Scram, MalformedClientFinalMessages) {
    auto creds = rfc_credentials();
    std::string bare = "n=user,r=" + std::string(kClientNonce);
    std::string good_proof_msg;
    struct Case {
        std::string msg;
        std::string error;
    };
    const std::string r = ",r=" + kFullNonce;
    std::vector<Case> cases = {
        {"", "e=invalid-encoding"},
        {"c=biws" + r, "e=invalid-encoding"},                             // no proof
        {"r=" + kFullNonce + ",c=biws,p=AAAA", "e=invalid-encoding"},     // order
        {"c=bi!s" + r + ",p=AAAA", "e=invalid-encoding"},                 // bad base64 in c=
        {"c=biws,r=" + std::string(kClientNonce) + "X" + ",p=AAAA", "e=other-error"},  // nonce mismatch
        {"c=biws" + r + ",p=!!!!", "e=invalid-encoding"},                 // bad base64 proof
        {"c=biws" + r + ",p=", "e=invalid-encoding"},                     // empty proof
        {"c=biws" + r + ",p=AAAA", "e=invalid-proof"},                    // short proof
        {"c=biws" + r + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" + ",x=1", "e=invalid-encoding"},
        {"c=biws" + r + ",m=1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "e=extensions-not-supported"},
        {"c=biws" + r + ",p=" + base64_encode(std::string(32, 'x')), "e=invalid-proof"},  // bad proof
    };
    for (const auto& c : cases) {
        Exchange ex;
        ASSERT_EQ(begin(ex, "n,," + bare, &creds).kind, Step::Kind::challenge);
        Step s = ex.server.step(c.msg);
        EXPECT_EQ(s.kind, Step::Kind::failure) << c.msg;
        EXPECT_EQ(s.data, c.error) << c.msg;
    }
}

TEST(Scram, WrongPasswordFailsWithInvalidProof) {
    auto creds = rfc_credentials();
    Exchange ex;
    begin(ex, "n,,n=user,r=" + std::string(kClientNonce), &creds);
    Step s = finish_with(ex, "n=user,r=" + std::string(kClientNonce), "c=biws,r=" + kFullNonce, "pencil2");
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::bad_credentials);
    EXPECT_EQ(s.data, "e=invalid-proof");
}

TEST(Scram, ExtensionsInClientFinalAreCoveredByTheProof) {
    auto creds = rfc_credentials();
    Exchange ex;
    begin(ex, "n,,n=user,r=" + std::string(kClientNonce), &creds);
    Step s = finish_with(ex, "n=user,r=" + std::string(kClientNonce), "c=biws,r=" + kFullNonce + ",x=ext");
    EXPECT_EQ(s.kind, Step::Kind::success) << s.reason;
}

TEST(Scram, UnknownUserGetsStableFakeSaltAndFails) {
    Exchange a, b;
    Step sa = begin(a, "n,,n=ghost,r=cn", nullptr);
    Step sb = begin(b, "n,,n=ghost,r=cn", nullptr);
    ASSERT_EQ(sa.kind, Step::Kind::challenge);
    EXPECT_EQ(sa.data, sb.data);  // same salt, same iterations: looks like a real account
    EXPECT_NE(sa.data.find(",i=4096"), std::string::npos);
    Exchange c;
    Step sc = begin(c, "n,,n=ghost2,r=cn", nullptr);
    EXPECT_NE(sa.data, sc.data);
    Step s = finish_with(a, "n=ghost,r=cn", "c=biws,r=cn" + std::string(kServerNonce));
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.data, "e=invalid-proof");
}

TEST(Scram, OutOfOrderCalls) {
    ScramSha256Server server;
    auto creds = rfc_credentials();
    EXPECT_EQ(server.resume_scram(&creds).failure, SaslFailure::protocol);
    ScramSha256Server s2;
    s2.start("n,,n=user,r=abc");
    EXPECT_EQ(s2.step("c=biws").failure, SaslFailure::protocol);  // still waiting for credentials
    EXPECT_EQ(s2.resume_password(true).failure, SaslFailure::protocol);
}

TEST(Scram, RandomNonceIsPrintableAndFresh) {
    ScramSha256Server a, b;
    auto creds = rfc_credentials();
    a.start("n,,n=user,r=cn");
    b.start("n,,n=user,r=cn");
    Step sa = a.resume_scram(&creds), sb = b.resume_scram(&creds);
    ASSERT_EQ(sa.kind, Step::Kind::challenge);
    EXPECT_NE(sa.data, sb.data);
    auto nonce = sa.data.substr(2, sa.data.find(',') - 2);
    EXPECT_GT(nonce.size(), 20u);
    for (char ch : nonce) EXPECT_TRUE(ch > 0x20 && ch < 0x7f && ch != ',');
}

TEST(Scram, BadStoredCredentialsAreUnavailable) {
    ScramSha256Server server;
    server.start("n,,n=user,r=cn");
    ScramCredentials broken;
    broken.iterations = 4096;
    broken.salt = "s";
    broken.stored_key = "short";
    broken.server_key = std::string(32, 'k');
    EXPECT_EQ(server.resume_scram(&broken).failure, SaslFailure::unavailable);
}

TEST(ScramCredentials, FormatParseRoundTripAndRandomSalt) {
    auto stored = make_scram_credentials("pencil");
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->rfind("4096:", 0), 0u);
    auto parsed = parse_scram_credentials(*stored);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->iterations, 4096u);
    EXPECT_EQ(parsed->salt.size(), 16u);
    EXPECT_EQ(format_scram_credentials(*parsed), *stored);
    auto again = scram_derive("pencil", parsed->salt, 4096);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->stored_key, parsed->stored_key);
    EXPECT_EQ(again->server_key, parsed->server_key);
    EXPECT_NE(*make_scram_credentials("pencil"), *stored);  // fresh salt
}

TEST(ScramCredentials, RfcKeysMatchKnownProof) {
    auto c = rfc_credentials();
    // Stored form as the store keeps it, parsed back, still yields the RFC result.
    auto parsed = parse_scram_credentials(format_scram_credentials(c));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(base64_encode(parsed->salt), kSaltB64);
}

TEST(ScramCredentials, ParseRejectsMalformed) {
    std::string key = base64_encode(std::string(32, 'k'));
    std::string salt = base64_encode("saltsalt");
    EXPECT_TRUE(parse_scram_credentials("4096:" + salt + ":" + key + ":" + key));
    EXPECT_FALSE(parse_scram_credentials(""));
    EXPECT_FALSE(parse_scram_credentials(":" + salt + ":" + key + ":" + key));       // iteration missing
    EXPECT_FALSE(parse_scram_credentials(salt + ":" + key + ":" + key));             // field missing
    EXPECT_FALSE(parse_scram_credentials("0:" + salt + ":" + key + ":" + key));
    EXPECT_FALSE(parse_scram_credentials("04096:" + salt + ":" + key + ":" + key));
    EXPECT_FALSE(parse_scram_credentials("-1:" + salt + ":" + key + ":" + key));
    EXPECT_FALSE(parse_scram_credentials("99999999999:" + salt + ":" + key + ":" + key));
    EXPECT_FALSE(parse_scram_credentials("4096::" + key + ":" + key));               // empty salt
    EXPECT_FALSE(parse_scram_credentials("4096:" + salt + ":" + key + ":" + key + ":x"));
    EXPECT_FALSE(parse_scram_credentials("4096:" + salt + ":" + base64_encode("short") + ":" + key));
    EXPECT_FALSE(parse_scram_credentials("4096:" + salt + ":!!!!:" + key));
    EXPECT_FALSE(parse_scram_credentials("4096x:" + salt + ":" + key + ":" + key));
}

TEST(ScramCredentials, DeriveRejectsBadInput) {
    EXPECT_FALSE(scram_derive("", "salt", 4096).ok());
    EXPECT_FALSE(scram_derive("pw", "", 4096).ok());
    EXPECT_FALSE(scram_derive("pw", "salt", 0).ok());
}

TEST(Saslprep, Rfc4013Examples) {
    EXPECT_EQ(saslprep("user"), "user");
    EXPECT_EQ(saslprep("I\xC2\xAD" "X"), "IX");      // SOFT HYPHEN mapped to nothing
    EXPECT_EQ(saslprep("\xC2\xAA"), "a");            // FEMININE ORDINAL -> NFKC "a"
    EXPECT_EQ(saslprep("\xE2\x85\xA8"), "IX");       // ROMAN NUMERAL NINE -> "IX"
    EXPECT_EQ(saslprep("a\xC2\xA0" "b"), "a b");     // NO-BREAK SPACE -> SPACE
    EXPECT_FALSE(saslprep("\x07"));                  // prohibited control
    EXPECT_FALSE(saslprep("\xD8\xA7" "1"));          // bidi rule (RFC 3454 6)
}

TEST(Saslprep, AppliedBeforeKeyDerivation) {
    auto a = scram_derive("I\xC2\xAD" "X", "salt", 4096);
    auto b = scram_derive("IX", "salt", 4096);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->stored_key, b->stored_key);
}
