// Endpoints that break each other in one Firefox session: leaves with the same issuer Name and serial number (as
// DER bytes, exactly what NSS compares) and different DER. Only leaves count: since NSS 3.103 a handshake's
// intermediates stay raw DER, while the leaf becomes a temporary certificate that collides with the next one.
// Measured in Firefox ESR 153.8 (tests/truth/sequences.json, firefox/held_identity.hpp): the collision is sure once
// one of them is accepted through a trust anchor (or is refused for a stored copy) - a group that collides today
// under the audit's trust (--profile, --trust); when none is (self-signed, an untrusted CA, only exceptions), it
// rarely happens, and the group collides once one of them is trusted or stored.
//
// Two passes keep memory flat in the number of records: `note` remembers a 16-byte digest of each key and of the
// first leaf seen with it; `collect`, over the endpoints again, gathers exact groups for the keys that had more
// than one leaf, comparing the DER bytes themselves.
#pragma once
#include <array>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/digest16.hpp"
#include "audit/report.hpp"

namespace certdoctor::audit {

class CollisionIndex {
 public:
  void note(const EndpointReport& e);
  bool any() const { return seen_.any(); }
  // The second pass: call with every endpoint again, in the same order.
  void collect(const EndpointReport& e);
  // The groups, each with its kind and fix; `group_of` maps an endpoint's position (in collect's order) to its group.
  std::vector<CollisionGroup> groups();
  const std::map<std::size_t, std::size_t>& group_of() const { return group_of_; }

 private:
  SeenWithOthers seen_;  // (issuer, serial) -> its first leaf, and whether another leaf came with it

  struct Building {
    std::vector<CollisionMember> members;
    std::vector<std::size_t> positions;
    std::optional<DeviceMatch> device;
    std::string issuer, serial;
    bool today = false;  // a member loads through a trust anchor, or is refused for a stored copy
  };
  std::map<std::pair<std::string, std::string>, Building> building_;  // exact (issuer DER, serial DER)
  std::map<std::size_t, std::size_t> group_of_;
  std::size_t position_ = 0;
};

// The URL `certdoctor reissue` takes for an endpoint ("https://HOST:PORT/", IPv6 in brackets).
std::string endpoint_url(const std::string& endpoint);
// The fix of a group: one `certdoctor reissue URL` per endpoint (a new key and a fresh random serial for each).
std::vector<std::string> reissue_commands(const std::set<std::string>& endpoints);

}  // namespace certdoctor::audit
