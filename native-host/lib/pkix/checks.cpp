#include "pkix/checks.hpp"

#include "pkix/oids.hpp"

namespace certdoctor::pkix {

Result check_signature_algorithm(TrustDomain& td, Role role, const Cert& cert) {
  SignatureAlgorithm outer{}, inner{};
  CERTDOCTOR_TRY(parse_signature_algorithm(cert.signature_algorithm, outer));
  CERTDOCTOR_TRY(parse_signature_algorithm(cert.tbs_signature, inner));
  // The two copies may be encoded differently (NULL parameters or none) but must name the same algorithm.
  if (outer.key != inner.key || outer.digest != inner.digest) return Result::SignatureAlgorithmMismatch;
  CERTDOCTOR_TRY(td.check_digest(outer.digest, role));
  // An RSA signature is as long as the signer's modulus: a small key is rejected before looking for issuers.
  if (outer.key != KeyAlgorithm::ecdsa) return td.check_rsa_bits(role, static_cast<unsigned>(cert.signature.size() * 8));
  return Result::Success;
}

Result check_spki(TrustDomain& td, Role role, Input spki) {
  Reader whole(spki);
  return nested(whole, der::SEQUENCE, [&](Reader& r) -> Result {
    Reader algorithm;
    Input key;
    CERTDOCTOR_TRY(r.expect(der::SEQUENCE, algorithm));
    CERTDOCTOR_TRY(bit_string_no_unused_bits(r, key));
    Input oid;
    CERTDOCTOR_TRY(algorithm.expect(der::OID, oid));
    Reader key_reader(key);
    if (equal(oid, oids::kEcPublicKey)) {
      Input curve_oid;
      CERTDOCTOR_TRY(algorithm.expect(der::OID, curve_oid));
      NamedCurve curve;
      unsigned bits;
      if (equal(curve_oid, oids::kSecp256r1)) curve = NamedCurve::p256, bits = 256;
      else if (equal(curve_oid, oids::kSecp384r1)) curve = NamedCurve::p384, bits = 384;
      else if (equal(curve_oid, oids::kSecp521r1)) curve = NamedCurve::p521, bits = 521;
      else return Result::UnsupportedEllipticCurve;
      CERTDOCTOR_TRY(td.check_curve(role, curve));
      std::uint8_t form = 0;
      CERTDOCTOR_TRY(key_reader.read_byte(form));
      if (form != 0x04) return Result::UnsupportedEcPointForm;  // only uncompressed points
      if (key_reader.rest().size() != (bits + 7) / 8 * 2) return Result::BadDer;
    } else if (equal(oid, oids::kRsaEncryption)) {
      Input null;
      CERTDOCTOR_TRY(algorithm.expect(der::NULL_TAG, null));
      if (!null.empty()) return Result::BadDer;
      CERTDOCTOR_TRY(nested(key_reader, der::SEQUENCE, [&](Reader& k) -> Result {
        Input modulus, exponent;
        std::size_t significant = 0;
        CERTDOCTOR_TRY(integer(k, IntegerRule::positive, modulus, &significant));
        CERTDOCTOR_TRY(td.check_rsa_bits(role, static_cast<unsigned>(significant * 8)));
        return integer(k, IntegerRule::positive, exponent);
      }));
    } else {
      return Result::UnsupportedKeyAlg;
    }
    CERTDOCTOR_TRY(end(algorithm));
    return end(key_reader);
  });
}

Result check_issuer_name(Input issuer) {
  Reader r(issuer);
  Reader rdns;
  CERTDOCTOR_TRY(r.expect(der::SEQUENCE, rdns));
  CERTDOCTOR_TRY(end(r));
  return rdns.at_end() ? Result::EmptyIssuerName : Result::Success;
}

Result check_key_usage(Role role, const std::optional<Input>& ku, KeyUsage required) {
  if (!ku) return Result::Success;  // no extension: every usage is allowed
  Reader outer(*ku);
  Input bits;
  if (outer.expect(der::BIT_STRING, bits) != Result::Success || !outer.at_end()) return Result::InadequateKeyUsage;
  // The unused-bits count, the first octet of usages, and the last octet (whose padding bits DER wants zero).
  Reader octets(bits);
  std::uint8_t unused = 0, first = 0, last = 0;
  if (bits.size() < 2 || octets.read_byte(unused) != Result::Success || unused > 7) {
    return Result::InadequateKeyUsage;  // no bits at all, or bad padding count
  }
  octets.read_byte(first);
  last = first;
  while (!octets.at_end()) octets.read_byte(last);
  if (required != KeyUsage::none && !(first & (0x80u >> static_cast<unsigned>(required)))) {
    return Result::InadequateKeyUsage;
  }
  if (required == KeyUsage::key_cert_sign && role != Role::ca) return Result::InadequateKeyUsage;
  if (last & ((1u << unused) - 1)) return Result::InadequateKeyUsage;
  return Result::Success;
}

Result check_basic_constraints(Role role, const std::optional<Input>& bc, std::uint8_t version, TrustLevel trust,
                               unsigned sub_ca_count) {
  bool is_ca = false;
  long path_len = -1;  // unlimited
  if (bc) {
    Reader r(*bc);
    Result rv = nested(r, der::SEQUENCE, [&](Reader& s) -> Result {
      CERTDOCTOR_TRY(optional_boolean(s, is_ca));
      if (s.peek(der::INTEGER)) {
        std::uint8_t v = 0;
        CERTDOCTOR_TRY(small_integer(s, der::INTEGER, v));
        path_len = v;
      }
      return Result::Success;
    });
    if (rv != Result::Success || !r.at_end()) return Result::ExtensionValueInvalid;
  } else if (role == Role::ca && version == 0) {
    // Version 1 certificates have no extensions: trusted v1 roots still act as CAs, other v1 certificates not.
    if (trust != TrustLevel::trust_anchor) return Result::V1CertUsedAsCa;
    is_ca = true;
  }
  if (role == Role::end_entity) return is_ca ? Result::CaCertUsedAsEndEntity : Result::Success;
  if (!is_ca) return Result::CaCertInvalid;
  if (path_len >= 0 && static_cast<long>(sub_ca_count) > path_len) return Result::PathLenConstraintInvalid;
  return Result::Success;
}

Result check_ext_key_usage(Role role, const std::optional<Input>& eku, KeyPurpose required) {
  bool found_ocsp_signing = false;
  if (eku) {
    bool found = false;
    Reader r(*eku);
    Result rv = nested_of(r, der::SEQUENCE, der::OID, /*empty_allowed=*/false, [&](Reader& oid) {
      Input value = oid.rest();
      if (equal(value, required == KeyPurpose::server_auth ? oids::kServerAuth : oids::kOcspSigning)) found = true;
      if (equal(value, oids::kOcspSigning)) found_ocsp_signing = true;
      return Result::Success;
    });
    if (rv != Result::Success || !r.at_end() || !found) return Result::InadequateCertType;
  }
  // An end-entity certificate that could sign OCSP responses for itself is refused for anything else.
  if (role == Role::end_entity && found_ocsp_signing && required != KeyPurpose::ocsp_signing) {
    return Result::InadequateCertType;
  }
  return Result::Success;
}

Result check_validity(std::int64_t now, std::int64_t not_before, std::int64_t not_after) {
  if (now < not_before) return Result::NotYetValidCertificate;
  if (now > not_after) return Result::ExpiredCertificate;
  return Result::Success;
}

Result check_issuer_independent_properties(TrustDomain& td, const Cert& cert, std::int64_t now, KeyUsage required_ku,
                                           KeyPurpose required_eku, unsigned sub_ca_count, TrustLevel& trust) {
  // Trust first: as little work as possible on a distrusted certificate.
  CERTDOCTOR_TRY(td.get_trust(cert.role, cert.der, trust));
  // The validity is parsed now but judged last, so that other problems are reported before expiry.
  std::int64_t not_before = 0, not_after = 0;
  CERTDOCTOR_TRY(parse_validity(cert.validity, not_before, not_after));
  switch (trust) {
    case TrustLevel::inherits_trust:
      CERTDOCTOR_TRY(check_signature_algorithm(td, cert.role, cert));
      break;
    case TrustLevel::trust_anchor:
      break;  // an anchor's own signature is never used
    case TrustLevel::actively_distrusted:
      return Result::UntrustedCert;
  }
  CERTDOCTOR_TRY(check_spki(td, cert.role, cert.spki));
  CERTDOCTOR_TRY(check_issuer_name(cert.issuer));
  CERTDOCTOR_TRY(check_key_usage(cert.role, cert.key_usage, required_ku));
  // Certificate policies: only EV verification asks for a policy, and certdoctor judges domain validation.
  CERTDOCTOR_TRY(check_basic_constraints(cert.role, cert.basic_constraints, cert.version, trust, sub_ca_count));
  CERTDOCTOR_TRY(check_ext_key_usage(cert.role, cert.ext_key_usage, required_eku));
  return check_validity(now, not_before, not_after);
}

}  // namespace certdoctor::pkix
