#include <gtest/gtest.h>

#include "auth/sasl.h"
#include "common/base64.h"

using namespace postamt::auth;
using namespace std::string_literals;

TEST(SaslPlain, Rfc4616Example1) {
    // RFC 4616 section 4: C: <NUL>tim<NUL>tanstaaftanstaaf
    auto m = make_plain_mechanism();
    Step s = m->start("\0tim\0tanstaaftanstaaf"s);
    ASSERT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.credential, CredentialKind::password);
    EXPECT_EQ(s.login, "tim");
    EXPECT_EQ(s.password, "tanstaaftanstaaf");
    s = m->resume_password(true);
    ASSERT_EQ(s.kind, Step::Kind::success);
    EXPECT_EQ(s.login, "tim");
    EXPECT_FALSE(s.has_data);
    EXPECT_TRUE(m->finished());
}

TEST(SaslPlain, Rfc4616Example2ProxyAuthRefused) {
    // RFC 4616 section 4: Kurt authenticates and asks to act as Ursel.
    auto m = make_plain_mechanism();
    Step s = m->start("Ursel\0Kurt\0xipj3plmq"s);
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::authz_denied);
}

TEST(SaslPlain, AuthzidEqualToAuthcidAccepted) {
    auto m = make_plain_mechanism();
    Step s = m->start("kurt@example.org\0kurt@example.org\0pw"s);
    ASSERT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.login, "kurt@example.org");
}

TEST(SaslPlain, NoInitialResponseGivesEmptyChallenge) {
    auto m = make_plain_mechanism();
    Step s = m->start(std::nullopt);
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data, "");
    s = m->step("\0bob\0pw"s);
    EXPECT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.login, "bob");
}

TEST(SaslPlain, WrongPasswordFails) {
    auto m = make_plain_mechanism();
    m->start("\0bob\0pw"s);
    Step s = m->resume_password(false);
    EXPECT_EQ(s.kind, Step::Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::bad_credentials);
    EXPECT_EQ(m->resume_password(true).failure, SaslFailure::protocol);  // no second chance
}

TEST(SaslPlain, MalformedMessages) {
    struct Case {
        std::string msg;
        SaslFailure f;
    };
    std::vector<Case> cases = {
        {"", SaslFailure::malformed},
        {"bobpassword", SaslFailure::malformed},
        {"\0bobpassword"s, SaslFailure::malformed},
        {"\0bob\0pw\0extra"s, SaslFailure::malformed},
        {"\0\0pw"s, SaslFailure::malformed},
        {"\0bob\0"s, SaslFailure::malformed},
        {"\0b\xff" "b\0pw"s, SaslFailure::malformed},
        {"\0bob\0"s + std::string(kMaxSaslMessage, 'p'), SaslFailure::too_long},
    };
    for (const auto& c : cases) {
        auto m = make_plain_mechanism();
        Step s = m->start(c.msg);
        EXPECT_EQ(s.kind, Step::Kind::failure) << c.msg.size();
        EXPECT_EQ(s.failure, c.f) << c.msg.size();
        EXPECT_TRUE(m->finished());
        EXPECT_TRUE(s.password.empty());
    }
}

TEST(SaslPlain, EmptyInitialResponseIsAMessageNotAChallenge) {
    auto m = make_plain_mechanism();
    Step s = m->start(std::string_view());
    EXPECT_EQ(s.kind, Step::Kind::failure);
}

TEST(SaslLogin, ChallengesThenCredentials) {
    auto m = make_login_mechanism();
    Step s = m->start(std::nullopt);
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data, "Username:");
    s = m->step("alice@example.org");
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data, "Password:");
    s = m->step("wonderland");
    ASSERT_EQ(s.kind, Step::Kind::need_credentials);
    EXPECT_EQ(s.login, "alice@example.org");
    EXPECT_EQ(s.password, "wonderland");
    s = m->resume_password(true);
    EXPECT_EQ(s.kind, Step::Kind::success);
    EXPECT_EQ(s.login, "alice@example.org");
}

TEST(SaslLogin, InitialResponseIsTheUsername) {
    auto m = make_login_mechanism();
    Step s = m->start("alice");
    ASSERT_EQ(s.kind, Step::Kind::challenge);
    EXPECT_EQ(s.data, "Password:");
    s = m->step("pw");
    EXPECT_EQ(s.login, "alice");
}

TEST(SaslLogin, Malformed) {
    auto m = make_login_mechanism();
    m->start(std::nullopt);
    EXPECT_EQ(m->step("").failure, SaslFailure::malformed);
    auto m2 = make_login_mechanism();
    m2->start(std::nullopt);
    m2->step("bob");
    EXPECT_EQ(m2->step("").failure, SaslFailure::malformed);
    auto m3 = make_login_mechanism();
    m3->start(std::nullopt);
    EXPECT_EQ(m3->step("b\0b"s).failure, SaslFailure::malformed);
    auto m4 = make_login_mechanism();
    m4->start(std::nullopt);
    EXPECT_EQ(m4->step(std::string(kMaxSaslMessage + 1, 'a')).failure, SaslFailure::too_long);
    auto m5 = make_login_mechanism();
    m5->start(std::nullopt);
    m5->step("bob");
    m5->step("pw");
    EXPECT_EQ(m5->step("more").failure, SaslFailure::protocol);
    EXPECT_EQ(m5->resume_password(false).failure, SaslFailure::bad_credentials);
}

TEST(SaslWire, DecodeClientResponse) {
    auto r = decode_client_response("*");
    EXPECT_EQ(r.kind, ClientResponse::Kind::cancel);
    r = decode_client_response("AGJvYgBwdw==");
    ASSERT_EQ(r.kind, ClientResponse::Kind::data);
    EXPECT_EQ(r.data, "\0bob\0pw"s);
    EXPECT_EQ(decode_client_response("AGJvYgBwdw=").kind, ClientResponse::Kind::invalid);
    EXPECT_EQ(decode_client_response("not base64!").kind, ClientResponse::Kind::invalid);
    EXPECT_EQ(decode_client_response("**").kind, ClientResponse::Kind::invalid);
    EXPECT_EQ(decode_client_response("").kind, ClientResponse::Kind::data);  // empty response
    std::string big = postamt::base64_encode(std::string(kMaxSaslMessage, 'x'));
    EXPECT_EQ(decode_client_response(big).kind, ClientResponse::Kind::data);
    std::string too_big = postamt::base64_encode(std::string(kMaxSaslMessage + 1, 'x'));
    EXPECT_EQ(decode_client_response(too_big).kind, ClientResponse::Kind::invalid);
}

TEST(SaslWire, InitialResponseAndChallenge) {
    EXPECT_EQ(decode_initial_response("="), "");
    EXPECT_EQ(decode_initial_response("dXNlcg=="), "user");
    EXPECT_FALSE(decode_initial_response("*"));
    EXPECT_FALSE(decode_initial_response("%%%"));
    EXPECT_EQ(encode_challenge("Username:"), "VXNlcm5hbWU6");
    EXPECT_EQ(encode_challenge(""), "");
}

TEST(SaslWire, MechanismRegistry) {
    EXPECT_EQ(make_mechanism("plain")->name(), "PLAIN");
    EXPECT_EQ(make_mechanism("LOGIN")->name(), "LOGIN");
    EXPECT_EQ(make_mechanism("scram-sha-256")->name(), "SCRAM-SHA-256");
    EXPECT_EQ(make_mechanism("SCRAM-SHA-256-PLUS"), nullptr);
    EXPECT_EQ(make_mechanism("CRAM-MD5"), nullptr);
    auto plain_tls = advertised_mechanisms(true);
    auto no_tls = advertised_mechanisms(false);
    EXPECT_EQ(plain_tls.size(), 3u);
    ASSERT_EQ(no_tls.size(), 1u);
    EXPECT_EQ(no_tls[0], "SCRAM-SHA-256");
}

