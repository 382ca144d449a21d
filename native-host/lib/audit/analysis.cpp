#include "audit/analysis.hpp"

#include <cstdio>
#include <ctime>

#include "audit/audit_findings.hpp"
#include "certificate/cert_info.hpp"
#include "devices/device_table.hpp"
#include "firefox/verdict.hpp"
#include "profile/store_error.hpp"
#include "base/hex.hpp"
#include "base/utc.hpp"

namespace certdoctor::audit {
namespace {

// Weak by today's rules: Firefox refuses RSA below 2048 bits for public roots' chains, and SHA-1 and MD5
// signatures; DSA it does not speak at all.
std::optional<AuditFinding> weak_key(const PublicKeyInfo& key) {
  const std::string& type = key.type;
  const int bits = key.bits.value_or(0);
  if (type == "RSA" && bits < 2048) return AuditFinding::SmallRsaKey;
  if (type == "EC" && bits < 256) return AuditFinding::SmallEcKey;
  if (type == "DSA") return AuditFinding::DsaKey;
  return std::nullopt;
}

// A failure's code, with its detail when there is one: "connection_refused: Connection refused".
std::string failure_reason(const Finding& failure) {
  const std::string detail = failure.values.value("detail", std::string());
  return failure.code + (detail.empty() ? "" : ": " + detail);
}

bool weak_signature(const std::string& algorithm) {
  return algorithm.find("sha1") != std::string::npos || algorithm.find("md5") != std::string::npos ||
         algorithm.find("md2") != std::string::npos || algorithm.find("SHA1") != std::string::npos;
}

std::string key_text(const PublicKeyInfo& key) {
  if (key.curve) return key.type + " " + *key.curve;
  if (key.bits.value_or(0) > 0) return key.type + " " + std::to_string(*key.bits);
  return key.type;
}

bool old_tls(const std::string& version) {
  return version == "TLSv1" || version == "TLSv1.0" || version == "TLSv1.1" || version == "SSLv3" ||
         version == "TLS/1.0" || version == "TLS/1.1" || version == "SSL/3.0" || version == "TLSv1_0" || version == "TLSv1_1";
}

}  // namespace

EndpointReport analyse(const Observation& o, const TrustSet& trust, const AnalysisOptions& options) {
  EndpointReport e;
  e.endpoint = endpoint_name(o.host, o.port);
  e.host = o.host;
  e.port = o.port;
  e.source = o.source;
  e.tls_version = o.tls_version;
  e.cipher = o.cipher;
  e.chain_length = o.chain_der.size();

  if (o.failure && o.chain_der.empty()) {
    e.findings.push_back(audit_finding(AuditFinding::NoCertificateRead, {{"reason", failure_reason(*o.failure)}}));
    return e;
  }
  if (o.chain_der.empty()) {
    e.findings.push_back(audit_finding(AuditFinding::NoCertificateInInput));
    return e;
  }
  e.reachable = true;
  const std::string& leaf = o.chain_der.front();
  const CertificateDescription d = describe_certificate(leaf);
  e.sha256 = d.sha256;
  e.subject = d.subject;
  e.issuer = d.issuer;
  e.serial = d.serial;
  e.not_after = d.not_after;
  e.signature_algorithm = d.signature_algorithm;
  if (!d.parse_error) e.key = key_text(d.public_key);
  if (const DeviceInfo* device = recognise_device(leaf)) {
    // The table's own words for the kind ("re-made") are for people; the report's code stays "remade".
    e.device = DeviceMatch{std::string(device->vendor), std::string(device->product),
                           device->collision == CollisionKind::twins ? "twins" : "remade",
                           std::string(device->install_hint)};
  }
  if (auto keys = cert_keys(leaf)) {
    e.issuer_der = keys->issuer_der;
    e.serial_der = keys->serial_der;
    if (!keys->spki_der.empty()) e.spki_sha256 = sha256_hex(keys->spki_der);
  }

  // The verdict, the way `diagnose` reaches it. A handshake Firefox itself refuses (TLS below 1.2) is the verdict.
  if (o.failure && o.failure->code.starts_with("SSL_ERROR_")) {
    e.verdict = o.failure->code;
  } else {
    try {
      VerdictInput in{o.chain_der, o.host, trust.profile(), trust.builtins(), options.now, {}};
      Verdict v = firefox_verdict(in);
      e.verdict = std::string(pkix::firefox_code(v.result));
      e.overridable = v.overridable;
    } catch (const StoreError& err) {
      e.verdict = "PR_UNKNOWN_ERROR";
      e.findings.push_back(audit_finding(AuditFinding::TrustSetUnreadable, {{"detail", err.what()}}));
    }
  }
  if (o.failure && !o.failure->code.starts_with("SSL_ERROR_")) {
    e.findings.push_back(audit_finding(AuditFinding::HandshakeStopped, {{"reason", failure_reason(*o.failure)}}));
  }
  if (old_tls(o.tls_version)) {
    e.findings.push_back(audit_finding(AuditFinding::OldTls, {{"source", o.source}, {"version", o.tls_version}}));
  }

  // The description's ISO 8601 time (the certificate is parsed once, by describe_certificate: each parse costs
  // OpenSSL 3.0 a decoding of the public key).
  if (auto end = utc_parse(d.not_after)) {
    const std::int64_t left = (*end - options.now) / 86400;
    e.days_left = *end < options.now ? -((options.now - *end + 86399) / 86400) : left;
    if (*end < options.now) {
      e.findings.push_back(audit_finding(AuditFinding::Expired, {{"not_after", e.not_after}}));
    } else if (left <= options.expiring_days) {
      e.findings.push_back(audit_finding(AuditFinding::Expiring, {{"not_after", e.not_after}, {"days", left}}));
    }
  }
  if (!d.parse_error) {
    if (auto weak = weak_key(d.public_key)) {
      e.findings.push_back(audit_finding(*weak, {{"bits", d.public_key.bits.value_or(0)}}));
    }
  }
  // Signatures: the leaf's and every intermediate's as served (a root's own signature is never checked).
  for (std::size_t i = 0; i < o.chain_der.size(); ++i) {
    const std::string alg = i == 0 ? d.signature_algorithm : signature_algorithm_name(o.chain_der[i]);
    const auto keys = i == 0 ? std::nullopt : cert_keys(o.chain_der[i]);
    if (weak_signature(alg) && !(keys && keys->self_issued())) {
      e.findings.push_back(audit_finding(i == 0 ? AuditFinding::WeakSignature : AuditFinding::WeakChainSignature,
                                         {{"algorithm", alg}, {"position", i + 1}}));
    }
  }
  return e;
}

}  // namespace certdoctor::audit
