#include "pkix/signature.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace certdoctor::pkix {
namespace {

const EVP_MD* digest_of(DigestAlgorithm d) {
  switch (d) {
    case DigestAlgorithm::sha1: return EVP_sha1();
    case DigestAlgorithm::sha256: return EVP_sha256();
    case DigestAlgorithm::sha384: return EVP_sha384();
    case DigestAlgorithm::sha512: return EVP_sha512();
  }
  return nullptr;
}

}  // namespace

Result verify_signature(const SignedData& sd, Input spki) {
  SignatureAlgorithm alg{};
  CERTDOCTOR_TRY(parse_signature_algorithm(sd.algorithm, alg));
  // OpenSSL does the arithmetic: the bytes leave the algorithm here.
  const std::string_view key_der = as_string(spki);
  const auto* p = reinterpret_cast<const unsigned char*>(key_der.data());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(key_der.size())),
                                                          EVP_PKEY_free);
  if (!key) return Result::BadSignature;
  const int type = EVP_PKEY_get_base_id(key.get());
  const bool rsa_key = type == EVP_PKEY_RSA;
  if ((alg.key == KeyAlgorithm::ecdsa) != (type == EVP_PKEY_EC) || (alg.key != KeyAlgorithm::ecdsa && !rsa_key)) {
    return Result::BadSignature;  // the issuer's key cannot have made this kind of signature
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(alg.digest), nullptr, key.get()) != 1) {
    return Result::BadSignature;
  }
  if (alg.key == KeyAlgorithm::rsa_pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digest_of(alg.digest)) != 1) {
      return Result::BadSignature;
    }
  }
  const std::string_view signature = as_string(sd.signature), data = as_string(sd.data);
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ok == 1 ? Result::Success : Result::BadSignature;
}

Result verify_signed_by(Input subject_der, Input issuer_der) {
  Cert subject(subject_der, Role::end_entity), issuer(issuer_der, Role::ca);
  CERTDOCTOR_TRY(subject.init());
  CERTDOCTOR_TRY(issuer.init());
  return verify_signature({subject.tbs, subject.signature_algorithm, subject.signature}, issuer.spki);
}

}  // namespace certdoctor::pkix
