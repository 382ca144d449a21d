// One JSON object (docs/AUDIT.md), written as it goes: the summary and the collision groups first, then the
// endpoints one by one, so that a large scan's report is never held whole.
#include "audit/report_writers.hpp"
#include "base/text.hpp"
#include "base/utc.hpp"

namespace certdoctor::audit {

using nlohmann::json;

namespace {
// Exact data; C1 and format characters from certificates and scanner files as \u escapes (base/text.hpp).
std::string dump(const json& j) { return inert_json(j.dump(-1, ' ', false, json::error_handler_t::replace)); }
}  // namespace

void write_json(std::ostream& out, const AuditReport& r) {
  json head = {{"generated_at", utc_format(static_cast<std::time_t>(r.generated_at))},
               {"trust", r.trust},
               {"expiring_days", r.expiring_days},
               {"inputs", r.inputs},
               {"input_problems", r.input_problems},
               {"exit_code", r.exit_code()},
               {"summary", {{"endpoints", r.endpoints}, {"reachable", r.reachable}, {"refused", r.refused},
                            {"collision_groups", r.groups.size()}, {"endpoints_in_collisions", r.in_collisions},
                            {"shared_key_groups", r.shared_keys.size()}, {"endpoints_sharing_keys", r.sharing_keys},
                            {"expiring", r.expiring}, {"expired", r.expired}, {"weak", r.weak},
                            {"verdicts", r.verdicts}, {"expiry_by_month", r.expiry_by_month}}}};
  json groups = json::array();
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    const auto& g = r.groups[i];
    json members = json::array();
    for (const auto& m : g.members) members.push_back({{"endpoint", m.endpoint}, {"sha256", m.sha256}, {"subject", m.subject}});
    groups.push_back({{"group", i + 1}, {"id", g.id}, {"kind", g.kind}, {"when", g.when}, {"issuer", g.issuer}, {"serial", g.serial},
                      {"distinct_certificates", g.distinct_certificates}, {"device", device_json(g.device)},
                      {"endpoints", members}, {"fix", g.fix}});
  }
  head["collisions"] = groups;
  json shared = json::array();
  for (std::size_t i = 0; i < r.shared_keys.size(); ++i) {
    const auto& g = r.shared_keys[i];
    json members = json::array();
    for (const auto& m : g.members) members.push_back({{"endpoint", m.endpoint}, {"sha256", m.sha256}, {"subject", m.subject}});
    shared.push_back({{"group", i + 1}, {"id", g.id}, {"shared", g.shared}, {"spki_sha256", g.spki_sha256},
                      {"key", g.key}, {"hosts", g.hosts}, {"distinct_certificates", g.distinct_certificates},
                      {"device", device_json(g.device)}, {"endpoints", members}, {"fix", g.fix}});
  }
  head["shared_keys"] = shared;
  std::string text = dump(head);
  text.pop_back();  // the closing brace: the endpoints follow
  out << text << ",\"endpoints\":[";
  bool first = true;
  r.for_each_endpoint([&](const EndpointReport& e) {
    json j = to_json(e);
    j.erase("issuer_der");
    j.erase("serial_der");
    out << (first ? "\n" : ",\n") << dump(j);
    first = false;
  });
  out << "\n]}\n";
}

}  // namespace certdoctor::audit
