#include "net/self_signed.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "net_test_support.h"

using namespace postamt;

namespace {

TEST(SelfSigned, KeyModeSansAndValidity) {
    nettest::TempDir d;
    auto r = net::generate_self_signed(d.path + "/tls", "mail.example.org");
    ASSERT_TRUE(r.ok()) << r.error().message;
    struct stat st;
    ASSERT_EQ(::stat(r->key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((d.path + "/tls").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    for (auto& e : std::filesystem::directory_iterator(d.path + "/tls"))
        EXPECT_FALSE(e.path().string().ends_with(".tmp")) << e.path();

    FILE* f = std::fopen(r->cert.c_str(), "r");
    ASSERT_TRUE(f);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_TRUE(x);
    EXPECT_EQ(X509_check_host(x, "mail.example.org", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(x, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(x, "::1", 0), 1);
    EXPECT_NE(X509_check_host(x, "other.example.org", 0, 0, nullptr), 1);
    // Valid now and for years (10-year validity).
    EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
    time_t in9y = time(nullptr) + 9L * 365 * 86400;
    EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x), &in9y), 0);

    f = std::fopen(r->key.c_str(), "r");
    ASSERT_TRUE(f);
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_TRUE(k);
    EXPECT_EQ(X509_check_private_key(x, k), 1);
    EXPECT_EQ(X509_verify(x, k), 1);  // self-signed
    EVP_PKEY_free(k);
    X509_free(x);
}

TEST(SelfSigned, TlsContextGeneratesOnFirstStart) {
    nettest::TempDir d;
    TlsConfig tc;  // no cert configured
    auto ctx = net::TlsContext::create(tc, d.path, "first.example");
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    EXPECT_TRUE(std::filesystem::exists(d.path + "/tls/self-signed.crt"));
    auto names = ctx.value()->certificate_names();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], (std::vector<std::string>{"first.example", "localhost"}));
    // Second start reuses the files.
    auto before = std::filesystem::last_write_time(d.path + "/tls/self-signed.crt");
    auto again = net::TlsContext::create(tc, d.path, "first.example");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(std::filesystem::last_write_time(d.path + "/tls/self-signed.crt"), before);
}

TEST(SelfSigned, BadCertificatePathIsAnError) {
    nettest::TempDir d;
    TlsConfig tc;
    tc.cert = d.path + "/missing.crt";
    tc.key = d.path + "/missing.key";
    auto ctx = net::TlsContext::create(tc, d.path, "x");
    ASSERT_FALSE(ctx.ok());
    EXPECT_NE(ctx.error().message.find("missing.crt"), std::string::npos);
}

TEST(TlsNames, WildcardMatching) {
    EXPECT_TRUE(net::tls_name_matches("mail.example.org", "mail.example.org"));
    EXPECT_TRUE(net::tls_name_matches("*.example.org", "mail.example.org"));
    EXPECT_FALSE(net::tls_name_matches("*.example.org", "example.org"));
    EXPECT_FALSE(net::tls_name_matches("*.example.org", "a.b.example.org"));
    EXPECT_FALSE(net::tls_name_matches("*.example.org", ".example.org"));
    EXPECT_FALSE(net::tls_name_matches("mail.example.org", "imap.example.org"));
}

}  // namespace
