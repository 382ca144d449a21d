#include "forge.hpp"

#include <openssl/dsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace testing::forge {

[[noreturn]] static void die(const std::string& what) { throw std::runtime_error(what); }

std::time_t utc(int y, int m, int d) {
  std::tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = m - 1;
  t.tm_mday = d;
  return timegm(&t);
}

Key make_key(const std::string& kind) {
  EVP_PKEY* k = nullptr;
  if (kind.starts_with("rsa")) {
    k = EVP_RSA_gen(std::stoi(kind.substr(3)));
  } else if (kind.starts_with("ec:")) {
    k = EVP_EC_gen(kind.substr(3).c_str());
  } else if (kind == "dsa") {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr),
                                                                    EVP_PKEY_CTX_free);
    EVP_PKEY* params = nullptr;
    if (EVP_PKEY_paramgen_init(pctx.get()) != 1 || EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), 2048) != 1 ||
        EVP_PKEY_paramgen(pctx.get(), &params) != 1) {
      die("DSA parameters");
    }
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> kctx(EVP_PKEY_CTX_new(params, nullptr), EVP_PKEY_CTX_free);
    if (EVP_PKEY_keygen_init(kctx.get()) != 1 || EVP_PKEY_keygen(kctx.get(), &k) != 1) die("DSA key");
    EVP_PKEY_free(params);
  }
  if (!k) die("key " + kind);
  return {std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free)};
}

namespace {
std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, n);
  BIO_free(b);
  return out;
}
}  // namespace

std::string Cert::pem() const {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x509.get());
  return bio_text(b);
}

std::string Cert::der() const {
  unsigned char* d = nullptr;
  int n = i2d_X509(x509.get(), &d);
  std::string out(reinterpret_cast<char*>(d), n > 0 ? n : 0);
  OPENSSL_free(d);
  return out;
}

std::string Cert::key_pem() const {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(b);
}

Cert make(const Spec& s, const Cert* issuer) {
  Cert c{std::shared_ptr<X509>(X509_new(), X509_free), s.reuse_key ? *s.reuse_key : make_key(s.key)};
  X509* x = c.x509.get();
  X509_set_version(x, s.v1 ? X509_VERSION_1 : X509_VERSION_3);
  BIGNUM* bn = nullptr;
  if (s.serial.empty()) {
    bn = BN_new();
    BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  } else {
    BN_hex2bn(&bn, s.serial.c_str());
  }
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_NAME* name = X509_NAME_new();
  if (!s.cn.empty()) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x509.get()) : name);
  X509_NAME_free(name);
  ASN1_TIME_set(X509_getm_notBefore(x), s.from);
  ASN1_TIME_set(X509_getm_notAfter(x), s.to);
  X509_set_pubkey(x, c.key.pkey.get());
  if (!s.v1) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer->x509.get() : x, x, nullptr, nullptr, 0);
    X509V3_set_nconf(&ctx, nullptr);
    for (const auto& line : s.ext) {
      auto eq = line.find('=');
      X509_EXTENSION* e = X509V3_EXT_nconf(nullptr, &ctx, line.substr(0, eq).c_str(), line.substr(eq + 1).c_str());
      if (!e) die("extension " + line);
      X509_add_ext(x, e, -1);
      X509_EXTENSION_free(e);
    }
  }
  const EVP_MD* md = EVP_get_digestbyname(s.md.c_str());
  EVP_PKEY* signer = issuer ? issuer->key.pkey.get() : c.key.pkey.get();
  if (X509_sign(x, signer, EVP_PKEY_get_base_id(signer) == EVP_PKEY_DSA && s.md == "sha256" ? EVP_sha256() : md) == 0) {
    die("signing " + s.cn);
  }
  return c;
}


}  // namespace testing::forge
