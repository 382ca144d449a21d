#include "diagnosis/diagnosis_json.hpp"

#include "reissue/device_advice.hpp"

#include "base/build_info.hpp"
#include "diagnosis/error_table.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

json to_json(const GeneralName& n) { return {{"type", n.type}, {"value", n.value}}; }

json to_json(const std::vector<GeneralName>& names) {
  json out = json::array();
  for (const auto& n : names) out.push_back(to_json(n));
  return out;
}

json to_json(const TlsSession& s) {
  json c = {{"address", s.address}, {"port", s.port}, {"handshake_complete", s.handshake_complete},
            {"connect_ms", s.connect_ms}, {"handshake_ms", s.handshake_ms}};
  if (!s.proxy.empty()) c["proxy"] = s.proxy;
  if (!s.sni.empty()) c["sni"] = s.sni;
  if (!s.version.empty()) c["tls_version"] = s.version;
  if (!s.cipher.empty()) c["cipher"] = s.cipher;
  if (!s.group.empty()) c["group"] = s.group;
  if (!s.firefox_offer.empty()) {
    c["firefox_handshake"] = {{"outcome", s.firefox_outcome.empty() ? json(nullptr) : json(s.firefox_outcome)},
                              {"offered", s.firefox_offer}, {"prefs", s.firefox_prefs}};
  }
  return c;
}

json to_json(const Conflict& k) {
  json c = {{"sha256", k.sha256},
            {"nickname", k.nickname},
            {"trust", k.trust},
            {"subject", k.stored.subject},
            {"issuer", k.stored.issuer},
            {"serial", k.stored.serial},
            {"not_before", k.stored.not_before},
            {"not_after", k.stored.not_after},
            {"cert", k.cert},
            {"reason", k.reason},
            {"removable", k.removable}};
  if (!k.caution.empty()) c["caution"] = k.caution;
  if (k.removal) {
    c["removal"] = {{"firefox_error", k.removal->firefox_error ? json(*k.removal->firefox_error) : json(nullptr)},
                    {"changes", k.removal->changes}};
    if (!k.removal->path_root.empty()) c["removal"]["path_root"] = k.removal->path_root;
  }
  return c;
}

json to_json(const HstsStatus& h) {
  json j = {{"source", h.source}, {"domain", h.domain}, {"include_subdomains", h.include_subdomains}};
  if (h.expires_ms) j["expires"] = h.expires();
  return j;
}

}  // namespace

json to_json(const CertificateDescription& c) {
  json d = {{"sha256", c.sha256}, {"der_length", c.der_length}};
  if (c.parse_error) {
    d["parse_error"] = *c.parse_error;
    return d;
  }
  d["version"] = c.version;
  d["subject"] = c.subject;
  d["issuer"] = c.issuer;
  d["serial"] = c.serial;
  d["not_before"] = c.not_before;
  d["not_after"] = c.not_after;
  d["self_issued"] = c.self_issued;
  json key = {{"type", c.public_key.type}};
  if (c.public_key.bits) key["bits"] = *c.public_key.bits;
  if (c.public_key.curve) key["curve"] = *c.public_key.curve;
  d["public_key"] = key;
  d["signature_algorithm"] = c.signature_algorithm;
  if (c.subject_alt_names) d["subject_alt_names"] = to_json(*c.subject_alt_names);
  if (const auto& b = c.basic_constraints) {
    d["basic_constraints"] = {{"critical", b->critical}, {"ca", b->ca}};
    if (b->path_len) d["basic_constraints"]["path_len"] = *b->path_len;
  }
  if (const auto& k = c.key_usage) d["key_usage"] = {{"critical", k->critical}, {"usages", k->usages}};
  if (const auto& e = c.extended_key_usage) d["extended_key_usage"] = {{"critical", e->critical}, {"purposes", e->purposes}};
  if (const auto& n = c.name_constraints) {
    d["name_constraints"] = {{"critical", n->critical}, {"permitted", to_json(n->permitted)}, {"excluded", to_json(n->excluded)}};
  }
  if (const auto& a = c.authority_info_access) d["authority_info_access"] = {{"ocsp", a->ocsp}, {"ca_issuers", a->ca_issuers}};
  json exts = json::array();
  for (const auto& e : c.extensions) exts.push_back({{"oid", e.oid}, {"name", e.name}, {"critical", e.critical}});
  d["extensions"] = exts;
  return d;
}

json to_json(const Diagnosis& d) {
  json j = {{"url", d.url}, {"host", d.host}, {"port", d.port}};
  if (d.reported_error) j["reported_error"] = *d.reported_error;
  if (d.connection) j["connection"] = to_json(*d.connection);
  json chain = json::array();
  for (const auto& c : d.chain) chain.push_back(to_json(c));
  j["chain"] = chain;
  if (d.device) j["device"] = device_advice(*d.device, d.url, d.host);
  if (d.profile) {
    j["profile"] = {{"path", d.profile->path}, {"source", d.profile->source}, {"reason", d.profile->reason}};
    if (const auto& n = d.profile->nss) {
      j["profile"]["nss"] = {{"library", n->library}, {"dir", n->dir}, {"source", n->source}, {"version", n->version},
                             {"applies_pkcs11_trust", n->applies_pkcs11_trust}};
      if (!n->problem.empty()) j["profile"]["nss"]["problem"] = n->problem;
      if (!n->sees_pkcs11_trust) j["profile"]["nss"]["sees_pkcs11_trust"] = false;  // only said when it did not
    }
  }
  if (d.conflicts) {
    json conflicts = json::array();
    for (const auto& k : *d.conflicts) conflicts.push_back(to_json(k));
    j["conflicts"] = conflicts;
  }
  if (d.compared) {
    json compared = json::array();
    for (const auto& c : *d.compared) {
      json e = {{"url", c.url}, {"status", c.status}};
      if (!c.reason.empty()) e["reason"] = c.reason;
      if (!c.subject.empty()) e["subject"] = c.subject;
      if (!c.matches.empty()) {
        e["matches"] = json::array();
        for (const auto& m : c.matches) {
          e["matches"].push_back({{"cert", m.cert}, {"other_cert", m.other_cert}, {"other_sha256", m.other_sha256},
                                  {"other_subject", m.other_subject}});
        }
        e["prediction"] = c.prediction;
        if (c.measured) e["measured"] = {{"refused", c.measured->refused}, {"visits", c.measured->visits}};
      }
      compared.push_back(e);
    }
    j["compared"] = compared;
  }
  if (!d.path.empty()) {
    json path = json::array();
    for (const auto& step : d.path) {
      json p = to_json(step.cert);
      p["source"] = step.source;
      path.push_back(p);
    }
    j["path"] = path;
  }
  if (d.root_is_builtin) j["root_is_builtin"] = *d.root_is_builtin;
  if (d.exceptions) {
    json exceptions = json::array();
    for (const auto& e : *d.exceptions) {
      exceptions.push_back({{"host_port", e.host_port}, {"fingerprint", e.fingerprint}, {"matches", e.matches}});
    }
    j["exceptions"] = exceptions;
  }
  if (d.hsts) j["hsts"] = to_json(*d.hsts);
  if (d.judged) j["firefox_error"] = d.firefox_error ? json(*d.firefox_error) : json(nullptr);
  if (d.overridable) j["overridable"] = *d.overridable;
  json findings = json::array();
  for (const auto& f : d.findings) findings.push_back(render_finding(f));
  j["findings"] = findings;
  j["certdoctor"] = {{"version", build::version}};
  return j;
}

}  // namespace certdoctor
