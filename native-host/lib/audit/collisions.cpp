#include "audit/collisions.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "base/hex.hpp"
#include "base/text.hpp"

namespace certdoctor::audit {

void CollisionIndex::note(const EndpointReport& e) {
  if (!e.reachable || e.issuer_der.empty()) return;
  // Both are DER (self-delimiting), so their concatenation identifies the pair.
  seen_.note(digest16({e.issuer_der, e.serial_der}), digest16_of_hex(e.sha256));
}

void CollisionIndex::collect(const EndpointReport& e) {
  const std::size_t position = position_++;
  if (!e.reachable || e.issuer_der.empty()) return;
  if (!seen_.has_others(digest16({e.issuer_der, e.serial_der}))) return;
  Building& b = building_[{e.issuer_der, e.serial_der}];
  b.members.push_back({e.endpoint, e.sha256, e.subject});
  b.positions.push_back(position);
  if (!b.device && e.device) b.device = e.device;
  b.today = b.today || e.verdict.empty() || e.verdict == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL";
  b.issuer = e.issuer;
  b.serial = e.serial;
}

std::string endpoint_url(const std::string& endpoint) { return "https://" + endpoint + "/"; }

std::vector<std::string> reissue_commands(const std::set<std::string>& endpoints) {
  std::vector<std::string> fix;
  for (const auto& ep : endpoints) fix.push_back("certdoctor reissue " + shell_quote(endpoint_url(ep)));
  return fix;
}

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
    const Digest16 digest = digest16({key.first, key.second});
    g.id = to_hex(std::string(reinterpret_cast<const char*>(digest.data()), 8));
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
    g.fix = reissue_commands(endpoints);
    const std::size_t index = out.size();
    for (std::size_t p : b.positions) group_of_[p] = index;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace certdoctor::audit
