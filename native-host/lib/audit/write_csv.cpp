// CSV, one row per endpoint (RFC 4180 quoting). A cell that a spreadsheet would take for a formula (=, +, -, @)
// is prefixed with ' so that opening the file never runs anything a certificate's names carry.
#include "audit/report_writers.hpp"

namespace certdoctor::audit {
namespace {

std::string csv(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    v = "'" + v;
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

void write_csv(std::ostream& out, const AuditReport& r) {
  out << "endpoint,source,reachable,firefox_error,overridable,device,collision_group,collision_kind,sha256,subject,"
         "issuer,serial,not_after,days_left,key,signature_algorithm,tls_version,findings\r\n";
  r.for_each_endpoint([&](const EndpointReport& e) {
    std::string findings;
    for (const auto& f : e.findings) findings += (findings.empty() ? "" : "; ") + f.code + ": " + f.text;
    const std::string group = e.collision_group ? std::to_string(*e.collision_group + 1) : "";
    const std::string kind = e.collision_group ? r.groups[*e.collision_group].kind : "";
    out << csv(e.endpoint) << ',' << csv(e.source) << ',' << (e.reachable ? "yes" : "no") << ','
        << csv(e.verdict) << ',' << (e.overridable ? "yes" : "no") << ','
        << csv(e.device ? e.device->vendor + " " + e.device->product : "") << ',' << group << ',' << kind << ','
        << e.sha256 << ',' << csv(e.subject) << ',' << csv(e.issuer) << ',' << e.serial << ',' << e.not_after << ','
        << (e.days_left ? std::to_string(*e.days_left) : "") << ',' << csv(e.key) << ',' << csv(e.signature_algorithm)
        << ',' << csv(e.tls_version) << ',' << csv(findings) << "\r\n";
  });
}

}  // namespace certdoctor::audit
