// Signature verification for the Firefox trust domain. OpenSSL does the arithmetic; which algorithms are
// acceptable at all was decided before (parse_signature_algorithm, the trust domain's digest and key checks).
#pragma once
#include "pkix/trust_domain.hpp"

namespace certdoctor::pkix {

// BadSignature when the signature does not verify with the key in `spki` (or the key cannot be used for it).
Result verify_signature(const SignedData& signed_data, Input spki);

// Whether `issuer_der`'s key made `subject_der`'s signature: the one signature check, also for questions outside path
// building (is a stored certificate with the issuer's name really its issuer?). BadSignature when it did not; a
// certificate that cannot be read gives its parse error.
Result verify_signed_by(Input subject_der, Input issuer_der);

}  // namespace certdoctor::pkix
