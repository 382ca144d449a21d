// Firefox's certificate exceptions (cert_override.txt in the profile): one line per exception,
// "host:port:origin-attributes" TAB algorithm OID TAB fingerprint TAB ..., after comment lines. Firefox reads the
// file at start-up only; certdoctor only reads it.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

struct CertOverride {
  std::string host;
  int port = 0;
  std::string origin_attributes;  // empty for the default context
  std::string algorithm;          // "OID.2.16.840.1.101.3.4.2.1" (SHA-256)
  std::string fingerprint;        // upper-case hex with colons, as Firefox writes it
};

// Lines that do not have the expected shape are skipped: a damaged file must not stop a diagnosis.
std::vector<CertOverride> parse_cert_overrides(std::string_view text);
std::vector<CertOverride> read_cert_overrides(const std::filesystem::path& profile);

// "AB:CD:..." for a lower-case hex SHA-256, as cert_override.txt writes it.
std::string override_fingerprint(std::string_view sha256_hex);

}  // namespace certdoctor
