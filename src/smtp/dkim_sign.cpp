#include "smtp/dkim_sign.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/digest.h"
#include "mime/address.h"
#include "mime/header.h"

namespace postamt::smtp::dkim {
namespace {

namespace fs = std::filesystem;

using PkeyPtr = std::shared_ptr<EVP_PKEY>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

PkeyPtr wrap(EVP_PKEY* k) { return PkeyPtr(k, &EVP_PKEY_free); }

Error crypto_error(const std::string& what) { return make_error(Errc::internal, "DKIM: " + what); }

std::optional<Algorithm> algorithm_of(EVP_PKEY* k) {
    switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA:
            return Algorithm::rsa_sha256;
        case EVP_PKEY_ED25519:
            return Algorithm::ed25519_sha256;
        default:
            return std::nullopt;
    }
}

// Appends tokens to a header field, folding before a token that would make
// the line longer than 78 characters (RFC 5322 2.1.1).
class Folder {
public:
    explicit Folder(std::string start) : out_(std::move(start)), line_(out_.size()) {}
    // `sep` goes before the token on the same line; when folding, the token
    // starts the continuation line after a TAB.
    void add(std::string_view sep, std::string_view token) {
        if (line_ + sep.size() + token.size() > 78 && line_ > 1) {
            while (!sep.empty() && sep.back() == ' ') sep.remove_suffix(1);
            out_ += sep;
            out_ += "\r\n\t";
            line_ = 1;
        } else {
            out_ += sep;
            line_ += sep.size();
        }
        out_ += token;
        line_ += token.size();
    }
    std::size_t line_length() const { return line_; }
    std::string& text() { return out_; }

private:
    std::string out_;
    std::size_t line_;
};

}  // namespace

const char* algorithm_name(Algorithm a) { return a == Algorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256"; }
const char* key_type_name(Algorithm a) { return a == Algorithm::rsa_sha256 ? "rsa" : "ed25519"; }

Result<PrivateKey> PrivateKey::generate(Algorithm a) {
    EVP_PKEY* k = a == Algorithm::rsa_sha256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!k) return crypto_error("key generation failed");
    PrivateKey pk;
    pk.key_ = wrap(k);
    pk.alg_ = a;
    return pk;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return crypto_error("out of memory");
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!k) return make_error(Errc::invalid, "not a PEM private key");
    auto p = wrap(k);
    auto a = algorithm_of(k);
    if (!a) return make_error(Errc::invalid, "the key is neither RSA nor Ed25519");
    PrivateKey pk;
    pk.key_ = std::move(p);
    pk.alg_ = *a;
    return pk;
}

Result<PrivateKey> PrivateKey::ed25519_from_seed(std::string_view seed) {
    if (seed.size() != 32) return make_error(Errc::invalid, "an Ed25519 secret key has 32 bytes");
    EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
    if (!k) return crypto_error("cannot load the Ed25519 key");
    PrivateKey pk;
    pk.key_ = wrap(k);
    pk.alg_ = Algorithm::ed25519_sha256;
    return pk;
}

unsigned PrivateKey::bits() const { return key_ ? static_cast<unsigned>(EVP_PKEY_get_bits(key_.get())) : 0; }

std::string PrivateKey::pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string PrivateKey::public_key_base64() const {
    if (alg_ == Algorithm::ed25519_sha256) {
        unsigned char raw[32];
        size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key_.get(), raw, &len) != 1) return {};
        return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
    }
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key_.get(), &der);
    if (n <= 0) return {};
    std::string out = base64_encode(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    return out;
}

std::string PrivateKey::dns_record() const {
    return std::string("v=DKIM1; k=") + key_type_name(alg_) + "; p=" + public_key_base64();
}

Result<std::string> PrivateKey::sign(std::string_view data) const {
    MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx) return crypto_error("out of memory");
    std::string input;
    const EVP_MD* md = nullptr;
    if (alg_ == Algorithm::ed25519_sha256) {
        // RFC 8463 3: PureEdDSA over the SHA-256 hash, not over the data.
        input = sha256(data);
    } else {
        input.assign(data);
        md = EVP_sha256();
    }
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) return crypto_error("sign init failed");
    size_t len = 0;
    auto in = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) return crypto_error("sign failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) != 1)
        return crypto_error("sign failed");
    sig.resize(len);
    return sig;
}

bool verify_signature(Algorithm a, std::string_view p_base64, std::string_view data, std::string_view signature) {
    auto raw = base64_decode(p_base64, true);
    if (!raw || raw->empty()) return false;
    auto der = reinterpret_cast<const unsigned char*>(raw->data());
    PkeyPtr key;
    if (a == Algorithm::ed25519_sha256) {
        if (raw->size() != 32) return false;
        key = wrap(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, der, raw->size()));
    } else {
        // SubjectPublicKeyInfo (what everyone publishes) or the bare
        // RSAPublicKey RFC 6376 3.6.1 literally names.
        const unsigned char* p = der;
        EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(raw->size()));
        if (!k) {
            p = der;
            k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(raw->size()));
        }
        key = wrap(k);
    }
    if (!key || algorithm_of(key.get()) != a) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::string input = a == Algorithm::ed25519_sha256 ? sha256(data) : std::string(data);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, a == Algorithm::rsa_sha256 ? EVP_sha256() : nullptr, nullptr,
                                     key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

const std::vector<std::string>& default_signed_headers() {
    static const std::vector<std::string> kNames = {
        "from",        "sender",     "reply-to",     "subject",     "date",         "message-id",
        "to",          "cc",         "in-reply-to",  "references",  "mime-version", "content-type",
        "content-transfer-encoding", "content-disposition",          "list-id",      "list-unsubscribe",
        "list-unsubscribe-post",     "list-post",    "autocrypt",   "openpgp"};
    return kNames;
}

Result<std::string> sign_message(const SigningKey& key, std::string_view message, const SignOptions& opt) {
    auto sm = split_message(message);
    // h=: each listed name as often as it occurs; From once more
    // (over-signing, RFC 6376 8.15).
    std::vector<std::string> h;
    for (const auto& name : opt.headers) {
        std::size_t n = 0;
        for (auto f : sm.fields)
            if (mime::iequals_ascii(field_name(f), name)) ++n;
        if (mime::iequals_ascii(name, "from")) ++n;
        for (std::size_t i = 0; i < n; ++i) h.push_back(mime::to_lower_ascii(name));
    }
    if (h.empty()) return make_error(Errc::invalid, "DKIM: no header field to sign");

    std::string bh = base64_encode(body_hash(sm.body, Canon::relaxed));
    Folder f("DKIM-Signature:");
    f.add(" ", "v=1;");
    f.add(" ", std::string("a=") + algorithm_name(key.key.algorithm()) + ";");
    f.add(" ", "c=relaxed/relaxed;");
    f.add(" ", "d=" + key.domain + ";");
    f.add(" ", "s=" + key.selector + ";");
    if (opt.timestamp > 0) f.add(" ", "t=" + std::to_string(static_cast<long long>(opt.timestamp)) + ";");
    for (std::size_t i = 0; i < h.size(); ++i) {
        std::string tok = (i == 0 ? "h=" : "") + h[i] + (i + 1 == h.size() ? ";" : ":");
        f.add(i == 0 ? " " : "", tok);
    }
    f.add(" ", "bh=" + bh + ";");
    // b= starts a line of its own so the value can fill whole lines.
    f.text() += "\r\n\tb=";

    auto selected = select_fields(sm.fields, h);
    std::string input = header_hash_input(selected, f.text(), Canon::relaxed);
    auto sig = key.key.sign(input);
    if (!sig.ok()) return sig.error();
    std::string b = base64_encode(*sig);

    // Fold the base64 value (FWS is allowed anywhere in it, 3.5 b=): the
    // first piece after "\tb=", then 76 characters per line.
    std::string out = std::move(f.text());
    std::size_t first = std::min<std::size_t>(b.size(), 74);
    out.append(b, 0, first);
    for (std::size_t p = first; p < b.size(); p += 76) {
        out += "\r\n\t";
        out.append(b, p, 76);
    }
    out += "\r\n";
    return out;
}

void Keyring::add(SigningKey k) {
    k.domain = mime::to_lower_ascii(k.domain);
    auto& v = keys_[k.domain];
    v.push_back(std::move(k));
    std::stable_sort(v.begin(), v.end(), [](const SigningKey& a, const SigningKey& b) {
        return a.key.algorithm() == Algorithm::ed25519_sha256 && b.key.algorithm() != Algorithm::ed25519_sha256;
    });
}

std::vector<const SigningKey*> Keyring::keys_for(std::string_view domain) const {
    std::vector<const SigningKey*> out;
    auto it = keys_.find(mime::to_lower_ascii(domain));
    if (it == keys_.end()) return out;
    for (const auto& k : it->second) out.push_back(&k);
    return out;
}

std::vector<std::string> Keyring::domains() const {
    std::vector<std::string> out;
    for (const auto& [d, _] : keys_) out.push_back(d);
    return out;
}

std::size_t Keyring::size() const {
    std::size_t n = 0;
    for (const auto& [_, v] : keys_) n += v.size();
    return n;
}

Result<Keyring> Keyring::load(const std::string& dir) {
    Keyring ring;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return ring;
    if (!fs::is_directory(dir, ec)) return make_error(Errc::invalid, "DKIM key directory " + dir + " is not a directory");
    std::vector<fs::path> domain_dirs;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory()) domain_dirs.push_back(e.path());
    if (ec) return make_error(Errc::unavailable, "cannot read DKIM key directory " + dir + ": " + ec.message());
    std::sort(domain_dirs.begin(), domain_dirs.end());
    for (const auto& dd : domain_dirs) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dd, ec))
            if (e.is_regular_file() && e.path().extension() == ".pem") files.push_back(e.path());
        if (ec) return make_error(Errc::unavailable, "cannot read " + dd.string() + ": " + ec.message());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            struct stat st {};
            if (::stat(file.c_str(), &st) != 0)
                return make_error(Errc::unavailable, "cannot stat DKIM key " + file.string());
            if (st.st_mode & 077)
                return make_error(Errc::permission, "DKIM key " + file.string() +
                                                        " is accessible by group or others; run chmod 600 on it");
            std::ifstream in(file, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            if (!in) return make_error(Errc::unavailable, "cannot read DKIM key " + file.string());
            auto key = PrivateKey::from_pem(ss.str());
            if (!key.ok()) return make_error(Errc::invalid, "DKIM key " + file.string() + ": " + key.error().message);
            if (key->algorithm() == Algorithm::rsa_sha256 && key->bits() < 1024)
                return make_error(Errc::invalid, "DKIM key " + file.string() +
                                                     " has fewer than 1024 bits (RFC 8301); generate a new one");
            ring.add(SigningKey{dd.filename().string(), file.stem().string(), std::move(key).value()});
        }
    }
    return ring;
}

std::string key_directory(const std::string& key_dir, const std::string& data_dir) {
    if (!key_dir.empty()) return key_dir;
    return (fs::path(data_dir) / "dkim").string();
}

std::string from_domain(std::string_view message) {
    auto sm = split_message(message);
    for (auto f : sm.fields) {
        if (!mime::iequals_ascii(field_name(f), "from")) continue;
        auto colon = f.find(':');
        for (const auto& a : mime::parse_address_list(f.substr(colon + 1)))
            if (a.kind == mime::Address::Kind::mailbox && !a.host.empty()) return mime::to_lower_ascii(a.host);
        return {};
    }
    return {};
}

Result<std::string> sign_with_keyring(const Keyring& ring, std::string_view message, std::time_t now) {
    std::string out;
    std::string domain = from_domain(message);
    if (domain.empty()) return out;
    SignOptions opt;
    opt.timestamp = now;
    for (const auto* k : ring.keys_for(domain)) {
        auto sig = sign_message(*k, message, opt);
        if (!sig.ok()) return sig.error();
        out += *sig;
    }
    return out;
}

}  // namespace postamt::smtp::dkim
