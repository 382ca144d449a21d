// The audit for monitoring: the OpenMetrics text format, in the subset that Prometheus' own text parser reads too
// (node_exporter's textfile collector uses that one). So every family is a gauge (each value is a state of the last
// run, none a count since a start), labels are few and bounded by default (what Firefox shows: a few dozen error
// names at most), `# UNIT` for the families whose name ends in their base unit, `_info` gauges of value 1 carry the
// labels that describe a group or an endpoint, and `# EOF` ends the document. Per-group and per-endpoint series only
// when asked (PrometheusDetail), since one series per endpoint of a large fleet is what monitoring systems drown in.
#include <set>

#include "audit/report_writers.hpp"
#include "base/text.hpp"
#include "base/utc.hpp"

namespace certdoctor::audit {
namespace {

// A label value as OpenMetrics escapes it (backslash, double quote, newline), after printable() has made every
// control character, malformed byte and format character from a certificate visible.
std::string label_value(const std::string& raw) {
  std::string out;
  for (char c : printable(raw)) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

class Family {
 public:
  Family(std::ostream& out, const std::string& name, const std::string& help, const std::string& unit = "")
      : out_(out), name_(name) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
    if (!unit.empty()) out_ << "# UNIT " << name << " " << unit << "\n";
  }
  Family& sample(long long value, const Labels& labels = {}) {
    out_ << name_;
    if (!labels.empty()) {
      out_ << '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out_ << (i ? "," : "") << labels[i].first << "=\"" << label_value(labels[i].second) << '"';
      }
      out_ << '}';
    }
    out_ << ' ' << value << "\n";
    return *this;
  }

 private:
  std::ostream& out_;
  std::string name_;
};

std::string device_name(const std::optional<DeviceMatch>& d) { return d ? d->vendor + " " + d->product : ""; }

}  // namespace

void write_prometheus(std::ostream& out, const AuditReport& r, PrometheusDetail detail) {
  Family(out, "certdoctor_audit_last_run_timestamp_seconds", "When the audit ran (Unix time).", "seconds")
      .sample(r.generated_at);
  Family(out, "certdoctor_audit_exit_code", "The audit's exit status: 0 clean, 1 collisions, shared keys or refusals.")
      .sample(r.exit_code());
  {
    // "loads" and "unreachable" as in the JSON summary's verdicts, else the error name Firefox shows.
    Family f(out, "certdoctor_audit_endpoints", "Endpoints of the last audit, by what Firefox shows for each.");
    for (const auto& [verdict, count] : r.verdicts) f.sample(static_cast<long long>(count), {{"verdict", verdict}});
    if (r.verdicts.empty()) f.sample(0, {{"verdict", "loads"}});
  }
  {
    std::size_t today = 0;
    for (const auto& g : r.groups) today += g.when == "today";
    Family(out, "certdoctor_audit_collision_groups",
           "Groups of endpoints whose leaves share an issuer and serial with other content, by when they collide.")
        .sample(static_cast<long long>(today), {{"when", "today"}})
        .sample(static_cast<long long>(r.groups.size() - today), {{"when", "once_trusted_or_stored"}});
  }
  Family(out, "certdoctor_audit_endpoints_in_collisions", "Endpoints that are members of a collision group.")
      .sample(static_cast<long long>(r.in_collisions));
  {
    std::size_t certificate = 0;
    for (const auto& g : r.shared_keys) certificate += g.shared == "certificate";
    Family(out, "certdoctor_audit_shared_key_groups",
           "Groups of endpoints on different hosts presenting one public key (certificate: one identical certificate).")
        .sample(static_cast<long long>(certificate), {{"shared", "certificate"}})
        .sample(static_cast<long long>(r.shared_keys.size() - certificate), {{"shared", "key"}});
  }
  Family(out, "certdoctor_audit_endpoints_sharing_keys", "Endpoints that are members of a shared-key group.")
      .sample(static_cast<long long>(r.sharing_keys));
  Family(out, "certdoctor_audit_endpoints_expiring",
         "Endpoints whose leaf expires within the audit's window (certdoctor_audit_expiring_window_seconds).")
      .sample(static_cast<long long>(r.expiring));
  Family(out, "certdoctor_audit_endpoints_expired", "Endpoints whose leaf has expired.")
      .sample(static_cast<long long>(r.expired));
  Family(out, "certdoctor_audit_expiring_window_seconds", "The audit's --expiring window.", "seconds")
      .sample(static_cast<long long>(r.expiring_days) * 86400);
  Family(out, "certdoctor_audit_input_problems", "Lines or records of the inputs that could not be used.")
      .sample(static_cast<long long>(r.input_problems.size()));

  if (detail != PrometheusDetail::summary) {
    Family info(out, "certdoctor_audit_collision_group_info",
                "A collision group (id: stable across runs), with its kind, when it collides, issuer and serial.");
    for (const auto& g : r.groups) {
      info.sample(1, {{"group_id", g.id}, {"kind", g.kind}, {"when", g.when}, {"issuer", g.issuer},
                      {"serial", g.serial}, {"device", device_name(g.device)}});
    }
    Family members(out, "certdoctor_audit_collision_group_endpoints", "Endpoints in each collision group.");
    for (const auto& g : r.groups) members.sample(static_cast<long long>(g.members.size()), {{"group_id", g.id}});
    Family shared(out, "certdoctor_audit_shared_key_group_info",
                  "A shared-key group (id: the first 16 hex digits of the key's SHA-256), what is shared, and the key.");
    for (const auto& g : r.shared_keys) {
      shared.sample(1, {{"group_id", g.id}, {"shared", g.shared}, {"key", g.key}, {"spki_sha256", g.spki_sha256},
                        {"device", device_name(g.device)}});
    }
    Family sharing(out, "certdoctor_audit_shared_key_group_endpoints", "Endpoints in each shared-key group.");
    for (const auto& g : r.shared_keys) sharing.sample(static_cast<long long>(g.members.size()), {{"group_id", g.id}});
  }
  if (detail == PrometheusDetail::endpoints) {
    // Two passes over the endpoints (they are streamed from disk), so that each family's samples stay together.
    Family info(out, "certdoctor_audit_endpoint_info",
                "An endpoint, with what Firefox shows for it, its leaf's SHA-256 and its collision group.");
    r.for_each_endpoint([&](const EndpointReport& e) {
      info.sample(1, {{"endpoint", e.endpoint},
                      {"verdict", !e.reachable ? "unreachable" : e.verdict.empty() ? "loads" : e.verdict},
                      {"sha256", e.sha256},
                      {"group_id", e.collision_group ? r.groups.at(*e.collision_group).id : ""},
                      {"shared_key_group_id", e.shared_key_group ? r.shared_keys.at(*e.shared_key_group).id : ""},
                      {"device", device_name(e.device)}});
    });
    Family expiry(out, "certdoctor_audit_endpoint_expiry_timestamp_seconds",
                  "When each reachable endpoint's leaf expires (Unix time).", "seconds");
    r.for_each_endpoint([&](const EndpointReport& e) {
      if (auto end = utc_parse(e.not_after)) expiry.sample(*end, {{"endpoint", e.endpoint}});
    });
  }
  out << "# EOF\n";
}

}  // namespace certdoctor::audit
