// Endpoints on different hosts that present one public key: a factory image that ships one private key (and often
// one identical certificate) for every device. Whoever extracts the key from one device, or from the firmware,
// can be any of them: a security finding of its own, whether or not Firefox ever collides on them. The fix is the
// same as for a collision: each device its own key (`certdoctor reissue`).
//
// The key is the leaf's SubjectPublicKeyInfo (its SHA-256); "different hosts" are different names or addresses as
// the inputs give them (two ports of one host sharing a key is one device, and no finding; one device reached by
// its name and by its address is counted as two, which the report shows by naming both).
//
// Two passes, as for the collisions (collisions.hpp): `note` keeps 16 bytes of the key's digest and of the first
// host seen with it; `collect` gathers the exact groups for the keys seen on more than one host.
#pragma once
#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/digest16.hpp"
#include "audit/report.hpp"

namespace certdoctor::audit {

class SharedKeyIndex {
 public:
  void note(const EndpointReport& e);
  bool any() const { return seen_.any(); }
  void collect(const EndpointReport& e);  // the second pass, every endpoint again in the same order
  std::vector<SharedKeyGroup> groups();
  const std::map<std::size_t, std::size_t>& group_of() const { return group_of_; }

 private:
  SeenWithOthers seen_;  // key -> the first host that presented it, and whether another host did too

  struct Building {
    std::vector<CollisionMember> members;
    std::vector<std::size_t> positions;
    std::vector<std::string> hosts;
    std::optional<DeviceMatch> device;
    std::string key;
  };
  std::map<std::string, Building> building_;  // by the SPKI's SHA-256 (hex)
  std::map<std::size_t, std::size_t> group_of_;
  std::size_t position_ = 0;
};

}  // namespace certdoctor::audit
