#include "pkix/cert.hpp"

#include "pkix/oids.hpp"

namespace certdoctor::pkix {

Result Cert::init() {
  Reader outer(der);
  Reader certificate;
  CERTDOCTOR_TRY(outer.expect(der::SEQUENCE, certificate));
  CERTDOCTOR_TRY(end(outer));
  CERTDOCTOR_TRY(certificate.expect_tlv(der::SEQUENCE, tbs));
  CERTDOCTOR_TRY(certificate.expect(der::SEQUENCE, signature_algorithm));
  CERTDOCTOR_TRY(bit_string_no_unused_bits(certificate, signature));
  CERTDOCTOR_TRY(end(certificate));

  Reader whole(tbs);
  Reader t;
  CERTDOCTOR_TRY(whole.expect(der::SEQUENCE, t));
  // version [0] EXPLICIT INTEGER DEFAULT v1; an explicit v1 is tolerated, as real certificates carry it.
  if (t.peek(der::CONTEXT | der::CONSTRUCTED | 0)) {
    CERTDOCTOR_TRY(nested(t, der::CONTEXT | der::CONSTRUCTED | 0, [&](Reader& v) {
      return small_integer(v, der::INTEGER, version);
    }));
    if (version > 3) return Result::BadDer;
  }
  CERTDOCTOR_TRY(integer(t, IntegerRule::any, serial));
  CERTDOCTOR_TRY(t.expect(der::SEQUENCE, tbs_signature));
  CERTDOCTOR_TRY(t.expect_tlv(der::SEQUENCE, issuer));
  CERTDOCTOR_TRY(t.expect(der::SEQUENCE, validity));
  CERTDOCTOR_TRY(t.expect_tlv(der::SEQUENCE, subject));
  CERTDOCTOR_TRY(t.expect_tlv(der::SEQUENCE, spki));
  // issuerUniqueID [1] and subjectUniqueID [2] are skipped, whatever the version says.
  if (t.peek(der::CONTEXT | 1)) CERTDOCTOR_TRY(t.skip(der::CONTEXT | 1));
  if (t.peek(der::CONTEXT | 2)) CERTDOCTOR_TRY(t.skip(der::CONTEXT | 2));
  if (t.peek(der::CONTEXT | der::CONSTRUCTED | 3)) {
    CERTDOCTOR_TRY(nested(t, der::CONTEXT | der::CONSTRUCTED | 3, [&](Reader& exts) {
      return nested_of(exts, der::SEQUENCE, der::SEQUENCE, /*empty_allowed=*/true, [&](Reader& ext) {
        Input oid, value;
        bool critical = false;
        CERTDOCTOR_TRY(ext.expect(der::OID, oid));
        CERTDOCTOR_TRY(optional_boolean(ext, critical));
        CERTDOCTOR_TRY(ext.expect(der::OCTET_STRING, value));
        bool understood = false;
        CERTDOCTOR_TRY(remember_extension(oid, value, critical, understood));
        return critical && !understood ? Result::UnknownCriticalExtension : Result::Success;
      });
    }));
  }
  CERTDOCTOR_TRY(end(t));
  CERTDOCTOR_TRY(end(whole));
  // A critical Netscape certificate type is understood only next to the standard extensions that say the same.
  if (critical_netscape_cert_type && (!basic_constraints || !ext_key_usage)) return Result::UnknownCriticalExtension;
  return Result::Success;
}

Result Cert::remember_extension(Input oid, Input value, bool critical, bool& understood) {
  using namespace oids;
  std::optional<Input>* slot = nullptr;
  std::optional<Input> ignored;  // understood, checked for emptiness, otherwise not used
  bool empty_allowed = false;
  if (equal(oid, kKeyUsage)) slot = &key_usage;
  else if (equal(oid, kSubjectAltName)) slot = &subject_alt_name;
  else if (equal(oid, kBasicConstraints)) slot = &basic_constraints;
  else if (equal(oid, kNameConstraints)) slot = &name_constraints;
  else if (equal(oid, kCertificatePolicies)) slot = &certificate_policies;
  else if (equal(oid, kPolicyConstraints)) slot = &ignored;  // the strictest policy processing is always in force
  else if (equal(oid, kExtKeyUsage)) slot = &ext_key_usage;
  else if (equal(oid, kInhibitAnyPolicy)) slot = &inhibit_any_policy;
  else if (equal(oid, kAuthorityInfoAccess)) slot = &authority_info_access;
  else if (equal(oid, kTlsFeature)) slot = &tls_features;
  else if (equal(oid, kEmbeddedScts)) slot = &scts;
  else if (equal(oid, kQcStatements)) slot = &ignored;
  else if (equal(oid, kOcspNoCheck) && critical) { slot = &ignored; empty_allowed = true; }
  else if (equal(oid, kNetscapeCertType) && critical) slot = &critical_netscape_cert_type;
  if (!slot) return Result::Success;
  if (value.empty() && !empty_allowed) return Result::ExtensionValueInvalid;
  if (slot != &ignored && slot->has_value()) return Result::ExtensionValueInvalid;  // a duplicate
  *slot = value;
  understood = true;
  return Result::Success;
}

Result parse_signature_algorithm(Input contents, SignatureAlgorithm& out) {
  using namespace oids;
  Reader r(contents);
  Input oid;
  CERTDOCTOR_TRY(r.expect(der::OID, oid));
  struct Known {
    Input oid;
    SignatureAlgorithm alg;
    bool rsa_params;  // RSA PKCS#1 identifiers carry a NULL parameter, which may also be left out
  };
  const Known known[] = {
      {kSha256WithRsa, {KeyAlgorithm::rsa_pkcs1, DigestAlgorithm::sha256}, true},
      {kSha384WithRsa, {KeyAlgorithm::rsa_pkcs1, DigestAlgorithm::sha384}, true},
      {kSha512WithRsa, {KeyAlgorithm::rsa_pkcs1, DigestAlgorithm::sha512}, true},
      {kSha1WithRsa, {KeyAlgorithm::rsa_pkcs1, DigestAlgorithm::sha1}, true},
      {kSha1WithRsaSignature, {KeyAlgorithm::rsa_pkcs1, DigestAlgorithm::sha1}, true},
      {kEcdsaWithSha256, {KeyAlgorithm::ecdsa, DigestAlgorithm::sha256}, false},
      {kEcdsaWithSha384, {KeyAlgorithm::ecdsa, DigestAlgorithm::sha384}, false},
      {kEcdsaWithSha512, {KeyAlgorithm::ecdsa, DigestAlgorithm::sha512}, false},
      {kEcdsaWithSha1, {KeyAlgorithm::ecdsa, DigestAlgorithm::sha1}, false},
  };
  for (const auto& k : known) {
    if (!equal(oid, k.oid)) continue;
    if (k.rsa_params && !r.at_end()) {
      Input null;
      CERTDOCTOR_TRY(r.expect(der::NULL_TAG, null));
      if (!null.empty()) return Result::BadDer;
    }
    CERTDOCTOR_TRY(end(r));
    out = k.alg;
    return Result::Success;
  }
  if (equal(oid, kRsaPss)) {
    // Only the three parameter sets in use: SHA-2 with MGF1 of the same hash and a salt as long as the hash.
    Input params = r.rest();
    const std::pair<Input, DigestAlgorithm> pss[] = {{kPssSha256Params, DigestAlgorithm::sha256},
                                                     {kPssSha384Params, DigestAlgorithm::sha384},
                                                     {kPssSha512Params, DigestAlgorithm::sha512}};
    for (const auto& [p, digest] : pss) {
      if (equal(params, p)) {
        out = {KeyAlgorithm::rsa_pss, digest};
        return Result::Success;
      }
    }
  }
  return Result::SignatureAlgorithmDisabled;
}

Result parse_validity(Input validity, std::int64_t& not_before, std::int64_t& not_after) {
  Reader r(validity);
  if (time_choice(r, not_before) != Result::Success || time_choice(r, not_after) != Result::Success ||
      !r.at_end() || not_before > not_after) {
    return Result::InvalidTime;
  }
  return Result::Success;
}

}  // namespace certdoctor::pkix
