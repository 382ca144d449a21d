// sslyze (`sslyze --json_out FILE`): one JSON object whose "server_scan_results" array holds one result per
// server (sslyze/plugins/certificate_info/json_output.py):
//   {"server_location": {"hostname": ..., "port": N, "ip_address": ...},
//    "scan_result": {"certificate_info": {"status": ..., "result": {"certificate_deployments": [
//        {"received_certificate_chain": [{"as_pem": ..., "serial_number": <integer beyond 64 bits>}, ...]}]}}}}
// Each deployment is one chain the server offers (RSA and ECDSA, say): each becomes an observation. The printed
// serial is never used (a JSON integer of 128 bits loses its low digits in most readers): the DER is.
#include <nlohmann/json.hpp>

#include "audit/scan_input.hpp"

namespace certdoctor::audit {

using nlohmann::json;

void read_sslyze(std::istream& in, const ScanContext& ctx) {
  stream_json_elements(in, 2, {"server_scan_results"}, [&](const json& server) {
    const json location = server.value("server_location", json::object());
    std::string host = location.value("ip_address", "");
    if (host.empty()) host = location.value("hostname", "");
    const unsigned port = location.value("port", 0u);
    if (host.empty() || port == 0 || port > 65535) {
      throw ScanError(ctx.source + ": an sslyze server result without server_location.hostname and .port");
    }
    Observation base;
    base.source = "sslyze";
    base.host = host;
    base.port = static_cast<std::uint16_t>(port);

    const json* info = nullptr;
    if (auto sr = server.find("scan_result"); sr != server.end() && sr->is_object()) {
      if (auto ci = sr->find("certificate_info"); ci != sr->end() && ci->is_object()) info = &*ci;
    }
    if (server.value("scan_status", "COMPLETED") != "COMPLETED" || !info) {
      Observation o = base;
      std::string detail = server.value("connectivity_error_trace", "");
      if (detail.empty()) detail = "sslyze did not complete the scan (" + server.value("connectivity_status", std::string("no result")) + ")";
      o.failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(o.host, o.port)}, {"detail", detail}}};
      ctx.sink(std::move(o));
      return;
    }
    const json result = info->value("result", json::object());
    const json deployments = result.is_object() ? result.value("certificate_deployments", json::array()) : json::array();
    bool any = false;
    for (const auto& d : deployments) {
      Observation o = base;
      for (const auto& c : d.value("received_certificate_chain", json::array())) {
        auto pem = pem_certificates(c.value("as_pem", ""));
        if (!pem.empty()) o.chain_der.push_back(std::move(pem.front()));
      }
      if (o.chain_der.empty()) continue;
      any = true;
      ctx.sink(std::move(o));
    }
    if (!any) {
      Observation o = base;
      o.failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(o.host, o.port)},
                                               {"detail", "sslyze's certificate_info has no received chain"}}};
      ctx.sink(std::move(o));
    }
  }, ctx.source);
}

}  // namespace certdoctor::audit
