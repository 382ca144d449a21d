// What an audit found, before it is written out: one row per endpoint, the collision groups across endpoints,
// and the counts the summary and the charts are drawn from. Writers (report_writers.hpp) turn it into the table,
// JSON, CSV or HTML.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace certdoctor::audit {

// One finding about one endpoint, made from its row of the one table of codes (audit/audit_findings.hpp).
struct EndpointFinding {
  std::string code;
  std::string text;  // plain words, with this endpoint's values
};

struct DeviceMatch {
  std::string vendor, product, collision, install_hint;
};

struct EndpointReport {
  std::string endpoint;  // HOST:PORT, IPv6 in brackets
  std::string host;
  std::uint16_t port = 0;
  std::string source;    // fetch, zgrab2, nmap, masscan, sslyze, testssl
  std::string tls_version, cipher;
  bool reachable = false;          // a certificate was read
  std::string verdict;             // Firefox's error name; "" when the page loads; unset when unreachable
  bool overridable = false;        // the error page offers an exception
  // The leaf, as served.
  std::string sha256, subject, issuer, serial;  // serial: lower-case hex of the DER INTEGER's content
  std::string not_after;                        // ISO-8601 UTC
  std::optional<std::int64_t> days_left;
  std::string key;                              // "RSA 2048", "EC P-256"
  std::string signature_algorithm;
  std::size_t chain_length = 0;
  std::optional<DeviceMatch> device;
  std::vector<EndpointFinding> findings;
  std::optional<std::size_t> collision_group;   // index into AuditReport::groups, once known
  // The collision key, as bytes (never printed text): the leaf's DER issuer Name and DER serial INTEGER.
  std::string issuer_der, serial_der;
  std::string spki_sha256;                      // the leaf's SubjectPublicKeyInfo, SHA-256 in hex
  std::optional<std::size_t> shared_key_group;  // index into AuditReport::shared_keys, once known

  bool refused() const { return reachable && !verdict.empty(); }
};

// The device as the JSON report and the endpoint's own JSON write it (null when none was recognised).
nlohmann::json device_json(const std::optional<DeviceMatch>& d);
nlohmann::json to_json(const EndpointReport& e);
EndpointReport endpoint_from_json(const nlohmann::json& j);

struct CollisionMember {
  std::string endpoint, sha256, subject;
};

struct CollisionGroup {
  // Stable across runs (16 hex digits of the SHA-256 of the issuer Name's and the serial's DER): what monitoring
  // keys a group by, where the group's number depends on the order the endpoints were read.
  std::string id;
  std::string kind;          // "twins": the same names on different devices; "remade": other names or the same endpoint re-made
  // "today": a member loads through a trust anchor under the audit's trust (or is refused for a stored copy), so
  // Firefox refuses the others in a session that opened it; "once_trusted_or_stored": none does (self-signed, an
  // untrusted CA), and Firefox rarely refuses one for another until one of them is trusted or stored (collisions.hpp).
  std::string when;
  std::string issuer, serial;  // printed, for people; the group is keyed by the DER bytes
  std::vector<CollisionMember> members;  // every endpoint of the group, by HOST:PORT, with the certificate it serves
  std::size_t distinct_certificates = 0;
  std::optional<DeviceMatch> device;
  std::vector<std::string> fix;  // shell commands: certdoctor reissue for each endpoint to re-issue
};

// Endpoints on different hosts presenting one public key (shared_keys.hpp): a security finding apart from the
// collisions. `shared` is "certificate" when they all serve one identical certificate, else "key".
struct SharedKeyGroup {
  std::string id;           // the first 16 hex digits of the key's SHA-256: stable across runs
  std::string spki_sha256;  // the SubjectPublicKeyInfo's SHA-256
  std::string shared;       // "certificate" or "key"
  std::string key;          // "RSA 2048", as for an endpoint
  std::size_t hosts = 0, distinct_certificates = 0;
  std::vector<CollisionMember> members;
  std::optional<DeviceMatch> device;
  std::vector<std::string> fix;  // certdoctor reissue for each endpoint: a new key for each
};

struct AuditReport {
  std::string trust;  // what the verdicts were judged against
  std::int64_t generated_at = 0;
  int expiring_days = 30;
  std::vector<std::string> inputs;  // "file (kind)"
  std::vector<std::string> input_problems;  // lines or records that could not be used, each saying why
  std::size_t endpoints = 0, reachable = 0, refused = 0, in_collisions = 0, expiring = 0, expired = 0, weak = 0;
  std::map<std::string, std::size_t> verdicts;  // Firefox's error name ("loads" for none) -> endpoints
  std::map<std::string, std::size_t> expiry_by_month;  // "YYYY-MM" -> endpoints whose leaf expires then
  std::vector<CollisionGroup> groups;
  std::vector<SharedKeyGroup> shared_keys;
  std::size_t sharing_keys = 0;  // endpoints in a shared-key group
  // Every endpoint, in the order read; replayed from disk so that memory stays flat for large scans.
  std::function<void(const std::function<void(const EndpointReport&)>&)> for_each_endpoint;

  int exit_code() const { return groups.empty() && shared_keys.empty() && refused == 0 ? 0 : 1; }
};

}  // namespace certdoctor::audit
