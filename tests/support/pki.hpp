// Real certificates for tests, made with the openssl command line: roots, intermediates, leaves and devices'
// self-signed certificates, with exactly the serials, names and extensions a case needs.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace testing {

struct CertSpec {
  std::string subject = "/CN=site.test";  // openssl -subj syntax
  std::string serial;                      // hex without 0x; empty: a random 64-bit serial
  std::vector<std::string> extensions;     // openssl extension lines; empty: sensible defaults for the role
  std::string key = "rsa:2048";            // "rsa:BITS" or "ec:CURVE"
  int days = 30;
};

struct Issued {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM
  std::string der() const;
  std::string sha256() const;  // lower-case hex of the DER
};

class Pki {
 public:
  explicit Pki(std::filesystem::path dir) : dir_(std::move(dir)) {}

  Issued root(const std::string& name, CertSpec spec);         // self-signed CA
  Issued device(const std::string& name, CertSpec spec);       // self-signed end entity (a device's own cert)
  Issued issue(const std::string& name, const Issued& issuer, CertSpec spec, bool ca = false);

  // Concatenates PEM files (for -cert_chain and the like) into dir/name.
  std::filesystem::path bundle(const std::string& name, const std::vector<Issued>& certs);

 private:
  std::filesystem::path write_config(const std::string& name, const std::vector<std::string>& ext);
  std::vector<std::string> key_args(const CertSpec& spec, const std::filesystem::path& key_out);
  std::filesystem::path dir_;
};

}  // namespace testing
