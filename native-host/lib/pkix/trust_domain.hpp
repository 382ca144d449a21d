// The one interface between the path-building algorithm and policy, shaped like mozilla::pkix's TrustDomain:
// who is trusted, where issuers come from, which keys and digests are acceptable, and how signatures are checked.
// The algorithm (build.cpp, checks.cpp, names.cpp) knows nothing about profiles or Firefox; the Firefox trust
// domain (firefox_trust.cpp) knows nothing about path building.
#pragma once
#include <functional>
#include <vector>

#include "pkix/cert.hpp"

namespace certdoctor::pkix {

enum class TrustLevel { trust_anchor, inherits_trust, actively_distrusted };
enum class NamedCurve { p256, p384, p521 };

struct SignedData {
  Input data;       // what was signed (the TBSCertificate TLV)
  Input algorithm;  // AlgorithmIdentifier contents
  Input signature;  // signature octets
};

class TrustDomain {
 public:
  virtual ~TrustDomain() = default;

  virtual Result get_trust(Role role, Input der, TrustLevel& level) = 0;
  // Calls `check` with every candidate issuer for the name, in the order Firefox tries them, until `check`
  // clears keep_going.
  using IssuerCheck = std::function<Result(Input candidate, bool& keep_going)>;
  virtual Result find_issuers(Input issuer_name, const IssuerCheck& check) = 0;
  // `chain` runs from the end entity to the trust anchor.
  virtual Result is_chain_valid(const std::vector<Input>& chain) = 0;

  virtual Result check_digest(DigestAlgorithm digest, Role role) = 0;
  virtual Result check_rsa_bits(Role role, unsigned bits) = 0;
  virtual Result check_curve(Role role, NamedCurve curve) = 0;
  virtual Result verify_signed_data(const SignedData& signed_data, Input spki) = 0;
  // Revocation, asked for each certificate once its issuer's signature on it verified (mozilla::pkix's
  // CheckRevocation). `aia` is the certificate's authorityInfoAccess extension, when it has one; `expired` whether
  // its validity is over. What revocation means, and what to read, is the trust domain's policy.
  virtual Result check_revocation(Role role, const Input* aia, bool expired) = 0;
};

// A trust domain that meets a failure of its own machinery (a database that broke) returns
// Result::FatalLibraryFailure and keeps what happened for its caller; path building stops at once (is_fatal).

}  // namespace certdoctor::pkix
