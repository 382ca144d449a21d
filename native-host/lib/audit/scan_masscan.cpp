// masscan (`masscan --banners -oJ FILE`): a JSON array of records, one banner each (masscan src/out-json.c):
//   {"ip": ..., "timestamp": ..., "ports": [{"port": N, "proto": "tcp", "service": {"name": ..., "banner": ...}}]}
// The certificate is the banner of service "X509" (base64 DER); its issuers come as "X509CA" in further records
// for the same ip:port (src/proto-ssl.c), which masscan writes one after another when the connection ends. The
// "ssl" banner names the version and cipher. masscan gives no serial of its own.
#include <nlohmann/json.hpp>

#include "audit/scan_input.hpp"

namespace certdoctor::audit {

using nlohmann::json;

void read_masscan(std::istream& in, const ScanContext& ctx) {
  std::optional<Observation> current;  // the endpoint whose records are being read
  std::string leaf;
  std::vector<std::string> issuers;
  auto flush = [&] {
    if (!current) return;
    if (!leaf.empty()) {
      current->chain_der.push_back(std::move(leaf));
      for (auto& der : issuers) current->chain_der.push_back(std::move(der));
      ctx.sink(std::move(*current));
    }
    current.reset();
    leaf.clear();
    issuers.clear();
  };
  stream_json_elements(in, 1, {}, [&](const json& record) {
    if (!record.contains("ip") || !record["ip"].is_string()) return;
    auto ports = record.find("ports");
    if (ports == record.end() || !ports->is_array()) return;
    for (const auto& p : *ports) {
      if (!p.is_object() || !p.contains("port") || !p["port"].is_number_unsigned()) continue;
      const unsigned port = p["port"].get<unsigned>();
      if (port == 0 || port > 65535) continue;
      const std::string ip = record["ip"].get<std::string>();
      if (!current || current->host != ip || current->port != port) {
        flush();
        current.emplace();
        current->source = "masscan";
        current->host = ip;
        current->port = static_cast<std::uint16_t>(port);
      }
      auto service = p.find("service");
      if (service == p.end() || !service->is_object()) continue;
      const std::string name = service->value("name", "");
      const std::string banner = service->value("banner", "");
      if (name == "X509") {
        leaf = decode_base64(banner);
      } else if (name == "X509CA") {
        if (std::string der = decode_base64(banner); !der.empty()) issuers.push_back(std::move(der));
      } else if (name == "ssl") {
        // "TLS/1.2 cipher:0xc02f, ..." : the version as masscan saw it.
        if (auto space = banner.find(' '); space != std::string::npos) current->tls_version = banner.substr(0, space);
        if (auto c = banner.find("cipher:"); c != std::string::npos) {
          current->cipher = banner.substr(c + 7, banner.find_first_of(", ", c + 7) - (c + 7));
        }
      }
    }
  }, ctx.source);
  flush();
}

}  // namespace certdoctor::audit
