// testssl.sh (`testssl.sh --jsonfile FILE`, the flat format): a JSON array of findings, each
//   {"id": ..., "ip": "NAME/ADDRESS", "port": "N", "severity": ..., "finding": ...}
// The served certificate is the finding of id "cert" (PEM, newlines turned into spaces), "cert <hostCert#N>"
// when the server has several; its issuers are "intermediate_cert <#N>" (testssl.sh's own source). A run over
// several hosts writes each host's findings one after another. testssl.sh's "cert_serialNumber" (printed hex) is
// never used: the DER is.
#include <nlohmann/json.hpp>

#include "audit/scan_input.hpp"

namespace certdoctor::audit {

using nlohmann::json;

void read_testssl(std::istream& in, const ScanContext& ctx) {
  std::optional<Observation> current;
  std::vector<std::string> leaves, intermediates;
  std::string scan_problem;
  auto flush = [&] {
    if (!current) return;
    if (leaves.empty()) {
      // testssl.sh reached nothing that gave a certificate (it says why in "scanProblem").
      if (!scan_problem.empty()) {
        current->failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(current->host, current->port)},
                                                        {"detail", scan_problem}}};
        ctx.sink(std::move(*current));
      }
    } else {
      // Several host certificates (RSA and ECDSA): one observation each, with the intermediates the server sent.
      for (auto& leaf : leaves) {
        Observation o = *current;
        o.chain_der.push_back(std::move(leaf));
        for (const auto& der : intermediates) o.chain_der.push_back(der);
        ctx.sink(std::move(o));
      }
    }
    current.reset();
    leaves.clear();
    intermediates.clear();
    scan_problem.clear();
  };
  stream_json_elements(in, 1, {}, [&](const json& f) {
    const std::string id = f.value("id", ""), finding = f.value("finding", "");
    std::string ip = f.value("ip", "");
    if (auto slash = ip.rfind('/'); slash != std::string::npos) ip = ip.substr(slash + 1);  // "name/address"
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    const unsigned long port = std::strtoul(f.value("port", "0").c_str(), nullptr, 10);
    if (ip.empty() || port == 0 || port > 65535) return;  // engine_problem and the like: about the run, not a host
    if (!current || current->host != ip || current->port != port) {
      flush();
      current.emplace();
      current->source = "testssl";
      current->host = ip;
      current->port = static_cast<std::uint16_t>(port);
    }
    if (id == "cert" || id.starts_with("cert <")) {
      auto der = pem_certificates(finding);
      if (!der.empty()) leaves.push_back(std::move(der.front()));
    } else if (id.starts_with("intermediate_cert <")) {
      auto der = pem_certificates(finding);
      if (!der.empty()) intermediates.push_back(std::move(der.front()));
    } else if (id == "scanProblem" || (id == "scanTime" && f.value("severity", "") == "WARN")) {
      scan_problem = finding;
    } else if (id == "TLS1_3" || id == "TLS1_2") {
      if (finding.starts_with("offered") && current->tls_version.empty()) {
        current->tls_version = id == "TLS1_3" ? "TLSv1.3" : "TLSv1.2";
      }
    }
  }, ctx.source);
  flush();
}

}  // namespace certdoctor::audit
