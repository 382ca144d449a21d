#include "audit/report.hpp"

#include "base/hex.hpp"

namespace certdoctor::audit {

using nlohmann::json;

json device_json(const std::optional<DeviceMatch>& d) {
  if (!d) return nullptr;
  return {{"vendor", d->vendor}, {"product", d->product}, {"collision", d->collision}, {"install_hint", d->install_hint}};
}

namespace {
std::optional<DeviceMatch> device_from(const json& j) {
  if (!j.is_object()) return std::nullopt;
  return DeviceMatch{j.value("vendor", ""), j.value("product", ""), j.value("collision", ""), j.value("install_hint", "")};
}
}  // namespace

json to_json(const EndpointReport& e) {
  json findings = json::array();
  for (const auto& f : e.findings) findings.push_back({{"code", f.code}, {"text", f.text}});
  json j = {{"endpoint", e.endpoint}, {"host", e.host}, {"port", e.port}, {"source", e.source},
            {"reachable", e.reachable}, {"tls_version", e.tls_version}, {"cipher", e.cipher},
            {"chain_length", e.chain_length}, {"device", device_json(e.device)}, {"findings", findings},
            {"collision_group", e.collision_group ? json(*e.collision_group + 1) : json(nullptr)},
            {"shared_key_group", e.shared_key_group ? json(*e.shared_key_group + 1) : json(nullptr)}};
  j["firefox_error"] = !e.reachable ? json(nullptr) : e.verdict.empty() ? json(nullptr) : json(e.verdict);
  j["overridable"] = e.overridable;
  if (e.reachable) {
    j["certificate"] = {{"sha256", e.sha256}, {"subject", e.subject}, {"issuer", e.issuer}, {"serial", e.serial},
                        {"not_after", e.not_after}, {"days_left", e.days_left ? json(*e.days_left) : json(nullptr)},
                        {"key", e.key}, {"spki_sha256", e.spki_sha256},
                        {"signature_algorithm", e.signature_algorithm}};
  } else {
    j["certificate"] = nullptr;
  }
  j["issuer_der"] = to_hex(e.issuer_der);  // internal: the writers leave these out
  j["serial_der"] = to_hex(e.serial_der);
  return j;
}

EndpointReport endpoint_from_json(const json& j) {
  EndpointReport e;
  e.endpoint = j.value("endpoint", "");
  e.host = j.value("host", "");
  e.port = j.value("port", std::uint16_t{0});
  e.source = j.value("source", "");
  e.reachable = j.value("reachable", false);
  e.tls_version = j.value("tls_version", "");
  e.cipher = j.value("cipher", "");
  e.chain_length = j.value("chain_length", std::size_t{0});
  e.device = device_from(j.value("device", json()));
  for (const auto& f : j.value("findings", json::array())) e.findings.push_back({f.value("code", ""), f.value("text", "")});
  if (j.contains("firefox_error") && j["firefox_error"].is_string()) e.verdict = j["firefox_error"].get<std::string>();
  e.overridable = j.value("overridable", false);
  if (const auto& c = j.value("certificate", json()); c.is_object()) {
    e.sha256 = c.value("sha256", "");
    e.subject = c.value("subject", "");
    e.issuer = c.value("issuer", "");
    e.serial = c.value("serial", "");
    e.not_after = c.value("not_after", "");
    if (c.contains("days_left") && c["days_left"].is_number()) e.days_left = c["days_left"].get<std::int64_t>();
    e.key = c.value("key", "");
    e.spki_sha256 = c.value("spki_sha256", "");
    e.signature_algorithm = c.value("signature_algorithm", "");
  }
  e.issuer_der = from_hex(j.value("issuer_der", ""));
  e.serial_der = from_hex(j.value("serial_der", ""));
  return e;
}

}  // namespace certdoctor::audit
