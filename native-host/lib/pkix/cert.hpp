// One certificate taken apart the way Firefox does it: the fields path building needs, as views into the DER,
// and the extensions Firefox understands. An unknown extension marked critical, a duplicate or empty known
// extension, or any malformed encoding makes init() fail with Firefox's result.
#pragma once
#include <optional>
#include <string>

#include "pkix/der.hpp"

namespace certdoctor::pkix {

enum class Role { end_entity, ca };

struct Cert {
  Cert(Input der_, Role role_, const Cert* child_ = nullptr) : der(der_), role(role_), child(child_) {}
  Result init();
  // Issuer and subject names byte for byte the same: the one notion of self-issued, as mozilla::pkix's.
  bool self_issued() const { return equal(issuer, subject); }

  Input der;
  Role role;
  const Cert* child;  // the certificate this one would issue, on the path being built

  Input tbs;                // the signed data (TBSCertificate, whole TLV)
  Input signature_algorithm;  // outer AlgorithmIdentifier contents
  Input signature;          // signature BIT STRING contents, without the unused-bits octet
  Input tbs_signature;      // TBSCertificate.signature contents
  std::uint8_t version = 0;  // 0 = v1, 1 = v2, 2 = v3
  Input serial;             // INTEGER contents
  Input issuer;             // Name, whole TLV
  Input validity;           // Validity contents
  Input subject;            // Name, whole TLV
  Input spki;               // SubjectPublicKeyInfo, whole TLV

  std::optional<Input> key_usage, subject_alt_name, basic_constraints, name_constraints, certificate_policies,
      ext_key_usage, inhibit_any_policy, authority_info_access, tls_features, scts, critical_netscape_cert_type;

 private:
  Result remember_extension(Input oid, Input value, bool critical, bool& understood);
};

enum class DigestAlgorithm { sha1, sha256, sha384, sha512 };
enum class KeyAlgorithm { rsa_pkcs1, rsa_pss, ecdsa };
struct SignatureAlgorithm {
  KeyAlgorithm key;
  DigestAlgorithm digest;
};
// Firefox's accepted signature algorithms; anything else (MD5, DSA, Ed25519, odd PSS parameters) is
// SignatureAlgorithmDisabled, a malformed identifier BadDer.
Result parse_signature_algorithm(Input algorithm_contents, SignatureAlgorithm& out);

// Seconds since the epoch of a Validity's two times; InvalidTime when either is malformed or they are reversed.
Result parse_validity(Input validity, std::int64_t& not_before, std::int64_t& not_after);

}  // namespace certdoctor::pkix
