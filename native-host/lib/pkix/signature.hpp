// Signature verification for the Firefox trust domain. OpenSSL does the arithmetic; which algorithms are
// acceptable at all was decided before (parse_signature_algorithm, the trust domain's digest and key checks).
#pragma once
#include "pkix/trust_domain.hpp"

namespace certdoctor::pkix {

// BadSignature when the signature does not verify with the key in `spki` (or the key cannot be used for it).
Result verify_signature(const SignedData& signed_data, Input spki);

}  // namespace certdoctor::pkix
