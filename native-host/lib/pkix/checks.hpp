// The checks Firefox makes on each certificate on its own, before and independently of its issuer, in the order
// that decides which error is reported when a certificate has several problems.
#pragma once
#include <cstdint>

#include "pkix/trust_domain.hpp"

namespace certdoctor::pkix {

// Bit numbers of the keyUsage BIT STRING.
enum class KeyUsage : std::uint8_t {
  digital_signature = 0, non_repudiation = 1, key_encipherment = 2, data_encipherment = 3, key_agreement = 4,
  key_cert_sign = 5, crl_sign = 6, none = 255,
};
enum class KeyPurpose { server_auth, ocsp_signing };

Result check_signature_algorithm(TrustDomain& td, Role role, const Cert& cert);
Result check_spki(TrustDomain& td, Role role, Input spki);
Result check_issuer_name(Input issuer);
Result check_key_usage(Role role, const std::optional<Input>& ku, KeyUsage required);
Result check_basic_constraints(Role role, const std::optional<Input>& bc, std::uint8_t version, TrustLevel trust,
                               unsigned sub_ca_count);
Result check_ext_key_usage(Role role, const std::optional<Input>& eku, KeyPurpose required);
Result check_validity(std::int64_t now, std::int64_t not_before, std::int64_t not_after);

// All of the above, and the trust of the certificate, which `trust` receives.
Result check_issuer_independent_properties(TrustDomain& td, const Cert& cert, std::int64_t now, KeyUsage required_ku,
                                           KeyPurpose required_eku, unsigned sub_ca_count, TrustLevel& trust);

}  // namespace certdoctor::pkix
