#include "audit/collisions.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "base/hex.hpp"
#include "base/text.hpp"

namespace certdoctor::audit {

std::size_t CollisionIndex::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

CollisionIndex::Digest CollisionIndex::key_digest(const std::string& issuer_der, const std::string& serial_der) {
  // Both are DER (self-delimiting), so their concatenation identifies the pair.
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, issuer_der.data(), issuer_der.size());
  EVP_DigestUpdate(ctx, serial_der.data(), serial_der.size());
  EVP_DigestFinal_ex(ctx, full, &n);
  EVP_MD_CTX_free(ctx);
  Digest d;
  std::memcpy(d.data(), full, d.size());
  return d;
}

CollisionIndex::Digest CollisionIndex::leaf_digest(const std::string& sha256_hex) {
  Digest d{};
  const std::string bytes = from_hex(sha256_hex);
  std::memcpy(d.data(), bytes.data(), std::min(bytes.size(), d.size()));
  return d;
}

void CollisionIndex::note(const EndpointReport& e) {
  if (!e.reachable || e.issuer_der.empty()) return;
  const Digest leaf = leaf_digest(e.sha256);
  auto [it, inserted] = seen_.try_emplace(key_digest(e.issuer_der, e.serial_der), Seen{leaf, false});
  if (!inserted && !it->second.collides && it->second.first_leaf != leaf) {
    it->second.collides = true;
    ++colliding_;
  }
}

void CollisionIndex::collect(const EndpointReport& e) {
  const std::size_t position = position_++;
  if (!e.reachable || e.issuer_der.empty()) return;
  auto it = seen_.find(key_digest(e.issuer_der, e.serial_der));
  if (it == seen_.end() || !it->second.collides) return;
  Building& b = building_[{e.issuer_der, e.serial_der}];
  b.members.push_back({e.endpoint, e.sha256, e.subject});
  b.positions.push_back(position);
  if (!b.device && e.device) b.device = e.device;
  b.today = b.today || e.verdict.empty() || e.verdict == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL";
  b.issuer = e.issuer;
  b.serial = e.serial;
}

std::string endpoint_url(const std::string& endpoint) { return "https://" + endpoint + "/"; }

std::vector<CollisionGroup> CollisionIndex::groups() {
  std::vector<CollisionGroup> out;
  for (auto& [key, b] : building_) {
    std::set<std::string> leaves, subjects, endpoints;
    for (const auto& m : b.members) {
      leaves.insert(m.sha256);
      subjects.insert(m.subject);
      endpoints.insert(m.endpoint);
    }
    if (leaves.size() < 2) continue;  // a digest's false alarm: the bytes say otherwise
    CollisionGroup g;
    g.issuer = b.issuer;
    g.serial = b.serial;
    g.members = b.members;
    g.distinct_certificates = leaves.size();
    g.device = b.device;
    // Twins: one set of names on several devices (a factory certificate). Re-made: the names differ (one CA or
    // one device scheme reusing a serial) or one endpoint served two certificates (it made a new one).
    if (b.device && !b.device->collision.empty()) {
      g.kind = b.device->collision;
    } else {
      g.kind = subjects.size() == 1 && endpoints.size() > 1 ? "twins" : "remade";
    }
    g.when = b.today ? "today" : "once_trusted_or_stored";
    for (const auto& ep : endpoints) g.fix.push_back("certdoctor reissue " + shell_quote(endpoint_url(ep)));
    const std::size_t index = out.size();
    for (std::size_t p : b.positions) group_of_[p] = index;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace certdoctor::audit
