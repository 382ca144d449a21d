// A certificate described for people and for the protocol: every field an admin needs, in the formats the
// contract fixes (sha256 and serial as lower-case hex, names in RFC 4514, times in ISO-8601 UTC).
#pragma once
#include "base/hex.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

struct GeneralName {
  std::string type;   // "dns", "ip", "email", "uri", "dirname", "rid", "other"
  std::string value;
};

struct PublicKeyInfo {
  std::string type = "unknown";        // "RSA", "EC", "Ed25519", ...
  std::optional<int> bits;             // absent when OpenSSL cannot read the key
  std::optional<std::string> curve;    // EC keys
};

struct BasicConstraintsInfo {
  bool critical = false, ca = false;
  std::optional<long> path_len;
};

struct KeyUsageInfo {
  bool critical = false;
  std::vector<std::string> usages;     // "digitalSignature", ...
};

struct ExtendedKeyUsageInfo {
  bool critical = false;
  std::vector<std::string> purposes;   // "serverAuth", ... or dotted OIDs
};

struct NameConstraintsInfo {
  bool critical = false;
  std::vector<GeneralName> permitted, excluded;
};

struct AuthorityInfoAccessInfo {
  std::vector<std::string> ocsp, ca_issuers;
};

struct ExtensionInfo {
  std::string oid, name;
  bool critical = false;
};

// A certificate as people read it. When OpenSSL cannot parse the bytes only sha256, der_length and parse_error
// are set.
struct CertificateDescription {
  std::string sha256;  // of the DER, lower-case hex
  std::size_t der_length = 0;
  std::optional<std::string> parse_error;
  int version = 0;
  std::string subject, issuer;        // RFC 4514
  std::string serial;                 // the INTEGER's content octets, lower-case hex
  std::string not_before, not_after;  // ISO 8601 UTC
  bool self_issued = false;
  PublicKeyInfo public_key;
  std::string signature_algorithm;
  std::optional<std::vector<GeneralName>> subject_alt_names;
  std::optional<BasicConstraintsInfo> basic_constraints;
  std::optional<KeyUsageInfo> key_usage;
  std::optional<ExtendedKeyUsageInfo> extended_key_usage;
  std::optional<NameConstraintsInfo> name_constraints;
  std::optional<AuthorityInfoAccessInfo> authority_info_access;
  std::vector<ExtensionInfo> extensions;

  // The subjectAltName values joined with ", " (empty when there are none): the one way names are listed.
  std::string names() const;
};

// Describes a DER certificate. Never throws on bad input.
CertificateDescription describe_certificate(std::string_view der);

}  // namespace certdoctor

namespace certdoctor {

// The names and serial exactly as NSS stores and looks them up: the DER of the issuer and subject Names and
// the DER INTEGER of the serial (tag and length included). nullopt when the bytes are not a certificate.
struct CertKeys {
  std::string issuer_der, subject_der, serial_der;
  std::string spki_der;  // the SubjectPublicKeyInfo (whole TLV); "" when the outline ends before it
  bool self_issued() const;  // pkix::Cert::self_issued on the same bytes
  // The identity NSS keys a certificate by: the same issuer and serial, byte for byte. Two certificates with the
  // same identity and other bytes are what Firefox refuses as SEC_ERROR_REUSED_ISSUER_AND_SERIAL.
  bool same_identity(const CertKeys& other) const { return issuer_der == other.issuer_der && serial_der == other.serial_der; }
};
std::optional<CertKeys> cert_keys(std::string_view der);

// The signature algorithm as describe_certificate names it (from the TBSCertificate), read from the outline alone;
// "" when the outline cannot be read.
std::string signature_algorithm_name(std::string_view der);


}  // namespace certdoctor
