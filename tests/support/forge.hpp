// Certificates made in-process with OpenSSL's API, for tests and generators that need many of them, exact dates
// and serials, or unusual shapes (huge extensions, thousands of names, version 1, DSA keys) that the openssl
// command line makes slow or impossible.
#pragma once
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace testing::forge {

std::time_t utc(int y, int m, int d);
inline const std::time_t kValidFrom = utc(2024, 1, 1), kValidTo = utc(2099, 1, 1);

struct Key {
  std::shared_ptr<EVP_PKEY> pkey;
};
// "rsa2048", "ec:P-256", "ec:secp256k1", "dsa"
Key make_key(const std::string& kind);

struct Cert {
  std::shared_ptr<X509> x509;
  Key key;
  std::string pem() const;
  std::string der() const;
  std::string key_pem() const;
};

struct Spec {
  std::string cn;                    // subject CN ("" : empty subject)
  std::vector<std::string> ext;      // openssl extension lines (name=value)
  std::string key = "rsa2048";
  std::string md = "sha256";
  std::time_t from = kValidFrom, to = kValidTo;
  std::string serial;                // hex; empty: random 128 bits
  bool v1 = false;                   // version 1, no extensions
  const Key* reuse_key = nullptr;    // use this key instead of making one (bulk certificates)
};

// Self-signed when `issuer` is null.
Cert make(const Spec& s, const Cert* issuer);

}  // namespace testing::forge
