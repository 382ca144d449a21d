// zgrab2 (`zgrab2 tls`, or any module that logs a TLS handshake): JSON lines, one per host,
//   {"ip": ..., "domain": ..., "data": {"<module>": {"status": ..., "port": ..., "result": {
//     "handshake_log": {"server_hello": {"version": {"name": ...}, "cipher_suite": {"name": ...}},
//                       "server_certificates": {"certificate": {"raw": base64 DER, "parsed": {...}},
//                                               "chain": [{"raw": ...}, ...]}}}, "error": ...}}}
// (zgrab2's zgrab2_schemas; `http` nests the same log under result.response.request.tls_log.handshake_log).
// The serial zgrab2 prints ("parsed.serial_number", decimal) is never used: the DER is.
#include <nlohmann/json.hpp>

#include "audit/scan_input.hpp"
#include "fetch/url.hpp"

namespace certdoctor::audit {
namespace {

using nlohmann::json;

const json* find_handshake_log(const json& result) {
  if (auto it = result.find("handshake_log"); it != result.end() && it->is_object()) return &*it;
  const json* p = &result;
  for (const char* key : {"response", "request", "tls_log", "handshake_log"}) {
    auto it = p->find(key);
    if (it == p->end() || !it->is_object()) return nullptr;
    p = &*it;
  }
  return p;
}

std::string string_at(const json& j, std::initializer_list<const char*> keys) {
  const json* p = &j;
  for (const char* k : keys) {
    if (!p->is_object()) return {};
    auto it = p->find(k);
    if (it == p->end()) return {};
    p = &*it;
  }
  return p->is_string() ? p->get<std::string>() : std::string();
}

}  // namespace

void read_zgrab2(std::istream& in, const ScanContext& ctx) {
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json record;
    try {
      record = json::parse(line);
    } catch (const json::parse_error& e) {
      throw ScanError(ctx.source + " line " + std::to_string(number) + ": not a zgrab2 JSON record (" + e.what() + ")");
    }
    if (!record.is_object() || !record.contains("data") || !record["data"].is_object()) {
      throw ScanError(ctx.source + " line " + std::to_string(number) + ": a zgrab2 record has a \"data\" object");
    }
    std::string host = string_at(record, {"ip"});
    if (host.empty()) host = string_at(record, {"domain"});
    for (const auto& [module, response] : record["data"].items()) {
      if (!response.is_object()) continue;
      Observation o;
      o.source = "zgrab2";
      o.host = host;
      o.port = ctx.default_port;
      if (auto p = response.find("port"); p != response.end() && p->is_number_unsigned() && p->get<unsigned>() <= 65535) {
        o.port = static_cast<std::uint16_t>(p->get<unsigned>());
      } else if (auto q = record.find("port"); q != record.end() && q->is_number_unsigned() && q->get<unsigned>() <= 65535) {
        o.port = static_cast<std::uint16_t>(q->get<unsigned>());
      }
      const json* log = nullptr;
      if (auto r = response.find("result"); r != response.end() && r->is_object()) log = find_handshake_log(*r);
      if (log) {
        o.tls_version = string_at(*log, {"server_hello", "version", "name"});
        o.cipher = string_at(*log, {"server_hello", "cipher_suite", "name"});
        std::string leaf = decode_base64(string_at(*log, {"server_certificates", "certificate", "raw"}));
        if (!leaf.empty()) {
          o.chain_der.push_back(std::move(leaf));
          auto sc = log->find("server_certificates");
          if (auto chain = sc->find("chain"); chain != sc->end() && chain->is_array()) {
            for (const auto& c : *chain) {
              std::string der = decode_base64(string_at(c, {"raw"}));
              if (!der.empty()) o.chain_der.push_back(std::move(der));
            }
          }
        }
      }
      if (o.chain_der.empty()) {
        // Not a TLS endpoint after all, or the handshake failed: zgrab2 says why in status and error.
        if (!log && string_at(response, {"status"}).empty()) continue;
        std::string detail = string_at(response, {"error"});
        if (detail.empty()) detail = "zgrab2 status " + string_at(response, {"status"});
        o.failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(o.host, o.port)}, {"detail", detail}}};
      }
      if (o.host.empty()) continue;
      ctx.sink(std::move(o));
    }
  }
}

}  // namespace certdoctor::audit
