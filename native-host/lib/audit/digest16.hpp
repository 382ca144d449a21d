// 16 bytes of a SHA-256: what the audit's indexes (collisions.hpp, shared_keys.hpp) keep per distinct key in their
// first pass, so that memory grows by a few dozen bytes per key, never by a certificate. The exact comparison is
// made in the second pass, on the bytes themselves.
#pragma once
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <unordered_map>

#include "base/hex.hpp"

namespace certdoctor::audit {

using Digest16 = std::array<unsigned char, 16>;

struct Digest16Hash {
  std::size_t operator()(const Digest16& d) const noexcept {
    std::size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

// Of the concatenation of `parts` (each self-delimiting, such as DER, or the only part).
inline Digest16 digest16(std::initializer_list<std::string_view> parts) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (auto p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  EVP_DigestFinal_ex(ctx, full, &n);
  EVP_MD_CTX_free(ctx);
  Digest16 d;
  std::memcpy(d.data(), full, d.size());
  return d;
}

// The first 16 bytes of a SHA-256 given in hex (a certificate's or a key's fingerprint).
inline Digest16 digest16_of_hex(std::string_view sha256_hex) {
  Digest16 d{};
  const std::string bytes = from_hex(std::string(sha256_hex));
  std::memcpy(d.data(), bytes.data(), std::min(bytes.size(), d.size()));
  return d;
}

// The first pass of a two-pass grouping: which keys were seen with more than one value (an issuer and serial with
// two leaves, a public key on two hosts), keeping two digests per distinct key.
class SeenWithOthers {
 public:
  void note(const Digest16& key, const Digest16& value) {
    auto [it, inserted] = seen_.try_emplace(key, Seen{value, false});
    if (!inserted && !it->second.others && it->second.first != value) {
      it->second.others = true;
      ++keys_with_others_;
    }
  }
  bool any() const { return keys_with_others_ > 0; }
  bool has_others(const Digest16& key) const {
    const auto it = seen_.find(key);
    return it != seen_.end() && it->second.others;
  }

 private:
  struct Seen {
    Digest16 first{};
    bool others = false;
  };
  std::unordered_map<Digest16, Seen, Digest16Hash> seen_;
  std::size_t keys_with_others_ = 0;
};

}  // namespace certdoctor::audit
