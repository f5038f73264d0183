#include "net/self_signed.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace postamt::net {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Error ssl_error(std::string what) { return make_error(Errc::internal, what + " failed"); }

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, n > 0 ? std::size_t(n) : 0);
}

Status write_atomically(const std::string& path, const std::string& data, mode_t mode) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return make_error(Errc::unavailable, tmp + ": " + std::strerror(errno));
    ::fchmod(fd, mode);  // umask must not widen or narrow the intended mode
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return make_error(Errc::unavailable, tmp + ": " + std::strerror(e));
        }
        off += std::size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return make_error(Errc::unavailable, tmp + ": fsync: " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return make_error(Errc::unavailable, path + ": rename: " + std::strerror(errno));
    }
    return ok_status();
}

void fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

SelfSignedPaths self_signed_paths(const std::string& dir) {
    return {dir + "/self-signed.crt", dir + "/self-signed.key"};
}

Result<SelfSignedPaths> generate_self_signed(const std::string& dir, const std::string& hostname) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error(Errc::unavailable, dir + ": " + std::strerror(errno));
    std::string host = hostname.empty() ? "localhost" : hostname;

    Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key) return ssl_error("EC key generation");
    Ptr<X509> x(X509_new());
    if (!x) return ssl_error("X509_new");
    X509_set_version(x.get(), 2);  // v3
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F;  // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(x.get(), key.get());
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);

    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x.get(), x.get(), nullptr, nullptr, 0);
    std::string san = "DNS:" + host;
    if (host != "localhost") san += ",DNS:localhost";
    san += ",IP:127.0.0.1,IP:::1";
    const std::pair<int, std::string> exts[] = {
        {NID_subject_alt_name, san},
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_key_identifier, "hash"},
    };
    for (const auto& [nid, value] : exts) {
        Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
        if (!ext || !X509_add_ext(x.get(), ext.get(), -1)) return ssl_error("certificate extension");
    }
    if (!X509_sign(x.get(), key.get(), EVP_sha256())) return ssl_error("certificate signing");

    Ptr<BIO> kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
    if (!kb || !cb || !PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
        !PEM_write_bio_X509(cb.get(), x.get()))
        return ssl_error("PEM encoding");

    SelfSignedPaths paths = self_signed_paths(dir);
    std::string key_pem = bio_text(kb.get());
    Status s = write_atomically(paths.key, key_pem, 0600);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (!s) return s.error();
    s = write_atomically(paths.cert, bio_text(cb.get()), 0644);
    if (!s) return s.error();
    fsync_dir(dir);
    return paths;
}

}  // namespace postamt::net
