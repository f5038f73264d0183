#include "smtp/dkim_sign.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/base64.h"
#include "mime/header.h"
#include "test_support.h"

using namespace postamt::smtp::dkim;
using postamt::base64_decode;
using postamt::base64_encode;

namespace {

// RFC 8463 Appendix A: keys, key records and the signed message.
const std::string kEdSeedB64 = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const std::string kEdPublic = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const std::string kRsaPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";
const std::string kRsaPublic =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

const std::string kEdSigField =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
const std::string kRsaSigField =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";
const std::string kUnsigned =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

std::string tag(const std::string& field, const std::string& name) {
    auto tags = parse_tag_list(field.substr(field.find(':') + 1));
    if (!tags) return "<bad tag list>";
    for (const auto& t : *tags)
        if (t.name == name) return t.value;
    return "<missing>";
}

std::string strip_fws(std::string s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
    return out;
}

// A small verifier built from the canonicalisation functions: checks bh=
// and b= of the signature field `sig_field` (found in `message`) against
// the key record's p= value.
::testing::AssertionResult verifies(const std::string& message, const std::string& sig_field, const std::string& p) {
    auto sm = split_message(message);
    std::string a = tag(sig_field, "a");
    Algorithm alg = a == "ed25519-sha256" ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;
    auto canon = parse_canon_pair(tag(sig_field, "c"));
    if (!canon) return ::testing::AssertionFailure() << "bad c=";
    std::string bh = base64_encode(body_hash(sm.body, canon->body));
    if (bh != strip_fws(tag(sig_field, "bh"))) return ::testing::AssertionFailure() << "body hash " << bh;
    auto selected = select_fields(sm.fields, parse_h_tag(tag(sig_field, "h")));
    std::string input = header_hash_input(selected, without_b_value(sig_field), canon->header);
    auto sig = base64_decode(strip_fws(tag(sig_field, "b")));
    if (!sig) return ::testing::AssertionFailure() << "b= is not base64";
    if (!verify_signature(alg, p, input, *sig)) return ::testing::AssertionFailure() << "signature does not verify";
    return ::testing::AssertionSuccess();
}

// The DKIM-Signature fields at the top of a signed message.
std::vector<std::string> signature_fields(const std::string& message) {
    std::vector<std::string> out;
    for (auto f : split_message(message).fields)
        if (postamt::mime::iequals_ascii(field_name(f), "DKIM-Signature")) out.emplace_back(f);
    return out;
}

}  // namespace

TEST(DkimRfc8463, BodyHash) {
    auto sm = split_message(kUnsigned);
    EXPECT_EQ(base64_encode(body_hash(sm.body, Canon::relaxed)), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

TEST(DkimRfc8463, KeysMatchTheRecords) {
    auto seed = base64_decode(kEdSeedB64);
    ASSERT_TRUE(seed);
    auto ed = PrivateKey::ed25519_from_seed(*seed);
    ASSERT_TRUE(ed.ok());
    EXPECT_EQ(ed->public_key_base64(), kEdPublic);
    auto rsa = PrivateKey::from_pem(kRsaPem);
    ASSERT_TRUE(rsa.ok()) << rsa.error().message;
    EXPECT_EQ(rsa->algorithm(), Algorithm::rsa_sha256);
    EXPECT_EQ(rsa->public_key_base64(), kRsaPublic);
    EXPECT_EQ(rsa->dns_record(), "v=DKIM1; k=rsa; p=" + kRsaPublic);
}

TEST(DkimRfc8463, BothSignaturesVerify) {
    std::string signed_msg = kEdSigField + "\r\n" + kRsaSigField + "\r\n" + kUnsigned;
    EXPECT_TRUE(verifies(signed_msg, kEdSigField, kEdPublic));
    EXPECT_TRUE(verifies(signed_msg, kRsaSigField, kRsaPublic));
    // Changing a signed header field breaks both.
    std::string tampered = signed_msg;
    tampered.replace(tampered.find("Is dinner ready?"), 16, "Is dinner ready!");
    EXPECT_FALSE(verifies(tampered, kEdSigField, kEdPublic));
    EXPECT_FALSE(verifies(tampered, kRsaSigField, kRsaPublic));
    // Whitespace changes are what relaxed canonicalisation forgives.
    std::string respaced = signed_msg;
    respaced.replace(respaced.find("Subject: Is"), 11, "SUBJECT:   Is");
    EXPECT_TRUE(verifies(respaced, kEdSigField, kEdPublic));
}

TEST(DkimRfc8463, SignaturesReproducedExactly) {
    // Ed25519 and RSASSA-PKCS1-v1_5 are deterministic: signing the same
    // header hash input with the RFC's keys yields the RFC's b= values.
    std::string signed_msg = kEdSigField + "\r\n" + kRsaSigField + "\r\n" + kUnsigned;
    auto sm = split_message(signed_msg);
    auto seed = base64_decode(kEdSeedB64);
    ASSERT_TRUE(seed);
    auto ed = PrivateKey::ed25519_from_seed(*seed);
    auto rsa = PrivateKey::from_pem(kRsaPem);
    ASSERT_TRUE(ed.ok() && rsa.ok());
    for (auto [field, key] : {std::pair{kEdSigField, &*ed}, std::pair{kRsaSigField, &*rsa}}) {
        auto selected = select_fields(sm.fields, parse_h_tag(tag(field, "h")));
        auto sig = key->sign(header_hash_input(selected, without_b_value(field), Canon::relaxed));
        ASSERT_TRUE(sig.ok());
        EXPECT_EQ(base64_encode(*sig), strip_fws(tag(field, "b")));
    }
}

TEST(DkimSign, SignMessageVerifiesWithBothAlgorithms) {
    for (auto alg : {Algorithm::rsa_sha256, Algorithm::ed25519_sha256}) {
        auto key = PrivateKey::generate(alg);
        ASSERT_TRUE(key.ok());
        if (alg == Algorithm::rsa_sha256) {
            EXPECT_EQ(key->bits(), 2048u);
        }
        SigningKey sk{"example.org", "s1", *key};
        SignOptions opt;
        opt.timestamp = 1700000000;
        auto field = sign_message(sk, kUnsigned, opt);
        ASSERT_TRUE(field.ok()) << field.error().message;
        std::string msg = *field + kUnsigned;
        auto sigs = signature_fields(msg);
        ASSERT_EQ(sigs.size(), 1u);
        EXPECT_TRUE(verifies(msg, sigs[0], key->public_key_base64()));
        EXPECT_EQ(tag(sigs[0], "d"), "example.org");
        EXPECT_EQ(tag(sigs[0], "s"), "s1");
        EXPECT_EQ(tag(sigs[0], "t"), "1700000000");
        EXPECT_EQ(tag(sigs[0], "c"), "relaxed/relaxed");
        EXPECT_EQ(parse_h_tag(tag(sigs[0], "h")),
                  (std::vector<std::string>{"from", "from", "subject", "date", "message-id", "to"}));
        // Folded: no line longer than 78 characters, continuation lines start with WSP.
        std::size_t start = 0;
        while (start < field->size()) {
            auto e = field->find("\r\n", start);
            ASSERT_NE(e, std::string::npos);
            EXPECT_LE(e - start, 78u);
            if (start > 0) {
                EXPECT_EQ((*field)[start], '\t');
            }
            start = e + 2;
        }
        // A From added later (above or below) is caught by the over-signing.
        EXPECT_FALSE(verifies("From: evil@example.net\r\n" + msg, sigs[0], key->public_key_base64()));
    }
}

TEST(DkimSign, TrickyMessages) {
    auto key = PrivateKey::generate(Algorithm::ed25519_sha256);
    ASSERT_TRUE(key.ok());
    SigningKey sk{"example.org", "t", *key};
    const std::vector<std::string> messages = {
        // empty body, with and without the blank line
        "From: a@example.org\r\nTo: b@example.net\r\nSubject: empty\r\n\r\n",
        "From: a@example.org\r\nSubject: no blank line\r\n",
        // body without final CRLF, trailing whitespace and empty lines
        "From: a@example.org\r\nSubject: x\r\n\r\nlast line  ",
        "From: a@example.org\r\nSubject: x\r\n\r\nline\t \r\n\r\n \r\n\r\n",
        // odd folding, WSP before the colon, 8-bit headers, repeated fields
        "From:\r\n \"A, B\"\r\n\t<a@example.org>\r\nSubject :  many\r\n   folds \r\n\there\r\n"
        "To: x@example.net,\r\n y@example.net\r\nCc: z@example.net\r\nCc: w@example.net\r\n\r\nbody\r\n",
        "From: J\xc3\xb6rg <j@example.org>\r\nSubject: Gr\xc3\xbc\xc3\x9f""e \xe2\x9c\x89\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xc3\xa4\xc3\xb6\xc3\xbc\r\n",
    };
    for (const auto& m : messages) {
        auto field = sign_message(sk, m, SignOptions{});
        ASSERT_TRUE(field.ok()) << m;
        std::string msg = *field + m;
        auto sigs = signature_fields(msg);
        ASSERT_EQ(sigs.size(), 1u);
        EXPECT_TRUE(verifies(msg, sigs[0], key->public_key_base64())) << m;
        EXPECT_EQ(tag(sigs[0], "t"), "<missing>");
    }
}

TEST(DkimSign, FromDomain) {
    EXPECT_EQ(from_domain("From: \"X\" <Joe@Example.ORG>\r\n\r\n"), "example.org");
    EXPECT_EQ(from_domain("Subject: x\r\nFrom:\r\n a@b.example (c)\r\n\r\n"), "b.example");
    EXPECT_EQ(from_domain("Subject: x\r\n\r\nFrom: a@b.example\r\n"), "");
    EXPECT_EQ(from_domain("From: undisclosed\r\n\r\n"), "");
}

TEST(DkimKeyring, LoadSignAndPermissions) {
    std::string dir = postamt::testing::temp_dir("dkim-ring");
    std::filesystem::create_directories(dir + "/example.org");
    auto write_key = [&](const std::string& path, const PrivateKey& k, mode_t mode) {
        std::ofstream(path) << k.pem();
        ::chmod(path.c_str(), mode);
    };
    auto rsa = PrivateKey::generate(Algorithm::rsa_sha256);
    auto ed = PrivateKey::generate(Algorithm::ed25519_sha256);
    ASSERT_TRUE(rsa.ok() && ed.ok());
    write_key(dir + "/example.org/sel-rsa.pem", *rsa, 0600);
    write_key(dir + "/example.org/sel-ed25519.pem", *ed, 0600);

    auto ring = Keyring::load(dir);
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    EXPECT_EQ(ring->size(), 2u);
    EXPECT_EQ(ring->domains(), std::vector<std::string>{"example.org"});
    auto keys = ring->keys_for("EXAMPLE.org");
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0]->selector, "sel-ed25519");  // Ed25519 first
    EXPECT_EQ(keys[1]->selector, "sel-rsa");
    EXPECT_TRUE(ring->keys_for("example.net").empty());

    // Dual signing: one field per key, each verifying on its own.
    auto sigs_text = sign_with_keyring(*ring, kUnsigned, 1700000000);
    ASSERT_TRUE(sigs_text.ok());
    EXPECT_EQ(*sigs_text, "");  // From is football.example.com: no keys
    std::string m = "From: me@example.org\r\nTo: you@example.net\r\nSubject: hi\r\n\r\nhello\r\n";
    auto dual = sign_with_keyring(*ring, m, 1700000000);
    ASSERT_TRUE(dual.ok());
    std::string msg = *dual + m;
    auto sigs = signature_fields(msg);
    ASSERT_EQ(sigs.size(), 2u);
    EXPECT_EQ(tag(sigs[0], "a"), "ed25519-sha256");
    EXPECT_EQ(tag(sigs[1], "a"), "rsa-sha256");
    EXPECT_TRUE(verifies(msg, sigs[0], ed->public_key_base64()));
    EXPECT_TRUE(verifies(msg, sigs[1], rsa->public_key_base64()));

    // A key readable by others is refused with the fix in the message.
    ::chmod((dir + "/example.org/sel-rsa.pem").c_str(), 0644);
    auto bad = Keyring::load(dir);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("chmod 600"), std::string::npos);
    ::chmod((dir + "/example.org/sel-rsa.pem").c_str(), 0600);
    // Garbage in a .pem file names the file.
    std::ofstream(dir + "/example.org/junk.pem") << "not a key";
    ::chmod((dir + "/example.org/junk.pem").c_str(), 0600);
    auto junk = Keyring::load(dir);
    ASSERT_FALSE(junk.ok());
    EXPECT_NE(junk.error().message.find("junk.pem"), std::string::npos);

    // A missing directory is an empty keyring.
    auto none = Keyring::load(dir + "/nope");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
    std::filesystem::remove_all(dir);
    EXPECT_EQ(key_directory("", "/var/lib/postamt"), "/var/lib/postamt/dkim");
    EXPECT_EQ(key_directory("/etc/dkim", "/var/lib/postamt"), "/etc/dkim");
}

TEST(DkimSign, PemRoundTrip) {
    auto ed = PrivateKey::generate(Algorithm::ed25519_sha256);
    ASSERT_TRUE(ed.ok());
    auto back = PrivateKey::from_pem(ed->pem());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->algorithm(), Algorithm::ed25519_sha256);
    EXPECT_EQ(back->public_key_base64(), ed->public_key_base64());
    EXPECT_NE(ed->pem().find("BEGIN PRIVATE KEY"), std::string::npos);
    EXPECT_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
    EXPECT_FALSE(verify_signature(Algorithm::ed25519_sha256, "not base64!", "x", "y"));
    EXPECT_FALSE(verify_signature(Algorithm::rsa_sha256, ed->public_key_base64(), "x", "y"));
}
