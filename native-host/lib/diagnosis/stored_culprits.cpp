#include "diagnosis/stored_culprits.hpp"

#include <pkcs11.h>
#include <pkcs11n.h>

#include <algorithm>
#include <set>

#include "base/utc.hpp"
#include "certificate/cert_info.hpp"
#include "pkix/result.hpp"
#include "pkix/signature.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

// At most this many stored certificates are judged again (each is one more path build).
constexpr std::size_t kMaxCandidates = 8;

// Trust that makes Firefox refuse the certificate: "not trusted" (p), or "trusted peer" (P) on a certificate
// used as an issuer, which NSS reads as a terminal record without the CA bit (as firefox_trust.cpp does).
bool distrusts(const StoredCert& s, bool as_issuer) {
  if (!s.trust) return false;
  const unsigned long ssl = s.trust->server_auth;
  return ssl == CKT_NSS_NOT_TRUSTED || (as_issuer && ssl == CKT_NSS_TRUSTED);
}

// A trusted anchor named like `child`'s issuer that cannot be the issuer today: another key, or outside its
// validity.
std::string stale_anchor_why(const StoredCert& s, const std::string& child_der,
                             const CertificateDescription& described, std::int64_t now) {
  if (!s.is_trust_anchor()) return "";
  if (pkix::verify_signed_by(pkix::as_input(child_der), pkix::as_input(s.der)) != pkix::Result::Success) return "other_key";
  const std::string today = utc_format(static_cast<std::time_t>(now));
  if (!described.not_after.empty() && described.not_after < today) return "expired";
  if (!described.not_before.empty() && described.not_before > today) return "not_yet_valid";
  return "";
}

struct Effect {
  pkix::Result result;
  std::string root;  // subject of the anchor the path would end at, when one is built
};

Effect judge_without(const CulpritInput& in, const std::string& der) {
  VerdictInput v{*in.chain_der, in.host, in.profile, in.builtins, in.now, {der}};  // as if removed
  const Verdict out = firefox_verdict(v);
  Effect e{out.result, ""};
  if (!out.path.empty()) e.root = describe_certificate(out.path.back()).subject;
  return e;
}

void put_effect(json& values, const Effect& e) {
  values["after_error"] = e.result == pkix::Result::Success ? "" : std::string(pkix::firefox_code(e.result));
  values["after_root"] = e.root;  // the table's texts word both (diagnosis/fact_words)
}

RemovalEffect removal_of(const Effect& e, pkix::Result current) {
  RemovalEffect r;
  if (e.result != pkix::Result::Success) r.firefox_error = std::string(pkix::firefox_code(e.result));
  r.path_root = e.root;
  r.changes = e.result != current;
  return r;
}

}  // namespace

void find_stored_culprits(const CulpritInput& in, ConflictReport& report) {
  if (!in.profile || !in.chain_der) return;
  std::set<std::string> seen;
  for (const auto& c : report.conflicts) seen.insert(c.sha256);
  struct Candidate {
    StoredCert stored;
    int cert;
    std::string reason, why;
  };
  std::vector<Candidate> candidates;
  auto consider = [&](const StoredCert& s, int cert, std::string reason, std::string why = "") {
    if (candidates.size() >= kMaxCandidates || !seen.insert(s.sha256).second) return;
    candidates.push_back({s, cert, std::move(reason), std::move(why)});
  };
  const auto& chain_der = *in.chain_der;
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    const auto keys = cert_keys(chain_der[i]);
    if (!keys) continue;
    const int index = static_cast<int>(i);
    // The served certificate itself, stored with a distrust entry.
    for (const auto& s : in.profile->by_issuer_serial(keys->issuer_der, keys->serial_der)) {
      if (s.der == chain_der[i] && distrusts(s, i > 0)) consider(s, index, "distrusted");
    }
    // Stored certificates named like its issuer: distrusted, or a trusted anchor that cannot issue it now.
    if (keys->self_issued()) continue;
    for (const auto& s : in.profile->by_subject(keys->issuer_der)) {
      if (distrusts(s, true)) {
        consider(s, index, "distrusted");
      } else if (const std::string why = stale_anchor_why(s, chain_der[i], describe_certificate(s.der), in.now);
                 !why.empty()) {
        consider(s, index, "stale_anchor", why);
      }
    }
  }
  for (const auto& c : candidates) {
    const Effect e = judge_without(in, c.stored.der);
    if (e.result == in.current) continue;  // not what makes Firefox refuse the site
    CertificateDescription stored = describe_certificate(c.stored.der);
    json values = {{"profile", in.profile_dir},   {"stored_sha256", c.stored.sha256},
                   {"nickname", c.stored.nickname}, {"trust", c.stored.trust_string()},
                   {"stored_subject", stored.subject},
                   {"stored_not_after", stored.not_after},
                   {"url", in.url},                 {"error", std::string(pkix::firefox_code(in.current))}};
    if (!c.why.empty()) values["why"] = c.why;  // other_key, expired or not_yet_valid, worded by the texts
    put_effect(values, e);
    Conflict conflict = conflict_of(c.stored, std::move(stored), c.cert, c.reason);
    conflict.removal = removal_of(e, in.current);
    report.conflicts.push_back(std::move(conflict));
    Finding f(c.reason == "distrusted" ? Condition::stored_distrust : Condition::stale_anchor, values);
    f.cert = c.cert;
    f.field = "issuer";
    report.findings.push_back(f);
  }
}

void add_removal_effects(const CulpritInput& in, ConflictReport& report) {
  if (!in.profile || !in.chain_der) return;
  for (auto& c : report.conflicts) {
    if (c.removal) continue;
    const auto stored = in.profile->by_sha256(c.sha256);
    if (!stored) continue;
    const Effect e = judge_without(in, stored->der);
    c.removal = removal_of(e, in.current);
    for (auto& f : report.findings) {
      if (f.values.value("stored_sha256", "") == stored->sha256) put_effect(f.values, e);
    }
  }
}

}  // namespace certdoctor
