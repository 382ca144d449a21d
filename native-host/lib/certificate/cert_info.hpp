// A certificate described for people and for the protocol: every field an admin needs, in the formats the
// contract fixes (sha256 and serial as lower-case hex, names in RFC 4514, times in ISO-8601 UTC).
#pragma once
#include "base/hex.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace certdoctor {

// Describes a DER certificate. Never throws on bad input: what OpenSSL cannot parse is described as
// {sha256, der_length, parse_error}.
nlohmann::json describe_certificate(std::string_view der);

}  // namespace certdoctor

namespace certdoctor {

// The names and serial exactly as NSS stores and looks them up: the DER of the issuer and subject Names and
// the DER INTEGER of the serial (tag and length included). nullopt when the bytes are not a certificate.
struct CertKeys {
  std::string issuer_der, subject_der, serial_der;
};
std::optional<CertKeys> cert_keys(std::string_view der);

// Whether `issuer_der`'s public key verifies `cert_der`'s signature (a signature check only, no path logic).
bool signature_verifies(std::string_view cert_der, std::string_view issuer_der);

}  // namespace certdoctor
