#include "audit/shared_keys.hpp"

#include <set>

#include "audit/collisions.hpp"

namespace certdoctor::audit {

void SharedKeyIndex::note(const EndpointReport& e) {
  if (!e.reachable || e.spki_sha256.empty()) return;
  seen_.note(digest16_of_hex(e.spki_sha256), digest16({e.host}));
}

void SharedKeyIndex::collect(const EndpointReport& e) {
  const std::size_t position = position_++;
  if (!e.reachable || e.spki_sha256.empty()) return;
  if (!seen_.has_others(digest16_of_hex(e.spki_sha256))) return;
  Building& b = building_[e.spki_sha256];
  b.members.push_back({e.endpoint, e.sha256, e.subject});
  b.positions.push_back(position);
  b.hosts.push_back(e.host);
  if (!b.device && e.device) b.device = e.device;
  b.key = e.key;
}

std::vector<SharedKeyGroup> SharedKeyIndex::groups() {
  std::vector<SharedKeyGroup> out;
  for (auto& [spki, b] : building_) {
    const std::set<std::string> hosts(b.hosts.begin(), b.hosts.end());
    if (hosts.size() < 2) continue;  // a digest's false alarm: one host after all
    std::set<std::string> certificates, endpoints;
    for (const auto& m : b.members) {
      certificates.insert(m.sha256);
      endpoints.insert(m.endpoint);
    }
    SharedKeyGroup g;
    g.id = spki.substr(0, 16);
    g.spki_sha256 = spki;
    g.shared = certificates.size() == 1 ? "certificate" : "key";
    g.key = b.key;
    g.hosts = hosts.size();
    g.distinct_certificates = certificates.size();
    g.members = b.members;
    g.device = b.device;
    g.fix = reissue_commands(endpoints);
    const std::size_t index = out.size();
    for (std::size_t p : b.positions) group_of_[p] = index;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace certdoctor::audit
