#include "acme/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "common/base64.h"
#include "common/digest.h"
#include "net/openssl_error.h"

namespace postamt::acme {
namespace {

Error ossl_error(const std::string& what) { return make_error(Errc::internal, what + ": " + net::openssl_errors()); }

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Sig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Octets = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Obj = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;

struct NamesFree {
    void operator()(GENERAL_NAMES* g) const { GENERAL_NAMES_free(g); }
};
struct ExtsFree {
    void operator()(STACK_OF(X509_EXTENSION) * s) const { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
};

std::string bio_string(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, std::size_t(n > 0 ? n : 0));
}

std::string bn_fixed(const BIGNUM* bn, int len) {
    std::string out(std::size_t(len), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
    return out;
}

Result<Ext> san_extension(const std::vector<std::string>& names) {
    std::unique_ptr<GENERAL_NAMES, NamesFree> gens(sk_GENERAL_NAME_new_null());
    for (const auto& n : names) {
        GENERAL_NAME* gn = GENERAL_NAME_new();
        ASN1_IA5STRING* s = ASN1_IA5STRING_new();
        if (!gn || !s || ASN1_STRING_set(s, n.data(), int(n.size())) != 1) {
            GENERAL_NAME_free(gn);
            ASN1_IA5STRING_free(s);
            return ossl_error("subjectAltName");
        }
        GENERAL_NAME_set0_value(gn, GEN_DNS, s);
        sk_GENERAL_NAME_push(gens.get(), gn);
    }
    Ext ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, gens.get()));
    if (!ext) return ossl_error("subjectAltName");
    return ext;
}

std::chrono::system_clock::time_point asn1_time(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

Result<Pkey> generate_p256() {
    ERR_clear_error();
    Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!k) return ossl_error("P-256 key generation");
    return k;
}

Result<Pkey> load_private_key_pem(std::string_view pem) {
    ERR_clear_error();
    Bio b(BIO_new_mem_buf(pem.data(), int(pem.size())));
    Pkey k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
    if (!k) return make_error(Errc::invalid, "not a PEM private key: " + net::openssl_errors());
    if (EVP_PKEY_get_base_id(k.get()) != EVP_PKEY_EC) return make_error(Errc::invalid, "not an EC key");
    return k;
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
    Bio b(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return ossl_error("PEM_write_bio_PrivateKey");
    return bio_string(b.get());
}

Result<std::string> jwk_json(EVP_PKEY* key) {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
        BN_free(x);
        return ossl_error("EC public key");
    }
    Bn bx(x), by(y);
    // RFC 7638 3.2: required members only, lexicographic order, no whitespace.
    return std::string(R"({"crv":"P-256","kty":"EC","x":")") + base64url_encode(bn_fixed(x, 32)) + R"(","y":")" +
           base64url_encode(bn_fixed(y, 32)) + R"("})";
}

Result<std::string> jwk_thumbprint(EVP_PKEY* key) {
    auto j = jwk_json(key);
    if (!j) return j.error();
    return base64url_encode(sha256(*j));
}

Result<std::string> es256_sign(EVP_PKEY* key, std::string_view data) {
    ERR_clear_error();
    MdCtx md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(md.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        return ossl_error("ES256 sign");
    std::string der(len, '\0');
    if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        return ossl_error("ES256 sign");
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    Sig sig(d2i_ECDSA_SIG(nullptr, &p, long(len)));
    if (!sig) return ossl_error("ECDSA signature");
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    return bn_fixed(r, 32) + bn_fixed(s, 32);
}

Result<std::string> build_csr(const std::vector<std::string>& names, EVP_PKEY* key) {
    if (names.empty()) return make_error(Errc::invalid, "a CSR needs at least one name");
    ERR_clear_error();
    ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) return ossl_error("X509_REQ");
    X509_NAME* subj = X509_REQ_get_subject_name(req.get());
    // A CN longer than 64 bytes is invalid (RFC 5280 upper bound); the SANs
    // carry the names anyway (RFC 8555 7.4 says the CA uses those).
    if (names[0].size() <= 64 &&
        X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1, 0) != 1)
        return ossl_error("CSR subject");
    auto san = san_extension(names);
    if (!san) return san.error();
    std::unique_ptr<STACK_OF(X509_EXTENSION), ExtsFree> exts(sk_X509_EXTENSION_new_null());
    sk_X509_EXTENSION_push(exts.get(), san->release());
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) return ossl_error("CSR extensions");
    if (X509_REQ_set_pubkey(req.get(), key) != 1 || X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0)
        return ossl_error("CSR signature");
    int n = i2d_X509_REQ(req.get(), nullptr);
    if (n <= 0) return ossl_error("CSR encoding");
    std::string der(std::size_t(n), '\0');
    unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509_REQ(req.get(), &p);
    return der;
}

Result<std::string> tls_alpn_challenge_cert(const std::string& name, const std::string& key_authorization,
                                            EVP_PKEY* key) {
    ERR_clear_error();
    X509Ptr x(X509_new());
    if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) return ossl_error("X509_new");
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    Bn sn(BN_bin2bn(serial, sizeof serial, nullptr));
    BN_to_ASN1_INTEGER(sn.get(), X509_get_serialNumber(x.get()));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 7 * 86400);
    X509_NAME* subj = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ACME challenge"), -1, -1, 0);
    X509_set_issuer_name(x.get(), subj);
    X509_set_pubkey(x.get(), key);
    // RFC 8737 3: the SAN holds exactly the name being validated.
    auto san = san_extension({name});
    if (!san) return san.error();
    X509_add_ext(x.get(), san->get(), -1);
    // id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31), critical, extnValue =
    // DER OCTET STRING of SHA-256 over the key authorization (RFC 8737 3).
    std::string digest = sha256(key_authorization);
    Octets inner(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(inner.get(), reinterpret_cast<const unsigned char*>(digest.data()), int(digest.size()));
    unsigned char* der = nullptr;
    int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
    if (der_len <= 0) return ossl_error("acmeIdentifier");
    Octets value(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(value.get(), der, der_len);
    OPENSSL_free(der);
    Obj oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1));
    Ext ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
    if (!ext || X509_add_ext(x.get(), ext.get(), -1) != 1) return ossl_error("acmeIdentifier");
    if (X509_sign(x.get(), key, EVP_sha256()) <= 0) return ossl_error("challenge certificate signature");
    Bio b(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(b.get(), x.get());
    return bio_string(b.get());
}

Result<CertInfo> certificate_info(std::string_view pem) {
    ERR_clear_error();
    Bio b(BIO_new_mem_buf(pem.data(), int(pem.size())));
    X509Ptr x(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
    if (!x) return make_error(Errc::invalid, "not a PEM certificate: " + net::openssl_errors());
    CertInfo info;
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr));
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
            if (gn->type != GEN_DNS) continue;
            info.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                                    std::size_t(ASN1_STRING_length(gn->d.dNSName)));
        }
        GENERAL_NAMES_free(sans);
    }
    info.not_before = asn1_time(X509_get0_notBefore(x.get()));
    info.not_after = asn1_time(X509_get0_notAfter(x.get()));
    Bn sn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
    if (sn) {
        char* hex = BN_bn2hex(sn.get());
        info.serial_hex = hex ? hex : "";
        OPENSSL_free(hex);
    }
    char buf[512];
    X509_NAME_oneline(X509_get_issuer_name(x.get()), buf, sizeof buf);
    info.issuer = buf;
    return info;
}

}  // namespace postamt::acme
